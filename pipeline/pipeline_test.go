package pipeline_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

type stageSummary struct {
	Name        string
	Actions     []string
	BeforeEntry []string // rule providers
	OnSuccess   []string // rule providers
	OnFailure   string
}

func pipelineStages(t *testing.T, tmpl map[string]any) []stageSummary {
	t.Helper()
	var out []stageSummary
	for _, r := range tmpl["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if rm["Type"] != "AWS::CodePipeline::Pipeline" {
			continue
		}
		for _, s := range rm["Properties"].(map[string]any)["Stages"].([]any) {
			sm := s.(map[string]any)
			sum := stageSummary{Name: sm["Name"].(string)}
			for _, a := range sm["Actions"].([]any) {
				am := a.(map[string]any)
				sum.Actions = append(sum.Actions, am["ActionTypeId"].(map[string]any)["Provider"].(string))
			}
			rules := func(key string) []string {
				var ps []string
				if c, ok := sm[key].(map[string]any); ok {
					for _, cond := range c["Conditions"].([]any) {
						for _, rule := range cond.(map[string]any)["Rules"].([]any) {
							ps = append(ps, rule.(map[string]any)["RuleTypeId"].(map[string]any)["Provider"].(string))
						}
					}
				}
				return ps
			}
			sum.BeforeEntry, sum.OnSuccess = rules("BeforeEntry"), rules("OnSuccess")
			if f, ok := sm["OnFailure"].(map[string]any); ok {
				sum.OnFailure = f["Result"].(string)
			}
			out = append(out, sum)
		}
	}
	return out
}

