package monorepo

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/stages"
)

func example(t *testing.T) *Deps {
	t.Helper()
	d, err := ReadFile(filepath.Join("testdata", File))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseExample(t *testing.T) {
	d := example(t)
	if got, want := d.DependsOn("web/shop"), []string{"libs/http", "libs/money", "services/orders"}; !slices.Equal(got, want) {
		t.Errorf("DependsOn(web/shop) = %v, want %v (transitive)", got, want)
	}
	if got := d.DependsOn("libs/money"); len(got) != 0 {
		t.Errorf("DependsOn(libs/money) = %v, want none", got)
	}
	for file, want := range map[string]string{
		"libs/money/x.go": "libs/money", "libs/money/a/b/c.go": "libs/money", "libs/moneybags/x": "",
		"libs/money": "", "README.md": "", File: "", "services/orders/main.go": "services/orders",
	} {
		if got := d.FolderOf(file); got != want {
			t.Errorf("FolderOf(%q) = %q, want %q", file, got, want)
		}
	}
	if f, ok := d.ByService("shop"); !ok || f.Path != "web/shop" {
		t.Errorf("ByService(shop) = %v, %v", f, ok)
	}
}

// problemsOf parses doc and returns its problems as "path code" lines.
func problemsOf(t *testing.T, doc string) []stages.Problem {
	t.Helper()
	_, err := Parse([]byte(doc), "test")
	if err == nil {
		return nil
	}
	var ve *stages.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse: %T %v, want a *stages.ValidationError", err, err)
	}
	return ve.Problems
}

// Each rule, refused with its field path, code and a fix.
func TestParseRefuses(t *testing.T) {
	svc := func(path, deps string) string {
		return `{"path": "` + path + `", "kind": "service", "service": "s` + strings.NewReplacer("/", "", ".", "", "-", "").Replace(path) + `", "dependsOn": [` + deps + `]}`
	}
	for _, tc := range []struct {
		name, doc string
		path      string
		code      stages.Code
		says      string
	}{
		{"unknown field", `{"folders": [{"path": "a", "kind": "library", "dependson": []}]}`, "folders[0].dependson", stages.CodeUnknown, "dependsOn"},
		{"wrong type", `{"folders": [{"path": 3, "kind": "library"}]}`, "folders[0].path", stages.CodeType, ""},
		{"no folders", `{"folders": []}`, "folders", stages.CodeRequired, "list each"},
		{"root", `{"folders": [{"path": ".", "kind": "library"}]}`, "folders[0].path", stages.CodeInvalid, "repository root"},
		{"absolute", `{"folders": [{"path": "/srv/a", "kind": "library"}]}`, "folders[0].path", stages.CodeInvalid, "relative to the repository root"},
		{"dot dot", `{"folders": [{"path": "a/../b", "kind": "library"}]}`, "folders[0].path", stages.CodeInvalid, `".."`},
		{"glob character", `{"folders": [{"path": "a/*", "kind": "library"}]}`, "folders[0].path", stages.CodeInvalid, "glob"},
		{"trailing slash", `{"folders": [{"path": "a/", "kind": "library"}]}`, "folders[0].path", stages.CodeInvalid, "drop it"},
		{"duplicate", `{"folders": [{"path": "a", "kind": "library"}, {"path": "a", "kind": "library"}]}`, "folders[1].path", stages.CodeDuplicate, "folders[0]"},
		{"nested", `{"folders": [{"path": "a", "kind": "library"}, {"path": "a/b", "kind": "library"}]}`, "folders[1].path", stages.CodeInvalid, "inside \"a\""},
		{"unknown dependency", `{"folders": [{"path": "libs/money", "kind": "library"}, ` + svc("svc", `"libs/mony"`) + `]}`, "folders[1].dependsOn[0]", stages.CodeInvalid, `did you mean "libs/money"`},
		{"self dependency", `{"folders": [` + svc("a", `"a"`) + `]}`, "folders[0].dependsOn[0]", stages.CodeInvalid, "itself"},
		{"cycle", `{"folders": [` + svc("a", `"b"`) + `, ` + svc("b", `"c"`) + `, ` + svc("c", `"a"`) + `]}`, "folders[0].dependsOn", stages.CodeInvalid, "a → b → c → a"},
		{"service without pipeline", `{"folders": [{"path": "a", "kind": "service"}]}`, "folders[0].service", stages.CodeRequired, "service.name"},
		{"frontend without pipeline", `{"folders": [{"path": "a", "kind": "frontend", "cloudfront": {"distributions": {"prod": "E1"}, "paths": ["/*"]}}]}`, "folders[0].service", stages.CodeRequired, "pipeline"},
		{"library with pipeline", `{"folders": [{"path": "a", "kind": "library", "service": "a"}]}`, "folders[0].service", stages.CodeInvalid, "no pipeline"},
		{"two folders one pipeline", `{"folders": [{"path": "a", "kind": "service", "service": "x"}, {"path": "b", "kind": "service", "service": "x"}]}`, "folders[1].service", stages.CodeDuplicate, "deploys a already"},
		{"bad kind", `{"folders": [{"path": "a", "kind": "app"}]}`, "folders[0].kind", stages.CodeInvalid, "library"},
		{"no kind", `{"folders": [{"path": "a"}]}`, "folders[0].kind", stages.CodeRequired, ""},
		{"frontend without cloudfront", `{"folders": [{"path": "a", "kind": "frontend", "service": "a"}]}`, "folders[0].cloudfront", stages.CodeRequired, "distributions"},
		{"cloudfront on a service", `{"folders": [{"path": "a", "kind": "service", "service": "a", "cloudfront": {"distributions": {"p": "E1"}, "paths": ["/*"]}}]}`, "folders[0].cloudfront", stages.CodeInvalid, "only a frontend"},
		{"path without slash", `{"folders": [{"path": "a", "kind": "frontend", "service": "a", "cloudfront": {"distributions": {"p": "E1"}, "paths": ["index.html"]}}]}`, "folders[0].cloudfront.paths[0]", stages.CodeInvalid, "begin with /"},
		{"star inside", `{"folders": [{"path": "a", "kind": "frontend", "service": "a", "cloudfront": {"distributions": {"p": "E1"}, "paths": ["/a*/b"]}}]}`, "folders[0].cloudfront.paths[0]", stages.CodeInvalid, "literal asterisk"},
		{"unencoded", `{"folders": [{"path": "a", "kind": "frontend", "service": "a", "cloudfront": {"distributions": {"p": "E1"}, "paths": ["/a b"]}}]}`, "folders[0].cloudfront.paths[0]", stages.CodeInvalid, "URL-encoded"},
		{"distribution ARN", `{"folders": [{"path": "a", "kind": "frontend", "service": "a", "cloudfront": {"distributions": {"p": "arn:aws:cloudfront::1:distribution/E1"}, "paths": ["/*"]}}]}`, `folders[0].cloudfront.distributions["p"]`, stages.CodeInvalid, "not the domain name or the ARN"},
		{"too many wildcards", `{"folders": [{"path": "a", "kind": "frontend", "service": "a", "cloudfront": {"distributions": {"p": "E1"}, "paths": ["/1*","/2*","/3*","/4*","/5*","/6*","/7*","/8*","/9*","/10*","/11*","/12*","/13*","/14*","/15*","/16*"]}}]}`, "folders[0].cloudfront.paths", stages.CodeQuota, "16 wildcard paths"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := problemsOf(t, tc.doc)
			i := slices.IndexFunc(ps, func(p stages.Problem) bool { return p.Path == tc.path && p.Code == tc.code })
			if i < 0 {
				t.Fatalf("no %s problem at %s; got %v", tc.code, tc.path, ps)
			}
			if !strings.Contains(ps[i].Message, tc.says) {
				t.Errorf("%s: %q does not say %q", tc.path, ps[i].Message, tc.says)
			}
		})
	}
}

