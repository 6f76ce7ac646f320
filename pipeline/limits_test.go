package pipeline_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/internal/testenv/oracle"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// largestDocument is the largest document the validator accepts, as far
// as the quotas go: the longest service name (30) and environment names
// (40), every check type in every stage, bakes everywhere, and as many
// prod environments (up to 100, in 20 regions) as the plan accepts.
func largestDocument(t testing.TB) []byte {
	t.Helper()
	var doc map[string]any
	json.Unmarshal(stages.ExampleDocument(), &doc)
	const service = "orders-with-a-very-long-name-x" // 30
	doc["service"].(map[string]any)["name"] = service
	regions := []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1",
		"ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ca-central-1", "sa-east-1", "me-south-1", "af-south-1"}
	name := func(prefix string, i int) string {
		n := fmt.Sprintf("%s-%03d-", prefix, i)
		return n + strings.Repeat("x", 40-len(n))
	}
	checks := []any{"health", "integration", "canary-synthetics"}
	stage := func(s string, n int, bake string) map[string]any {
		var envs []any
		for i := range n {
			envs = append(envs, map[string]any{"name": name(s, i), "account": fmt.Sprintf("%012d", 200000000000+i), "region": regions[i%len(regions)]})
		}
		return map[string]any{"name": s, "checks": checks, "bake": bake, "environments": envs}
	}
	for n := 100; n > 0; n-- {
		doc["stages"] = []any{stage("alpha", 1, "10m"), stage("beta", 1, "10m"), stage("gamma", 2, "30m"), stage("prod", n, "2h")}
		raw, _ := json.Marshal(doc)
		if _, err := stages.Parse(raw, "largest"); err == nil {
			t.Logf("the largest document holds %d prod environments", n)
			return raw
		}
	}
	t.Fatal("no prod size is accepted")
	return nil
}

// TestLargestDocument synthesizes the largest document and holds every
// template of it to the documented limits (oracle.Limits, IAMQuotas).
func TestLargestDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes a hundred environments")
	}
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	if _, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: alarmService("Service/Errors"), CheckSourceDir: "testdata/checksource",
		Load: stages.LoadOptions{Document: largestDocument(t)}}); err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	raw := map[string][]byte{}
	for rel, path := range testenv.TemplateFiles(t, dir) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		raw[rel] = data
	}
	asm := oracle.Assembly(testenv.Templates(t, dir))
	for _, p := range oracle.Limits(asm, raw) {
		t.Error(p)
	}
	for _, p := range oracle.IAMQuotas(asm) {
		t.Error(p)
	}
	for _, p := range oracle.ArtifactStores(asm) {
		t.Error(p)
	}
	for _, p := range oracle.ArtifactReaders(asm, "aws", "111111111111", "us-east-1") {
		t.Error(p)
	}
	// The other deployability oracles, with this service's bootstrap.
	boot := exampleBootstrap
	boot.Templates = []map[string]any{checks.BootstrapTemplate("orders-with-a-very-long-name-x")}
	for _, p := range slices.Concat(oracle.RolesBeforePipeline(asm, boot), oracle.ValidationsStoppable(asm, boot),
		oracle.FunctionsMayCall(asm), retentionProblems(asm)) {
		t.Error(p)
	}
}

// TestForeignStackLayouts: environments whose stacks are, all or some, in
// another region or another account than the environment. Either the
// pipeline synthesizes and every action's region has an artifact store
// that lets the action's role read its input (oracle.ArtifactStores,
// ArtifactReaders), or synthesis is refused with a problem naming the
// environment and the fix.
func TestForeignStackLayouts(t *testing.T) {
	topic := func(st awscdk.Stack) {
		awssns.NewTopic(st, jsii.String("T"), &awssns.TopicProps{MasterKey: awskms.Alias_FromAliasName(st, jsii.String("K"), jsii.String("alias/aws/sns"))})
	}
	at := func(account, region string) *awscdk.Environment {
		return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
	}
	cases := []struct {
		name    string
		stacks  func(env pipeline.Environment) []*awscdk.Environment // nil: the Stage's own
		refused string
		doc     []byte // default: smallDocument
	}{
		{"environments in the pipeline's account", func(env pipeline.Environment) []*awscdk.Environment { return []*awscdk.Environment{nil} },
			"", []byte(strings.ReplaceAll(string(smallDocument(t, false)), `"333333333333"`, `"111111111111"`))},
		{"all in another region", func(env pipeline.Environment) []*awscdk.Environment {
			return []*awscdk.Environment{at(env.Account, "eu-central-1")}
		},
			"is in its account and region", nil},
		{"all in another account", func(env pipeline.Environment) []*awscdk.Environment {
			return []*awscdk.Environment{at("999999999999", env.Region)}
		},
			"is in its account and region", nil},
		{"all in another account and region", func(env pipeline.Environment) []*awscdk.Environment {
			return []*awscdk.Environment{at("999999999999", "eu-central-1")}
		},
			"set the environment's account and region to where its stacks deploy", nil},
		{"one at home, one in another account and region", func(env pipeline.Environment) []*awscdk.Environment {
			return []*awscdk.Environment{nil, at("999999999999", "eu-central-1")}
		}, "", nil},
		{"one at home, one in another region", func(env pipeline.Environment) []*awscdk.Environment {
			return []*awscdk.Environment{at(env.Account, "ap-south-1"), nil}
		}, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc := func(stage awscdk.Stage, env pipeline.Environment) {
				for i, e := range tc.stacks(env) {
					topic(awscdk.NewStack(stage, jsii.String(fmt.Sprintf("Service%d", i)), &awscdk.StackProps{Env: e}))
				}
			}
			doc := tc.doc
			if doc == nil {
				doc = smallDocument(t, false)
			}
			deploysOrIsRefused(t, svc, doc, tc.refused)
		})
	}
}

