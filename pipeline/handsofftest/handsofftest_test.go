package handsofftest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/examples/orders"
	"github.com/handsoff-cdk/handsoff/pipeline/handsofftest"
	"github.com/handsoff-cdk/handsoff/stages"
)

var props = handsofftest.Props{Repo: "acme/orders", Service: orders.Service,
	Load: stages.LoadOptions{Document: stages.ExampleDocument()}}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any) { r.errors = append(r.errors, fmt.Sprint(args...)) }

// Fatalf and Fatal record and stop the goroutine, as testing's do: call
// them through failures.
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) {
	r.Error(args...)
	runtime.Goexit()
}

// failures runs f with a recorder, on a goroutine of its own so that a
// Fatal stops f only, and returns what it reported.
func failures(t *testing.T, f func(testing.TB)) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.errors
}

// copyApp copies the synthesized assembly, for mutations.
func copyApp(t *testing.T, a *handsofftest.App) *handsofftest.App {
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-r", a.Dir+"/.", dir).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	c := *a
	c.Dir = dir
	return &c
}

func editJSON(t *testing.T, file string, edit func(map[string]any)) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	json.Unmarshal(raw, &v)
	edit(v)
	raw, _ = json.Marshal(v)
	os.WriteFile(file, raw, 0o644)
}

// TestKitCatches: each assertion of the kit fails on an app that breaks
// it, and passes on the example.
func TestKitCatches(t *testing.T) {
	a := handsofftest.Synth(t, props)
	again := props
	again.Load.Document = slices.Clone(props.Load.Document)
	if b := handsofftest.Synth(t, again); b != a {
		t.Error("a second Synth of equal props synthesized again")
	}
	t.Run("a missing validation", func(t *testing.T) {
		c := copyApp(t, a)
		editJSON(t, filepath.Join(c.Dir, "orders-pipeline.template.json"), func(tmpl map[string]any) {
			for _, r := range tmpl["Resources"].(map[string]any) {
				rm := r.(map[string]any)
				if rm["Type"] != "AWS::CodePipeline::Pipeline" {
					continue
				}
				for _, st := range rm["Properties"].(map[string]any)["Stages"].([]any) {
					var keep []any
					for _, act := range st.(map[string]any)["Actions"].([]any) {
						if act.(map[string]any)["Name"] != "Validate-beta" {
							keep = append(keep, act)
						}
					}
					st.(map[string]any)["Actions"] = keep
				}
			}
		})
		r := &recorder{TB: t}
		c.AssertGates(r)
		if len(r.errors) != 1 || !strings.Contains(r.errors[0], "beta (beta) has checks") {
			t.Errorf("errors: %q", r.errors)
		}
	})
	t.Run("a public bucket", func(t *testing.T) {
		c := copyApp(t, a)
		files, _ := filepath.Glob(filepath.Join(c.Dir, "assembly-orders-alpha", "*Service*.template.json"))
		editJSON(t, files[0], func(tmpl map[string]any) {
			tmpl["Resources"].(map[string]any)["Leaky"] = map[string]any{"Type": "AWS::S3::Bucket", "Properties": map[string]any{
				"Tags": []any{map[string]any{"Key": "service", "Value": "orders"}, map[string]any{"Key": "owner", "Value": "t"},
					map[string]any{"Key": "stage", "Value": "alpha"}, map[string]any{"Key": "environment", "Value": "alpha"}, map[string]any{"Key": "cost-center", "Value": "1"}}}}
		})
		r := &recorder{TB: t}
		c.Check(r)
		if len(r.errors) == 0 || !strings.Contains(strings.Join(r.errors, "\n"), "Leaky PublicAccessBlockConfiguration [HS-S3-1") || !strings.Contains(strings.Join(r.errors, "\n"), "Control Tower: ") {
			t.Errorf("errors: %q", r.errors)
		}
	})
	t.Run("the example passes", func(t *testing.T) {
		r := &recorder{TB: t}
		a.AssertGates(r)
		a.Check(r)
		if len(r.errors) > 0 {
			t.Errorf("errors: %q", r.errors)
		}
	})
}

