package runbook

import (
	"time"
)

// Action is what a step does. The package's action types implement it:
// *Branch, *ExecuteAwsApi, *AssertAwsResourceProperty,
// *WaitForAwsResourceProperty, *ExecuteScript, *Approve and *Sleep. The
// interface is sealed, so that Validate knows every action it checks.
//
// The actions and their inputs are AWS's:
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html
type Action interface {
	// ActionName is the action as the document names it, "aws:sleep".
	ActionName() string
	// render gives the step's inputs and declared outputs.
	render() (inputs any, outputs []Output)
	// outputs names every output a later step may read: those the action
	// always has and those the step declares.
	outputs() []string
	// check reports the action's own problems.
	check(r *report, at string, s Step)
}

// Branch chooses the next step: the first Choice that holds, else Default,
// else the next step in the document (or the end, with IsEnd).
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-branch.html
type Branch struct {
	// Choices are tried in order. At least one.
	Choices []Choice
	// Default is the step to run when no choice holds. Default: the next
	// step in the document.
	Default string
}

// Choice is one way out of a Branch.
type Choice struct {
	// NextStep is the step to run when When holds. Required.
	NextStep string
	// When is a Condition, or And, Or or Not of conditions. Required.
	When Expr
}

// Expr is a Choice's test: Condition, And, Or or Not.
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-branchdocs.html
type Expr interface{ expr() }

// Condition compares a variable, "{{ Param }}" or "{{ Step.Output }}", with
// a value: a string for the string operators, a number for the numeric
// ones, a bool for BooleanEquals.
type Condition struct {
	Variable string
	Op       Operator
	Value    any
}

// And holds when all its conditions hold.
type And []Condition

// Or holds when any of its conditions holds.
type Or []Condition

// Not holds when its condition does not.
type Not Condition

func (Condition) expr() {}
func (And) expr()       {}
func (Or) expr()        {}
func (Not) expr()       {}

// Operator is how a Condition compares.
type Operator string

// The operators aws:branch supports; SSM refuses any other when the
// document is created.
const (
	StringEquals           Operator = "StringEquals"
	EqualsIgnoreCase       Operator = "EqualsIgnoreCase"
	StartsWith             Operator = "StartsWith"
	EndsWith               Operator = "EndsWith"
	Contains               Operator = "Contains"
	NumericEquals          Operator = "NumericEquals"
	NumericGreater         Operator = "NumericGreater"
	NumericLesser          Operator = "NumericLesser"
	NumericGreaterOrEquals Operator = "NumericGreaterOrEquals"
	NumericLesserOrEquals  Operator = "NumericLesserOrEquals"
	BooleanEquals          Operator = "BooleanEquals"
)

// ExecuteAwsApi calls an AWS API operation.
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeAwsApi.html
type ExecuteAwsApi struct {
	// Service is the boto3 client name, "ec2". Required.
	Service string
	// Api is the operation, "DescribeInstances". Required.
	Api string
	// Params are the operation's parameters, {"InstanceIds": [...]}.
	Params map[string]any
	// Outputs are values taken from the response.
	Outputs []Output
}

// AssertAwsResourceProperty fails the step unless a property of an API
// response has one of the desired values.
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-assertAwsResourceProperty.html
type AssertAwsResourceProperty struct {
	Service, Api string
	Params       map[string]any
	// PropertySelector is a JSONPath into the response. Required.
	PropertySelector string
	// DesiredValues are the values that pass (booleans as "True" and
	// "False"). At least one.
	DesiredValues []string
}

// WaitForAwsResourceProperty polls an API until a property of its response
// has one of the desired values.
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-waitForAwsResourceProperty.html
type WaitForAwsResourceProperty struct {
	Service, Api     string
	Params           map[string]any
	PropertySelector string
	DesiredValues    []string
}

// ExecuteScript runs a Python script given inline.
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeScript.html
type ExecuteScript struct {
	// Runtime is "python3.11" or a later Python. Required.
	Runtime string
	// Handler is the function the script defines, taking (events, context).
	// Required.
	Handler string
	// Script is the Python source. Required.
	Script string
	// InputPayload is passed to the handler as events. Default: none.
	InputPayload map[string]any
	// Outputs are values taken from the handler's return value
	// ("$.Payload.Key"); the whole of it is always "{{ Step.Payload }}".
	Outputs []Output
}

// Approve pauses until enough of the approvers approve, or one rejects.
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-approve.html
type Approve struct {
	// Approvers are IAM user names or user, role or assumed-role ARNs. One
	// to ten, each named once (without regard to case).
	Approvers []string
	// MinRequiredApprovals is how many must approve. Default (0): 1.
	MinRequiredApprovals int
	// Message goes out with the request, at most 4096 characters. Default:
	// none.
	Message string
	// NotificationArn is a standard SNS topic's ARN whose name starts with
	// "Automation", told of the request. Default: none.
	NotificationArn string
}

