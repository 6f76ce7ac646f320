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
)

// configCmd is "handsoff config pull|diff": refresh the lock file from the
// configuration service, or show what a refresh would change.
func configCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "pull" && args[0] != "diff") {
		fmt.Fprintln(stderr, "Usage: handsoff config pull|diff [--url URL] [--repo OWNER/NAME] [--dir DIR]")
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("handsoff config "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the configuration service's base URL; default: $HANDSOFF_CONFIG (never the lock file's url, which a pull request can change)")
	repo := fs.String("repo", "", "the repository as owner/name; default: the lock file's, else handsoff.json's")
	dir := fs.String("dir", ".", "the app's directory (where cdk.json and handsoff.lock.json are)")
	if ok, code := parseFlags(fs, args[1:], 0); !ok {
		return code
	}
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
		return 2
	}
	fmt.Fprintf(stderr, "# GET %s\n", mustServiceURL(*base, *repo))
	if sub == "pull" {
		cfg, err := stages.Load(stages.LoadOptions{Repo: *repo, URL: *base, Refresh: true, Dir: *dir, LockDir: *dir})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "pinned %s in %s (%d environments)\n", cfg.Service.Repo, lockPath, len(cfg.Environments()))
		return 0
	}
	data, err := stages.Fetch(context.Background(), *base, *repo, stages.HTTPOptions{})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fresh, err := stages.Parse(data, mustServiceURL(*base, *repo))
	if err != nil {
		fmt.Fprintln(stdout, err)
		return 1
	}
	if lockErr != nil {
		fmt.Fprintf(stdout, "no lock file (%v): a pull would pin %s with %d environments\n", lockErr, fresh.Service.Repo, len(fresh.Environments()))
		return 0
	}
	pinned, err := stages.Parse(lock.Document, lockPath)
	if err != nil {
		fmt.Fprintln(stdout, err)
		return 1
	}
	if diff := linediff.Lines(pretty(pinned.Document), pretty(fresh.Document)); diff != "" {
		fmt.Fprintf(stdout, "a pull would change the document pinned %s (-pinned +service):\n%s", lock.FetchedAt.Format("2006-01-02 15:04"), diff)
		return 0
	}
	fmt.Fprintf(stdout, "the pinned document is the service's (pinned %s)\n", lock.FetchedAt.Format("2006-01-02 15:04"))
	return 0
}

func pretty(d *stages.Document) []string {
	raw, _ := json.MarshalIndent(d, "", "  ")
	return strings.Split(string(raw), "\n")
}
