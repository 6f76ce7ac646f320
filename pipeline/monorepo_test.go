package pipeline_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/monorepo"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/internal/testenv/oracle"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

const monoDeps = `{
  "folders": [
    {"path": "libs/money", "kind": "library"},
    {"path": "libs/http", "kind": "library", "dependsOn": ["libs/money"]},
    {"path": "services/orders", "kind": "service", "service": "orders", "dependsOn": ["libs/http"]},
    {"path": "services/billing", "kind": "service", "service": "billing", "dependsOn": ["libs/money"]},
    {"path": "web/shop", "kind": "frontend", "service": "shop", "dependsOn": ["services/orders"],
     "cloudfront": {"distributions": {"gamma-use1": "E1GAMMAEXAMPLE", "prod-use1": "E2QWRUHAPOMQZL"}, "paths": ["/index.html", "/assets/*"]}}
  ]
}
`

// monoRoot writes a checkout of a mono-repo: the dependency file and its
// folders.
func monoRoot(t *testing.T, deps string) string {
	t.Helper()
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, monorepo.File), []byte(deps), 0o644)
	for _, f := range []string{"libs/money", "libs/http", "services/orders", "services/billing", "web/shop"} {
		os.MkdirAll(filepath.Join(root, f), 0o755)
	}
	return root
}

// withService is smallDocument for another service of the repository.
func withService(doc []byte, name string) []byte {
	return []byte(strings.Replace(strings.Replace(string(doc), `"name": "orders"`, `"name": "`+name+`"`, 1), `"name":"orders"`, `"name":"`+name+`"`, 1))
}

func synthMono(t *testing.T, doc []byte, mono *pipeline.MonoRepoProps) (string, *pipeline.Pipeline) {
	t.Helper()
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	p, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: alarmService("Service/Errors"),
		Load: stages.LoadOptions{Document: doc}, MonoRepo: mono})
	if err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	return dir, p
}

func pipelineProps(t *testing.T, tmpl map[string]any) map[string]any {
	t.Helper()
	for _, r := range tmpl["Resources"].(map[string]any) {
		if rm := r.(map[string]any); rm["Type"] == "AWS::CodePipeline::Pipeline" {
			return rm["Properties"].(map[string]any)
		}
	}
	t.Fatal("no pipeline")
	return nil
}