// TestHomeStackLayouts: the gates read the pipeline's artifacts with the
// CDK deploy role of the environment's account and region, which CDK
// Pipelines grants only for stacks it deploys with that role; and CDK
// Pipelines deploys only the stacks directly in the Stage. Layouts that
// break either are refused at synth; the others hold to the oracles.
func TestHomeStackLayouts(t *testing.T) {
	topic := func(st awscdk.Stack) {
		awssns.NewTopic(st, jsii.String("T"), &awssns.TopicProps{MasterKey: awskms.Alias_FromAliasName(st, jsii.String("K"), jsii.String("alias/aws/sns"))})
	}
	team2 := func() awscdk.IStackSynthesizer {
		return awscdk.NewDefaultStackSynthesizer(&awscdk.DefaultStackSynthesizerProps{Qualifier: jsii.String("team2")})
	}
	cases := []struct {
		name    string
		service pipeline.ServiceFactory
		refused string
	}{
		{"the one home stack has another qualifier", func(stage awscdk.Stage, env pipeline.Environment) {
			topic(awscdk.NewStack(stage, jsii.String("Svc"), &awscdk.StackProps{Synthesizer: team2()}))
		}, `none does (orders-gamma-use1-Svc with arn:${AWS::Partition}:iam::333333333333:role/cdk-team2-deploy-role-333333333333-us-east-1): give one of them the default synthesizer with the qualifier "hnb659fds"`},
		{"the one home stack has another deploy role", func(stage awscdk.Stage, env pipeline.Environment) {
			topic(awscdk.NewStack(stage, jsii.String("Svc"), &awscdk.StackProps{Synthesizer: awscdk.NewDefaultStackSynthesizer(&awscdk.DefaultStackSynthesizerProps{
				DeployRoleArn: jsii.String("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/my-deployer")})}))
		}, "none does (orders-gamma-use1-Svc with arn:${AWS::Partition}:iam::333333333333:role/my-deployer)"},
		{"a Stage in the Stage", func(stage awscdk.Stage, env pipeline.Environment) {
			topic(awscdk.NewStack(stage, jsii.String("Svc"), nil))
			topic(awscdk.NewStack(awscdk.NewStage(stage, jsii.String("Inner"), nil), jsii.String("Hidden"), nil))
		}, "holds another Stage (orders-gamma-use1/Inner): CDK Pipelines deploys only the stacks directly in the Stage it is given"},
		{"one home stack of each qualifier", func(stage awscdk.Stage, env pipeline.Environment) {
			topic(awscdk.NewStack(stage, jsii.String("Svc"), &awscdk.StackProps{Synthesizer: team2()}))
			topic(awscdk.NewStack(stage, jsii.String("Svc2"), nil))
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			deploysOrIsRefused(t, tc.service, smallDocument(t, false), tc.refused)
		})
	}
}

// deploysOrIsRefused synthesizes service under doc: refused, with a
// problem holding refused and naming the first environment; or, when
// refused is "", built, with every action's region holding an artifact
// store that lets the action's role read its input.
func deploysOrIsRefused(t *testing.T, service pipeline.ServiceFactory, doc []byte, refused string) {
	t.Helper()
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	_, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: service, CheckSourceDir: "testdata/checksource",
		Load: stages.LoadOptions{Document: doc}})
	if refused != "" {
		if err == nil || !strings.Contains(err.Error(), refused) || !strings.Contains(err.Error(), "stages[0].environments[0]") {
			t.Fatalf("want refused with %q naming the environment, got %v", refused, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	asm := oracle.Assembly(testenv.Templates(t, dir))
	for _, p := range append(oracle.ArtifactStores(asm), oracle.ArtifactReaders(asm, "aws", "111111111111", "us-east-1")...) {
		t.Error(p)
	}
}

// TestPipelineStageNamesDistinct: a wave named like another wave's only
// environment would make one pipeline stage of two; it is refused, naming
// both.
func TestPipelineStageNamesDistinct(t *testing.T) {
	var d stages.Document
	json.Unmarshal(stages.ExampleDocument(), &d)
	d.Service.Name = "prod"
	prod := &d.Stages[len(d.Stages)-1]
	prod.Waves = []stages.DocWave{
		{Name: "onebox", Environments: []stages.DocEnvironment{{Name: "p-onebox", Account: "444444444444", Region: "us-east-1", OneBox: true}}},
		{Name: "solo", Environments: []stages.DocEnvironment{{Name: "wave-2", Account: "444444444444", Region: "us-east-1"}}},
		{Name: "wave-2", Environments: []stages.DocEnvironment{{Name: "a", Account: "444444444444", Region: "us-west-2"}, {Name: "b", Account: "444444444444", Region: "eu-west-1"}}},
	}
	raw, _ := json.Marshal(d)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	_, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: alarmService("Service/Errors"), CheckSourceDir: "testdata/checksource",
		Load: stages.LoadOptions{Document: raw}})
	if err == nil || !strings.Contains(err.Error(), "makes the pipeline stage prod-wave-2, as stages[3].waves[1] does") {
		t.Errorf("%v", err)
	}
}
