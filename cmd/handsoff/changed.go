package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"

	"github.com/handsoff-cdk/handsoff/internal/monorepo"
	"github.com/handsoff-cdk/handsoff/internal/names"
)

// changedReport is handsoff changed --json.
type changedReport struct {
	Head     string           `json:"head"`
	Affected []changedService `json:"affected"`
	Others   []string         `json:"unaffected"`
}

type changedService struct {
	monorepo.Affected
	// Since is the commit the changes are counted from: --since, or the
	// last one the service's pipeline deployed to prod.
	Since string `json:"since"`
}

// changedCmd lists the services of a mono-repo that the changes since a
// commit concern.
func changedCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff changed", flag.ContinueOnError)
	since := fs.String("since", "", "count the changes since this commit (any git revision); default: each service's last commit deployed to prod, read from its parameter "+names.DeployedParameter("{service}"))
	repo := fs.String("repo", ".", "a directory of the git repository")
	config := fs.String("config", "", "without --since: the configuration document whose pipeline account and region hold the parameters (a file); default: as the pipeline finds it")
	asJSON := fs.Bool("json", false, "print JSON")
	return leaf(&cobra.Command{
		Use:   "changed [--since REF] [flags]",
		Short: "the services of a mono-repo that the changes since a commit concern",
		Long: `Lists the services (and frontends) of a mono-repo whose pipelines the
changes since a commit concern: git log --name-status since..HEAD
and git diff --name-status since HEAD (additions, modifications,
deletions, and both sides of renames; the diff adds what a since that is
not an ancestor of HEAD changed on its own side), each
path mapped to its folder in ` + monorepo.File + `, then everything that
depends on those folders, transitively. A change to the dependency file
concerns the services whose entry or dependency set it changed.

Without --since each service counts from the last commit its pipeline
deployed to prod, which the pipeline writes to the SSM parameter
` + names.DeployedParameter("{service}") + ` of its account and region;
it is read with the profile {service}-pipeline (handsoff profiles) in the
region of the document's pipeline. A service never deployed is concerned
by everything.`,
		Args: argsBetween(0, 0, "no arguments"),
	}, fs, func(stdout, stderr io.Writer) int {
		root, code := gitTop(stderr, *repo)
		if code != exitOK {
			return code
		}
		deps, err := monorepo.ReadFile(filepath.Join(root, monorepo.File))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				fmt.Fprintf(stderr, "handsoff changed: %s has no %s at its root: a mono-repo lists its folders there (docs/monorepo.md)\n", root, monorepo.File)
			} else {
				fmt.Fprintf(stderr, "handsoff changed: %v\n", err)
			}
			return exitFailed
		}
		// A folder gone from the checkout is a mistake in the file, which
		// synthesis refuses; the changes can still be counted.
		if err := deps.CheckFolders(root, filepath.Join(root, monorepo.File)); err != nil {
			fmt.Fprintf(stderr, "handsoff changed: warning: %v\n", err)
		}
		head, err := gitOut(root, "rev-parse", "--verify", "HEAD^{commit}")
		if err != nil {
			fmt.Fprintf(stderr, "handsoff changed: %s has no commit yet: commit first\n", root)
			return exitFailed
		}
		// since, by service: --since for all, else each one's parameter.
		from := map[string]string{}
		var never []string
		if *since != "" {
			commit, err := gitOut(root, "rev-parse", "--verify", "--end-of-options", *since+"^{commit}")
			if err != nil {
				fmt.Fprintf(stderr, "handsoff changed: --since %q is not a commit of %s: give a commit, branch or tag (git fetch it first, or git fetch --unshallow in a shallow clone)\n", *since, root)
				return exitMisuse
			}
			for _, s := range deps.Services() {
				from[s.Service] = commit
			}
		} else {
			deployed, code := readDeployed(stderr, *config, deps)
			if code != exitOK {
				return code
			}
			for _, s := range deps.Services() {
				c, ok := deployed[s.Service]
				if !ok {
					never = append(never, s.Service)
					continue
				}
				commit, err := gitOut(root, "rev-parse", "--verify", "--end-of-options", c+"^{commit}")
				if err != nil {
					fmt.Fprintf(stderr, "handsoff changed: %s last deployed %s to prod, which is not a commit of %s: git fetch (or git fetch --unshallow in a shallow clone), or give --since\n", s.Service, c, root)
					return exitFailed
				}
				from[s.Service] = commit
			}
		}
		report := changedReport{Head: head, Affected: []changedService{}, Others: []string{}}
		bySince := map[string][]monorepo.Affected{}
		for _, s := range deps.Services() {
			c, ok := from[s.Service]
			if !ok {
				report.Affected = append(report.Affected, changedService{Affected: monorepo.Affected{Service: s.Service, Folder: s.Path, Kind: s.Kind, Because: []string{"never deployed to prod"}}})
				continue
			}
			affected, ok := bySince[c]
			if !ok {
				// Every commit since c, and the trees' difference: a c
				// that is not an ancestor of HEAD has changes of its own
				// that deploying HEAD undoes.
				var changes []monorepo.Change
				for _, args := range [][]string{monorepo.GitLogArgs(c), monorepo.GitDiffArgs(c)} {
					fmt.Fprintf(stderr, "$ git %s\n", strings.Join(args, " "))
					out, err := gitOut(root, args...)
					if err != nil {
						fmt.Fprintf(stderr, "handsoff changed: git %s: %v\n", args[0], err)
						return exitFailed
					}
					more, err := monorepo.ParseNameStatus([]byte(out))
					if err != nil {
						fmt.Fprintf(stderr, "handsoff changed: %v\n", err)
						return exitFailed
					}
					changes = append(changes, more...)
				}
				// The dependency file as it was: its change concerns
				// only the services whose set it changed. Absent or
				// invalid then, it concerns every one.
				var before *monorepo.Deps
				if old, err := gitOut(root, "show", c+":"+monorepo.File); err == nil {
					before, _ = monorepo.Parse([]byte(old), c+":"+monorepo.File)
				}
				affected = deps.Affected(changes, before)
				bySince[c] = affected
			}
			found := false
			for _, a := range affected {
				if a.Service == s.Service {
					report.Affected = append(report.Affected, changedService{Affected: a, Since: c})
					found = true
				}
			}
			if !found {
				report.Others = append(report.Others, s.Service)
			}
		}
		if *asJSON {
			raw, _ := json.MarshalIndent(report, "", "  ")
			fmt.Fprintln(stdout, string(raw))
			return exitOK
		}
		fmt.Fprintf(stdout, "%d of %d services changed (HEAD %s):\n", len(report.Affected), len(deps.Services()), short(head))
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, a := range report.Affected {
			since := "-"
			if a.Since != "" {
				since = short(a.Since)
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\tsince %s\t%s\n", a.Service, a.Kind, a.Folder, since, strings.Join(a.Because, ", "))
		}
		w.Flush()
		if len(report.Others) > 0 {
			fmt.Fprintf(stdout, "unchanged: %s\n", strings.Join(report.Others, ", "))
		}
		return exitOK
	})
}

