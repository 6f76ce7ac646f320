//go:build unix

package stages

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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

// late is a FIFO whose writer opens it 100 ms after it is made, and
// writes the example document.
func late(t *testing.T, dir string) string {
	path := filepath.Join(dir, "late.json")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		f.Write(ExampleDocument())
	}()
	return path
}

// TestNothingMakesTheReaderWait: a FIFO nobody writes, a writer that
// stalls, a terminal-like device, a socket: each ends in a clear error,
// never a wait; a FIFO whose writer writes the document works. The
// guard only catches a hang; it measures nothing.
func TestNothingMakesTheReaderWait(t *testing.T) {
	defer func(w time.Duration) { pipeWait = w }(pipeWait)
	pipeWait = 300 * time.Millisecond
	dir := t.TempDir()
	fifo := func(name string, write func(f *os.File)) string {
		path := filepath.Join(dir, name)
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Skipf("no FIFO here: %v", err)
		}
		if write != nil {
			go func() {
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				defer f.Close()
				write(f)
			}()
			time.Sleep(50 * time.Millisecond) // the writer opens first
		}
		return path
	}
	stall := make(chan struct{})
	defer close(stall)
	sock := filepath.Join(dir, "sock")
	if l, err := net.Listen("unix", sock); err == nil {
		defer l.Close()
	}
	cases := []struct{ name, path, want string }{
		{"a FIFO nobody writes", fifo("none.json", nil), "is a pipe with no writer"},
		{"a writer that stalls", fifo("stall.json", func(f *os.File) { f.Write([]byte(`{"apiVersion": `)); <-stall }), "delivered 15 bytes and then nothing more"},
		{"a device", os.DevNull, "is not a regular file or a pipe"},
		{"a socket", sock, ""},
		{"a whole document through a FIFO", fifo("whole.json", func(f *os.File) { f.Write(ExampleDocument()) }), ""},
		{"a writer that opens after the reader", late(t, dir), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := Load(LoadOptions{Repo: "acme/orders", Path: c.path, Getenv: env(nil)})
				done <- err
			}()
			select {
			case err := <-done:
				switch {
				case c.name == "a socket":
					if err == nil {
						t.Error("a socket was read as a document")
					}
				case c.want == "" && err != nil:
					t.Errorf("err = %v", err)
				case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
					t.Errorf("err = %v, want %q", err, c.want)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the reader waits")
			}
		})
	}
	// The lock file is read the same way.
	done := make(chan error, 1)
	go func() { _, err := ReadLock(fifo("lock.json", nil)); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "is a pipe with no writer") {
			t.Errorf("lock: err = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the lock reader waits")
	}
}

// TestLockIsInput: the lock file is committed, so a pull request can
// change it. Every field it asserts is under its digest; it is read by the
// document's rules (no key twice, none in another case); its url is never
// fetched, and never printed with a credential in it.
func TestLockIsInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, LockFile)
	if err := WriteLock(path, Lock{Repo: "acme/orders", URL: "https://config.example.com/v1/services/acme/orders", FetchedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Document: ExampleDocument()}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	if _, err := ReadLock(path); err != nil {
		t.Fatalf("the lock just written: %v", err)
	}
	edit := func(old, new string) []byte { return []byte(strings.Replace(string(good), old, new, 1)) }
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"the url edited", edit("https://config.example.com", "https://evil.example.net"), "was edited by hand"},
		{"the repository edited", edit(`"repo": "acme/orders"`, `"repo": "acme/billing"`), "was edited by hand"},
		{"the time edited", edit("2026-12-01", "2027-12-01"), "was edited by hand"},
		{"the document given twice", edit(`"document": `, `"document": {"apiVersion": "x"}, "document": `), `the key "document" is given twice`},
		{"a key in another case", edit(`"repo":`, `"Repo":`), "unknown field"},
		{"a version from the future", edit(`"version": 2`, `"version": 3`), "reads versions 1 and 2"},
	}
	for _, c := range cases {
		os.WriteFile(path, c.data, 0o600)
		if _, err := ReadLock(path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// A version 1 lock (digest of the document alone) is still read; one
	// whose url holds credentials or a line break is refused, without
	// printing either.
	var v1 map[string]any
	json.Unmarshal(good, &v1)
	docRaw, _ := json.Marshal(v1["document"])
	v1["version"], v1["sha256"] = 1, digest(docRaw)
	raw, _ := json.Marshal(v1)
	os.WriteFile(path, raw, 0o600)
	if _, err := Load(LoadOptions{Repo: "acme/orders", Dir: dir, LockDir: dir, Getenv: env(nil)}); err != nil {
		t.Fatalf("a version 1 lock: %v", err)
	}
	for _, u := range []string{"https://u:pw-s3cret@config.example.com/v1/services/acme/orders?token=s3cret", "https://config.example.com/x\nconfiguration: forged"} {
		v1["url"] = u
		raw, _ := json.Marshal(v1)
		os.WriteFile(path, raw, 0o600)
		_, err := Load(LoadOptions{Repo: "acme/orders", Dir: dir, LockDir: dir, Getenv: env(nil)})
		if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "\nconfiguration: forged") {
			t.Errorf("a version 1 lock with the url %q: %v", u, err)
		}
	}
}
