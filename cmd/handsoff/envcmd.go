package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/handsoff-cdk/handsoff/internal/configapi"
	"github.com/handsoff-cdk/handsoff/stages"
)

// whereis asks the configuration service where a service runs.
func whereis(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handsoff whereis", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the configuration service's base URL; default: $HANDSOFF_CONFIG, else the lock file's")
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: handsoff whereis [flags] SERVICE

Asks the configuration service where a service runs: SERVICE is its name
(orders) or repository (acme/orders). Any token of the configuration
service will do
(HANDSOFF_CONFIG_TOKEN). Exit status: 0 found, 1 not found or the service
failed, 2 misuse.

Flags:
`)
		fs.PrintDefaults()
	}
	if ok, code := parseFlags(fs, args, 1); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	b := serviceBase(*base, ".")
	if b == "" {
		fmt.Fprintln(stderr, noService("handsoff whereis", "."))
		return 2
	}
	path := "/v1/locations?service=" + url.QueryEscape(fs.Arg(0))
	var out configapi.Locations
	if err := callService(stderr, "GET", b, path, nil, &out); err != nil {
		fmt.Fprintln(stderr, "handsoff whereis:", err)
		return 1
	}
	if *asJSON {
		raw, _ := json.MarshalIndent(out.Services, "", "  ")
		fmt.Fprintln(stdout, string(raw))
		return 0
	}
	for i, s := range out.Services {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s (%s, owner %s): %d environments\n", s.Name, s.Repo, s.Owner, len(s.Environments))
		for _, e := range s.Environments {
			one := ""
			if e.OneBox {
				one = " one-box"
			}
			fmt.Fprintln(stdout, strings.TrimRight(fmt.Sprintf("  %-20s %-6s %-13s %-15s%s", e.Environment, e.Stage, e.Account, e.Region, one), " "))
		}
	}
	return 0
}

// envCmd is "handsoff env add|remove": a developer's test environment
// through the configuration service's developer API.
func envCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "add" && args[0] != "remove") {
		fmt.Fprintln(stderr, "Usage: handsoff env add NAME --stage alpha|beta --account ID --region REGION\n       handsoff env remove NAME")
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("handsoff env "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the configuration service's base URL; default: $HANDSOFF_CONFIG, else the lock file's")
	repo := fs.String("repo", "", "the repository as owner/name; default: the lock file's, else handsoff.json's")
	stage := fs.String("stage", "", "alpha or beta (add)")
	account := fs.String("account", "", "the 12-digit account (add); it must be registered with the service")
	region := fs.String("region", "", "the region (add)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: handsoff env %s [flags] NAME

Adds (or removes) a test environment of the service, in alpha or beta,
through the configuration service with a team token (HANDSOFF_CONFIG_TOKEN).
The service checks the change like any other: a refusal lists every
problem and changes nothing. Then "handsoff config pull" pins it.

Flags:
`, sub)
		fs.PrintDefaults()
	}
	if ok, code := parseFlags(fs, args[1:], 1); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	name := fs.Arg(0)
	var problems []string
	if sub == "add" {
		if *stage != stages.Alpha && *stage != stages.Beta {
			problems = append(problems, fmt.Sprintf("--stage %q: test environments go in alpha or beta", *stage))
		}
		if !reAccount.MatchString(*account) {
			problems = append(problems, fmt.Sprintf("--account %q: is not a 12-digit account", *account))
		}
		if !stages.IsRegion(*region) {
			problems = append(problems, fmt.Sprintf("--region %q: is not an AWS region", *region))
		}
	}
	b := serviceBase(*base, ".")
	if b == "" {
		problems = append(problems, strings.TrimPrefix(noService("", "."), ": "))
	}
	if *repo == "" {
		*repo = defaultLockRepo(".")
	}
	if err := stages.ValidRepo(*repo); err != nil {
		problems = append(problems, "--repo: "+err.Error())
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "handsoff env %s: nothing was changed:\n  - %s\n", sub, strings.Join(problems, "\n  - "))
		return 2
	}
	path := "/v1/services/" + *repo + "/environments"
	var err error
	if sub == "add" {
		err = callService(stderr, "POST", b, path, map[string]string{"stage": *stage, "name": name, "account": *account, "region": *region}, nil)
	} else {
		path += "/" + url.PathEscape(name)
		err = callService(stderr, "DELETE", b, path, nil, nil)
	}
	if err != nil {
		fmt.Fprintf(stderr, "handsoff env %s: %v\n", sub, err)
		return 1
	}
	if sub == "add" {
		fmt.Fprintf(stdout, "added %s to %s of %s (%s %s); run handsoff config pull to pin it\n", name, *stage, *repo, *account, *region)
	} else {
		fmt.Fprintf(stdout, "removed %s from %s; run handsoff config pull to pin it\n", name, *repo)
	}
	return 0
}