func short(commit string) string { return commit[:min(len(commit), 12)] }

// gitTop is the top directory of the repository holding dir.
func gitTop(stderr io.Writer, dir string) (string, int) {
	if _, err := exec.LookPath("git"); err != nil {
		fmt.Fprintln(stderr, "handsoff changed: git is not on PATH: install git")
		return "", exitFailed
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "handsoff changed: --repo %q is not a directory\n", dir)
		return "", exitMisuse
	}
	top, err := gitOut(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		fmt.Fprintf(stderr, "handsoff changed: %s is not in a git repository: run it in a clone of the mono-repo, or give --repo\n", dir)
		return "", exitFailed
	}
	return top, exitOK
}

// gitOut runs git in dir and returns its standard output, trimmed of the
// final newline; the error carries git's standard error.
func gitOut(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSuffix(out.String(), "\n"), nil
}

// readDeployed reads each service's last commit deployed to prod, in the
// pipeline account and region of the document; a service whose parameter
// does not exist is left out (never deployed).
func readDeployed(stderr io.Writer, config string, deps *monorepo.Deps) (map[string]string, int) {
	cfg, err := loadConfig(config, "")
	if err != nil {
		fmt.Fprintln(stderr, "handsoff changed: without --since the parameters are read in the pipeline account and region of the document:")
		return nil, docError(stderr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := map[string]string{}
	for _, s := range deps.Services() {
		profile := profileName(s.Service, "pipeline")
		client, code := ssmClient(ctx, stderr, "handsoff changed", profile, cfg.Pipeline.Region)
		if code != exitOK {
			return nil, code
		}
		name := names.DeployedParameter(s.Service)
		fmt.Fprintf(stderr, "# aws ssm get-parameter --name %s --profile %s --region %s\n", name, profile, cfg.Pipeline.Region)
		p, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		var missing *ssmtypes.ParameterNotFound
		switch {
		case errors.As(err, &missing):
			continue
		case err != nil:
			fmt.Fprintf(stderr, "handsoff changed: %s: %s\n", name, explainAWS(err))
			return nil, awsExit(err)
		}
		out[s.Service] = aws.ToString(p.Parameter.Value)
	}
	return out, exitOK
}
