package handsofftest

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/constructs/guardrails"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Props are the pipeline's props, as the team's app passes them to
// pipeline.New.
type Props = pipeline.Props

// App is a synthesized app: its cloud assembly and its pipeline.
type App struct {
	// Dir is the cloud assembly.
	Dir string
	// Pipeline is what pipeline.Build returned.
	Pipeline *pipeline.Pipeline
	// NoNag is true when the app was synthesized without cdk-nag.
	NoNag bool
}

// Options tune Synth. The zero value runs cdk-nag's AwsSolutions pack on
// every stage.
type Options struct {
	// NoNag synthesizes without cdk-nag (faster, and Check then skips it).
	// Default: false.
	NoNag bool
}

// Synth builds and synthesizes the pipeline of props, with the context of
// the nearest cdk.json (its feature flags) as the app gets it from the cdk
// CLI, and fails the test with every problem when it does not build.
//
// jsii synthesis takes seconds, so a test binary synthesizes each distinct
// input once and later calls share the App. The input is everything that
// changes the result: every field of props, the document as loaded (each
// call loads it, so a changed file, Load.Document or HANDSOFF_CONFIG is a
// new input), opts, cdk.json's context and the working directory. Go cannot compare
// functions, so Service is compared by identity: the same function value
// (a named function such as orders.Service, or one closure kept in a
// shared Props) shares the App, while a closure made anew for each call
// synthesizes anew, and Synth logs why. Aspects are compared by identity
// too. Share one Props value (a package-level var) between tests.
//
// The document comes from props.Load as in the app (set Load.Document or
// Load.Path for a fixed one), or is props.Config, which Synth does not
// change: change none of it after Synth either.
func Synth(t testing.TB, props Props, opts ...Options) *App {
	t.Helper()
	if len(opts) > 1 {
		t.Fatalf("handsofftest: Synth takes at most one Options, got %d", len(opts))
	}
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	k, err := inputOf(props, o)
	if err != nil {
		t.Fatalf("handsofftest: %s does not build:\n%v", props.Repo, err)
	}
	s, note := apps.lookup(k)
	if note != "" {
		t.Log(note)
	}
	s.once.Do(func() { s.app, s.err = synth(k) })
	if s.err != nil {
		t.Fatalf("handsofftest: %s does not build:\n%v", props.Repo, s.err)
	}
	return s.app
}

// input is what decides a synthesized App.
type input struct {
	// Props, with Config loaded and Load zero: once Config is set,
	// pipeline.Build reads nothing of Load, and Load holds what cannot be
	// compared (Getenv, Context, an HTTP client).
	Props   Props
	Options Options
	// Dir is the working directory: cdk.json's context is found from it,
	// and relative paths (CheckSourceDir) start there.
	Dir     string
	Context map[string]any
}

// inputOf loads the document of props, as pipeline.Build would.
func inputOf(props Props, o Options) (input, error) {
	if props.Config == nil && props.Repo != "" && props.Service != nil {
		load := props.Load
		load.Repo = props.Repo
		cfg, err := stages.Load(load)
		if err != nil {
			return input{}, err
		}
		props.Config = cfg
	}
	props.Load = stages.LoadOptions{}
	dir, err := os.Getwd()
	if err != nil {
		return input{}, err
	}
	return input{Props: props, Options: o, Dir: dir, Context: pipeline.CDKContext(".")}, nil
}

// sameInput compares inputs: functions and aspects by identity, time zones
// by name, times by instant and zone. cmp.Equal panics on a field it
// cannot compare, which a new field of Props or stages.Config of such a
// type would be: the kit's own tests compare the example's inputs, so that
// shows there first.
var sameInput = cmp.Options{
	cmp.Comparer(sameFunc),
	cmp.Comparer(sameObject),
	sameZone, sameTime,
}

