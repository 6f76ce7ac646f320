package runbook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Document is an Automation runbook, schema version 0.3. Its zero value is
// an empty runbook; Validate says what it lacks.
//
// The elements are AWS's:
// https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html
type Document struct {
	// Description says what the runbook does (Markdown). Default: none.
	Description string
	// AssumeRole is the IAM role Automation assumes: an ARN, or
	// "{{ Param }}" naming a parameter that holds one. Default: none, and
	// the automation runs with the permissions of whoever starts it.
	AssumeRole string
	// Parameters are what the runbook takes at start, in this order.
	Parameters []Parameter
	// Steps are the runbook's mainSteps, run in this order unless a step
	// says otherwise. At least one is required.
	Steps []Step
	// Outputs are step outputs the execution returns, each "Step.Output".
	// Default: none.
	Outputs []string
}

// Type is the type of a parameter or of a step output.
type Type string

// The types a parameter or a step output may have.
const (
	String     Type = "String"
	StringList Type = "StringList"
	Integer    Type = "Integer"
	Boolean    Type = "Boolean"
	MapList    Type = "MapList"
	StringMap  Type = "StringMap"
)

// types lists the types in the order AWS documents them.
var types = []Type{String, StringList, Integer, Boolean, MapList, StringMap}

// Parameter is one input of the runbook.
type Parameter struct {
	// Name is how steps refer to it: "{{ Name }}". Letters, digits and
	// underscores. Required.
	Name string
	// Type is required.
	Type Type
	// Description is shown to whoever starts the runbook. Default: none.
	Description string
	// Default is the value when none is given at start; nil means the
	// parameter must be given. A String or StringList parameter may default
	// to a Parameter Store value, "{{ssm:name}}". Its Go type must match
	// Type: string, []string, int, bool, []map[string]any or map[string]any.
	Default any
	// AllowedValues are the only values the runbook starts with. Default:
	// any value.
	AllowedValues []string
	// MinItems and MaxItems bound how many items a StringList or MapList
	// has; MinChars and MaxChars how many characters a String has. Zero
	// means no bound.
	MinItems, MaxItems, MinChars, MaxChars int
	// AllowedPattern is a regular expression the value must match, checked
	// both with Java's and Go's regexp engines: anchored ^...$ and kept to
	// the syntax both read alike (Validate says what else to write).
	// Default: none.
	AllowedPattern string
}

// Step is one step of mainSteps: an action and what to do after it.
//
// The common properties are AWS's:
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html
type Step struct {
	// Name is unique in the document: letters, digits and underscores.
	// Required.
	Name string
	// Action is what the step does: *Branch, *ExecuteAwsApi,
	// *AssertAwsResourceProperty, *WaitForAwsResourceProperty,
	// *ExecuteScript, *Approve or *Sleep. Required.
	Action Action
	// MaxAttempts is how many times the step runs before it counts as
	// failed. Default (0): 1.
	MaxAttempts int
	// TimeoutSeconds bounds one attempt. Default (0): the action's own.
	TimeoutSeconds int
	// OnFailure is what happens when the step fails: Abort, Continue (with
	// the step that would have come next) or GoTo a step. Default: Abort.
	OnFailure OnFailure
	// OnCancel is what happens when the automation is cancelled while this
	// step runs: Abort, or GoTo a step that cleans up. Continue is not one
	// of its values. Default: Abort.
	OnCancel OnFailure
	// IsEnd ends the automation after this step. Default: false.
	IsEnd bool
	// NextStep is the step to run after this one succeeds. Default: the
	// next step in the document. A Branch chooses with its Choices instead.
	NextStep string
	// IsCritical says whether the step's failure fails the automation.
	// Default (nil): false with OnFailure Continue, true otherwise.
	IsCritical *bool
}

// OnFailure is what Automation does when a step fails.
type OnFailure string

const (
	// Abort stops the automation. The default.
	Abort OnFailure = "Abort"
	// Continue goes on with the step that would have followed success.
	Continue OnFailure = "Continue"
)

// GoTo jumps to the named step when a step fails (OnFailure) or the
// automation is cancelled while it runs (OnCancel).
func GoTo(step string) OnFailure { return OnFailure("step:" + step) }

// Output is a value a step declares from its response: Selector is a
// JSONPath into it ("$.Reservations[0].Instances[0].State.Name"). Later
// steps read it as "{{ Step.Name }}".
type Output struct {
	Name     string
	Selector string
	Type     Type
}

