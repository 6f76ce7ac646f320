package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/handsoff-cdk/handsoff/stages"
)

// parseFlags parses a command's flags, which may come before or after its
// arguments: false with the exit status when the command is done (help:
// 0; misuse: 2). The arguments are left in fs.Args().
func parseFlags(fs *flag.FlagSet, args []string, maxArgs int) (bool, int) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return false, 0
			}
			return false, 2
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) > maxArgs {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), positional[maxArgs])
		return false, 2
	}
	fs.Parse(positional) // fs.Args() are the arguments now
	return true, 0
}

// validate checks a configuration document with the same problems as
// synthesis: a file, a configuration service URL, or (by default) the
// document the pipeline would read (HANDSOFF_CONFIG, the lock file,
// handsoff.json).
func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handsoff validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", "", "the repository as owner/name, for a URL or the default sources; default: the document's")
	asJSON := fs.Bool("json", false, "print the result as JSON: {valid, source, problems: [{path, code, message}]}")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: handsoff validate [flags] [FILE|URL]

Checks a configuration document with the same problems as synthesis. With
no argument, the document the pipeline reads (HANDSOFF_CONFIG, then
handsoff.lock.json, then handsoff.json). Exit status: 0 valid, 1 invalid,
2 misuse or a document that cannot be read.

Flags:
`)
		fs.PrintDefaults()
	}
	if ok, code := parseFlags(fs, args, 1); !ok {
		return code
	}
	opts := stages.LoadOptions{Repo: *repo}
	target := fs.Arg(0)
	var cfg *stages.Config
	var err error
	switch {
	case strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://"):
		if opts.Repo == "" {
			fmt.Fprintln(stderr, "handsoff validate: a URL needs --repo owner/name")
			return 2
		}
		opts.URL = target
		fmt.Fprintf(stderr, "# GET %s\n", mustServiceURL(target, opts.Repo))
		cfg, err = loadNoPin(opts)
	case target != "":
		var data []byte
		if data, err = os.ReadFile(target); err != nil {
			fmt.Fprintln(stderr, "handsoff validate:", err)
			return 2
		}
		cfg, err = stages.Parse(data, target)
		if err == nil && opts.Repo != "" && cfg.Service.Repo != opts.Repo {
			err = fmt.Errorf("handsoff validate: %s describes %s, not --repo %s", target, cfg.Service.Repo, opts.Repo)
		}
	default:
		if opts.Repo == "" {
			opts.Repo = defaultRepo()
		}
		opts.NoPin = true // validating is not pinning
		cfg, err = stages.Load(opts)
	}
	var ve *stages.ValidationError
	if err != nil && !errors.As(err, &ve) {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *asJSON {
		out := struct {
			Valid    bool             `json:"valid"`
			Source   string           `json:"source"`
			Problems []stages.Problem `json:"problems"`
		}{Problems: []stages.Problem{}}
		if ve != nil {
			out.Source, out.Problems = ve.Source, ve.Problems
		} else {
			out.Valid, out.Source = true, cfg.Origin
		}
		raw, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(raw))
	} else if ve != nil {
		fmt.Fprintln(stdout, ve.Error())
	} else {
		fmt.Fprintf(stdout, "%s: valid (%s, %d environments)\n", cfg.Origin, cfg.Service.Repo, len(cfg.Environments()))
	}
	if ve != nil {
		return 1
	}
	return 0
}

// loadNoPin reads a document from the configuration service without
// writing the lock file: validating is not pinning.
func loadNoPin(opts stages.LoadOptions) (*stages.Config, error) {
	data, err := stages.Fetch(context.Background(), opts.URL, opts.Repo, stages.HTTPOptions{})
	if err != nil {
		return nil, err
	}
	return stages.Parse(data, mustServiceURL(opts.URL, opts.Repo))
}

func mustServiceURL(base, repo string) string {
	u, err := stages.ServiceURL(base, repo)
	if err != nil {
		return stages.RedactURL(base)
	}
	return stages.RedactURL(u)
}

// defaultLockRepo is the repository of the lock file in dir, else
// defaultRepo.
func defaultLockRepo(dir string) string {
	if lock, err := stages.ReadLock(filepath.Join(dir, stages.LockFile)); err == nil {
		return lock.Repo
	}
	return defaultRepo()
}

// defaultRepo is the repository of ./handsoff.json, else the example's.
func defaultRepo() string {
	if data, err := os.ReadFile(stages.LocalFile); err == nil {
		var doc struct {
			Service struct{ Repo string } `json:"service"`
		}
		if json.Unmarshal(data, &doc) == nil && doc.Service.Repo != "" {
			return doc.Service.Repo
		}
	}
	return stages.ExampleRepo
}

// envs lists where the service runs.
func envs(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handsoff envs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "the configuration document (a file); default: as the pipeline finds it")
	stage := fs.String("stage", "", "only this stage (alpha, beta, gamma, prod)")
	region := fs.String("region", "", "only this region")
	asJSON := fs.Bool("json", false, "print JSON")
	if ok, code := parseFlags(fs, args, 0); !ok {
		return code
	}
	if *stage != "" && !strings.Contains(","+strings.Join(stages.StageOrder(), ",")+",", ","+*stage+",") {
		fmt.Fprintf(stderr, "handsoff envs: --stage %q is not one of %s\n", *stage, strings.Join(stages.StageOrder(), ", "))
		return 2
	}
	if *region != "" && !stages.IsRegion(*region) {
		fmt.Fprintf(stderr, "handsoff envs: --region %q is not an AWS region\n", *region)
		return 2
	}
	cfg, err := loadConfig(*config, "")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	type row struct {
		Name    string `json:"name"`
		Stage   string `json:"stage"`
		Wave    string `json:"wave"`
		Account string `json:"account"`
		Region  string `json:"region"`
		OneBox  bool   `json:"onebox"`
	}
	var rows []row
	for _, e := range cfg.Environments() {
		if (*stage == "" || e.Stage == *stage) && (*region == "" || e.Region == *region) {
			rows = append(rows, row{e.Name, e.Stage, e.Wave, e.Account, e.Region, e.OneBox})
		}
	}
	if *asJSON {
		if rows == nil {
			rows = []row{}
		}
		raw, _ := json.MarshalIndent(rows, "", "  ")
		fmt.Fprintln(stdout, string(raw))
		return 0
	}
	line := func(cols ...string) {
		fmt.Fprintln(stdout, strings.TrimRight(fmt.Sprintf("%-20s %-6s %-12s %-13s %-15s %s", cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]), " "))
	}
	line("ENVIRONMENT", "STAGE", "WAVE", "ACCOUNT", "REGION", "")
	for _, r := range rows {
		one := ""
		if r.OneBox {
			one = "one-box"
		}
		line(r.Name, r.Stage, r.Wave, r.Account, r.Region, one)
	}
	return 0
}
