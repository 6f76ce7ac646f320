// Package api checks the module's public API against its last release,
// so that a minor version never breaks a team's build.
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
package api

import (
	"bufio"
	"bytes"
	"fmt"
	"go/types"
	"os"
	"sort"
	"strings"

	"golang.org/x/exp/apidiff"
	"golang.org/x/tools/go/packages"

	"github.com/handsoff-cdk/handsoff/internal/release"
)

// PublicPackages loads the public packages of the module at dir, by
// import path, with their types (from the build's export data).
func PublicPackages(dir string) (map[string]*types.Package, error) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes, Dir: dir, Env: append(os.Environ(), "GOWORK=off")}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, err
	}
	out := map[string]*types.Package{}
	var errs []string
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.PkgPath, release.Module), "/")
		if p.Name == "main" || strings.HasPrefix(rel, "internal") || strings.Contains(rel, "/internal") ||
			strings.HasPrefix(rel, "examples") || strings.HasPrefix(rel, "cmd") || strings.HasSuffix(p.PkgPath, "_test") {
			continue
		}
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
		if p.Types != nil {
			out[p.PkgPath] = p.Types
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("loading %s: %s", dir, strings.Join(errs, "; "))
	}
	return out, nil
}

// Incompatible lists the incompatible changes from old to new, by
// package: a package removed, or apidiff's incompatible changes.
func Incompatible(old, new map[string]*types.Package) []string {
	var out []string
	for path, o := range old {
		n, ok := new[path]
		if !ok {
			out = append(out, path+": the package is gone")
			continue
		}
		for _, c := range apidiff.Changes(o, n).Changes {
			if !c.Compatible {
				out = append(out, path+": "+c.Message)
			}
		}
	}
	sort.Strings(out)
	return out
}

// BreakingAnnounced reports whether CHANGELOG.md's Unreleased section has
// a "### Breaking" heading.
func BreakingAnnounced(changelog []byte) bool {
	s := bufio.NewScanner(bytes.NewReader(changelog))
	in := false
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		switch {
		case strings.HasPrefix(line, "## "):
			in = strings.Contains(strings.ToLower(line), "unreleased")
		case in && strings.EqualFold(line, "### Breaking"):
			return true
		}
	}
	return false
}

// loadOne loads one package pattern of the module at dir.
func loadOne(dir, pattern string) (map[string]*types.Package, error) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes, Dir: dir, Env: append(os.Environ(), "GOWORK=off")}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil {
		return nil, err
	}
	out := map[string]*types.Package{}
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			return nil, fmt.Errorf("%s: %v", p.PkgPath, p.Errors)
		}
		out[p.PkgPath] = p.Types
	}
	return out, nil
}