// madeAnew compares inputs as if closures of one function literal (or
// method values of one method) were one function and aspects of one type
// one aspect: two inputs that differ only there are most likely one
// service made twice, by code that builds its Props in each test. It only
// chooses whether to say so (a literal inlined at two call sites is two
// functions to it).
var madeAnew = cmp.Options{
	cmp.Comparer(func(a, b pipeline.ServiceFactory) bool {
		return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
	}),
	cmp.Comparer(func(a, b awscdk.IAspect) bool { return reflect.TypeOf(a) == reflect.TypeOf(b) }),
	sameZone, sameTime,
}

var (
	// A *time.Location has only unexported fields; its name says it.
	sameZone = cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() })
	sameTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location().String() == b.Location().String() })
)

// sameFunc reports whether f and g are the same function value. reflect
// gives only a function's code pointer, which every closure made from one
// function literal shares whatever it captured, so it cannot tell
// service(1) from service(2). A func value is a pointer to its closure
// (code pointer, then the captured variables; a named function's closure
// is static), so equal pointers are the same code with the same
// captures. This relies on the gc toolchain's func value layout, one
// pointer, which TestSameFunc holds. The cache keeps every Props it was
// given, so a closure it compares against is never freed and its address
// never reused.
func sameFunc(f, g pipeline.ServiceFactory) bool {
	return *(*unsafe.Pointer)(unsafe.Pointer(&f)) == *(*unsafe.Pointer)(unsafe.Pointer(&g))
}

// sameObject reports whether two aspects are the same object (jsii
// proxies are pointers); values Go cannot compare are taken as different.
func sameObject(a, b awscdk.IAspect) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !va.IsValid() || !vb.IsValid() {
		return va.IsValid() == vb.IsValid()
	}
	return va.Type() == vb.Type() && va.Comparable() && vb.Comparable() && va.Equal(vb)
}

// synthesized is one synthesis, run once however many tests ask for it.
type synthesized struct {
	input input
	once  sync.Once
	app   *App
	err   error
}

// cache holds every synthesis of the test binary. A list, not a map: the
// inputs are compared with cmp, and a test binary makes a handful.
type cache struct {
	mu   sync.Mutex
	apps []*synthesized
}

var apps cache

// lookup returns the synthesis of k, new if there is none yet, and a
// note when k looks like an earlier input made anew.
func (c *cache) lookup(k input) (*synthesized, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	note := ""
	for _, s := range c.apps {
		if cmp.Equal(s.input, k, sameInput) {
			return s, ""
		}
		if note == "" && cmp.Equal(s.input, k, madeAnew) {
			note = fmt.Sprintf("handsofftest: synthesizing %s again: its props equal an earlier Synth's but for Service or Aspects, "+
				"which are made anew (a new closure, method value or aspect object; Go cannot tell whether two functions "+
				"build the same stacks): share one Props value between tests to synthesize once", k.Props.Repo)
		}
	}
	s := &synthesized{input: k}
	c.apps = append(c.apps, s)
	return s, note
}

// synth builds and synthesizes an input into a new directory.
func synth(in input) (*App, error) {
	props := in.Props
	if props.Config != nil {
		// pipeline.Build replans the Config it is given (Config.Plan sets
		// each stage's Waves): it gets a copy with Stages of its own, so
		// that the input, and the team's Config, stay as they were.
		cfg := *props.Config
		cfg.Stages = slices.Clone(cfg.Stages)
		props.Config = &cfg
	}
	dir, err := os.MkdirTemp("", "handsofftest-")
	if err != nil {
		return nil, err
	}
	// The team's cdk.json context (feature flags), as its app gets it.
	appProps := &awscdk.AppProps{Outdir: jsii.String(dir)}
	if len(in.Context) > 0 {
		ctx := maps.Clone(in.Context)
		appProps.Context = &ctx
	}
	app := awscdk.NewApp(appProps)
	if !in.Options.NoNag {
		nag := cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
		awscdk.Aspects_Of(app).Add(nag, nil)
		props.Aspects = append(slices.Clone(props.Aspects), nag)
	}
	p, err := pipeline.Build(app, props)
	if err != nil {
		return nil, err
	}
	app.Synth(nil)
	return &App{Dir: dir, Pipeline: p, NoNag: in.Options.NoNag}, nil
}

