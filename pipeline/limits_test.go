package pipeline_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/oracle"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
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
}

// TestCrossRegionLayout: an environment whose stacks are all in another
// region than the environment's: every action's region has an artifact
// store, or the layout is refused at synth with a problem naming it.
func TestCrossRegionLayout(t *testing.T) {
	elsewhere := func(stage awscdk.Stage, env pipeline.Environment) {
		st := awscdk.NewStack(stage, jsii.String("Service"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String("eu-central-1")}})
		awssns.NewTopic(st, jsii.String("T"), &awssns.TopicProps{MasterKey: awskms.Alias_FromAliasName(st, jsii.String("K"), jsii.String("alias/aws/sns"))})
	}
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	_, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: elsewhere, CheckSourceDir: "testdata/checksource",
		Load: stages.LoadOptions{Document: smallDocument(t, false)}})
	if err != nil {
		t.Logf("refused at synth: %v", err)
		return
	}
	app.Synth(nil)
	for _, p := range oracle.ArtifactStores(oracle.Assembly(testenv.Templates(t, dir))) {
		t.Error(p)
	}
}
