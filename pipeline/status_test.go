package pipeline_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/handsoff-cdk/handsoff/cmd/handsoff-config/configtest"
	"github.com/handsoff-cdk/handsoff/constructs/runbook"
	"github.com/handsoff-cdk/handsoff/examples/orders"
	"github.com/handsoff-cdk/handsoff/internal/signin"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/internal/testenv/oracle"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// transform does what EventBridge's input transformer does with an event:
// each path of the map read from the event, each <name> of the template
// replaced by its value as JSON (strings quoted).
func transform(t *testing.T, paths map[string]string, template string, event map[string]any) string {
	t.Helper()
	values := map[string]string{}
	for name, path := range paths {
		var v any = event
		for _, key := range strings.Split(strings.TrimPrefix(path, "$."), ".") {
			v = v.(map[string]any)[key]
		}
		raw, _ := json.Marshal(v)
		values[name] = string(raw)
	}
	return regexp.MustCompile(`<([a-z]+)>`).ReplaceAllStringFunc(template, func(m string) string { return values[m[1:len(m)-1]] })
}

// TestStatusReports: with statusUrl and statusTokenSecretArn in the
// document, the pipeline reports each stage's state through an EventBridge
// API destination; the report its transformer makes from a CodePipeline
// event is accepted by the real configuration service and shown there.
func TestStatusReports(t *testing.T) {
	var doc map[string]any
	json.Unmarshal(stages.ExampleDocument(), &doc)
	p := doc["pipeline"].(map[string]any)
	p["statusUrl"] = "https://config.example.com"
	p["statusTokenSecretArn"] = "arn:aws:secretsmanager:us-east-1:111111111111:secret:orders-pipeline-token-AbCdEf"
	raw, _ := json.Marshal(doc)
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	nag := cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
	awscdk.Aspects_Of(app).Add(nag, nil)
	// Every environment but beta has a runbook (beta's empty list
	// says so).
	factory := func(stack awscdk.Stack, env pipeline.Environment) []runbook.Runbook {
		if env.Name == "beta" {
			return nil
		}
		doc := &runbook.Document{Description: "wait a minute", Steps: []runbook.Step{{Name: "Wait", Action: &runbook.Sleep{Duration: time.Minute}}}}
		return []runbook.Runbook{runbook.New(stack, "Wait", &runbook.Props{Document: doc, Name: "orders-" + env.Name + "-wait"})}
	}
	built, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: orders.Service, CheckSourceDir: "testdata/checksource",
		Load: stages.LoadOptions{Document: raw}, Runbooks: factory})
	if err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	for _, f := range testenv.Annotations(t, dir) {
		if f.Level == "error" && strings.Contains(f.Path, "Status") {
			t.Errorf("cdk-nag: %s", f)
		}
	}
	asm := oracle.Assembly(testenv.Templates(t, dir))
	res := asm["orders-pipeline.template.json"]["Resources"].(map[string]any)
	var rule, dest, conn map[string]any
	for _, r := range res {
		rm := r.(map[string]any)
		props, _ := rm["Properties"].(map[string]any)
		switch rm["Type"] {
		case "AWS::Events::Connection":
			conn = props
		case "AWS::Events::ApiDestination":
			dest = props
		case "AWS::Events::Rule":
			if strings.Contains(compactJSON(props["Targets"]), "inputTemplate") || strings.Contains(compactJSON(props["Targets"]), "InputTemplate") {
				rule = props
			}
		}
	}
	if conn == nil || dest == nil || rule == nil {
		t.Fatalf("connection %v, destination %v, rule %v", conn != nil, dest != nil, rule != nil)
	}
	if got := compactJSON(conn["AuthParameters"]); got != `{"ApiKeyAuthParameters":{"ApiKeyName":"X-Handsoff-Token","ApiKeyValue":"{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:111111111111:secret:orders-pipeline-token-AbCdEf:SecretString}}"}}` {
		t.Errorf("connection: %s", got)
	}
	if dest["InvocationEndpoint"] != "https://config.example.com/v1/services/acme/orders/status" || dest["HttpMethod"] != "POST" {
		t.Errorf("destination: %v", dest)
	}
	event := map[string]any{"source": "aws.codepipeline", "detail-type": "CodePipeline Stage Execution State Change", "time": "2026-12-03T12:00:00Z",
		"detail": map[string]any{"pipeline": "orders-pipeline", "execution-id": "e-42", "stage": "orders-alpha", "state": "FAILED"}}
	if !oracle.Matches(rule["EventPattern"], event) {
		t.Errorf("the rule does not match a stage event of the pipeline: %s", compactJSON(rule["EventPattern"]))
	}
	target := rule["Targets"].([]any)[0].(map[string]any)
	tr := target["InputTransformer"].(map[string]any)
	paths := map[string]string{}
	for k, v := range tr["InputPathsMap"].(map[string]any) {
		paths[k] = v.(string)
	}
	body := transform(t, paths, tr["InputTemplate"].(string), event)
	// The real service takes it, with the token in the connection's header.
	svc := configtest.Start(t)
	secret := svc.Token(t, configtest.RolePipeline, "acme/orders", "orders pipeline")
	req, _ := http.NewRequest("POST", svc.URL+"/v1/services/acme/orders/status", strings.NewReader(body))
	req.Header.Set(pipeline.StatusHeader, secret)
	// API destinations send Content-Type: application/json unless the
	// connection names another
	// (https://aws.amazon.com/about-aws/whats-new/2024/02/amazon-eventbridge-api-destinations-content-type-header-customization/).
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("the service refused the report %s: %v %d %s", body, err, resp.StatusCode, b)
	}
	sts := svc.Status(t, "acme/orders")
	if len(sts) != 1 || sts[0].State != "FAILED" || sts[0].ExecutionID != "e-42" || !strings.Contains(string(sts[0].Detail), "2026-12-03T12:00:00Z") {
		t.Errorf("status: %+v", sts)
	}
	// Each wave's success, as the plan names its stage, makes the service
	// list its environments' runbooks: at the end, every runbook of the
	// plan, with its link, and no other.
	var want []string
	for i, w := range built.Plan().Waves {
		event := map[string]any{"time": fmt.Sprintf("2026-12-03T12:%02d:00Z", i+1),
			"detail": map[string]any{"execution-id": "e-43", "stage": w.PipelineStage, "state": "SUCCEEDED"}}
		body := transform(t, paths, tr["InputTemplate"].(string), event)
		req, _ := http.NewRequest("POST", svc.URL+"/v1/services/acme/orders/status", strings.NewReader(body))
		req.Header.Set(pipeline.StatusHeader, secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusNoContent {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("the service refused %s's success: %v %d %s", w.PipelineStage, err, resp.StatusCode, b)
		}
		for _, e := range w.Environments {
			for _, name := range e.Runbooks {
				want = append(want, e.Name+" "+name)
			}
		}
	}
	var got []string
	for _, r := range svc.Runbooks(t, "acme/orders") {
		got = append(got, r.Environment+" "+r.Name)
		if r.Link != signin.RunbookLink("", "", r.Account, r.Region, r.Name) {
			t.Errorf("%s: link %s", r.Name, r.Link)
		}
	}
	if len(want) != 8 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("the service lists %q; the plan %q", got, want)
	}
}