// Sleep waits for a Duration.
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-sleep.html
type Sleep struct {
	// Duration is whole seconds, at most 604799 (7 days less a second).
	Duration time.Duration
	// Timestamp is when to go on. Validate refuses it: a fixed time is
	// past for every run after it, when the step does nothing, and more
	// than SSM's longest delay ahead for a run more than 7 days before
	// it. It stays so that a document that has one says why.
	Timestamp time.Time
}

func (*Branch) ActionName() string                     { return "aws:branch" }
func (*ExecuteAwsApi) ActionName() string              { return "aws:executeAwsApi" }
func (*AssertAwsResourceProperty) ActionName() string  { return "aws:assertAwsResourceProperty" }
func (*WaitForAwsResourceProperty) ActionName() string { return "aws:waitForAwsResourceProperty" }
func (*ExecuteScript) ActionName() string              { return "aws:executeScript" }
func (*Approve) ActionName() string                    { return "aws:approve" }
func (*Sleep) ActionName() string                      { return "aws:sleep" }

func (a *Branch) render() (any, []Output) {
	type inputs struct {
		Choices []object `json:"Choices"`
		Default string   `json:"Default,omitempty"`
	}
	in := inputs{Choices: make([]object, len(a.Choices)), Default: a.Default}
	for i, c := range a.Choices {
		o := object{{"NextStep", c.NextStep}}
		switch w := c.When.(type) {
		case Condition:
			o = append(o, w.members()...)
		case And:
			o = append(o, member{"And", conditions(w)})
		case Or:
			o = append(o, member{"Or", conditions(w)})
		case Not:
			o = append(o, member{"Not", object(Condition(w).members())})
		}
		in.Choices[i] = o
	}
	return in, nil
}

func (c Condition) members() []member {
	return []member{{"Variable", c.Variable}, {string(c.Op), c.Value}}
}

func conditions(cs []Condition) []object {
	out := make([]object, len(cs))
	for i, c := range cs {
		out[i] = c.members()
	}
	return out
}

func (a *ExecuteAwsApi) render() (any, []Output) {
	return apiInputs(a.Service, a.Api, a.Params), a.Outputs
}

func (a *AssertAwsResourceProperty) render() (any, []Output) {
	return apiInputs(a.Service, a.Api, a.Params, member{"PropertySelector", a.PropertySelector}, member{"DesiredValues", a.DesiredValues}), nil
}

func (a *WaitForAwsResourceProperty) render() (any, []Output) {
	return apiInputs(a.Service, a.Api, a.Params, member{"PropertySelector", a.PropertySelector}, member{"DesiredValues", a.DesiredValues}), nil
}

func (a *ExecuteScript) render() (any, []Output) {
	type inputs struct {
		Runtime      string         `json:"Runtime"`
		Handler      string         `json:"Handler,omitempty"`
		InputPayload map[string]any `json:"InputPayload,omitempty"`
		Script       string         `json:"Script,omitempty"`
	}
	return inputs{a.Runtime, a.Handler, a.InputPayload, a.Script}, a.Outputs
}

func (a *Approve) render() (any, []Output) {
	type inputs struct {
		NotificationArn      string   `json:"NotificationArn,omitempty"`
		Message              string   `json:"Message,omitempty"`
		MinRequiredApprovals int      `json:"MinRequiredApprovals,omitempty"`
		Approvers            []string `json:"Approvers"`
	}
	return inputs{a.NotificationArn, a.Message, a.MinRequiredApprovals, a.Approvers}, nil
}

func (a *Sleep) render() (any, []Output) {
	type inputs struct {
		Duration  string `json:"Duration,omitempty"`
		Timestamp string `json:"Timestamp,omitempty"`
	}
	var in inputs
	if a.Duration != 0 {
		in.Duration = isoDuration(a.Duration)
	}
	if !a.Timestamp.IsZero() {
		in.Timestamp = a.Timestamp.UTC().Format(time.RFC3339)
	}
	return in, nil
}

func (*Branch) outputs() []string                     { return nil }
func (a *ExecuteAwsApi) outputs() []string            { return names(a.Outputs) }
func (*AssertAwsResourceProperty) outputs() []string  { return nil }
func (*WaitForAwsResourceProperty) outputs() []string { return nil }
func (*Sleep) outputs() []string                      { return nil }

// Payload is the handler's return value, up to 100 KB (the action page).
func (a *ExecuteScript) outputs() []string { return append([]string{"Payload"}, names(a.Outputs)...) }

// The approval's outcome and each approver's decision (the action page).
func (*Approve) outputs() []string { return []string{"ApprovalStatus", "ApproverDecisions"} }

func names(outs []Output) []string {
	var n []string
	for _, o := range outs {
		n = append(n, o.Name)
	}
	return n
}