func TestStageOrderActionsAndConditions(t *testing.T) {
	s := synthExample(t)
	got := pipelineStages(t, readTemplate(t, filepath.Join(s.dir, "orders-pipeline.template.json")))
	cf := func(n int) []string { return strings.Split(strings.Repeat("CloudFormation ", n), " ")[:n] }
	deploy := func(envs int, extra ...string) []string { return append(cf(2*envs), extra...) } // service and gates stacks, one action each
	want := []stageSummary{
		{Name: "Source", Actions: []string{"CodeStarSourceConnection"}},
		{Name: "Build", Actions: []string{"CodeBuild"}},
		{Name: "UpdatePipeline", Actions: []string{"CodeBuild"}},
		{Name: "Assets", Actions: []string{"CodeBuild"}},
		{Name: "orders-alpha", Actions: deploy(1, "StepFunctions"), OnFailure: "ROLLBACK"},
		{Name: "orders-beta", Actions: deploy(1, "StepFunctions"), OnFailure: "ROLLBACK"},
		{Name: "gamma", Actions: deploy(2, "StepFunctions", "StepFunctions", "Lambda"), BeforeEntry: []string{"LambdaInvoke"}, OnFailure: "ROLLBACK"},
		// The approval has its own stage, without conditions: the freeze
		// calendar is read after it, and a rejection rolls nothing back.
		{Name: "Approve-prod", Actions: []string{"Manual"}},
		{Name: "orders-prod-use1-onebox", Actions: deploy(1, "StepFunctions", "Lambda"), BeforeEntry: []string{"LambdaInvoke"}, OnFailure: "ROLLBACK"},
		{Name: "orders-prod-use1", Actions: deploy(1, "StepFunctions", "Lambda"), BeforeEntry: []string{"LambdaInvoke"}, OnFailure: "ROLLBACK"},
		{Name: "prod-wave-2", Actions: deploy(3, "StepFunctions", "StepFunctions", "StepFunctions", "Lambda"), BeforeEntry: []string{"LambdaInvoke"}, OnFailure: "ROLLBACK"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pipeline stages (-want +got):\n%s", diff)
	}
}

func TestPipelineAssertions(t *testing.T) {
	s := synthExample(t)
	tmpl := assertions.Template_FromJSON(toJSII(readTemplate(t, filepath.Join(s.dir, "orders-pipeline.template.json"))), nil)
	tmpl.HasResourceProperties(jsii.String("AWS::CodePipeline::Pipeline"), map[string]any{
		"PipelineType":  "V2",
		"ExecutionMode": "QUEUED",
	})
	// The bake of the one-box wave: the bake watcher, after validation, for
	// the wave's bake (60 minutes), watching the environment's own stack.
	tmpl.HasResourceProperties(jsii.String("AWS::CodePipeline::Pipeline"), map[string]any{
		"Stages": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Name": "orders-prod-use1-onebox",
			"Actions": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Name":         "Bake",
				"ActionTypeId": map[string]any{"Category": "Invoke", "Owner": "AWS", "Provider": "Lambda", "Version": "1"},
				"Configuration": map[string]any{"FunctionName": "orders-bake-watch",
					"UserParameters": `{"m":60,"p":"orders","g":"orders-prod-use1-onebox","e":[{"n":"prod-use1-onebox","a":"444444444444","r":"us-east-1","s":["-"]}]}`},
				"RunOrder": 3,
			}}),
		})}),
	})
	// Validation runs in the environment's region with its gate role, after
	// its stacks.
	tmpl.HasResourceProperties(jsii.String("AWS::CodePipeline::Pipeline"), map[string]any{
		"Stages": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Name": "prod-wave-2",
			"Actions": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Name":         "Validate-prod-ape1",
				"ActionTypeId": map[string]any{"Category": "Invoke", "Owner": "AWS", "Provider": "StepFunctions", "Version": "1"},
				"Configuration": assertions.Match_ObjectLike(&map[string]any{
					"StateMachineArn": "arn:aws:states:ap-east-1:666666666666:stateMachine:handsoff-orders_prod-ape1-checks",
					"InputType":       "Literal",
				}),
				"Region":  "ap-east-1",
				"RoleArn": "arn:aws:iam::666666666666:role/handsoff-orders-gate-ap-east-1",
			})}),
		})}),
	})
	// The approval before prod notifies the topic with a review link.
	tmpl.HasResourceProperties(jsii.String("AWS::CodePipeline::Pipeline"), map[string]any{
		"Stages": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Name": "Approve-prod",
			"Actions": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Name":         "Approve",
				"ActionTypeId": map[string]any{"Category": "Approval", "Owner": "AWS", "Provider": "Manual", "Version": "1"},
				"Configuration": map[string]any{
					"NotificationArn":    "arn:aws:sns:us-east-1:111111111111:pipeline-alerts",
					"ExternalEntityLink": "https://github.com/acme/orders/commits/main",
					"CustomData":         "handsoff: approve prod for orders: 3 wave(s), 5 environment(s). Bake alarms and validation stay in force after approval.",
				},
				"RunOrder": 1,
			})}),
		})}),
	})
	// Failures, approvals and rollbacks reach the document's topic.
	tmpl.HasResourceProperties(jsii.String("AWS::CodeStarNotifications::NotificationRule"), map[string]any{
		"Targets": []any{map[string]any{"TargetAddress": "arn:aws:sns:us-east-1:111111111111:pipeline-alerts", "TargetType": "SNS"}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
		"EventPattern": assertions.Match_ObjectLike(&map[string]any{"detail": assertions.Match_ObjectLike(&map[string]any{
			"execution-trigger": map[string]any{"trigger-type": []any{"AutomatedRollback", "ManualRollback"}},
		})}),
	})
	// Prod's freeze gate carries its stage, the calendar, the pipeline and
	// prod's pipeline stages: it reads nothing from the rule's event.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"FunctionName": "orders-freeze-prod",
		"Environment": map[string]any{"Variables": map[string]any{
			"STAGE":    "prod",
			"CALENDAR": assertions.Match_StringLikeRegexp(jsii.String("sales-demos.*Asia/Hong_Kong.*year-end")),
			"PIPELINE": "orders-pipeline",
			"WAVES":    assertions.Match_StringLikeRegexp(jsii.String(`"orders-prod-use1-onebox".*"prod-wave-2"`)),
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::CodePipeline::Pipeline"), map[string]any{
		"Stages": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Name": "prod-wave-2",
			"BeforeEntry": map[string]any{"Conditions": []any{map[string]any{"Result": "FAIL", "Rules": []any{map[string]any{
				"Name": "FreezeCalendar", "RuleTypeId": map[string]any{"Category": "Rule", "Owner": "AWS", "Provider": "LambdaInvoke", "Version": "1"},
				"Configuration": map[string]any{"FunctionName": "orders-freeze-prod"},
			}}}}},
		})}),
	})
}

