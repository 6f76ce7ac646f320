package crossbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// Targets are the systems every package must compile for.
var Targets = [][2]string{{"darwin", "arm64"}, {"darwin", "amd64"}, {"windows", "amd64"}, {"linux", "amd64"}, {"linux", "arm64"}}

func build(t *testing.T, goos, goarch string, pkgs ...string) (string, error) {
	t.Helper()
	args := append([]string{"build", "-o", os.DevNull}, pkgs...)
	if len(pkgs) > 1 || strings.HasSuffix(pkgs[0], "...") {
		args = append([]string{"build"}, pkgs...) // several packages: results are discarded
	}
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), args...)
	cmd.Dir = testenv.Root()
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestEveryPackageBuildsEverywhere compiles the module for every target.
// Cold, a target takes about a minute here (the CDK's packages are large);
// the build cache makes later runs fast.
func TestEveryPackageBuildsEverywhere(t *testing.T) {
	for _, tg := range Targets {
		t.Run(tg[0]+"/"+tg[1], func(t *testing.T) {
			if out, err := build(t, tg[0], tg[1], "./..."); err != nil {
				t.Errorf("go build ./... for %s/%s: %v\n%s", tg[0], tg[1], err, out)
			}
		})
	}
}

// TestCrossBuildCatchesLinuxOnly: the same build fails, naming the cause,
// for a package that builds on Linux only.
func TestCrossBuildCatchesLinuxOnly(t *testing.T) {
	const pkg = "./internal/testenv/crossbuild/testdata/linuxonly"
	if out, err := build(t, "linux", "amd64", pkg); err != nil {
		t.Fatalf("the Linux-only package does not build on Linux: %v\n%s", err, out)
	}
	for _, tg := range [][2]string{{"darwin", "arm64"}, {"windows", "amd64"}} {
		out, err := build(t, tg[0], tg[1], pkg)
		if err == nil || !strings.Contains(out, "build constraints exclude all Go files") {
			t.Errorf("%s/%s: err %v, output %s", tg[0], tg[1], err, out)
		}
	}
}
