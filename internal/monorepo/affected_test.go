package monorepo

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/internal/testenv/oracle"
	"github.com/handsoff-cdk/handsoff/internal/testenv/rapidrec"
)

func services(as []Affected) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Service)
	}
	return out
}

func TestAffected(t *testing.T) {
	d := example(t)
	before, err := Parse([]byte(`{"folders": [
		{"path": "libs/money", "kind": "library"},
		{"path": "libs/http", "kind": "library"},
		{"path": "services/orders", "kind": "service", "service": "orders", "dependsOn": ["libs/http"]},
		{"path": "services/billing", "kind": "service", "service": "billing", "dependsOn": ["libs/money"]},
		{"path": "web/shop", "kind": "frontend", "service": "shop", "dependsOn": ["services/orders"],
		 "cloudfront": {"distributions": {"prod-use1": "E2QWRUHAPOMQZL"}, "paths": ["/index.html", "/assets/*"]}}]}`), "before")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		changes []Change
		before  *Deps
		want    []string
	}{
		{"nothing", nil, nil, nil},
		{"outside every folder", []Change{{Status: 'M', Path: "README.md"}}, nil, nil},
		{"a leaf library reaches everything above it", []Change{{Status: 'M', Path: "libs/money/round.go"}}, nil, []string{"orders", "billing", "shop"}},
		{"a service reaches its dependents", []Change{{Status: 'D', Path: "services/orders/old.go"}}, nil, []string{"orders", "shop"}},
		{"a frontend only itself", []Change{{Status: 'A', Path: "web/shop/index.html"}}, nil, []string{"shop"}},
		{"a rename counts both sides", []Change{{Status: 'R', From: "services/billing/x.go", Path: "web/shop/x.go"}}, nil, []string{"billing", "shop"}},
		{"the dependency file, old version unknown: all", []Change{{Status: 'M', Path: File}}, nil, []string{"orders", "billing", "shop"}},
		// libs/http gained libs/money: orders' set and shop's changed,
		// billing's did not.
		{"the dependency file, old version known: whose set changed", []Change{{Status: 'M', Path: File}}, before, []string{"orders", "shop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, services(d.Affected(tc.changes, tc.before))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseNameStatus(t *testing.T) {
	got, err := ParseNameStatus([]byte("M\x00a/x\x00R087\x00a/y\x00b/y\x00\nD\x00c d/\xc3\xa9\x00C100\x00e\x00f\x00"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{'M', "a/x", ""}, {'R', "b/y", "a/y"}, {'D', "c d/é", ""}, {'C', "f", "e"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{"R100\x00only\x00", "Q\x00x\x00", "M\x00"} {
		if _, err := ParseNameStatus([]byte(bad)); err == nil {
			t.Errorf("ParseNameStatus(%q) accepted it", bad)
		}
	}
}

// gitRepo makes a repository in a temporary directory and returns a
// function that runs git in it.
func gitRepo(t *testing.T) (string, func(args ...string) string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("init", "-q", "-b", "main")
	return dir, git
}

// A real repository: what git log says, read by ParseNameStatus, maps to
// the expected folders, renames across folders and deletions included.
func TestGitLogNameStatus(t *testing.T) {
	dir, git := gitRepo(t)
	write := func(path, body string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, path)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, path), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(filepath.Join("testdata", File))
	write(File, string(data))
	long := strings.Repeat("a line that makes the rename detectable\n", 20)
	write("libs/money/round.go", long)
	write("services/billing/invoice.go", long+"billing\n")
	write("services/orders/main.go", "orders\n")
	write("web/shop/index.html", "<p>shop</p>\n")
	git("add", "-A")
	git("commit", "-qm", "first")
	base := strings.TrimSpace(git("rev-parse", "HEAD"))
	git("mv", "services/billing/invoice.go", "web/shop/invoice.go") // across folders
	git("commit", "-qm", "move")
	git("rm", "-q", "libs/money/round.go")
	git("commit", "-qm", "delete")
	out := git(GitLogArgs(base)...)
	changes, err := ParseNameStatus([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	want := []Change{{'D', "libs/money/round.go", ""}, {'R', "web/shop/invoice.go", "services/billing/invoice.go"}}
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if got := services(example(t).Affected(changes, nil)); !slices.Equal(got, []string{"orders", "billing", "shop"}) {
		t.Errorf("affected %v", got)
	}
}

// genDeps draws a dependency file: folders f0..fn-1, each depending on
// some earlier ones (so no cycle), each a service or a library.
func genDeps(t *rapid.T) *Deps {
	n := rapid.IntRange(1, 9).Draw(t, "folders")
	var fs []Folder
	for i := range n {
		f := Folder{Path: fmt.Sprintf("g%d/f%d", i%3, i), Kind: Library}
		if rapid.Bool().Draw(t, fmt.Sprintf("service%d", i)) {
			f.Kind, f.Service = Service, fmt.Sprintf("s%d", i)
		}
		for j := range i {
			if rapid.IntRange(0, 3).Draw(t, fmt.Sprintf("dep%d-%d", i, j)) == 0 {
				f.DependsOn = append(f.DependsOn, fs[j].Path)
			}
		}
		fs = append(fs, f)
	}
	d := &Deps{Folders: fs}
	if ps := d.validate(); len(ps) > 0 {
		t.Fatalf("generated an invalid file: %v", ps)
	}
	return d
}

// genChanges draws changed files: in folders (deep or not), beside them
// (a prefix of a folder's name), at the root, and the dependency file.
func genChanges(t *rapid.T, d *Deps) []Change {
	var out []Change
	for i := range rapid.IntRange(0, 4).Draw(t, "changes") {
		var path string
		switch rapid.IntRange(0, 4).Draw(t, fmt.Sprintf("where%d", i)) {
		case 0, 1:
			f := rapid.SampledFrom(d.Folders).Draw(t, fmt.Sprintf("folder%d", i)).Path
			path = f + rapid.SampledFrom([]string{"/x.go", "/a/b/c.go", "/.hidden"}).Draw(t, fmt.Sprintf("file%d", i))
		case 2:
			f := rapid.SampledFrom(d.Folders).Draw(t, fmt.Sprintf("near%d", i)).Path
			path = f + "x/y.go" // g0/f1x/y.go: not in g0/f1
		case 3:
			path = rapid.SampledFrom([]string{"README.md", "g0/README.md", "go.mod"}).Draw(t, fmt.Sprintf("root%d", i))
		case 4:
			path = File
		}
		out = append(out, Change{Status: 'M', Path: path})
	}
	return out
}

// triggerFunc builds a folder's push filters (Deps.Trigger, or a mutant).
type triggerFunc func(d *Deps, folder, branch string) ([]PushFilter, error)

// cfnPipeline is the CloudFormation shape of a pipeline whose source
// action "Source" on main has these push filters, as the pipeline
// synthesizes it.
func cfnPipeline(filters []PushFilter) map[string]any {
	var push []any
	for _, f := range filters {
		push = append(push, map[string]any{
			"Branches":  map[string]any{"Includes": anys(f.Branches)},
			"FilePaths": map[string]any{"Includes": anys(f.FilePaths)},
		})
	}
	return map[string]any{
		"Stages": []any{map[string]any{"Actions": []any{map[string]any{
			"Name": "Source", "ActionTypeId": map[string]any{"Provider": "CodeStarSourceConnection"},
			"Configuration": map[string]any{"BranchName": "main", "DetectChanges": false},
		}}}},
		"Triggers": []any{map[string]any{"ProviderType": "CodeStarSourceConnection", "GitConfiguration": map[string]any{"SourceActionName": "Source", "Push": push}}},
	}
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// startsIffAffected: for random files and random changes, a service's
// pipeline starts (the trigger, judged by the oracle of CodePipeline's
// rules) exactly when Affected lists it; when the dependency file
// changed, the trigger starts every pipeline, a superset.
func startsIffAffected(trigger triggerFunc) func(*rapid.T) {
	return func(t *rapid.T) {
		d := genDeps(t)
		changes := genChanges(t, d)
		var files []string
		depsFile := false
		for _, c := range changes {
			files = append(files, c.Paths()...)
			depsFile = depsFile || c.Path == File
		}
		affected := services(d.Affected(changes, nil))
		exact := services(d.Affected(slices.DeleteFunc(slices.Clone(changes), func(c Change) bool { return c.Path == File }), nil))
		for _, s := range d.Services() {
			filters, err := trigger(d, s.Path, "main")
			if err != nil {
				t.Fatalf("Trigger(%s): %v", s.Path, err)
			}
			props := cfnPipeline(filters)
			if ps := oracle.TriggerProblems(props); len(ps) > 0 {
				t.Fatalf("Trigger(%s) is not a valid trigger: %v", s.Path, ps)
			}
			starts, err := oracle.Starts(props, oracle.Push{Branch: "main", Files: files})
			if err != nil {
				t.Fatal(err)
			}
			if other, _ := oracle.Starts(props, oracle.Push{Branch: "dev", Files: files}); other {
				t.Fatalf("%s starts on a push to another branch", s.Service)
			}
			in := slices.Contains(affected, s.Service)
			switch {
			case starts != in:
				t.Fatalf("%s (%s, patterns %v): starts %v, affected %v, for %v", s.Service, s.Path, filters, starts, in, files)
			case !depsFile && starts != slices.Contains(exact, s.Service):
				t.Fatalf("%s: starts %v without the dependency file changing, affected %v", s.Service, starts, !starts)
			}
		}
	}
}

func TestTriggerStartsExactlyTheAffected(t *testing.T) {
	rapid.Check(t, startsIffAffected(func(d *Deps, folder, branch string) ([]PushFilter, error) { return d.Trigger(folder, branch) }))
}

// The property catches a trigger that forgets what it should know.
func TestTriggerPropertyCatchesMutations(t *testing.T) {
	// A failing property writes a fail file under testdata/rapid; these
	// failures are expected.
	if f := flag.Lookup("rapid.nofailfile"); f != nil {
		old := f.Value.String()
		f.Value.Set("true")
		defer f.Value.Set(old)
	}
	for _, m := range []struct {
		name    string
		trigger triggerFunc
	}{
		{"direct dependencies only", func(d *Deps, folder, branch string) ([]PushFilter, error) {
			f, _ := d.Folder(folder)
			pats := []string{folder + "/**", File}
			for _, dep := range f.DependsOn {
				pats = append(pats, dep+"/**")
			}
			return []PushFilter{{Branches: []string{branch}, FilePaths: pats[:min(len(pats), 8)]}}, nil
		}},
		{"folder/* for folder/**", func(d *Deps, folder, branch string) ([]PushFilter, error) {
			fs, err := d.Trigger(folder, branch)
			for i := range fs {
				fs[i].FilePaths = slices.Clone(fs[i].FilePaths)
				for j, p := range fs[i].FilePaths {
					fs[i].FilePaths[j] = strings.Replace(p, "/**", "/*", 1)
				}
			}
			return fs, err
		}},
		{"no dependency file", func(d *Deps, folder, branch string) ([]PushFilter, error) {
			fs, err := d.Trigger(folder, branch)
			last := &fs[len(fs)-1]
			last.FilePaths = slices.DeleteFunc(slices.Clone(last.FilePaths), func(p string) bool { return p == File })
			if len(last.FilePaths) == 0 {
				fs = fs[:len(fs)-1]
			}
			return fs, err
		}},
		{"a folder without its slash", func(d *Deps, folder, branch string) ([]PushFilter, error) {
			fs, err := d.Trigger(folder, branch)
			for i := range fs {
				fs[i].FilePaths = slices.Clone(fs[i].FilePaths)
				for j, p := range fs[i].FilePaths {
					fs[i].FilePaths[j] = strings.Replace(p, "/**", "**", 1)
				}
			}
			return fs, err
		}},
	} {
		t.Run(m.name, func(t *testing.T) {
			rec := rapidrec.New(t.Name())
			rapid.Check(rec, startsIffAffected(m.trigger))
			if !rec.Failed() {
				t.Fatalf("the property passed the mutant %q", m.name)
			}
			t.Logf("caught:\n%s", rec.First())
		})
	}
}

// The trigger spreads 24 patterns over three filters and refuses 25,
// with the count.
func TestTriggerLimits(t *testing.T) {
	mk := func(libs int) *Deps {
		d := &Deps{}
		var deps []string
		for i := range libs {
			p := fmt.Sprintf("libs/l%02d", i)
			d.Folders = append(d.Folders, Folder{Path: p, Kind: Library})
			deps = append(deps, p)
		}
		d.Folders = append(d.Folders, Folder{Path: "svc", Kind: Service, Service: "svc", DependsOn: deps})
		if ps := d.validate(); len(ps) > 0 {
			t.Fatal(ps)
		}
		return d
	}
	fs, err := mk(22).Trigger("svc", "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || len(fs[0].FilePaths) != 8 || len(fs[2].FilePaths) != 8 || fs[0].FilePaths[0] != "svc/**" || fs[2].FilePaths[7] != File {
		t.Errorf("22 libraries: %v", fs)
	}
	if fs, _ := mk(0).Trigger("svc", "main"); len(fs) != 1 || !slices.Equal(fs[0].FilePaths, []string{"svc/**", File}) || !slices.Equal(fs[0].Branches, []string{"main"}) {
		t.Errorf("no library: %v", fs)
	}
	_, err = mk(23).Trigger("svc", "main")
	if err == nil || !strings.Contains(err.Error(), "needs 25 file-path patterns") || !strings.Contains(err.Error(), "at most 24") {
		t.Errorf("23 libraries: %v", err)
	}
}
