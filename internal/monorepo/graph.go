package monorepo

import (
	"slices"
	"strings"
)

// cycles finds dependency cycles, each once, as the path a → b → a,
// starting at its earliest folder in file order. Depth-first from each
// folder in file order: a dependency on a folder still on the path closes
// a cycle.
func (d *Deps) cycles() [][]string {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(d.Folders))
	var stack []int
	var out [][]string
	seen := map[string]bool{}
	var visit func(i int)
	visit = func(i int) {
		color[i] = grey
		stack = append(stack, i)
		for _, dep := range d.Folders[i].DependsOn {
			j, ok := d.byPath[dep]
			if !ok || j == i {
				continue
			}
			switch color[j] {
			case white:
				visit(j)
			case grey:
				at := slices.Index(stack, j)
				cyc := slices.Clone(stack[at:])
				// Start at the earliest folder, so that one cycle found
				// from two places reads the same.
				m := slices.Index(cyc, slices.Min(cyc))
				cyc = append(cyc[m:], cyc[:m]...)
				var names []string
				for _, k := range cyc {
					names = append(names, d.Folders[k].Path)
				}
				names = append(names, names[0])
				key := stringsKey(names)
				if !seen[key] {
					seen[key] = true
					out = append(out, names)
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[i] = black
	}
	for i := range d.Folders {
		if color[i] == white && d.byPath[d.Folders[i].Path] == i {
			visit(i)
		}
	}
	return out
}

func stringsKey(s []string) string {
	n := 0
	for _, x := range s {
		n += len(x) + 1
	}
	b := make([]byte, 0, n)
	for _, x := range s {
		b = append(append(b, x...), 0)
	}
	return string(b)
}

// DependsOn lists every folder a folder depends on, transitively, sorted;
// not the folder itself.
func (d *Deps) DependsOn(path string) []string {
	seen := map[string]bool{path: true}
	queue := []string{path}
	var out []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		i, ok := d.byPath[p]
		if !ok {
			continue
		}
		for _, dep := range d.Folders[i].DependsOn {
			if _, known := d.byPath[dep]; known && !seen[dep] {
				seen[dep] = true
				out = append(out, dep)
				queue = append(queue, dep)
			}
		}
	}
	slices.Sort(out)
	return out
}

// FolderOf is the folder a repository path is in, or "" when none is.
// Folders do not nest (Parse refuses it), so there is at most one. A path
// that is a folder's own path is not in it (the trigger's folder/** does
// not match it either).
func (d *Deps) FolderOf(file string) string {
	for i := strings.LastIndexByte(file, '/'); i > 0; i = strings.LastIndexByte(file[:i], '/') {
		if _, ok := d.byPath[file[:i]]; ok {
			return file[:i]
		}
	}
	return ""
}
