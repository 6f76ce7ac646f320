package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/assembly"
)

// TemplateFiles returns the path of every template of a cloud assembly, by
// path relative to dir.
func TemplateFiles(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "asset.") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".template.json") {
			rel, _ := filepath.Rel(dir, path)
			out[rel] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Templates returns every CloudFormation template of a cloud assembly,
// nested assemblies (one per CDK Stage) included, by path relative to dir.
func Templates(t testing.TB, dir string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for rel, path := range TemplateFiles(t, dir) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var tmpl map[string]any
		if err := json.Unmarshal(data, &tmpl); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out[rel] = tmpl
	}
	return out
}

// Finding is an annotation that a check (cdk-nag) left in the assembly.
type Finding struct {
	Path, Level, Message string
}

func (f Finding) String() string { return f.Level + " " + f.Path + ": " + f.Message }

// Annotations returns every error and warning annotation of an assembly and
// its nested assemblies.
func Annotations(t testing.TB, dir string) []Finding {
	t.Helper()
	var out []Finding
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "asset.") {
			return filepath.SkipDir
		}
		if d.Name() != "manifest.json" {
			return nil
		}
		m, err := assembly.Read(filepath.Dir(path))
		if err != nil {
			return err
		}
		for _, a := range m.Artifacts {
			for p, entries := range a.Metadata {
				for _, e := range entries {
					if e.Type == "aws:cdk:error" || e.Type == "aws:cdk:warning" {
						out = append(out, Finding{Path: p, Level: strings.TrimPrefix(e.Type, "aws:cdk:"), Message: fmt.Sprint(e.Data)})
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// GuardRules are the AWS Control Tower rule folders the tests apply.
var GuardRules = []string{"s3", "identityandaccessmanagement", "keymanagementservice", "codebuild", "stepfunctions", "lambda", "sqs", "ec2autoscaling"}

// GuardResult is what cfn-guard found in a set of templates.
type GuardResult struct {
	// Failures are "template: rule on resource" for every failure that no
	// reasoned suppression covers.
	Failures []string
	// Suppressed counts failures covered by Metadata.guard.SuppressedRules
	// with a reason in Metadata.guard.Reasons.
	Suppressed int
}

var reResourcePath = regexp.MustCompile(`^/Resources/([^/]+)`)

// Guard runs cfn-guard 3 with the Control Tower rules of the given service
// folders over each template. The Control Tower rules do not read
// suppressions themselves, so Guard honours Metadata.guard.SuppressedRules,
// and only where Metadata.guard.Reasons says why.
func Guard(t testing.TB, templates map[string]string, services ...string) GuardResult {
	t.Helper()
	return GuardIn(t, Tool(t, "@cdklabs/cdk-validator-cfnguard"), templates, services...)
}

// GuardIn is Guard with the npm package @cdklabs/cdk-validator-cfnguard
// installed at base.
func GuardIn(t testing.TB, base string, templates map[string]string, services ...string) GuardResult {
	t.Helper()
	bin := filepath.Join(base, "bin", "ubuntu", "x86_64", "cfn-guard")
	var res GuardResult
	type meta struct {
		Resources map[string]struct {
			Metadata struct {
				Guard struct {
					SuppressedRules []string
					Reasons         map[string]string
				} `json:"guard"`
			}
		}
	}
	byFile := map[string]meta{}
	nameOf := map[string]string{}
	args := []string{"validate", "-o", "json", "--show-summary", "none"}
	for name, file := range templates {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var m meta
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(file)
		byFile[abs], nameOf[abs] = m, name
		args = append(args, "-d", abs)
	}
	// One run per rule folder, over every template at once.
	for _, svc := range services {
		out, err := exec.Command(bin, append(args, "-r", filepath.Join(base, "rules", "control-tower", "cfn-guard", svc))...).Output()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 19 {
				t.Fatalf("cfn-guard %s: %v\n%s", svc, err, out)
			}
		}
		// One JSON document per template and rule file.
		dec := json.NewDecoder(bytes.NewReader(out))
		for dec.More() {
			var report struct {
				Name         string            `json:"name"`
				NotCompliant []json.RawMessage `json:"not_compliant"`
			}
			if err := dec.Decode(&report); err != nil {
				t.Fatalf("cfn-guard %s: %v", svc, err)
			}
			m, ok := byFile[report.Name]
			if !ok {
				t.Fatalf("cfn-guard reported on %q, which it was not given", report.Name)
			}
			for _, nc := range report.NotCompliant {
				var head struct {
					Rule struct {
						Name string `json:"name"`
					} `json:"Rule"`
				}
				_ = json.Unmarshal(nc, &head)
				rule := head.Rule.Name
				for _, id := range resourcesIn(nc) {
					g := m.Resources[id].Metadata.Guard
					if slices.Contains(g.SuppressedRules, rule) && strings.TrimSpace(g.Reasons[rule]) != "" {
						res.Suppressed++
						continue
					}
					res.Failures = append(res.Failures, fmt.Sprintf("%s: %s on %s", nameOf[report.Name], rule, id))
				}
			}
		}
	}
	sort.Strings(res.Failures)
	return res
}

// resourcesIn lists the logical ids of every /Resources/ID path in a report.
func resourcesIn(raw json.RawMessage) []string {
	var v any
	_ = json.Unmarshal(raw, &v)
	seen := map[string]bool{}
	var walk func(any)
	walk = func(x any) {
		switch y := x.(type) {
		case map[string]any:
			for k, v := range y {
				if k == "path" {
					if s, ok := v.(string); ok {
						if m := reResourcePath.FindStringSubmatch(s); m != nil {
							seen[m[1]] = true
						}
					}
				}
				walk(v)
			}
		case []any:
			for _, v := range y {
				walk(v)
			}
		}
	}
	walk(v)
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Definitions returns the Step Functions definitions of a template, keyed by
// logical id, with CloudFormation references replaced by placeholder ARNs so
// that asl-validator can read them.
func Definitions(tmpl map[string]any) map[string]string {
	out := map[string]string{}
	res, _ := tmpl["Resources"].(map[string]any)
	for id, r := range res {
		rm := r.(map[string]any)
		if rm["Type"] != "AWS::StepFunctions::StateMachine" {
			continue
		}
		props := rm["Properties"].(map[string]any)
		out[id] = flatten(props["DefinitionString"])
	}
	return out
}

func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, flatten(p))
			}
			return strings.Join(parts, j[0].(string))
		}
		if _, ok := x["Ref"]; ok {
			if x["Ref"] == "AWS::Partition" {
				return "aws"
			}
			return "arn:aws:lambda:us-east-1:123456789012:function:placeholder"
		}
		return "arn:aws:lambda:us-east-1:123456789012:function:placeholder"
	}
	return fmt.Sprint(v)
}

// ValidateASL runs asl-validator on a definition and returns its complaint,
// or "" when the definition is valid.
func ValidateASL(t testing.TB, definition string) string {
	t.Helper()
	bin := Tool(t, filepath.Join(".bin", "asl-validator"))
	f := filepath.Join(t.TempDir(), "definition.json")
	if err := os.WriteFile(f, []byte(definition), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--json-path", f)
	if node := Node(); node != "" {
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out))
	}
	return ""
}
