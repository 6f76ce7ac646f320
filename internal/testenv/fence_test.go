package testenv

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNpmPostinstallWritesFence: after a plain `npm ci`, go build ./...
// must not walk into the CDK CLI's Go templates under node_modules. The
// package.json postinstall writes node_modules/go.mod, as scripts/setup
// does; here it runs as npm would run it, in a directory of its own.
func TestNpmPostinstallWritesFence(t *testing.T) {
	node := NeedNode(t)
	raw, err := os.ReadFile(filepath.Join(Root(), "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Scripts map[string]string `json:"scripts"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	script := pkg.Scripts["postinstall"]
	if script == "" {
		t.Fatal("package.json has no postinstall script")
	}
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "node_modules"), 0o755)
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("postinstall: %v\n%s", err, out)
	}
	fence, err := os.ReadFile(filepath.Join(dir, "node_modules", "go.mod"))
	if err != nil || !strings.Contains(string(fence), "\nmodule node_modules\n") {
		t.Errorf("node_modules/go.mod = %q, %v", fence, err)
	}
}
