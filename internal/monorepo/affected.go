package monorepo

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Change is one line of git's --name-status: a status letter (A added, M
// modified, D deleted, T type changed, R renamed, C copied) and the path;
// for a rename or a copy, From is the path before.
type Change struct {
	Status byte
	Path   string
	From   string
}

// Paths are the paths a change touches: a rename touches both sides.
func (c Change) Paths() []string {
	if c.From != "" && c.From != c.Path {
		return []string{c.From, c.Path}
	}
	return []string{c.Path}
}

// GitLogArgs are the arguments of the git log whose output
// GitDiffArgs are the arguments of the git diff whose output
// ParseNameStatus reads beside GitLogArgs': the files whose content differs
// between since and HEAD. When since is an ancestor of HEAD this adds
// nothing the log does not list; when it is not (prod runs a commit of
// another branch, or the checkout is behind it), since..HEAD leaves out
// what only since's side changed, which deploying HEAD undoes.
func GitDiffArgs(since string) []string {
	return []string{"diff", "-z", "--name-status", "-M", "--no-ext-diff", "--no-textconv", since, "HEAD", "--"}
}

// ParseNameStatus reads: every commit in since..HEAD with the files it
// touched, renames detected (-M), a merge as its diff to its first parent
// (what it brought in; git log shows no files for a merge otherwise), NUL
// separated (-z: paths come as they are, never quoted).
func GitLogArgs(since string) []string {
	return []string{"log", "-z", "--name-status", "-M", "--diff-merges=first-parent", "--format=", since + "..HEAD", "--"}
}

// ParseNameStatus reads the output of git log or git diff with -z
// --name-status (and an empty --format): a status, then one path, or two
// for R and C (the score after the letter is dropped).
func ParseNameStatus(out []byte) ([]Change, error) {
	toks := strings.Split(string(out), "\x00")
	var changes []Change
	for i := 0; i < len(toks); i++ {
		st := strings.TrimSpace(toks[i]) // between commits git may put a newline
		if st == "" {
			continue
		}
		letter := st[0]
		n := 1
		switch letter {
		case 'R', 'C':
			n = 2
		case 'A', 'M', 'D', 'T', 'U', 'X', 'B':
		default:
			return nil, fmt.Errorf("git's --name-status output has %q where a status letter belongs (token %d)", st, i)
		}
		if i+n >= len(toks) || toks[i+1] == "" || (n == 2 && toks[i+2] == "") {
			return nil, fmt.Errorf("git's --name-status output ends after the status %q without its path", st)
		}
		c := Change{Status: letter, Path: toks[i+n]}
		if n == 2 {
			c.From = toks[i+1]
		}
		changes = append(changes, c)
		i += n
	}
	return changes, nil
}

// Affected is a service (or frontend) that changes concern, and why.
type Affected struct {
	Service string `json:"service"`
	Folder  string `json:"folder"`
	Kind    Kind   `json:"kind"`
	// Because lists the changed folders it is or depends on, sorted,
	// and File when its entry in the dependency file changed.
	Because []string `json:"because"`
}

// Affected lists, in file order, the services whose pipelines the
// changes concern: a service is affected when a changed path is in its
// folder or in a folder it depends on, transitively. A change to the
// dependency file affects the services whose entry or dependency set it
// changed, given the file as it was (before); with before nil (the file
// is new, or its old version is not known), every service.
func (d *Deps) Affected(changes []Change, before *Deps) []Affected {
	changed := map[string]bool{}
	depsFile := false
	for _, c := range changes {
		for _, p := range c.Paths() {
			if p == File {
				depsFile = true
			} else if f := d.FolderOf(p); f != "" {
				changed[f] = true
			}
		}
	}
	var out []Affected
	for _, f := range d.Services() {
		var why []string
		for _, p := range append([]string{f.Path}, d.DependsOn(f.Path)...) {
			if changed[p] {
				why = append(why, p)
			}
		}
		slices.Sort(why)
		if depsFile && (before == nil || d.entryChanged(f, before)) {
			why = append(why, File)
		}
		if len(why) > 0 {
			out = append(out, Affected{Service: f.Service, Folder: f.Path, Kind: f.Kind, Because: why})
		}
	}
	return out
}

// entryChanged reports whether a service's entry, or the set of folders
// its pipeline is started by, differs in before.
func (d *Deps) entryChanged(f Folder, before *Deps) bool {
	old, ok := before.ByService(f.Service)
	if !ok || old.Path != f.Path || old.Kind != f.Kind {
		return true
	}
	if !slices.Equal(d.DependsOn(f.Path), before.DependsOn(old.Path)) {
		return true
	}
	a, b := f.CloudFront, old.CloudFront
	if (a == nil) != (b == nil) {
		return true
	}
	return a != nil && (!slices.Equal(a.Paths, b.Paths) || !maps.Equal(a.Distributions, b.Distributions))
}