// TestMonoRepoPipeline: the trigger's filters (golden), a template
// CodePipeline takes as it reads (one trigger, change detection off), and
// pushes starting the pipeline exactly when the library says the service
// is affected.
func TestMonoRepoPipeline(t *testing.T) {
	root := monoRoot(t, monoDeps)
	dir, p := synthMono(t, smallDocument(t, true), &pipeline.MonoRepoProps{Root: root})
	tmpl := readTemplate(t, filepath.Join(dir, "orders-pipeline.template.json"))
	golden(t, "orders-monorepo-pipeline.template.json", tmpl)

	props := pipelineProps(t, tmpl)
	if ps := oracle.TriggerProblems(props); len(ps) > 0 {
		t.Errorf("the trigger: %v", ps)
	}
	if _, err := oracle.FindPipeline(oracle.Assembly(testenv.Templates(t, dir))); err != nil {
		t.Fatal(err)
	}
	at := assertions.Template_FromJSON(toJSII(tmpl), nil)
	at.HasResourceProperties(jsii.String("AWS::CodePipeline::Pipeline"), map[string]any{
		"Triggers": []any{map[string]any{
			"ProviderType": "CodeStarSourceConnection",
			"GitConfiguration": map[string]any{
				"SourceActionName": "acme_orders",
				"Push": []any{map[string]any{
					"Branches":  map[string]any{"Includes": []any{"main"}},
					"FilePaths": map[string]any{"Includes": []any{"services/orders/**", "libs/http/**", "libs/money/**", monorepo.File}},
				}},
			},
		}},
	})
	// No webhook: a connection source has none, and the trigger is the
	// only start.
	at.ResourceCountIs(jsii.String("AWS::CodePipeline::Webhook"), jsii.Number(0))

	deps, err := monorepo.ReadFile(filepath.Join(root, monorepo.File))
	if err != nil {
		t.Fatal(err)
	}
	for _, files := range [][]string{
		{"services/orders/main.go"}, {"libs/money/round.go"}, {"libs/http/client.go"}, {monorepo.File},
		{"services/billing/x.go"}, {"web/shop/index.html"}, {"README.md"}, {"libs/moneyx/a"}, {"services/orders"},
		{"services/billing/x.go", "libs/http/a/b.go"},
	} {
		var changes []monorepo.Change
		for _, f := range files {
			changes = append(changes, monorepo.Change{Status: 'M', Path: f})
		}
		affected := slices.ContainsFunc(deps.Affected(changes, nil), func(a monorepo.Affected) bool { return a.Service == "orders" })
		starts, err := oracle.Starts(props, oracle.Push{Branch: "main", Files: files})
		if err != nil {
			t.Fatal(err)
		}
		if starts != affected {
			t.Errorf("%v: the pipeline starts %v, orders affected %v", files, starts, affected)
		}
		if other, _ := oracle.Starts(props, oracle.Push{Branch: "release", Files: files}); other {
			t.Errorf("%v on another branch starts the pipeline", files)
		}
	}

	// The last stage records the commit, with a role that may write that
	// one parameter.
	stagesProp := props["Stages"].([]any)
	if last := stagesProp[len(stagesProp)-1].(map[string]any); last["Name"] != pipeline.DeployedStage {
		t.Errorf("the last stage is %v, not %s", last["Name"], pipeline.DeployedStage)
	}
	at.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Sid": "RecordDeployedCommit", "Effect": "Allow", "Action": "ssm:PutParameter",
			"Resource": "arn:aws:ssm:us-east-1:111111111111:parameter/handsoff/orders/deployed/prod",
		}})},
	})
	if p.Plan() == nil {
		t.Error("no plan")
	}
}

