package api

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// typeCheck type-checks one file as the package at path, importing the
// packages given.
func typeCheck(t *testing.T, path, src string, imports ...*types.Package) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path+".go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: importerFunc(func(p string) (*types.Package, error) {
		for _, imp := range imports {
			if imp.Path() == p {
				return imp, nil
			}
		}
		return nil, fmt.Errorf("no package %s", p)
	})}
	pkg, err := conf.Check(path, fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// TestAPILinesSeeThroughInternalAliases: types moved into an internal
// package behind aliases list the lines they listed when the public
// package declared them: the same fields, methods and signatures, by the
// aliases' names. An alias of a public type, and an internal type with no
// alias, are written by their qualified names.
func TestAPILinesSeeThroughInternalAliases(t *testing.T) {
	other := typeCheck(t, "example.com/m/other", `package other
type Props struct{ Repo string }
`)
	impl := typeCheck(t, "example.com/m/internal/plan", `package plan
type Plan struct {
	Repo  string
	Waves []Wave
	Next  *WaveX
	count int
}
type Wave struct{ Environments []Environment }
type WaveX struct{}
type Environment struct{ Name string }
func (p *Plan) String() string { return "" }
func (p *Plan) Walk(func(Wave, map[string]Environment)) {}
func (w Wave) Before() []string { return nil }
func (w Wave) count() int { return 0 }
func Read(dir string) (*Plan, error) { return nil, nil }
`)
	declared := typeCheck(t, "example.com/m/pipeline", `package pipeline
import (
	"example.com/m/internal/plan"
	"example.com/m/other"
)
type Plan struct {
	Repo  string
	Waves []PlanWave
	Next  *plan.WaveX
	count int
}
type PlanWave struct{ Environments []PlanEnvironment }
type PlanEnvironment struct{ Name string }
func (p *Plan) String() string { return "" }
func (p *Plan) Walk(func(PlanWave, map[string]PlanEnvironment)) {}
func (w PlanWave) Before() []string { return nil }
func ReadPlan(dir string) (*Plan, error) { return nil, nil }
type Props = other.Props
`, impl, other)
	aliased := typeCheck(t, "example.com/m/pipeline", `package pipeline
import (
	"example.com/m/internal/plan"
	"example.com/m/other"
)
type Plan = plan.Plan
type PlanWave = plan.Wave
type PlanEnvironment = plan.Environment
func ReadPlan(dir string) (*Plan, error) { return plan.Read(dir) }
type Props = other.Props
`, impl, other)
	want := APILines(map[string]*types.Package{declared.Path(): declared})
	got := APILines(map[string]*types.Package{aliased.Path(): aliased})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines of the aliases (-declared +aliased):\n%s", diff)
	}
	for _, line := range []string{
		"pkg example.com/m/pipeline, type Plan struct, Next *example.com/m/internal/plan.WaveX",
		"pkg example.com/m/pipeline, type Props = example.com/m/other.Props",
	} {
		if !slices.Contains(got, line) {
			t.Errorf("no line %q in:\n%v", line, got)
		}
	}
}
