package gates

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
	// HTTPTimeout is the longest http check timeout, for the check runner
	// that runs them; zero when there are none.
	HTTPTimeout time.Duration
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid      string   `json:"Sid,omitempty"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
	// Condition is optional: condition operator to keys to values.
	Condition map[string]any `json:"Condition,omitempty"`
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

// The states around the checks' branches. Their names hold a space or a
// colon, which no check name does (stages), so no check's state can take
// one of them: state names must be unique in the whole state machine
// (https://states-language.net/spec.html#states-fields).
const (
	parallelState   = "Run checks"
	reportState     = "Report results"
	choiceState     = "All passed?"
	passedState     = "All passed"
	failedState     = "Failed: checks"
	reportFailState = "Failed: report"
)

// failedSuffix names the state that records a check's failure:
// "{check} failed".
const failedSuffix = " failed"

// ReportTimeout is the time the report of all results may take, per attempt.
const ReportTimeout = 20 * time.Second

// ReportWorstCase is the longest the report can take: one attempt at its
// timeout and the pauses of its service-error retries (which fail fast).
func ReportWorstCase() time.Duration {
	d := ReportTimeout
	for i := 0; i < stages.ServiceRetries; i++ {
		d += stages.ServiceRetryInterval << i
	}
	return d
}

// ValidationTimeout is the state machine's own time limit: the longest the
// checks may take (stages.MaxValidation) and the report. It is under the
// hour that CodePipeline gives the action that waits for it; see the
// package doc for the two readings of that limit.
func ValidationTimeout() time.Duration { return stages.MaxValidation + ReportWorstCase() }

// Resolve fills a check's placeholders for env.
func Resolve(s string, env stages.Environment) string {
	return strings.NewReplacer("{stage}", env.Stage, "{region}", env.Region, "{account}", env.Account, "{env}", env.Name).Replace(s)
}

// serviceRetry retries the transient errors of the service a task calls,
// before any retry of the check's own, as AWS advises
// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html):
// they say nothing about the environment.
func serviceRetry(errors []string) aslRetry {
	return aslRetry{ErrorEquals: errors, IntervalSeconds: int(stages.ServiceRetryInterval.Seconds()), BackoffRate: 2, MaxAttempts: stages.ServiceRetries}
}

// NewValidation plans env's validation state machine. It returns nil when
// the environment's stage has no checks.
//
// Every check runs to its end, in a branch of its own: the branch ends in
// the check's result, passed (the task's output) or failed (what the task's
// last attempt threw, caught). The check runner then reads all results, and
// the execution fails once, naming every failed check
// (CheckFailed: a, b) with one line of cause a check.
func NewValidation(cfg *stages.Config, env stages.Environment) *Validation {
	if len(env.Checks) == 0 {
		return nil
	}
	n := NamesFor(cfg, env)
	v := &Validation{Names: n}
	lambdaInvoke := "arn:" + n.Partition + ":states:::lambda:invoke"
	var branches []aslMachine
	lambdas := []string{n.RunnerArn}
	var projects []string
	for _, name := range env.Checks {
		c := cfg.Checks[name]
		v.Checks = append(v.Checks, c)
		task := aslState{Type: "Task", TimeoutSeconds: int(c.AttemptTimeout().Seconds()), End: true}
		switch c.Type {
		case stages.CheckHTTP:
			task.Resource = lambdaInvoke
			task.Parameters = map[string]any{
				"FunctionName": n.RunnerArn,
				"Payload": map[string]any{
					"check": c.Name, "url": Resolve(c.URL, env), "expectStatus": c.ExpectStatus,
					"timeoutMs": c.Timeout.Milliseconds(),
				},
			}
			task.ResultSelector = map[string]any{"check": c.Name, "type": c.Type, "result.$": "$.Payload"}
			v.HTTPTimeout = max(v.HTTPTimeout, c.Timeout)
		case stages.CheckLambda:
			arn := Resolve(c.FunctionArn, env)
			task.Resource = lambdaInvoke
			task.Parameters = map[string]any{
				"FunctionName": arn,
				"Payload": map[string]any{
					"check": c.Name, "service": cfg.Service.Name, "stage": env.Stage, "environment": env.Name,
					"account": env.Account, "region": env.Region,
				},
			}
			task.ResultSelector = map[string]any{"check": c.Name, "type": c.Type, "result.$": "$.Payload"}
			lambdas = append(lambdas, arn)
		case stages.CheckCodeBuild:
			task.Resource = "arn:" + n.Partition + ":states:::codebuild:startBuild.sync"
			var vars []any
			for _, kv := range [][2]string{{"HANDSOFF_SERVICE", cfg.Service.Name}, {"HANDSOFF_STAGE", env.Stage}, {"HANDSOFF_ENVIRONMENT", env.Name}, {"HANDSOFF_ACCOUNT", env.Account}, {"HANDSOFF_REGION", env.Region}} {
				vars = append(vars, map[string]any{"Name": kv[0], "Type": "PLAINTEXT", "Value": kv[1]})
			}
			task.Parameters = map[string]any{"ProjectName": n.Project(c.Name), "EnvironmentVariablesOverride": vars}
			// Id and BuildStatus are in every build; a failed build's whole
			// record (with its log link) is the caught error's cause.
			task.ResultSelector = map[string]any{"check": c.Name, "type": c.Type, "build.$": "$.Build.Id", "status.$": "$.Build.BuildStatus"}
			projects = append(projects, n.ProjectArn(c.Name))
		}
		task.Retry = []aslRetry{serviceRetry(serviceErrors[c.Type])}
		if c.Retries > 0 {
			task.Retry = append(task.Retry, aslRetry{ErrorEquals: []string{"States.ALL"}, IntervalSeconds: int(stages.RetryBackoff(0).Seconds()), BackoffRate: 2, MaxAttempts: c.Retries})
		}
		failed := c.Name + failedSuffix
		// The whole error output ({Error, Cause}) is kept: a path to a
		// field that is absent (a timeout has no cause) would be a runtime
		// error that no Catch catches.
		task.Catch = []aslCatch{{ErrorEquals: []string{"States.ALL"}, Next: failed}}
		branches = append(branches, aslMachine{
			StartAt: c.Name,
			States: map[string]aslState{
				c.Name: task,
				failed: {Type: "Pass", Parameters: map[string]any{"check": c.Name, "type": c.Type, "failure.$": "$"}, End: true},
			},
		})
	}
	yes := true
	def := aslMachine{
		Comment: fmt.Sprintf("handsoff: validation of %s %s (%s)", cfg.Service.Name, env.Name, strings.Join(env.Checks, ", ")),
		StartAt: parallelState,
		// No execution outlives the CodePipeline action that waits for it.
		TimeoutSeconds: int(ValidationTimeout().Seconds()),
		States: map[string]aslState{
			parallelState: {Type: "Parallel", Branches: branches, Next: reportState},
			reportState: {
				Type: "Task", Resource: lambdaInvoke, TimeoutSeconds: int(ReportTimeout.Seconds()),
				Parameters: map[string]any{"FunctionName": n.RunnerArn, "Payload": map[string]any{
					"report.$": "$", "service": cfg.Service.Name, "environment": env.Name}},
				ResultSelector: map[string]any{"passed.$": "$.Payload.passed", "error.$": "$.Payload.error", "cause.$": "$.Payload.cause"},
				Retry:          []aslRetry{serviceRetry(lambdaErrors)},
				Catch:          []aslCatch{{ErrorEquals: []string{"States.ALL"}, Next: reportFailState}},
				Next:           choiceState,
			},
			choiceState: {Type: "Choice", Choices: []aslChoice{{Variable: "$.passed", BooleanEquals: &yes, Next: passedState}}, Default: failedState},
			passedState: {Type: "Succeed"},
			// The error is what the pipeline's failed action shows: the
			// names of the failed checks. The cause, one line a check.
			failedState:     {Type: "Fail", ErrorPath: "$.error", CausePath: "$.cause"},
			reportFailState: {Type: "Fail", Error: "CheckFailed: report", Cause: "handsoff: the check runner could not report the results; the checks' own results are in this execution's events."},
		},
	}
	out, err := json.Marshal(def)
	if err != nil {
		panic("checks: cannot render a definition: " + err.Error()) // strings, numbers and maps of them always marshal
	}
	v.Definition = string(out)
	lambdas = uniqueSorted(lambdas)
	var res []string
	for _, l := range lambdas {
		res = append(res, l, l+":*")
	}
	v.Statements = append(v.Statements, Statement{Sid: "InvokeChecks", Effect: "Allow", Action: []string{"lambda:InvokeFunction"}, Resource: res})
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

// ForeignFunction is a lambda check whose function lives in another account
// than its environment. The checks role's own policy allows the call, but a
// call across accounts also needs the function's resource-based policy to
// allow that role
// (https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html):
// without it the check fails at run time with AccessDenied, every time.
type ForeignFunction struct {
	Environment, Check string
	FunctionArn        string
	Region             string // the function's
	Role               string // the checks role's ARN, the principal to allow
}

// Command is the AWS CLI command that grants the permission, run once by
// the function's owner in the function's account.
func (f ForeignFunction) Command() string {
	return fmt.Sprintf("aws lambda add-permission --region %s --function-name %s --statement-id handsoff-%s-%s --action lambda:InvokeFunction --principal %s",
		f.Region, f.FunctionArn, f.Environment, f.Check, f.Role)
}

// ForeignFunctions lists env's lambda checks whose function is in another
// account than env's.
func ForeignFunctions(cfg *stages.Config, env stages.Environment) []ForeignFunction {
	var out []ForeignFunction
	for _, name := range env.Checks {
		c := cfg.Checks[name]
		if c.Type != stages.CheckLambda {
			continue
		}
		arn := Resolve(c.FunctionArn, env)
		parts := strings.SplitN(arn, ":", 7) // arn:partition:lambda:region:account:function:name
		if len(parts) < 7 || parts[4] == env.Account {
			continue
		}
		out = append(out, ForeignFunction{Environment: env.Name, Check: name, FunctionArn: arn, Region: parts[3], Role: NamesFor(cfg, env).ValidationRoleArn})
	}
	return out
}
