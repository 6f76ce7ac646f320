package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// jsiiModules are the module path prefixes of jsii and the CDK: the CDK's
// Go packages embed their JavaScript (aws-cdk-lib alone is a 29 MB
// tarball), and linking them made this binary 71 MB and its cold install
// minutes long.
var jsiiModules = []string{
	"github.com/aws/aws-cdk-go/",
	"github.com/aws/jsii-runtime-go",
	"github.com/aws/constructs-go/",
	"github.com/cdklabs/",
}

// TestLinksNoJsii: the CLI links no jsii. Commands that synthesize run the
// team's app (go run), which links the CDK itself; the others read files
// (the plan, the assembly's templates) and need none of it. A failure
// names the import chain from cmd/handsoff to each package that brings
// jsii in: move what the CLI needs from it into a jsii-free package
// (as internal/plan holds the plan's types, reader and renderers).
func TestLinksNoJsii(t *testing.T) {
	const self = "github.com/handsoff-cdk/handsoff/cmd/handsoff"
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	imports := map[string][]string{} // package -> what it imports
	s := bufio.NewScanner(bytes.NewReader(out))
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		f := strings.Fields(s.Text())
		imports[f[0]] = f[1:]
	}
	if imports[self] == nil {
		t.Fatalf("go list -deps does not list %s:\n%s", self, out)
	}
	jsii := func(path string) bool {
		return slices.ContainsFunc(jsiiModules, func(m string) bool { return strings.HasPrefix(path, m) })
	}
	// Breadth first from the binary through jsii-free packages: each one
	// that imports jsii itself is a door, reported with the shortest chain
	// to it.
	from := map[string]string{self: ""}
	queue := []string{self}
	var doors []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		var direct []string
		for _, q := range imports[p] {
			if jsii(q) {
				direct = append(direct, q)
				continue
			}
			if _, seen := from[q]; !seen {
				from[q] = p
				queue = append(queue, q)
			}
		}
		if len(direct) == 0 {
			continue
		}
		chain := []string{p}
		for q := from[p]; q != ""; q = from[q] {
			chain = append(chain, q)
		}
		slices.Reverse(chain)
		more := ""
		if len(direct) > 1 {
			more = fmt.Sprintf(" (and %d more)", len(direct)-1)
		}
		doors = append(doors, strings.Join(append(chain, direct[0]), " -> ")+more)
	}
	for _, d := range doors {
		t.Errorf("cmd/handsoff links jsii: %s", d)
	}
}