// TestMonoRepoErrors: mistakes in Props.MonoRepo and the file are
// refused before anything synthesizes, with the path and the fix.
func TestMonoRepoErrors(t *testing.T) {
	doc := smallDocument(t, true)
	var many strings.Builder
	many.WriteString(`{"folders": [`)
	var deps []string
	for i := range 23 {
		f := "libs/l" + string(rune('a'+i))
		many.WriteString(`{"path": "` + f + `", "kind": "library"}, `)
		deps = append(deps, `"`+f+`"`)
	}
	many.WriteString(`{"path": "services/orders", "kind": "service", "service": "orders", "dependsOn": [` + strings.Join(deps, ", ") + `]}]}`)
	manyRoot := monoRoot(t, many.String())
	for i := range 23 {
		os.MkdirAll(filepath.Join(manyRoot, "libs/l"+string(rune('a'+i))), 0o755)
	}
	missing := monoRoot(t, monoDeps)
	os.RemoveAll(filepath.Join(missing, "libs/http"))
	for _, tc := range []struct {
		name string
		doc  []byte
		mono *pipeline.MonoRepoProps
		says string
	}{
		{"no file", doc, &pipeline.MonoRepoProps{Root: t.TempDir()}, "Props.MonoRepo.Root: " + ""},
		{"invalid file", doc, &pipeline.MonoRepoProps{Root: monoRoot(t, `{"folders": [{"path": "a", "kind": "service", "service": "orders", "dependsOn": ["a/b", "c"]}]}`)}, `"c" is not a folder of the file`},
		{"missing folder", doc, &pipeline.MonoRepoProps{Root: missing}, `"libs/http" is not in the repository`},
		{"service not listed", withService(doc, "payments"), &pipeline.MonoRepoProps{Root: monoRoot(t, monoDeps)}, `no service or frontend names "payments"`},
		{"folder of another service", doc, &pipeline.MonoRepoProps{Root: monoRoot(t, monoDeps), Folder: "services/billing"}, `deployed by "billing"`},
		{"too many patterns", doc, &pipeline.MonoRepoProps{Root: manyRoot}, "needs 25 file-path patterns, and CodePipeline takes at most 24"},
		{"frontend without a distribution", withService(doc, "shop"), &pipeline.MonoRepoProps{Root: monoRoot(t, strings.Replace(monoDeps, `"gamma-use1": "E1GAMMAEXAMPLE", `, `"gama-use1": "E1GAMMAEXAMPLE", `, 1))}, `names no distribution for gamma-use1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pipeline.Build(awscdk.NewApp(nil), pipeline.Props{Repo: "acme/orders", Service: alarmService("Service/Errors"),
				Load: stages.LoadOptions{Document: tc.doc}, MonoRepo: tc.mono})
			if err == nil {
				t.Fatal("built")
			}
			var ve *stages.ValidationError
			if !pipeline.IsConfigError(err) && !errors.As(err, &ve) {
				t.Errorf("%T is not a configuration error: %v", err, err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%v\ndoes not say %q", err, tc.says)
			}
		})
	}
}

// TestMonoRepoFrontend: each environment of a frontend invalidates its
// own distribution, after its other stacks, with a role scoped to that
// distribution.
func TestMonoRepoFrontend(t *testing.T) {
	t.Setenv("CODEBUILD_RESOLVED_SOURCE_VERSION", "0123456789abcdef0123456789abcdef01234567")
	dir, _ := synthMono(t, withService(smallDocument(t, true), "shop"), &pipeline.MonoRepoProps{Root: monoRoot(t, monoDeps)})
	for env, want := range map[string]struct{ account, id string }{"gamma-use1": {"333333333333", "E1GAMMAEXAMPLE"}, "prod-use1": {"444444444444", "E2QWRUHAPOMQZL"}} {
		matches, _ := filepath.Glob(filepath.Join(dir, "assembly-shop-"+env, "*Invalidation*.template.json"))
		if len(matches) != 1 {
			t.Fatalf("%s: invalidation templates %v", env, matches)
		}
		tmpl := readTemplate(t, matches[0])
		at := assertions.Template_FromJSON(toJSII(tmpl), nil)
		at.HasResourceProperties(jsii.String("Custom::AWS"), map[string]any{
			"Create": assertions.Match_SerializedJson(map[string]any{
				"service": "CloudFront", "action": "createInvalidation",
				"parameters": map[string]any{"DistributionId": want.id, "InvalidationBatch": map[string]any{
					"CallerReference": assertions.Match_StringLikeRegexp(jsii.String(`^handsoff-shop-0123456789abcdef0123456789abcdef01234567-[0-9a-f]{16}$`)),
					"Paths":           map[string]any{"Quantity": 2, "Items": []any{"/index.html", "/assets/*"}},
				}},
				"physicalResourceId": map[string]any{"id": assertions.Match_StringLikeRegexp(jsii.String(`^handsoff-shop-0123456789abcdef0123456789abcdef01234567-[0-9a-f]{16}$`))},
			}),
		})
		at.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": "cloudfront:CreateInvalidation", "Effect": "Allow",
				"Resource": "arn:aws:cloudfront::" + want.account + ":distribution/" + want.id,
			}}},
		})
	}
	// The pipeline deploys it after the frontend's stacks.
	props := pipelineProps(t, readTemplate(t, filepath.Join(dir, "shop-pipeline.template.json")))
	for _, st := range props["Stages"].([]any) {
		sm := st.(map[string]any)
		if sm["Name"] != "shop-prod-use1" {
			continue
		}
		order := map[string]float64{}
		for _, a := range sm["Actions"].([]any) {
			am := a.(map[string]any)
			order[am["Name"].(string)] = am["RunOrder"].(float64)
		}
		if !(order["Invalidation.Deploy"] > order["Service.Deploy"]) {
			t.Errorf("run orders %v: the invalidation does not follow the service", order)
		}
		return
	}
	t.Error("no stage shop-prod-use1")
}
