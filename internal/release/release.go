// Package release knows the module's releases: the last one
// (internal/release/last) and how to export a commit's tree. The API check
// against the last release is package api, below it, which the CLI does
// not link.
//
// Each release's API is a text file in the repository, api/VERSION.txt,
// one exported item a line, as the Go project keeps api/go1.*.txt
// (APILines; written at release time by `go run ./internal/release/apigen
// VERSION`). The check needs no git history: every line of the last
// release's file (internal/release/last names it) must still be in the
// current API. Where the clone has the release commit (the tag, or the
// commit the file records), golang.org/x/exp/apidiff also compares the two
// trees. An incompatible change fails unless CHANGELOG.md's Unreleased
// section has a "### Breaking" heading, which commits the next release to
// a new major version (or, before v1, a new minor one).
package release

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Module is this module's path.
const Module = "github.com/handsoff-cdk/handsoff"

// Release is a released version and its commit.
type Release struct{ Version, Commit string }

var reRelease = regexp.MustCompile(`^(v\d+\.\d+\.\d+)\s+([0-9a-f]{7,40})$`)

// LastRelease reads the last release from root/internal/release/last, a
// line "vX.Y.Z commit", and resolves it to the tag when the clone has one.
func LastRelease(root string) (Release, error) {
	raw, err := os.ReadFile(filepath.Join(root, "internal", "release", "last"))
	if err != nil {
		return Release{}, err
	}
	m := reRelease.FindStringSubmatch(strings.TrimSpace(string(raw)))
	if m == nil {
		return Release{}, fmt.Errorf("internal/release/last: want \"vX.Y.Z commit\", have %q", raw)
	}
	r := Release{Version: m[1], Commit: m[2]}
	if out, err := git(root, "rev-parse", "--verify", "--quiet", r.Version+"^{commit}"); err == nil {
		r.Commit = strings.TrimSpace(out)
	}
	return r, nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	return string(out), err
}

// Export writes the tree of a commit into dir (git archive).
func Export(root, commit, dir string) error {
	archive := exec.Command("git", "archive", "--format=tar", commit)
	archive.Dir = root
	tar := exec.Command("tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	tar.Stdin = pipe
	var stderr bytes.Buffer
	archive.Stderr, tar.Stderr = &stderr, &stderr
	if err := tar.Start(); err != nil {
		return err
	}
	if err := archive.Run(); err != nil {
		return fmt.Errorf("git archive %s: %v: %s", commit, err, stderr.String())
	}
	return tar.Wait()
}