func toJSII(m map[string]any) *map[string]any { return &m }

func TestTemplatesWithinQuotasAndTagged(t *testing.T) {
	s := synthExample(t)
	for name, tmpl := range testenv.Templates(t, s.dir) {
		res := tmpl["Resources"].(map[string]any)
		if len(res) > 500 {
			t.Errorf("%s has %d resources", name, len(res))
		}
		if strings.HasPrefix(name, "assembly-") {
			for id, r := range res {
				rm := r.(map[string]any)
				if rm["Type"] != "AWS::S3::Bucket" && rm["Type"] != "AWS::StepFunctions::StateMachine" {
					continue
				}
				tags := fmt.Sprint(rm["Properties"].(map[string]any)["Tags"])
				for _, k := range []string{"cost-center", "service", "owner", "stage", "environment"} {
					if !strings.Contains(tags, "Key:"+k) {
						t.Errorf("%s %s lacks tag %s: %s", name, id, k, tags)
					}
				}
			}
		}
	}
}

func TestStateMachinesPassASLValidator(t *testing.T) {
	s := synthExample(t)
	n := 0
	for name, tmpl := range testenv.Templates(t, s.dir) {
		for id, def := range testenv.Definitions(tmpl) {
			n++
			if msg := testenv.ValidateASL(t, def); msg != "" {
				t.Errorf("%s %s: %s", name, id, msg)
			}
		}
	}
	if n != 9 {
		t.Errorf("validated %d state machines, want one per environment (9)", n)
	}
}

func TestPlan(t *testing.T) {
	s := synthExample(t)
	plan := s.pipeline.Plan().String()
	for _, want := range []string{
		"handsoff plan: acme/orders (service orders, owner team-orders)",
		" 4. orders-prod-use1-onebox\n    before:   manual approval (stage Approve-prod), then the freeze calendar\n    deploy:   prod-use1-onebox   444444444444 us-east-1       2 stack(s)  one-box\n    validate: health (http), canary-synthetics (lambda), in parallel (up to 5m)\n    bake:     1h watching 2 alarm(s); an alarm rolls the stage back",
		"freeze window sales-demos: MON,TUE,WED,THU,FRI 12:00-15:00 Asia/Hong_Kong, for gamma, prod",
		"blackout year-end: 2026-12-24T00:00:00Z to 2027-01-02T00:00:00Z, for prod",
		"estimated time from commit to the last prod environment: 6h10m",
		"rollback: a failed deployment, validation or bake rolls its stage back to the last execution\n    that succeeded under the current pipeline structure. It cannot when there is none",
		"A rejected or expired approval stops the release and rolls nothing back.",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	svg := s.pipeline.Plan().SVG()
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "444444444444 us-east-1, one-box") {
		t.Errorf("picture: %.300s", svg)
	}
}

