package handsofftest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

func named(awscdk.Stage, pipeline.Environment) {}

// sized makes closures of one literal. Not inlined: an inlined copy of a
// literal is code of its own.
//
//go:noinline
func sized(n int) pipeline.ServiceFactory {
	return func(awscdk.Stage, pipeline.Environment) { _ = n }
}

// TestSameFunc holds sameFunc's assumption, gc's func value layout: the
// same function value is the same, and two closures of one literal that
// captured different values are not, though reflect gives them one code
// pointer.
func TestSameFunc(t *testing.T) {
	one, two := sized(1), sized(2)
	if reflect.ValueOf(one).Pointer() != reflect.ValueOf(two).Pointer() {
		t.Fatal("sized's closures have two code pointers: the case below tests nothing")
	}
	copied := one
	for _, c := range []struct {
		name string
		f, g pipeline.ServiceFactory
		want bool
	}{
		{"a named function", named, named, true},
		{"a closure and its copy", one, copied, true},
		{"closures of one literal", one, two, false},
		{"a named function and a closure", named, one, false},
		{"nil and nil", nil, nil, true},
		{"nil and a function", nil, named, false},
	} {
		if got := sameFunc(c.f, c.g); got != c.want {
			t.Errorf("%s: sameFunc = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestLookup: equal inputs share a synthesis; a different option, field,
// time zone or Service does not; a Service made anew is noted.
func TestLookup(t *testing.T) {
	var c cache
	hk, _ := time.LoadLocation("Asia/Hong_Kong")
	cfg := func(loc *time.Location) *stages.Config {
		return &stages.Config{Service: stages.Service{Repo: "acme/orders"}, FreezeWindows: []stages.FreezeWindow{{Name: "w", Location: loc}}}
	}
	in := func(service pipeline.ServiceFactory, loc *time.Location, noNag bool) input {
		return input{Props: Props{Repo: "acme/orders", Service: service, Config: cfg(loc)}, Options: Options{NoNag: noNag}}
	}
	first, _ := c.lookup(in(named, time.UTC, false))
	if s, note := c.lookup(in(named, time.UTC, false)); s != first || note != "" {
		t.Errorf("equal inputs: a new synthesis (%v) or a note %q", s != first, note)
	}
	for name, k := range map[string]input{
		"NoNag":     in(named, time.UTC, true),
		"time zone": in(named, hk, false),
		"Service":   in(sized(1), time.UTC, false),
	} {
		if s, _ := c.lookup(k); s == first {
			t.Errorf("another %s: the same synthesis", name)
		}
	}
	if _, note := c.lookup(in(sized(1), time.UTC, false)); !strings.Contains(note, "share one Props value") {
		t.Errorf("a Service made anew: note %q", note)
	}
}
