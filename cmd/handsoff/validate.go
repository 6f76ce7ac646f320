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

	"github.com/handsoff-cdk/handsoff/internal/release"
	"github.com/handsoff-cdk/handsoff/stages"

	"github.com/spf13/cobra"
)

// validateCmd checks a configuration document with the same problems as
// synthesis: a file, a configuration service URL, or (by default) the
// document the pipeline would read (HANDSOFF_CONFIG, the lock file,
// handsoff.json).
func validateCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff validate", flag.ContinueOnError)
	repo := fs.String("repo", "", "the repository as owner/name, for a URL or the default sources; default: the document's")
	asJSON := fs.Bool("json", false, "print the result as one JSON object, whatever happens: {valid, source, problems: [{path, code, message}], error}")
	return leaf(&cobra.Command{
		Use:   "validate [flags] [FILE|URL]",
		Short: "check a configuration document, with the same problems as synthesis",
		Long: `Checks a configuration document with the same problems as synthesis. With
no argument, the document the pipeline reads (HANDSOFF_CONFIG, then
handsoff.lock.json, then handsoff.json). An invalid document lists every
problem and exits 1; a service that cannot be reached exits 3.`,
		Args: argsBetween(0, 1, "at most one document: a FILE or URL"),
	}, fs, func(stdout, stderr io.Writer) int {
		opts := stages.LoadOptions{Repo: *repo}
		target := fs.Arg(0)
		var cfg *stages.Config
		var err error
		code := exitOK
		switch {
		case isURL(target):
			if opts.Repo == "" {
				err, code = errors.New("handsoff validate: a URL needs --repo owner/name"), exitMisuse
				break
			}
			opts.URL = target
			fmt.Fprintf(stderr, "# GET %s\n", mustServiceURL(target, opts.Repo))
			cfg, err = loadNoPin(opts)
		case target != "":
			var data []byte
			if data, err = stages.ReadFile(target); err != nil {
				err, code = fmt.Errorf("handsoff validate: %w", err), exitMisuse
				break
			}
			cfg, err = stages.Parse(data, target)
			if err == nil && opts.Repo != "" && cfg.Service.Repo != opts.Repo {
				err = fmt.Errorf("handsoff validate: %s describes %s, not --repo %s", target, cfg.Service.Repo, opts.Repo)
			}
		default:
			if opts.Repo == "" {
				opts.Repo = defaultRepo()
			}
			if opts.Repo == "" {
				err = errNoDocument
				break
			}
			opts.NoPin = true // validating is not pinning
			if cfg, err = stages.Load(opts); err == nil && usesExample(cfg) {
				cfg, err = nil, errNoDocument
			}
		}
		if err != nil && code == exitOK {
			code = exitFor(err)
		}
		var ve *stages.ValidationError
		errors.As(err, &ve)
		if *asJSON {
			out := struct {
				Valid    bool             `json:"valid"`
				Source   string           `json:"source"`
				Problems []stages.Problem `json:"problems"`
				Error    string           `json:"error,omitempty"`
			}{Problems: []stages.Problem{}}
			switch {
			case ve != nil:
				out.Source, out.Problems = ve.Source, ve.Problems
			case err != nil:
				out.Error = err.Error()
			default:
				out.Valid, out.Source = true, cfg.Origin
			}
			raw, _ := json.MarshalIndent(out, "", "  ")
			fmt.Fprintln(stdout, string(raw))
			return code
		}
		switch {
		case ve != nil:
			fmt.Fprintln(stdout, ve.Error())
		case err != nil:
			fmt.Fprintln(stderr, err)
		default:
			fmt.Fprintf(stdout, "%s: valid (%s, %d environments)\n", cfg.Origin, cfg.Service.Repo, len(cfg.Environments()))
		}
		return code
	})
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

// defaultRepo is the repository the CLI works on when no --repo names
// it: handsoff.json's, else the lock file's, else that of the file
// HANDSOFF_CONFIG names; in the handsoff repository itself, the embedded
// example's. Anywhere else "" (see errNoDocument): a team's module never
// falls back to the example silently.
func defaultRepo() string {
	repoOf := func(path string) string {
		var doc struct {
			Service struct{ Repo string } `json:"service"`
		}
		if data, err := os.ReadFile(path); err == nil && json.Unmarshal(data, &doc) == nil {
			return doc.Service.Repo
		}
		return ""
	}
	if r := repoOf(stages.LocalFile); r != "" {
		return r
	}
	if lock, err := stages.ReadLock(stages.LockFile); err == nil && lock.Repo != "" {
		return lock.Repo
	}
	if v := strings.TrimSpace(os.Getenv(stages.ConfigEnv)); v != "" && !isURL(v) {
		if r := repoOf(v); r != "" {
			return r
		}
	}
	if inHandsoffRepo() {
		return stages.ExampleRepo
	}
	return ""
}

// usesExample reports whether a document is the embedded example outside
// the handsoff repository, where no command may use it: there it would
// print, or run, commands for the example's accounts.
func usesExample(cfg *stages.Config) bool {
	return strings.HasPrefix(cfg.Origin, "embedded example") && !inHandsoffRepo()
}

// errNoDocument says where a document may come from.
var errNoDocument = errors.New("handsoff: no configuration document here, and outside the handsoff repository there is no example to fall back on. Give one:\n" +
	"  - " + stages.ConfigEnv + "=https://config.example.com with --repo OWNER/NAME (the configuration service), or " + stages.ConfigEnv + "=FILE\n" +
	"  - " + stages.LockFile + " beside cdk.json (handsoff config pull writes it)\n" +
	"  - " + stages.LocalFile + " in this directory\n" +
	"  - --config FILE")

// inHandsoffRepo reports whether the working directory is inside the
// handsoff module itself (its go.mod names release.Module).
func inHandsoffRepo() bool {
	dir, err := os.Getwd()
	if err != nil {
		return false
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			return modfileModule(data) == release.Module
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
	}
}

// modfileModule is the module path a go.mod declares.
func modfileModule(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// envs lists where the service runs.
func envsCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff envs", flag.ContinueOnError)
	config := fs.String("config", "", "the configuration document (a file); default: as the pipeline finds it")
	stage := fs.String("stage", "", "only this stage (alpha, beta, gamma, prod)")
	region := fs.String("region", "", "only this region")
	asJSON := fs.Bool("json", false, "print JSON")
	return withValues(leaf(&cobra.Command{
		Use:   "envs [flags]",
		Short: "where the service runs",
		Args:  argsBetween(0, 0, "no arguments"),
	}, fs, func(stdout, stderr io.Writer) int {
		if *stage != "" && !strings.Contains(","+strings.Join(stages.StageOrder(), ",")+",", ","+*stage+",") {
			fmt.Fprintf(stderr, "handsoff envs: --stage %q is not one of %s\n", *stage, strings.Join(stages.StageOrder(), ", "))
			return exitMisuse
		}
		if *region != "" && !stages.IsRegion(*region) {
			fmt.Fprintf(stderr, "handsoff envs: --region %q is not an AWS region\n", *region)
			return exitMisuse
		}
		cfg, err := loadConfig(*config, "")
		if err != nil {
			return docError(stderr, err)
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
			return exitOK
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
		return exitOK
	}), "stage", stages.StageOrder()...)
}
