// Command apigen writes the public API of this module, as api.APILines
// lists it, to api/VERSION.txt: run it when a version is released, and
// commit the file with the release. With -commit, it lists the API of that
// commit instead of the working tree (for a release made before).
//
//	go run ./internal/release/apigen v0.2.0
//	go run ./internal/release/apigen -commit a92bf53 v0.1.0
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/handsoff-cdk/handsoff/internal/release"
	"github.com/handsoff-cdk/handsoff/internal/release/api"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

func main() {
	commit := flag.String("commit", "", "list the API of this commit (git archive) instead of the working tree")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/release/apigen [-commit REV] VERSION")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || !strings.HasPrefix(flag.Arg(0), "v") {
		flag.Usage()
		os.Exit(2)
	}
	root := testenv.Root()
	dir := root
	if *commit != "" {
		tmp, err := os.MkdirTemp("", "apigen-")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(tmp)
		if err := release.Export(root, *commit, tmp); err != nil {
			fail(err)
		}
		dir = tmp
	}
	pkgs, err := api.PublicPackages(dir)
	if err != nil {
		fail(err)
	}
	file := filepath.Join(root, "api", flag.Arg(0)+".txt")
	os.MkdirAll(filepath.Dir(file), 0o755)
	lines := api.APILines(pkgs)
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("wrote %s: %d lines of %d packages\n", file, len(lines), len(pkgs))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "apigen:", err)
	os.Exit(1)
}
