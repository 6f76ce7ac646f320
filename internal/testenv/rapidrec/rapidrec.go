// Package rapidrec runs a rapid property without failing the test, so
// that a mutation test can check that the property catches a broken
// implementation and show rapid's shrunk counterexample.
package rapidrec

import (
	"fmt"
	"strings"
)

// Recorder is a rapid.TB that keeps the failure instead of failing the
// test: a mutation test runs a property under it and expects it to fail.
type Recorder struct {
	name   string
	failed bool
	msgs   []string
}

// New is a Recorder for the test called name.
func New(name string) *Recorder { return &Recorder{name: name} }

func (r *Recorder) Helper()      {}
func (r *Recorder) Name() string { return r.name }
func (r *Recorder) Logf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *Recorder) Log(args ...any) { r.msgs = append(r.msgs, fmt.Sprint(args...)) }
func (r *Recorder) Skipf(format string, args ...any) {
	panic("rapid skipped: " + fmt.Sprintf(format, args...))
}
func (r *Recorder) Skip(args ...any)                  { panic(fmt.Sprint(args...)) }
func (r *Recorder) SkipNow()                          { panic("rapid skipped") }
func (r *Recorder) Errorf(format string, args ...any) { r.Fail(); r.Logf(format, args...) }
func (r *Recorder) Error(args ...any)                 { r.Fail(); r.Log(args...) }
func (r *Recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *Recorder) Fatal(args ...any)                 { r.Error(args...) }
func (r *Recorder) FailNow()                          { r.Fail() }
func (r *Recorder) Fail()                             { r.failed = true }
func (r *Recorder) Failed() bool                      { return r.failed }

// First is rapid's report of the shrunk counterexample.
func (r *Recorder) First() string {
	for _, m := range r.msgs {
		if strings.HasPrefix(m, "[rapid] failed") || strings.HasPrefix(m, "[rapid] panic") {
			m, _, _ = strings.Cut(m, "Failed test output:")
			return strings.TrimSpace(m)
		}
	}
	return strings.Join(r.msgs, "\n")
}
