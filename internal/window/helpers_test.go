package window

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handsoff-cdk/handsoff/stages"
)

// needPython returns python3.11, the runbook's runtime, or skips the test
// (fails it in CI, which has it).
func needPython(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath(Runtime)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: CI must have it to test the runbook's script", Runtime)
		}
		t.Skipf("%s is missing, so the runbook's script (window.py) is not run: install it (CI has it)", Runtime)
	}
	return p
}

// worker is one python3.11 process running testdata/driver.py over a
// window.py, answering requests one JSON line at a time.
type worker struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startWorker runs script (window.py or a mutant of it) in a process of its
// own, stopped when the test ends.
func startWorker(t testing.TB, script string) *worker {
	t.Helper()
	py := needPython(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "window.py"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	driver, err := filepath.Abs(filepath.Join("testdata", "driver.py"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, driver, dir)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &worker{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20)}
	t.Cleanup(func() {
		in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("the python worker: %v", err)
		}
	})
	return w
}

// answer is one line from the driver.
type answer struct {
	Result map[string]any `json:"result"`
	Blocks [][][]pyBlock  `json:"blocks"` // per stage, per instant
	Error  string         `json:"error"`
}

// pyBlock is one of window.blocked's answers: [kind, name, until, text].
type pyBlock struct {
	Kind, Name string
	Until      int64 // Unix milliseconds
	Text       string
}

func (b *pyBlock) UnmarshalJSON(raw []byte) error {
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil || len(a) != 4 {
		return fmt.Errorf("not [kind, name, until, text]: %s", raw)
	}
	for i, dst := range []any{&b.Kind, &b.Name, &b.Until, &b.Text} {
		if err := json.Unmarshal(a[i], dst); err != nil {
			return err
		}
	}
	return nil
}

// fataler is what ask needs of a test: testing.TB or *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func (w *worker) ask(t fataler, req any) answer {
	t.Helper()
	raw, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("the request: %v", err)
	}
	if _, err := w.in.Write(append(raw, '\n')); err != nil {
		t.Fatalf("writing to the python worker: %v", err)
	}
	line, err := w.out.ReadBytes('\n')
	if err != nil {
		t.Fatalf("reading from the python worker: %v", err)
	}
	var a answer
	if err := json.Unmarshal(line, &a); err != nil {
		t.Fatalf("the python worker's answer %.200s: %v", line, err)
	}
	return a
}

// handler runs a handler of the script and returns its result, or the
// exception it raised.
func (w *worker) handler(t testing.TB, name string, events any) (map[string]any, string) {
	t.Helper()
	a := w.ask(t, map[string]any{"handler": name, "events": events})
	return a.Result, a.Error
}

// calendarConfig is the calendar of TestFreezeGateAgreesWithCalendar
// (pipeline/internal/gates/calendar_test.go): the example document with the
// windows of testdata/freezegate-windows.txt, which cross midnight and DST
// changes. It is a copy, since that test's package is internal to the
// pipeline; TestFixtureIsTheFreezeGateTests fails when they part.
func calendarConfig(t testing.TB) *stages.Config {
	t.Helper()
	doc := strings.Replace(string(stages.ExampleDocument()), `"freezeWindows": [`, `"freezeWindows": [
`+freezeGateWindows(t), 1)
	cfg, err := stages.Parse([]byte(doc), "calendar")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func freezeGateWindows(t testing.TB) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "freezegate-windows.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(raw), "\n")
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
