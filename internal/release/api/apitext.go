package api

import (
	"fmt"
	"go/types"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// APILines lists the exported API of pkgs, one item a line, in the manner
// of the Go project's api/go1.*.txt: "pkg PATH, const NAME TYPE = VALUE",
// "pkg PATH, func NAME(...) ...", "pkg PATH, type NAME struct", one line
// per exported field, interface method and method. A release keeps every
// line of the release before it, unless CHANGELOG.md announces a break:
// a line gone is an incompatible change, a line added a compatible one.
// The lines need no git history to compare, so no clone can skip the
// check.
//
// An exported alias of a type in an internal package is listed as that
// type declared under the alias's name (seeThrough): the alias is the only
// way a user reaches it, so moving a type into internal/ behind an alias
// changes no line.
func APILines(pkgs map[string]*types.Package) []string {
	var out []string
	for _, path := range slices.Sorted(maps.Keys(pkgs)) {
		p := pkgs[path]
		qual := func(other *types.Package) string {
			if other == p {
				return ""
			}
			return other.Path()
		}
		through, rename := seeThrough(p)
		str := func(t types.Type) string { return rename(types.TypeString(t, qual)) }
		add := func(format string, args ...any) {
			out = append(out, "pkg "+path+", "+fmt.Sprintf(format, args...))
		}
		scope := p.Scope()
		for _, name := range scope.Names() {
			obj := scope.Lookup(name)
			if !obj.Exported() {
				continue
			}
			switch o := obj.(type) {
			case *types.Const:
				add("const %s %s = %s", name, str(o.Type()), o.Val().ExactString())
			case *types.Var:
				add("var %s %s", name, str(o.Type()))
			case *types.Func:
				add("func %s%s", name, signature(o.Type().(*types.Signature), str))
			case *types.TypeName:
				typeLines(add, str, o, through[name])
			}
		}
	}
	sort.Strings(out)
	return out
}

// seeThrough finds the exported aliases of p that name a defined type of
// an internal package, which a user can name only by the alias. It returns
// that type by alias name, and rename, which writes each such type in a
// type string by its alias (the first in name order, when several name
// it): "[]example.com/m/internal/plan.Wave" becomes "[]PlanWave" where p
// declares "type PlanWave = plan.Wave".
func seeThrough(p *types.Package) (map[string]*types.Named, func(string) string) {
	through := map[string]*types.Named{}
	type renaming struct {
		re    *regexp.Regexp
		alias string
	}
	var renamings []renaming
	seen := map[*types.TypeName]bool{}
	for _, name := range p.Scope().Names() {
		o, ok := p.Scope().Lookup(name).(*types.TypeName)
		if !ok || !o.Exported() || !o.IsAlias() {
			continue
		}
		named, ok := types.Unalias(o.Type()).(*types.Named)
		if !ok || named.Obj().Pkg() == nil || !internal(named.Obj().Pkg().Path()) ||
			named.TypeParams().Len() > 0 || named.TypeArgs().Len() > 0 {
			continue
		}
		through[name] = named
		if !seen[named.Obj()] {
			seen[named.Obj()] = true
			// The qualified name, neither inside a longer path nor the
			// start of a longer name.
			full := named.Obj().Pkg().Path() + "." + named.Obj().Name()
			renamings = append(renamings, renaming{regexp.MustCompile(`(^|[^\w./-])` + regexp.QuoteMeta(full) + `\b`), name})
		}
	}
	return through, func(s string) string {
		for _, r := range renamings {
			s = r.re.ReplaceAllString(s, "${1}"+r.alias)
		}
		return s
	}
}

// internal reports whether an import path is of an internal package,
// which only its parent's tree may import.
func internal(path string) bool {
	return strings.HasPrefix(path, "internal/") || strings.Contains(path, "/internal/") || strings.HasSuffix(path, "/internal")
}

// typeLines adds the lines of an exported type: its kind, its exported
// fields or interface methods, and the exported methods of T and *T. If
// through is not nil, o is an alias of it that seeThrough found, and its
// lines are through's under o's name.
func typeLines(add func(string, ...any), str func(types.Type) string, o *types.TypeName, through *types.Named) {
	name := o.Name()
	named := through
	if named == nil {
		if o.IsAlias() {
			rhs := o.Type()
			if a, ok := rhs.(*types.Alias); ok {
				rhs = a.Rhs() // not the alias itself, which writes as its own name
			}
			add("type %s = %s", name, str(rhs))
			return
		}
		var ok bool
		if named, ok = o.Type().(*types.Named); !ok {
			add("type %s %s", name, str(o.Type()))
			return
		}
	}
	name += typeParams(named.TypeParams(), str)
	switch u := named.Underlying().(type) {
	case *types.Struct:
		add("type %s struct", name)
		for i := range u.NumFields() {
			f := u.Field(i)
			switch {
			case f.Embedded():
				add("type %s struct, embedded %s", name, str(f.Type()))
			case f.Exported():
				add("type %s struct, %s %s", name, f.Name(), str(f.Type()))
			}
		}
	case *types.Interface:
		add("type %s interface", name)
		for i := range u.NumMethods() {
			if m := u.Method(i); m.Exported() {
				add("type %s interface, %s%s", name, m.Name(), signature(m.Type().(*types.Signature), str))
			}
		}
	case *types.Signature:
		add("type %s func%s", name, signature(u, str))
	default:
		add("type %s %s", name, str(u))
	}
	for i := range named.NumMethods() {
		m := named.Method(i)
		if !m.Exported() {
			continue
		}
		sig := m.Type().(*types.Signature)
		recv := o.Name()
		if _, ptr := sig.Recv().Type().(*types.Pointer); ptr {
			recv = "*" + recv
		}
		add("method (%s) %s%s", recv, m.Name(), signature(sig, str))
	}
}

// signature is a function's parameters and results by type alone, as
// Go's api files write them: renaming a parameter changes no caller.
func signature(sig *types.Signature, str func(types.Type) string) string {
	list := func(t *types.Tuple, variadic bool) []string {
		var out []string
		for i := range t.Len() {
			ty := t.At(i).Type()
			if variadic && i == t.Len()-1 {
				out = append(out, "..."+str(ty.(*types.Slice).Elem()))
				continue
			}
			out = append(out, str(ty))
		}
		return out
	}
	s := "(" + strings.Join(list(sig.Params(), sig.Variadic()), ", ") + ")"
	switch res := list(sig.Results(), false); len(res) {
	case 0:
	case 1:
		s += " " + res[0]
	default:
		s += " (" + strings.Join(res, ", ") + ")"
	}
	return typeParams(sig.TypeParams(), str) + s
}

// typeParams is "[T C, ...]", or "" without type parameters.
func typeParams(tp *types.TypeParamList, str func(types.Type) string) string {
	if tp == nil || tp.Len() == 0 {
		return ""
	}
	var ps []string
	for i := range tp.Len() {
		ps = append(ps, tp.At(i).Obj().Name()+" "+str(tp.At(i).Constraint()))
	}
	return "[" + strings.Join(ps, ", ") + "]"
}

// Removed lists the lines of old that new lacks: the incompatible
// changes.
func Removed(old, new []string) []string {
	have := map[string]bool{}
	for _, l := range new {
		have[l] = true
	}
	var out []string
	for _, l := range old {
		if !have[l] {
			out = append(out, l)
		}
	}
	return out
}