// TestStatusTemplateFits: a service whose runbooks would make the status
// reports' input template longer than EventBridge takes is refused, with
// the count; one just under is not.
func TestStatusTemplateFits(t *testing.T) {
	// n runbooks, at most 100 an environment (the service's limit of one
	// list, TestStatusTemplateWithinServiceLimits).
	rbs := func(n int) map[string]map[string][]string {
		envs := map[string][]string{}
		for i := range n {
			env := fmt.Sprintf("prod-%d", i/100)
			envs[env] = append(envs[env], fmt.Sprintf("orders-prod-us-runbook-%03d", i))
		}
		return map[string]map[string][]string{"prod": envs}
	}
	if _, _, err := pipeline.StatusTransformer(rbs(100)); err != nil {
		t.Errorf("100 runbooks: %v", err)
	}
	_, _, err := pipeline.StatusTransformer(rbs(400))
	if err == nil || !strings.Contains(err.Error(), "400 runbooks") || !strings.Contains(err.Error(), "8192") {
		t.Errorf("400 runbooks: %v", err)
	}
	_, tmpl, _ := pipeline.StatusTransformer(rbs(0))
	if !json.Valid([]byte(regexp.MustCompile(`<[a-z]+>`).ReplaceAllString(tmpl, `"x"`))) {
		t.Errorf("the template is not JSON once filled: %s", tmpl)
	}
}

// TestStatusTemplateWithinServiceLimits: an environment with more
// runbooks than the configuration service takes in one list (101 short
// names fit EventBridge's 8192 characters) is refused at synth: the
// service would refuse every report of the pipeline (422), its status
// and its runbooks alike, for the whole map travels with each.
func TestStatusTemplateWithinServiceLimits(t *testing.T) {
	list := []string{}
	for i := range configtest.MaxRunbooksPerEnvironment + 1 {
		list = append(list, fmt.Sprintf("rb-%03d", i))
	}
	_, tmpl, err := pipeline.StatusTransformer(map[string]map[string][]string{"orders-prod-us": {"prod-us": list}})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprint(configtest.MaxRunbooksPerEnvironment)) {
		t.Errorf("%d runbooks in one environment (a template of %d characters): %v", len(list), len(tmpl), err)
	}
	if _, _, err := pipeline.StatusTransformer(map[string]map[string][]string{"orders-prod-us": {"prod-us": list[:configtest.MaxRunbooksPerEnvironment]}}); err != nil {
		t.Errorf("%d runbooks: %v", configtest.MaxRunbooksPerEnvironment, err)
	}
}