// Every problem at once, not the first.
func TestParseReportsEveryProblem(t *testing.T) {
	ps := problemsOf(t, `{"folders": [
		{"path": "/abs", "kind": "library"},
		{"path": "a", "kind": "service", "dependsOn": ["nope", "b"]},
		{"path": "b", "kind": "library", "dependsOn": ["a"]}]}`)
	var got []string
	for _, p := range ps {
		got = append(got, p.Path)
	}
	want := []string{"folders[0].path", "folders[1].service", "folders[1].dependsOn[0]", "folders[1].dependsOn"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problem paths (-want +got):\n%s\n%v", diff, ps)
	}
	if !strings.Contains(ps[3].Message, "a → b → a") {
		t.Errorf("the cycle reads %q", ps[3].Message)
	}
}

func TestCheckFolders(t *testing.T) {
	d := example(t)
	root := t.TempDir()
	for _, f := range []string{"libs/money", "libs/http", "services/orders", "web/shop"} {
		os.MkdirAll(filepath.Join(root, f), 0o755)
	}
	os.MkdirAll(filepath.Join(root, "services"), 0o755)
	os.WriteFile(filepath.Join(root, "services/billing"), nil, 0o644)
	err := d.CheckFolders(root, "test")
	var ve *stages.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Path != "folders[3].path" {
		t.Fatalf("CheckFolders = %v, want the one problem of services/billing (a file)", err)
	}
	os.Remove(filepath.Join(root, "services/billing"))
	os.RemoveAll(filepath.Join(root, "web"))
	if err := d.CheckFolders(root, "test"); err == nil || !strings.Contains(err.Error(), `"web/shop" is not in the repository`) {
		t.Errorf("CheckFolders = %v", err)
	}
}

// FuzzParse: no input makes Parse panic, and what it accepts has no
// cycle and a trigger or a clear refusal for every service.
func FuzzParse(f *testing.F) {
	data, _ := os.ReadFile(filepath.Join("testdata", File))
	f.Add(data)
	f.Add([]byte(`{"folders": [{"path": "a", "kind": "service", "service": "a", "dependsOn": ["a", "b"]}, {"path": "b", "kind": "library", "dependsOn": ["a"]}]}`))
	f.Add([]byte(`{"folders": [{"path": "a/../b", "kind": "library"}, {"path": "", "kind": ""}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		if c := d.cycles(); len(c) > 0 {
			t.Fatalf("accepted a cycle: %v", c)
		}
		for _, s := range d.Services() {
			if _, err := d.Trigger(s.Path, "main"); err != nil && !strings.Contains(err.Error(), "at most 24") {
				t.Fatalf("Trigger(%s): %v", s.Path, err)
			}
		}
	})
}
