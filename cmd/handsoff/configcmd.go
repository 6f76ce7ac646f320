package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/handsoff-cdk/handsoff/internal/linediff"
	"github.com/handsoff-cdk/handsoff/stages"
	"github.com/spf13/cobra"
)

// configCmd is "handsoff config pull|diff": refresh the lock file from the
// configuration service, or show what a refresh would change.
func configCmd() *cobra.Command {
	return group(&cobra.Command{
		Use:   "config pull|diff",
		Short: "refresh the lock file from the configuration service, or show what that would change",
	}, configSync("pull"), configSync("diff"))
}

func configSync(sub string) *cobra.Command {
	fs := flag.NewFlagSet("handsoff config "+sub, flag.ContinueOnError)
	base := fs.String("url", "", "the configuration service's base URL; default: $HANDSOFF_CONFIG (never the lock file's url, which a pull request can change)")
	repo := fs.String("repo", "", "the repository as owner/name; default: the lock file's, else handsoff.json's")
	dir := fs.String("dir", ".", "the app's directory (where cdk.json and handsoff.lock.json are)")
	short := "pin the service's document in handsoff.lock.json"
	if sub == "diff" {
		short = "show what a pull would change in handsoff.lock.json"
	}
	return leaf(&cobra.Command{
		Use:   sub + " [flags]",
		Short: short,
		Long: `pull fetches the service's document for the repository and pins it in
handsoff.lock.json, which the pipeline's own build reads; diff shows what a
pull would change, and changes nothing.`,
		Args: argsBetween(0, 0, "no arguments"),
	}, fs, func(stdout, stderr io.Writer) int {
		lockPath := filepath.Join(*dir, stages.LockFile)
		lock, lockErr := stages.ReadLock(lockPath)
		if *repo == "" {
			*repo = defaultLockRepo(*dir)
		}
		if *base == "" {
			*base = os.Getenv(stages.ConfigEnv)
		}
		if !isURL(*base) {
			fmt.Fprintln(stderr, noService("handsoff config "+sub, *dir))
			return exitMisuse
		}
		if *repo == "" {
			fmt.Fprintln(stderr, "handsoff config "+sub+": no repository: name it (--repo OWNER/NAME), or run where handsoff.json or handsoff.lock.json is")
			return exitMisuse
		}
		fmt.Fprintf(stderr, "# GET %s\n", mustServiceURL(*base, *repo))
		if sub == "pull" {
			cfg, err := stages.Load(stages.LoadOptions{Repo: *repo, URL: *base, Refresh: true, Dir: *dir, LockDir: *dir})
			if err != nil {
				return docError(stderr, err)
			}
			fmt.Fprintf(stdout, "pinned %s in %s (%d environments)\n", cfg.Service.Repo, lockPath, len(cfg.Environments()))
			return exitOK
		}
		data, err := stages.Fetch(context.Background(), *base, *repo, stages.HTTPOptions{})
		if err != nil {
			return docError(stderr, err)
		}
		fresh, err := stages.Parse(data, mustServiceURL(*base, *repo))
		if err != nil {
			fmt.Fprintln(stdout, err)
			return exitFailed
		}
		if lockErr != nil {
			fmt.Fprintf(stdout, "no lock file (%v): a pull would pin %s with %d environments\n", lockErr, fresh.Service.Repo, len(fresh.Environments()))
			return exitOK
		}
		pinned, err := stages.Parse(lock.Document, lockPath)
		if err != nil {
			fmt.Fprintln(stdout, err)
			return exitFailed
		}
		if diff := linediff.Lines(pretty(pinned.Document), pretty(fresh.Document)); diff != "" {
			fmt.Fprintf(stdout, "a pull would change the document pinned %s (-pinned +service):\n%s", lock.FetchedAt.Format("2006-01-02 15:04"), diff)
			return exitOK
		}
		fmt.Fprintf(stdout, "the pinned document is the service's (pinned %s)\n", lock.FetchedAt.Format("2006-01-02 15:04"))
		return exitOK
	})
}

func pretty(d *stages.Document) []string {
	raw, _ := json.MarshalIndent(d, "", "  ")
	return strings.Split(string(raw), "\n")
}