func TestBuildErrors(t *testing.T) {
	noAlarms := func(stage awscdk.Stage, env pipeline.Environment) {
		awscdk.NewStack(stage, jsii.String("Service"), nil)
	}
	cases := []struct {
		name  string
		props pipeline.Props
		want  string
	}{
		{"props missing", pipeline.Props{}, "handsoff: configuration pipeline.Props has 2 problems:\n" +
			"  - Props.Repo: is required: the repository as owner/name, such as \"acme/orders\"\n" +
			"  - Props.Service: is required: a func(awscdk.Stage, pipeline.Environment) that creates the service's stacks"},
		{"bake without alarms", pipeline.Props{Repo: "acme/orders", Service: noAlarms, Load: stages.LoadOptions{Document: stages.ExampleDocument()}},
			`stages[2].environments[0]: gamma-use1 bakes for 30m, but its stacks have no CloudWatch alarms and the document names none`},
		{"no stacks", pipeline.Props{Repo: "acme/orders", Service: func(awscdk.Stage, pipeline.Environment) {}, Load: stages.LoadOptions{Document: stages.ExampleDocument()}},
			`stages[0].environments[0]: the service factory made no stacks for alpha: create at least one awscdk.Stack in the Stage it is given`},
		{"factory panics", pipeline.Props{Repo: "acme/orders", Load: stages.LoadOptions{Document: stages.ExampleDocument()},
			Service: func(stage awscdk.Stage, env pipeline.Environment) {
				stack := awscdk.NewStack(stage, jsii.String("Service"), nil)
				awss3.NewBucket(stack, jsii.String("B"), &awss3.BucketProps{BucketName: jsii.String("Not_A_Valid_Name")})
			}},
			`stages[0].environments[0]: the service factory failed for alpha: Invalid S3 bucket name (value: Not_A_Valid_Name)`},
		{"other repo", pipeline.Props{Repo: "acme/payments", Service: noAlarms, Load: stages.LoadOptions{Document: stages.ExampleDocument()}},
			`handsoff: configuration given in code describes acme/orders, not acme/payments`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := awscdk.NewApp(nil)
			_, err := pipeline.Build(app, tc.props)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

var (
	reActionName     = regexp.MustCompile(`^[A-Za-z0-9.@_-]{1,100}$`)
	conditionResults = map[string][]string{
		"BeforeEntry": {"FAIL", "SKIP"}, "OnSuccess": {"ROLLBACK", "FAIL"},
	}
)

// checkStageConditions checks V2 stage conditions against CodePipeline's
// rules (which goformation's 2024 specification does not know) and removes
// them, so that the rest of the stage decodes strictly.
func checkStageConditions(typ string, props map[string]any) []string {
	var problems []string
	switch typ {
	case "AWS::Events::Rule":
		delete(props, "Tags") // CloudFormation added Tags to rules after goformation's specification
	case "AWS::CodePipeline::Pipeline":
		for i, s := range props["Stages"].([]any) {
			stage := s.(map[string]any)
			if f, ok := stage["OnFailure"].(map[string]any); ok {
				if f["Result"] != "ROLLBACK" {
					problems = append(problems, fmt.Sprintf("stage %d: OnFailure result %v", i, f["Result"]))
				}
				delete(stage, "OnFailure")
			}
			for key, results := range conditionResults {
				c, ok := stage[key].(map[string]any)
				if !ok {
					continue
				}
				for _, cond := range c["Conditions"].([]any) {
					cm := cond.(map[string]any)
					if !slices.Contains(results, cm["Result"].(string)) {
						problems = append(problems, fmt.Sprintf("stage %d: %s result %v", i, key, cm["Result"]))
					}
					rules := cm["Rules"].([]any)
					if len(rules) < 1 || len(rules) > 5 {
						problems = append(problems, fmt.Sprintf("stage %d: %s has %d rules (1 to 5)", i, key, len(rules)))
					}
					for _, r := range rules {
						rm := r.(map[string]any)
						rt := rm["RuleTypeId"].(map[string]any)
						if name, _ := rm["Name"].(string); !reActionName.MatchString(name) || rt["Category"] != "Rule" || rt["Owner"] != "AWS" || rt["Version"] != "1" {
							problems = append(problems, fmt.Sprintf("stage %d: bad rule %v", i, rm))
						}
					}
				}
				delete(stage, key)
			}
		}
	}
	return problems
}

func TestTemplatesDecodeStrictly(t *testing.T) {
	s := synthExample(t)
	for _, p := range testenv.StrictDecode(t, testenv.TemplateFiles(t, s.dir), checkStageConditions) {
		t.Error(p)
	}
}

// TestTemplatesMatchRegistrySchemas checks every template the example
// synthesizes (the pipeline, its support stacks, every Stage's stacks and
// gates) against the current CloudFormation registry schemas: resource
// types, property names and types, required properties.
func TestTemplatesMatchRegistrySchemas(t *testing.T) {
	s := synthExample(t)
	schema := testenv.Schema(t)
	n := 0
	for name, tmpl := range testenv.Templates(t, s.dir) {
		n++
		for _, p := range schema.Validate(tmpl) {
			t.Errorf("%s: %s", name, p)
		}
	}
	if n < 10 {
		t.Errorf("checked %d templates", n)
	}
}