// Templates returns every template of the assembly by its file's path
// relative to the assembly, with "/" between directories: an
// environment's stack by its Stage's nested assembly and its artifact id,
// the stack's construct path without the "/" and a hash of it
// ("assembly-orders-alpha/ordersalphaService5EB51F1E.template.json"), the
// pipeline's stack by its name ("orders-pipeline.template.json").
func (a *App) Templates(t testing.TB) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for rel, tmpl := range testenv.Templates(t, a.Dir) {
		out[filepath.ToSlash(rel)] = tmpl
	}
	return out
}

// pipelineTemplate is the template that holds the CodePipeline.
func (a *App) pipelineStages(t testing.TB) []map[string]any {
	t.Helper()
	for _, tmpl := range a.Templates(t) {
		res, _ := tmpl["Resources"].(map[string]any)
		for _, r := range res {
			rm, _ := r.(map[string]any)
			if rm["Type"] == "AWS::CodePipeline::Pipeline" {
				var out []map[string]any
				for _, s := range rm["Properties"].(map[string]any)["Stages"].([]any) {
					out = append(out, s.(map[string]any))
				}
				return out
			}
		}
	}
	t.Fatal("handsofftest: the assembly has no CodePipeline")
	return nil
}

// AssertGates fails the test for every environment without its gates:
// the gates deploy and the Validate action when its stage has checks, a
// Bake action in its wave's stage when the wave bakes, a rollback on
// failure in every deployment stage, and the freeze gate on every stage a
// window or blackout names.
func (a *App) AssertGates(t testing.TB) {
	t.Helper()
	cfg := a.Pipeline.Config()
	actions := map[string]map[string]bool{} // stage -> action names
	conds := map[string]map[string]any{}
	for _, st := range a.pipelineStages(t) {
		name := st["Name"].(string)
		actions[name], conds[name] = map[string]bool{}, st
		for _, act := range st["Actions"].([]any) {
			actions[name][act.(map[string]any)["Name"].(string)] = true
		}
	}
	cal := map[string]bool{}
	for _, w := range cfg.FreezeWindows {
		for _, s := range w.AppliesTo {
			cal[s] = true
		}
	}
	for _, b := range cfg.Blackouts {
		for _, s := range b.AppliesTo {
			cal[s] = true
		}
	}
	for _, s := range cfg.Stages {
		for _, w := range s.Waves {
			stage := ""
			for name, acts := range actions {
				for _, e := range w.Environments {
					if acts["Validate-"+e.Name] || acts["Gates-"+e.Name+".Deploy"] {
						stage = name
					}
				}
			}
			for _, e := range w.Environments {
				found := ""
				for name, acts := range actions {
					if acts["Validate-"+e.Name] {
						found = name
					}
				}
				if len(s.Checks) > 0 && found == "" {
					t.Errorf("handsofftest: %s (%s) has checks %v but no Validate-%s action", e.Name, s.Name, s.Checks, e.Name)
				}
			}
			if stage == "" {
				continue
			}
			if w.Bake > 0 && !slices.ContainsFunc(keys(actions[stage]), func(n string) bool { return strings.HasPrefix(n, "Bake") }) {
				t.Errorf("handsofftest: wave %s of %s bakes %s but its stage %s has no Bake action", w.Name, s.Name, w.Bake, stage)
			}
			if f, _ := conds[stage]["OnFailure"].(map[string]any); f["Result"] != "ROLLBACK" {
				t.Errorf("handsofftest: stage %s does not roll back on failure", stage)
			}
			if cal[s.Name] && conds[stage]["BeforeEntry"] == nil {
				t.Errorf("handsofftest: stage %s is named by a freeze window or blackout but has no freeze gate", stage)
			}
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Check runs every checker over the app and fails the test with every
// finding: the guardrail rules on every environment (with the document's
// required tags), cdk-nag's AwsSolutions errors (unless synthesized with
// NoNag), and the AWS Control Tower cfn-guard rules when the npm package
// @cdklabs/cdk-validator-cfnguard is installed in node_modules at or above
// the working directory (else it logs that it skipped them).
func (a *App) Check(t testing.TB) {
	t.Helper()
	cfg := a.Pipeline.Config()
	required := append(stages.ReservedTags(), sortedKeys(cfg.Service.Tags)...)
	dirs, _ := filepath.Glob(filepath.Join(a.Dir, "assembly-*"))
	for _, dir := range dirs {
		rep, err := guardrails.CheckAssembly(dir, guardrails.Context{RequiredTags: required})
		if err != nil {
			t.Fatal(err)
		}
		if err := rep.Err(); err != nil {
			t.Errorf("handsofftest: %s: %v", filepath.Base(dir), err)
		}
	}
	if !a.NoNag {
		for _, f := range testenv.Annotations(t, a.Dir) {
			if f.Level == "error" && strings.Contains(f.Message, "AwsSolutions-") {
				t.Errorf("handsofftest: cdk-nag: %s", f)
			}
		}
	}
	base := findUp("node_modules/@cdklabs/cdk-validator-cfnguard")
	if base == "" {
		t.Log("handsofftest: the Control Tower rules were not run: npm install @cdklabs/cdk-validator-cfnguard to run them")
		return
	}
	res := testenv.GuardIn(t, base, testenv.TemplateFiles(t, a.Dir), testenv.GuardRules...)
	for _, f := range res.Failures {
		t.Errorf("handsofftest: Control Tower: %s", f)
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// findUp finds rel in the working directory or above it.
func findUp(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

var (
	reAssetHash = regexp.MustCompile(`[0-9a-f]{64}`)
	reCDKAssets = regexp.MustCompile(`cdk-[a-z0-9]+-assets-[0-9]{12}-[a-z0-9-]+`)
)

// Normalize makes a template stable across runs: asset hashes and asset
// bucket names masked, the CDK's bootstrap version parameter and rule and
// its metadata resource dropped.
func Normalize(tmpl map[string]any) map[string]any {
	raw, _ := json.Marshal(tmpl)
	s := reAssetHash.ReplaceAllString(string(raw), "[asset hash]")
	s = reCDKAssets.ReplaceAllString(s, "[cdk assets bucket]")
	var out map[string]any
	json.Unmarshal([]byte(s), &out)
	if p, ok := out["Parameters"].(map[string]any); ok {
		delete(p, "BootstrapVersion")
		if len(p) == 0 {
			delete(out, "Parameters")
		}
	}
	if r, ok := out["Rules"].(map[string]any); ok {
		delete(r, "CheckBootstrapVersion")
		if len(r) == 0 {
			delete(out, "Rules")
		}
	}
	if res, ok := out["Resources"].(map[string]any); ok {
		delete(res, "CDKMetadata")
	}
	delete(out, "Conditions") // CDKMetadataAvailable, with the metadata resource
	return out
}

// updating reports whether golden files are to be rewritten: the test
// binary's own -update flag, or HANDSOFF_UPDATE=1.
func updating() bool {
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		return true
	}
	return os.Getenv("HANDSOFF_UPDATE") == "1"
}

// Golden compares the normalized templates of the named environments'
// stacks with the golden file, and rewrites it when updating. An
// environment is named as in the document ("prod-use1"); naming none
// compares every environment. Only the team's stacks are compared, not
// the gates handsoff adds. The file holds one template per stack, keyed
// as Templates keys them. Differences are reported by stack and resource,
// and a mismatch or a missing file ends with the command that rewrites
// it (HANDSOFF_UPDATE=1 go test ./pkg -run '^TestName$').
func (a *App) Golden(t testing.TB, file string, environments ...string) {
	t.Helper()
	if len(environments) == 0 {
		for _, e := range a.Pipeline.Config().Environments() {
			environments = append(environments, e.Name)
		}
	}
	dirs, err := a.environmentDirs(environments...)
	if err != nil {
		t.Fatalf("handsofftest: Golden %s: %v", file, err)
	}
	got := map[string]map[string]any{}
	for rel, tmpl := range a.Templates(t) {
		if !slices.Contains(dirs, path.Dir(rel)) || strings.HasSuffix(rel, "-gates.template.json") {
			continue // the pipeline's own stacks, and the gates handsoff writes
		}
		got[rel] = Normalize(tmpl)
	}
	if len(got) == 0 {
		t.Fatalf("handsofftest: Golden %s: no stacks in environments %s", file, strings.Join(environments, ", "))
	}
	if updating() {
		raw, _ := json.MarshalIndent(got, "", "  ")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("handsofftest: Golden: %v; write it with:\n\t%s", err, updateCommand(t))
	}
	var want map[string]map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("handsofftest: Golden %s: %v; rewrite it with:\n\t%s", file, err, updateCommand(t))
	}
	diffs := Diff(want, got)
	for _, d := range diffs {
		t.Error(d)
	}
	if len(diffs) > 0 {
		plural := "s"
		if len(diffs) == 1 {
			plural = ""
		}
		t.Errorf("handsofftest: the templates differ from %s (%d difference%s above); if the change is meant, rewrite it with:\n\t%s",
			file, len(diffs), plural, updateCommand(t))
	}
}

// updateCommand is the command that reruns the test t with golden files
// rewritten, from the module's root: HANDSOFF_UPDATE=1 go test ./pkg -run
// '^TestName$/^subtest$'.
func updateCommand(t testing.TB) string {
	pkg := "."
	dir, err := os.Getwd()
	if gomod := findUp("go.mod"); err == nil && gomod != "" {
		if rel, err := filepath.Rel(filepath.Dir(gomod), dir); err == nil && rel != "." {
			pkg = "./" + filepath.ToSlash(rel)
		}
	}
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	run := strings.Join(parts, "/")
	return "HANDSOFF_UPDATE=1 go test " + pkg + " -run '" + strings.ReplaceAll(run, "'", `'\''`) + "'"
}

// Diff compares two sets of templates and returns one difference per
// stack and resource: a stack or resource added or removed, or a
// resource's (-want +got) diff; and one for other parts of a template.
func Diff(want, got map[string]map[string]any) []string {
	var out []string
	for _, stack := range union(want, got) {
		w, okW := want[stack]
		g, okG := got[stack]
		switch {
		case !okG:
			out = append(out, fmt.Sprintf("stack %s: gone", stack))
			continue
		case !okW:
			out = append(out, fmt.Sprintf("stack %s: new", stack))
			continue
		}
		wr, _ := w["Resources"].(map[string]any)
		gr, _ := g["Resources"].(map[string]any)
		for _, id := range union(wr, gr) {
			wv, okW := wr[id]
			gv, okG := gr[id]
			switch {
			case !okG:
				out = append(out, fmt.Sprintf("stack %s, resource %s: gone", stack, id))
			case !okW:
				out = append(out, fmt.Sprintf("stack %s, resource %s: new (%v)", stack, id, gv.(map[string]any)["Type"]))
			default:
				if d := cmp.Diff(wv, gv); d != "" {
					out = append(out, fmt.Sprintf("stack %s, resource %s (-want +got):\n%s", stack, id, d))
				}
			}
		}
		wo, go2 := withoutResources(w), withoutResources(g)
		if d := cmp.Diff(wo, go2); d != "" {
			out = append(out, fmt.Sprintf("stack %s, outside Resources (-want +got):\n%s", stack, d))
		}
	}
	return out
}

func withoutResources(t map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range t {
		if k != "Resources" {
			out[k] = v
		}
	}
	return out
}

func union[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
