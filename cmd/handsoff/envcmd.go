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

	"github.com/spf13/cobra"
)

// whereis asks the configuration service where a service runs.
func whereisCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff whereis", flag.ContinueOnError)
	base := fs.String("url", "", "the configuration service's base URL; default: $HANDSOFF_CONFIG, else the lock file's")
	asJSON := fs.Bool("json", false, "print JSON")
	return leaf(&cobra.Command{
		Use:   "whereis [flags] SERVICE",
		Short: "where a service runs, from the configuration service",
		Long: `Asks the configuration service where a service runs: SERVICE is its name
(orders) or repository (acme/orders). Any token of the configuration
service will do (HANDSOFF_CONFIG_TOKEN). A service the configuration
service does not know exits 1.`,
		Args: argsBetween(1, 1, "one service: a name or OWNER/NAME"),
	}, fs, func(stdout, stderr io.Writer) int {
		b := serviceBase(*base, ".")
		if b == "" {
			fmt.Fprintln(stderr, noService("handsoff whereis", "."))
			return exitMisuse
		}
		path := "/v1/locations?service=" + url.QueryEscape(fs.Arg(0))
		var out configapi.Locations
		if err := callService(stderr, "GET", b, path, nil, &out); err != nil {
			fmt.Fprintln(stderr, "handsoff whereis:", err)
			return exitFor(err)
		}
		if len(out.Services) == 0 {
			fmt.Fprintf(stderr, "handsoff whereis: the configuration service knows no service %q (a name such as orders, or a repository such as acme/orders)\n", fs.Arg(0))
			if *asJSON {
				fmt.Fprintln(stdout, "[]")
			}
			return exitFailed
		}
		if *asJSON {
			raw, _ := json.MarshalIndent(out.Services, "", "  ")
			fmt.Fprintln(stdout, string(raw))
			return exitOK
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
		return exitOK
	})
}

// envCmd is "handsoff env add|remove": a developer's test environment
// through the configuration service's developer API.
func envCmd() *cobra.Command {
	return group(&cobra.Command{
		Use:   "env add|remove",
		Short: "add or remove a test environment, through the configuration service",
	}, envChange("add"), envChange("remove"))
}

func envChange(sub string) *cobra.Command {
	fs := flag.NewFlagSet("handsoff env "+sub, flag.ContinueOnError)
	base := fs.String("url", "", "the configuration service's base URL; default: $HANDSOFF_CONFIG")
	repo := fs.String("repo", "", "the repository as owner/name; default: the lock file's, else handsoff.json's")
	var stage, account, region string
	use, short := "remove [flags] NAME", "remove a test environment"
	if sub == "add" {
		fs.StringVar(&stage, "stage", "", "alpha or beta")
		fs.StringVar(&account, "account", "", "the 12-digit account; it must be registered with the service")
		fs.StringVar(&region, "region", "", "the region")
		use, short = "add [flags] NAME --stage alpha|beta --account ID --region REGION", "add a test environment in alpha or beta"
	}
	return leaf(&cobra.Command{
		Use:               use,
		ValidArgsFunction: completeEnvironments,
		Short:             short,
		Long: `Adds (or removes) a test environment of the service, in alpha or beta,
through the configuration service with a team token (HANDSOFF_CONFIG_TOKEN).
The service checks the change like any other: a refusal lists every
problem and changes nothing. Then "handsoff config pull" pins it.`,
		Args: argsBetween(1, 1, "one environment name"),
	}, fs, func(stdout, stderr io.Writer) int {
		name := fs.Arg(0)
		var problems []string
		if sub == "add" {
			if stage != stages.Alpha && stage != stages.Beta {
				problems = append(problems, fmt.Sprintf("--stage %q: test environments go in alpha or beta", stage))
			}
			if !reAccount.MatchString(account) {
				problems = append(problems, fmt.Sprintf("--account %q: is not a 12-digit account", account))
			}
			if !stages.IsRegion(region) {
				problems = append(problems, fmt.Sprintf("--region %q: is not an AWS region", region))
			}
		}
		b := serviceBase(*base, ".")
		if b == "" {
			problems = append(problems, strings.TrimPrefix(noService("", "."), ": "))
		}
		if *repo == "" {
			*repo = defaultLockRepo(".")
		}
		if *repo == "" {
			problems = append(problems, "--repo: no repository: name it (--repo OWNER/NAME), or run where handsoff.json or handsoff.lock.json is")
		} else if err := stages.ValidRepo(*repo); err != nil {
			problems = append(problems, "--repo: "+err.Error())
		}
		if len(problems) > 0 {
			fmt.Fprintf(stderr, "handsoff env %s: nothing was changed:\n  - %s\n", sub, strings.Join(problems, "\n  - "))
			return exitMisuse
		}
		path := "/v1/services/" + *repo + "/environments"
		var err error
		if sub == "add" {
			err = callService(stderr, "POST", b, path, map[string]string{"stage": stage, "name": name, "account": account, "region": region}, nil)
		} else {
			path += "/" + url.PathEscape(name)
			err = callService(stderr, "DELETE", b, path, nil, nil)
		}
		if err != nil {
			fmt.Fprintf(stderr, "handsoff env %s: %v\n", sub, err)
			return exitFor(err)
		}
		if sub == "add" {
			fmt.Fprintf(stdout, "added %s to %s of %s (%s %s); run handsoff config pull to pin it\n", name, stage, *repo, account, region)
		} else {
			fmt.Fprintf(stdout, "removed %s from %s; run handsoff config pull to pin it\n", name, *repo)
		}
		return exitOK
	})
}