// JSON renders the document as SSM takes it (schemaVersion 0.3), without
// validating it: call Validate first.
func (d *Document) JSON() ([]byte, error) {
	doc := documentJSON{
		SchemaVersion: "0.3",
		Description:   d.Description,
		AssumeRole:    d.AssumeRole,
		Outputs:       d.Outputs,
	}
	if len(d.Parameters) > 0 {
		params := make(object, len(d.Parameters))
		for i, p := range d.Parameters {
			params[i] = member{p.Name, parameterJSON{
				Type: p.Type, Description: p.Description, Default: p.Default,
				AllowedValues: p.AllowedValues, AllowedPattern: p.AllowedPattern,
				MinItems: p.MinItems, MaxItems: p.MaxItems, MinChars: p.MinChars, MaxChars: p.MaxChars,
			}}
		}
		doc.Parameters = params
	}
	doc.MainSteps = make([]stepJSON, len(d.Steps))
	for i, s := range d.Steps {
		doc.MainSteps[i] = s.json()
	}
	return marshal(doc)
}

func (s Step) json() stepJSON {
	out := stepJSON{
		Name: s.Name, MaxAttempts: s.MaxAttempts, TimeoutSeconds: s.TimeoutSeconds,
		OnFailure: string(s.OnFailure), OnCancel: string(s.OnCancel), IsEnd: s.IsEnd, NextStep: s.NextStep, IsCritical: s.IsCritical,
		Inputs: object{},
	}
	if s.Action != nil {
		out.Action = s.Action.ActionName()
		out.Inputs, out.Outputs = s.Action.render()
	}
	return out
}

type documentJSON struct {
	SchemaVersion string     `json:"schemaVersion"`
	Description   string     `json:"description,omitempty"`
	AssumeRole    string     `json:"assumeRole,omitempty"`
	Parameters    object     `json:"parameters,omitempty"`
	MainSteps     []stepJSON `json:"mainSteps"`
	Outputs       []string   `json:"outputs,omitempty"`
}

type parameterJSON struct {
	Type           Type     `json:"type"`
	Description    string   `json:"description,omitempty"`
	Default        any      `json:"default,omitempty"`
	AllowedValues  []string `json:"allowedValues,omitempty"`
	AllowedPattern string   `json:"allowedPattern,omitempty"`
	MinItems       int      `json:"minItems,omitempty"`
	MaxItems       int      `json:"maxItems,omitempty"`
	MinChars       int      `json:"minChars,omitempty"`
	MaxChars       int      `json:"maxChars,omitempty"`
}

type stepJSON struct {
	Name           string   `json:"name"`
	Action         string   `json:"action"`
	MaxAttempts    int      `json:"maxAttempts,omitempty"`
	TimeoutSeconds int      `json:"timeoutSeconds,omitempty"`
	OnFailure      string   `json:"onFailure,omitempty"`
	OnCancel       string   `json:"onCancel,omitempty"`
	IsEnd          bool     `json:"isEnd,omitempty"`
	NextStep       string   `json:"nextStep,omitempty"`
	IsCritical     *bool    `json:"isCritical,omitempty"`
	Inputs         any      `json:"inputs"`
	Outputs        []Output `json:"outputs,omitempty"`
}

// object is a JSON object that keeps its members' order: parameters in the
// order declared, an API action's Service and Api before the API's own
// parameters.
type object []member

type member struct {
	key   string
	value any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(m.key))
		b.WriteByte(':')
		v, err := marshal(m.value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.key, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping: SSM reads the text, and
// "\u003c" for "<" only makes it longer.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// apiInputs renders an API action's inputs: Service, Api, the API's
// parameters in key order, then the action's own inputs.
func apiInputs(service, api string, params map[string]any, tail ...member) object {
	o := object{{"Service", service}, {"Api", api}}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		o = append(o, member{k, params[k]})
	}
	return append(o, tail...)
}

// isoDuration writes a duration the ISO 8601 way aws:sleep takes it:
// 90 minutes is "PT1H30M".
func isoDuration(d time.Duration) string {
	if d == 0 {
		return "PT0S"
	}
	if d < 0 {
		return "-" + isoDuration(-d) // Validate refuses it; SSM would too
	}
	s := "PT"
	if h := d / time.Hour; h > 0 {
		s += strconv.FormatInt(int64(h), 10) + "H"
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		s += strconv.FormatInt(int64(m), 10) + "M"
		d -= m * time.Minute
	}
	if d > 0 {
		s += strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S"
	}
	return s
}
