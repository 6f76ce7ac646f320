package checks

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/stages"
)

// Validation is everything the validation state machine of one environment
// needs, computed in Go: the definition (Amazon States Language) and the
// exact IAM statements its role needs.
type Validation struct {
	Names      Names
	Checks     []stages.Check // in the order the stage lists them
	Definition string         // ASL JSON
	// Statements are the state machine role's permissions, beyond the
	// logging and tracing ones the CDK adds.
	Statements []Statement
	// HTTPTimeout is the longest http check timeout, for the function that
	// runs them; zero when there are none.
	HTTPTimeout time.Duration
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid      string   `json:"Sid,omitempty"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// serviceErrors are the transient errors of the service a check's task
// calls: Lambda's 500s and throttling, CodeBuild's account build limit.
var serviceErrors = map[string][]string{
	stages.CheckHTTP:      lambdaErrors,
	stages.CheckLambda:    lambdaErrors,
	stages.CheckCodeBuild: {"CodeBuild.AccountLimitExceededException", "CodeBuild.ThrottlingException"},
}

var lambdaErrors = []string{"Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.AWSLambdaException",
	"Lambda.SdkClientException", "Lambda.TooManyRequestsException"}

// parallelState is the state that runs the checks side by side.
const parallelState = "Run checks"

// Resolve fills a check's placeholders for env.
func Resolve(s string, env stages.Environment) string {
	return strings.NewReplacer("{stage}", env.Stage, "{region}", env.Region, "{account}", env.Account, "{env}", env.Name).Replace(s)
}

// NewValidation plans env's validation state machine. It returns nil when
// the environment's stage has no checks.
func NewValidation(cfg *stages.Config, env stages.Environment) *Validation {
	if len(env.Checks) == 0 {
		return nil
	}
	n := NamesFor(cfg, env)
	v := &Validation{Names: n}
	var branches []any
	var lambdas, projects []string
	for _, name := range env.Checks {
		c := cfg.Checks[name]
		v.Checks = append(v.Checks, c)
		task := map[string]any{"Type": "Task"}
		switch c.Type {
		case stages.CheckHTTP:
			task["Resource"] = "arn:" + n.Partition + ":states:::lambda:invoke"
			task["Parameters"] = map[string]any{
				"FunctionName": n.HTTPFunctionArn,
				"Payload": map[string]any{
					"check": c.Name, "url": Resolve(c.URL, env), "expectStatus": c.ExpectStatus,
					"timeoutMs": c.Timeout.Milliseconds(),
				},
			}
			task["ResultSelector"] = map[string]any{"check": c.Name, "result.$": "$.Payload"}
			task["TimeoutSeconds"] = int(c.AttemptTimeout().Seconds())
			v.HTTPTimeout = max(v.HTTPTimeout, c.Timeout)
			lambdas = append(lambdas, n.HTTPFunctionArn)
		case stages.CheckLambda:
			arn := Resolve(c.FunctionArn, env)
			task["Resource"] = "arn:" + n.Partition + ":states:::lambda:invoke"
			task["Parameters"] = map[string]any{
				"FunctionName": arn,
				"Payload": map[string]any{
					"check": c.Name, "service": cfg.Service.Name, "stage": env.Stage, "environment": env.Name,
					"account": env.Account, "region": env.Region,
				},
			}
			task["ResultSelector"] = map[string]any{"check": c.Name, "result.$": "$.Payload"}
			task["TimeoutSeconds"] = int(c.AttemptTimeout().Seconds())
			lambdas = append(lambdas, arn)
		case stages.CheckCodeBuild:
			task["Resource"] = "arn:" + n.Partition + ":states:::codebuild:startBuild.sync"
			var vars []any
			for _, kv := range [][2]string{{"HANDSOFF_SERVICE", cfg.Service.Name}, {"HANDSOFF_STAGE", env.Stage}, {"HANDSOFF_ENVIRONMENT", env.Name}, {"HANDSOFF_ACCOUNT", env.Account}, {"HANDSOFF_REGION", env.Region}} {
				vars = append(vars, map[string]any{"Name": kv[0], "Type": "PLAINTEXT", "Value": kv[1]})
			}
			task["Parameters"] = map[string]any{"ProjectName": n.Project(c.Name), "EnvironmentVariablesOverride": vars}
			task["ResultSelector"] = map[string]any{"check": c.Name, "build.$": "$.Build.Id", "status.$": "$.Build.BuildStatus"}
			// Queueing and provisioning come on top of the build's own timeout.
			task["TimeoutSeconds"] = int(c.AttemptTimeout().Seconds())
			projects = append(projects, n.ProjectArn(c.Name))
		}
		// Transient errors of the services themselves are retried first,
		// whatever the check's own retries, as AWS advises
		// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html):
		// they say nothing about the environment.
		retry := []any{map[string]any{"ErrorEquals": serviceErrors[c.Type], "IntervalSeconds": int(stages.ServiceRetryInterval.Seconds()),
			"BackoffRate": 2, "MaxAttempts": stages.ServiceRetries}}
		if c.Retries > 0 {
			retry = append(retry, map[string]any{
				"ErrorEquals": []string{"States.ALL"}, "IntervalSeconds": int(stages.RetryBackoff(0).Seconds()),
				"BackoffRate": 2, "MaxAttempts": c.Retries,
			})
		}
		task["Retry"] = retry
		failed := c.Name + " failed"
		task["Catch"] = []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "ResultPath": "$.failure", "Next": failed}}
		task["End"] = true
		branches = append(branches, map[string]any{
			"StartAt": c.Name,
			"States": map[string]any{
				c.Name: task,
				// The execution fails with the check's name as the error and
				// the check's own output (status, body, build) as the cause.
				failed: map[string]any{"Type": "Fail", "Error": "CheckFailed." + c.Name, "CausePath": "$.failure.Cause"},
			},
		})
	}
	// State names must be unique in the whole state machine
	// (https://states-language.net/spec.html#states-fields). Check names
	// hold no spaces (stages), so the Parallel state and the Fail states,
	// whose names do, never collide with a check's.
	def := map[string]any{
		"Comment": fmt.Sprintf("handsoff: validation of %s %s (%s)", cfg.Service.Name, env.Name, strings.Join(env.Checks, ", ")),
		"StartAt": parallelState,
		// No execution outlives the CodePipeline action that waits for it.
		"TimeoutSeconds": int(stages.MaxValidation.Seconds()),
		"States": map[string]any{
			parallelState: map[string]any{"Type": "Parallel", "Branches": branches, "End": true},
		},
	}
	out, err := json.Marshal(def)
	if err != nil {
		panic("checks: cannot render a definition: " + err.Error()) // maps of strings and numbers always marshal
	}
	v.Definition = string(out)
	if len(lambdas) > 0 {
		lambdas = uniqueSorted(lambdas)
		var res []string
		for _, l := range lambdas {
			res = append(res, l, l+":*")
		}
		v.Statements = append(v.Statements, Statement{Sid: "InvokeChecks", Effect: "Allow", Action: []string{"lambda:InvokeFunction"}, Resource: res})
	}
	if len(projects) > 0 {
		v.Statements = append(v.Statements,
			Statement{Sid: "RunBuilds", Effect: "Allow", Action: []string{"codebuild:StartBuild", "codebuild:StopBuild", "codebuild:BatchGetBuilds"}, Resource: uniqueSorted(projects)},
			// startBuild.sync waits on an EventBridge rule that Step Functions manages.
			Statement{Sid: "WaitForBuilds", Effect: "Allow", Action: []string{"events:PutTargets", "events:PutRule", "events:DescribeRule"},
				Resource: []string{fmt.Sprintf("arn:%s:events:%s:%s:rule/StepFunctionsGetEventForCodeBuildStartBuildRule", n.Partition, n.Region, n.Account)}})
	}
	return v
}

func uniqueSorted(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}
