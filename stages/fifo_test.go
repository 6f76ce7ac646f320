//go:build unix

package stages

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFileSourceReadsThroughItsLimit: a FIFO has no size to check, so the
// limit is kept by the read itself.
func TestFileSourceReadsThroughItsLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "handsoff.json")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for i := 0; i < 64; i++ { // 4 MiB, or until the reader stops
			if _, err := f.Write(chunk); err != nil {
				return
			}
		}
	}()
	_, err := Load(LoadOptions{Repo: "acme/orders", Path: path, Getenv: env(nil)})
	if err == nil || !strings.Contains(err.Error(), "larger than the limit of 1048576 bytes") {
		t.Errorf("err = %v", err)
	}
}
