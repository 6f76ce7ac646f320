package handsofftest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/assembly"
	"github.com/handsoff-cdk/handsoff/internal/names"
)

// Template returns the template of one stack of one environment for the
// CDK's assertions, to check a property without a golden file:
//
//	q := a.Template(t, "prod-use1", "Service")
//	handsofftest.Assert(t, func() {
//		q.HasOutput(jsii.String("QueueUrl"), assertions.Match_AnyValue())
//	})
//
// env is the environment's name in the document ("prod-use1"); stack is
// the construct id the Service gave the stack in awscdk.NewStack
// ("Service"; a path such as "Data/Tables" under a construct of its own).
// The template is the one synthesized, not normalized, read from the
// assembly: it costs no synthesis. An unknown environment or stack fails
// the test with the valid names.
//
// A check of the Template panics when it fails, as the CDK's do, and a
// panic ends the test binary: run checks in Assert, or use
// HasResourceProperties and ResourceCountIs, which report with t.Errorf.
func (a *App) Template(t testing.TB, env, stack string) assertions.Template {
	t.Helper()
	tmpl := a.stackTemplate(t, env, stack)
	return assertions.Template_FromJSON(&tmpl, nil)
}

// Assert runs checks of the CDK's assertions and fails the test with the
// reason of each that fails (with t.Errorf), instead of the panic that
// would end the test binary.
func Assert(t testing.TB, checks ...func()) {
	t.Helper()
	for _, check := range checks {
		if msg := failure(check); msg != "" {
			t.Errorf("handsofftest: %s", msg)
		}
	}
}

// HasResourceProperties fails the test unless the stack (see Template)
// has a resource of type typ whose Properties match props, as
// assertions.Template.HasResourceProperties matches them: an object
// matches an object that holds at least its keys, and an
// assertions.Match_* matcher may stand for any value. The failure names
// the stack and shows the closest resource.
func (a *App) HasResourceProperties(t testing.TB, env, stack, typ string, props any) {
	t.Helper()
	q := a.Template(t, env, stack)
	if msg := failure(func() { q.HasResourceProperties(jsii.String(typ), props) }); msg != "" {
		t.Errorf("handsofftest: %s/%s: %s", env, stack, msg)
	}
}

// ResourceCountIs fails the test unless the stack (see Template) has n
// resources of type typ.
func (a *App) ResourceCountIs(t testing.TB, env, stack, typ string, n int) {
	t.Helper()
	q := a.Template(t, env, stack)
	if msg := failure(func() { q.ResourceCountIs(jsii.String(typ), jsii.Number(n)) }); msg != "" {
		t.Errorf("handsofftest: %s/%s: %s", env, stack, msg)
	}
}

// failure runs a check of the CDK's assertions, which panics with the
// reason when it fails, and returns the reason.
func failure(check func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	check()
	return ""
}

// environmentDirs are the nested assemblies of the environments named
// envs in the document, relative to the assembly: "assembly-{stage id}",
// the stage id being the environment's CDK Stage's (names.Stage). The
// error names every unknown environment and lists the document's.
func (a *App) environmentDirs(envs ...string) ([]string, error) {
	cfg := a.Pipeline.Config()
	dirs := map[string]string{}
	var known []string
	for _, e := range cfg.Environments() {
		dirs[e.Name] = "assembly-" + names.Stage(cfg.Service.Name, e.Name)
		known = append(known, e.Name)
	}
	var out []string
	var unknown []string
	for _, env := range envs {
		if d, ok := dirs[env]; ok {
			out = append(out, d)
		} else {
			unknown = append(unknown, strconv.Quote(env))
		}
	}
	if len(unknown) > 0 {
		what := "no environment"
		if len(unknown) > 1 {
			what = "no environments"
		}
		return nil, fmt.Errorf("%s %s in the document of %s; its environments: %s", what, strings.Join(unknown, ", "), cfg.Service.Repo, strings.Join(known, ", "))
	}
	return out, nil
}

// stackTemplate reads the template of the stack whose construct path
// under the environment's Stage is stack. It fails the test, listing the
// environment's stacks, when there is none.
func (a *App) stackTemplate(t testing.TB, env, stack string) map[string]any {
	t.Helper()
	dirs, err := a.environmentDirs(env)
	if err != nil {
		t.Fatalf("handsofftest: %v", err)
	}
	rel := dirs[0]
	m, err := assembly.Read(filepath.Join(a.Dir, rel))
	if err != nil {
		t.Fatalf("handsofftest: %s: %v", env, err)
	}
	prefix := strings.TrimPrefix(rel, "assembly-") + "/"
	var known []string
	for _, art := range m.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		id := strings.TrimPrefix(art.DisplayName, prefix)
		if id == stack {
			return readTemplate(t, filepath.Join(a.Dir, rel, art.Properties.TemplateFile))
		}
		known = append(known, fmt.Sprintf("%q (stack %s)", id, art.Properties.StackName))
	}
	slices.Sort(known)
	t.Fatalf("handsofftest: environment %s has no stack %q (a stack is named by its construct id under the environment's Stage); its stacks: %s",
		env, stack, strings.Join(known, ", "))
	return nil
}

func readTemplate(t testing.TB, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("handsofftest: %v", err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatalf("handsofftest: %s: %v", path, err)
	}
	return tmpl
}