// TestDiffByStackAndResource: differences come by stack and resource.
func TestDiffByStackAndResource(t *testing.T) {
	want := map[string]map[string]any{
		"a.template.json":   {"Resources": map[string]any{"Q": map[string]any{"Type": "AWS::SQS::Queue"}, "B": map[string]any{"Type": "AWS::S3::Bucket"}}},
		"old.template.json": {"Resources": map[string]any{}},
	}
	got := map[string]map[string]any{
		"a.template.json":   {"Resources": map[string]any{"Q": map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{"DelaySeconds": 5}}, "T": map[string]any{"Type": "AWS::SNS::Topic"}}},
		"new.template.json": {"Resources": map[string]any{}},
	}
	d := handsofftest.Diff(want, got)
	heads := []string{"stack a.template.json, resource B: gone", "stack a.template.json, resource Q (-want +got):", "stack a.template.json, resource T: new (AWS::SNS::Topic)", "stack new.template.json: new", "stack old.template.json: gone"}
	if len(d) != len(heads) {
		t.Fatalf("%d differences, want %d:\n%s", len(d), len(heads), strings.Join(d, "\n"))
	}
	for i, h := range heads {
		if !strings.HasPrefix(d[i], h) {
			t.Errorf("difference %d: %q, want %q", i, d[i], h)
		}
	}
}

// TestNormalize masks what changes with every build and drops the CDK's
// bootstrap and metadata.
func TestNormalize(t *testing.T) {
	tmpl := map[string]any{
		"Parameters": map[string]any{"BootstrapVersion": map[string]any{}},
		"Rules":      map[string]any{"CheckBootstrapVersion": map[string]any{}},
		"Resources": map[string]any{"CDKMetadata": map[string]any{}, "F": map[string]any{"Properties": map[string]any{
			"Code": "cdk-hnb659fds-assets-111111111111-us-east-1/" + strings.Repeat("ab", 32) + ".zip"}}},
	}
	got, _ := json.Marshal(handsofftest.Normalize(tmpl))
	if want := `{"Resources":{"F":{"Properties":{"Code":"[cdk assets bucket]/[asset hash].zip"}}}}`; string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// TestGoldenSaysHowToUpdate: a golden mismatch, or a missing golden
// file, says which file and the command that rewrites it, and that
// command runs this very test.
func TestGoldenSaysHowToUpdate(t *testing.T) {
	a := handsofftest.Synth(t, props)
	changed := filepath.Join(t.TempDir(), "orders.golden.json")
	raw, err := os.ReadFile("testdata/orders.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(changed, []byte(strings.Replace(string(raw), `"alias/aws/sqs"`, `"alias/mine"`, 1)), 0o644)
	t.Run("a changed queue", func(t *testing.T) {
		got := failures(t, func(tb testing.TB) { a.Golden(tb, changed, "alpha", "prod-use1") })
		if len(got) != 2 || !strings.Contains(got[0], "resource DeadLetters") || !strings.Contains(got[0], "alias/mine") {
			t.Fatalf("failures:\n%s", strings.Join(got, "\n"))
		}
		want := "handsofftest: the templates differ from " + changed + " (1 difference above); if the change is meant, rewrite it with:\n\t" +
			`HANDSOFF_UPDATE=1 go test ./pipeline/handsofftest -run '^TestGoldenSaysHowToUpdate$/^a_changed_queue$'`
		if got[1] != want {
			t.Errorf("got\n%s\nwant\n%s", got[1], want)
		}
		// The command's pattern selects this test.
		run := strings.Trim(strings.SplitN(got[1], " -run ", 2)[1], "'")
		for i, name := range strings.Split(t.Name(), "/") {
			if ok, _ := regexp.MatchString(strings.Split(run, "/")[i], name); !ok {
				t.Errorf("-run %s does not select %s", run, t.Name())
			}
		}
	})
	t.Run("no golden file", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "none.golden.json")
		got := failures(t, func(tb testing.TB) { a.Golden(tb, missing, "alpha") })
		if len(got) != 1 || !strings.Contains(got[0], missing) ||
			!strings.HasSuffix(got[0], "write it with:\n\tHANDSOFF_UPDATE=1 go test ./pipeline/handsofftest -run '^TestGoldenSaysHowToUpdate$/^no_golden_file$'") {
			t.Errorf("failures:\n%s", strings.Join(got, "\n"))
		}
	})
}
