package runbook

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// valid is a runbook that keeps every rule: stop an instance once someone
// approves, wait for it, start it, check it. Each case below breaks it one
// way.
func valid() *Document {
	return &Document{
		Description: "Restart an instance once someone approves.",
		AssumeRole:  "{{ AutomationAssumeRole }}",
		Parameters: []Parameter{
			{Name: "AutomationAssumeRole", Type: String, Description: "The role Automation assumes."},
			{Name: "InstanceId", Type: String, AllowedPattern: `^i-[a-z0-9]{8,17}$`},
			{Name: "Force", Type: Boolean, Default: false},
		},
		Steps: []Step{
			{Name: "Describe", Action: &ExecuteAwsApi{
				Service: "ec2", Api: "DescribeInstances", Params: map[string]any{"InstanceIds": []string{"{{ InstanceId }}"}},
				Outputs: []Output{{Name: "State", Selector: "$.Reservations[0].Instances[0].State.Name", Type: String}},
			}},
			{Name: "Choose", Action: &Branch{Choices: []Choice{
				{NextStep: "Approve", When: Condition{Variable: "{{ Describe.State }}", Op: StringEquals, Value: "running"}},
				{NextStep: "Approve", When: And{{Variable: "{{ Force }}", Op: BooleanEquals, Value: true}, {Variable: "{{ Describe.State }}", Op: StartsWith, Value: "stop"}}},
			}, Default: "Done"}},
			{Name: "Approve", Action: &Approve{
				Approvers:       []string{"arn:aws:iam::111122223333:role/Oncall"},
				NotificationArn: "arn:aws:sns:us-east-1:111122223333:AutomationApprovals",
				Message:         "Restart {{ InstanceId }}? ({{ automation:EXECUTION_ID }})",
			}, TimeoutSeconds: 3600},
			{Name: "Stop", Action: &ExecuteAwsApi{Service: "ec2", Api: "StopInstances", Params: map[string]any{"InstanceIds": []string{"{{ InstanceId }}"}}}},
			{Name: "Wait", Action: &WaitForAwsResourceProperty{
				Service: "ec2", Api: "DescribeInstances", Params: map[string]any{"InstanceIds": []string{"{{ InstanceId }}"}},
				PropertySelector: "$.Reservations[0].Instances[0].State.Name", DesiredValues: []string{"stopped"},
			}, TimeoutSeconds: 600},
			{Name: "Start", Action: &ExecuteAwsApi{Service: "ec2", Api: "StartInstances", Params: map[string]any{"InstanceIds": []string{"{{ InstanceId }}"}}}},
			{Name: "Check", Action: &ExecuteScript{
				Runtime: "python3.11", Handler: "handler",
				Script:       "def handler(events, context):\n    return {'approved': events['status'] == 'Approved'}\n",
				InputPayload: map[string]any{"status": "{{ Approve.ApprovalStatus }}"},
				Outputs:      []Output{{Name: "Approved", Selector: "$.Payload.approved", Type: Boolean}},
			}, IsEnd: true},
			{Name: "Done", Action: &Sleep{Duration: time.Second}},
		},
		Outputs: []string{"Describe.State", "Check.Approved"},
	}
}

func step(d *Document, name string) *Step {
	for i := range d.Steps {
		if d.Steps[i].Name == name {
			return &d.Steps[i]
		}
	}
	panic("no step " + name)
}

// problems returns Validate's problems, failing on any other error.
func problems(t *testing.T, d *Document) Problems {
	t.Helper()
	err := d.Validate()
	if err == nil {
		return nil
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Validate returned %T, want Problems: %v", err, err)
	}
	return ps
}

func TestValidDocuments(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Document)
	}{
		{"the base", func(*Document) {}},
		{"a polling loop with a way out", func(d *Document) {
			// Wait → Poll → (stopped? Start : Sleep → Wait): the branch leaves.
			*step(d, "Wait") = Step{Name: "Wait", Action: &Sleep{Duration: 10 * time.Second}}
			d.Steps = append(d.Steps[:5], append([]Step{
				{Name: "Poll", Action: &ExecuteAwsApi{Service: "ec2", Api: "DescribeInstances", Outputs: []Output{{Name: "State", Selector: "$.Reservations[0].Instances[0].State.Name", Type: String}}}},
				{Name: "Stopped", Action: &Branch{Choices: []Choice{{NextStep: "Start", When: Condition{Variable: "{{ Poll.State }}", Op: StringEquals, Value: "stopped"}}}, Default: "Wait"}},
			}, d.Steps[5:]...)...)
		}},
		{"a cancel that cleans up", func(d *Document) {
			step(d, "Done").IsEnd = true
			d.Steps = append(d.Steps, Step{Name: "Cleanup", Action: &ExecuteAwsApi{Service: "ec2", Api: "StartInstances", Params: map[string]any{"InstanceIds": []string{"{{ InstanceId }}"}}}})
			step(d, "Stop").OnCancel = GoTo("Cleanup")
			step(d, "Wait").OnCancel = Abort
		}},
		{"system variables and a Parameter Store default", func(d *Document) {
			d.Parameters = append(d.Parameters, Parameter{Name: "Ami", Type: String, Default: "{{ssm:/golden/ami}}"})
			step(d, "Stop").Action.(*ExecuteAwsApi).Params["Hibernate"] = "{{global:REGION}} {{ global:ACCOUNT_ID }} {{global:AWS_PARTITION}} {{ Ami }}"
		}},
		{"every default type", func(d *Document) {
			d.Parameters = append(d.Parameters,
				Parameter{Name: "N", Type: Integer, Default: 3},
				Parameter{Name: "L", Type: StringList, Default: []string{"a", "b"}, AllowedValues: []string{"a", "b", "c"}},
				Parameter{Name: "M", Type: StringMap, Default: map[string]any{"k": "v"}},
				Parameter{Name: "ML", Type: MapList, Default: []map[string]any{{"k": "v"}}},
				Parameter{Name: "I", Type: String, Default: "i-0123456789abcdef0", AllowedPattern: `^i-[a-z0-9]{8,17}$`, MinChars: 10, MaxChars: 19},
				Parameter{Name: "N2", Type: Integer, Default: 3, AllowedValues: []string{"3", "-4", "0"}},
				Parameter{Name: "B", Type: Boolean, Default: true, AllowedValues: []string{"true"}},
				Parameter{Name: "L2", Type: StringList, Default: []string{"a"}, MinItems: 1, MaxItems: 3},
				Parameter{Name: "ML2", Type: MapList, Default: []map[string]any{{"k": "v"}, {"k": "w"}}, MaxItems: 2},
			)
		}},
		{"Continue keeps later steps reachable", func(d *Document) {
			step(d, "Stop").OnFailure = Continue
		}},
		{"at the limits", func(d *Document) {
			step(d, "Approve").Action.(*Approve).Approvers = strings.Split("a b c d e f g h i j", " ")
			step(d, "Approve").Action.(*Approve).MinRequiredApprovals = 10
			step(d, "Approve").Action.(*Approve).Message = strings.Repeat("m", 4096)
			step(d, "Done").Action = &Sleep{Duration: 604799 * time.Second}
			step(d, "Check").TimeoutSeconds = 600
		}},
		{"approvers of every documented form, and a topic in a token's account", func(d *Document) {
			a := step(d, "Approve").Action.(*Approve)
			a.Approvers = []string{"alice", "arn:aws:iam::111122223333:user/ops/bob", "arn:aws:iam::111122223333:role/Oncall",
				"arn:aws:sts::111122223333:assumed-role/Oncall/carol", "${Token[TOKEN.7]}"}
			a.MinRequiredApprovals = 5
			a.NotificationArn = "arn:${Token[AWS.Partition.3]}:sns:us-east-1:${Token[AWS.AccountId.4]}:Automation-Approvals"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := valid()
			c.mutate(d)
			if ps := problems(t, d); len(ps) > 0 {
				t.Errorf("Validate found problems in a valid document:\n%v", ps)
			}
		})
	}
}

// TestRules: each rule, broken, is reported once, at its path, with its
// detail; nothing else is reported.
func TestRules(t *testing.T) {
	type want struct{ rule, path, detail string }
	cases := []struct {
		name   string
		mutate func(*Document)
		want   []want
	}{
		// document
		{"no steps", func(d *Document) { d.Steps = nil; d.Outputs = nil; d.AssumeRole = "" },
			[]want{{ruleDocument, "mainSteps", "at least one step"}}},
		{"content too large", func(d *Document) { d.Description = strings.Repeat("x", MaxContent) },
			[]want{{ruleContentSize, "document", "kept for those: at most 56000"}}},
		{"a default that does not render", func(d *Document) { d.Parameters[0].Default = func() {} },
			[]want{{ruleParameterDefault, "parameters[0](AutomationAssumeRole).default", "is not a String"}, {ruleDocument, "document", "does not render as JSON"}}},

		// parameters
		{"parameter name", func(d *Document) { d.Parameters = append(d.Parameters, Parameter{Name: "Instance Id", Type: String}) },
			[]want{{ruleParameterName, "parameters[3](Instance Id).name", `"Instance Id" is not a parameter name`}}},
		{"parameter name twice", func(d *Document) { d.Parameters = append(d.Parameters, Parameter{Name: "Force", Type: String}) },
			[]want{{ruleParameterName, "parameters[3](Force).name", "already parameters[2]"}}},
		{"parameter type", func(d *Document) { d.Parameters[2].Type = "boolean" },
			[]want{{ruleParameterType, "parameters[2](Force).type", `(did you mean "Boolean"?)`}}},
		{"a quoted boolean default", func(d *Document) { d.Parameters[2].Default = "true" },
			[]want{{ruleParameterDefault, "parameters[2](Force).default", `not "true" or 0`}}},
		{"a decimal integer default", func(d *Document) {
			d.Parameters = append(d.Parameters, Parameter{Name: "N", Type: Integer, Default: 2.5})
		}, []want{{ruleParameterDefault, "parameters[3](N).default", "no decimals"}}},
		{"a default outside allowedValues", func(d *Document) {
			d.Parameters = append(d.Parameters, Parameter{Name: "Mode", Type: String, Default: "fast", AllowedValues: []string{"safe", "slow"}})
		}, []want{{ruleParameterDefault, "parameters[3](Mode).default", "would not start"}}},
		{"a default that fails the pattern", func(d *Document) { d.Parameters[1].Default = "instance-1" },
			[]want{{ruleParameterDefault, "parameters[1](InstanceId).default", "does not match allowedPattern"}}},
		{"a default naming another parameter", func(d *Document) { d.Parameters[0].Default = "{{ InstanceId }}" },
			[]want{{ruleParameterDefault, "parameters[0](AutomationAssumeRole).default", "does not expand one parameter into another"}}},
		{"a Parameter Store default for an Integer", func(d *Document) {
			d.Parameters = append(d.Parameters, Parameter{Name: "N", Type: Integer, Default: "{{ssm:/n}}"})
		}, []want{{ruleParameterDefault, "parameters[3](N).default", "only for a String or StringList"}}},
		{"a pattern Go cannot compile", func(d *Document) { d.Parameters[1].AllowedPattern = `^i-(?=[a-z0-9])` },
			[]want{{ruleAllowedPattern, "parameters[1](InstanceId).allowedPattern", "SSM Agent checks values with"}}},

		{"patterns Java and Go read differently", func(d *Document) {
			d.Parameters = append(d.Parameters,
				Parameter{Name: "P0", Type: String, AllowedPattern: "^[a-z]+"},
				Parameter{Name: "P1", Type: String, AllowedPattern: "[a-z]+$"},
				Parameter{Name: "P2", Type: String, AllowedPattern: "^a|b$"},
				Parameter{Name: "P3", Type: String, AllowedPattern: "^[a-z]+\\z$"},
				Parameter{Name: "P4", Type: String, AllowedPattern: "^(?U)a+$"},
				Parameter{Name: "P5", Type: String, AllowedPattern: "^\\Qa.b\\E$"},
				Parameter{Name: "P6", Type: String, AllowedPattern: "^[[:alpha:]]+$"},
				Parameter{Name: "P7", Type: String, AllowedPattern: "^\\p{L}+$"},
				Parameter{Name: "P8", Type: String, AllowedPattern: "^(a)\\1$"},
				Parameter{Name: "P9", Type: String, AllowedPattern: "^.+$"},
				Parameter{Name: "P10", Type: String, AllowedPattern: "^[a-z&&e]+$"},
				Parameter{Name: "P11", Type: String, AllowedPattern: "^a{,3}$"},
				Parameter{Name: "P12", Type: String, AllowedPattern: "^\\s+$"},
				Parameter{Name: "P13", Type: String, AllowedPattern: "^[]a]+$"},
				Parameter{Name: "P14", Type: String, AllowedPattern: "^a$b$"},
			)
		}, []want{
			{ruleAllowedPattern, "parameters[3](P0).allowedPattern", "end it with $"},
			{ruleAllowedPattern, "parameters[4](P1).allowedPattern", "start it with ^"},
			{ruleAllowedPattern, "parameters[5](P2).allowedPattern", "group the alternatives"},
			{ruleAllowedPattern, "parameters[6](P3).allowedPattern", "anchor with ^ and $"},
			{ruleAllowedPattern, "parameters[7](P4).allowedPattern", "(?U) is ungreedy in Go"},
			{ruleAllowedPattern, "parameters[8](P5).allowedPattern", "instead of \\Q...\\E"},
			{ruleAllowedPattern, "parameters[9](P6).allowedPattern", "POSIX class"},
			{ruleAllowedPattern, "parameters[10](P7).allowedPattern", "Unicode class names differ"},
			{ruleAllowedPattern, "parameters[11](P8).allowedPattern", "cannot compile it"},
			{ruleAllowedPattern, "parameters[12](P9).allowedPattern", "write the class meant"},
			{ruleAllowedPattern, "parameters[13](P10).allowedPattern", "an intersection in Java"},
			{ruleAllowedPattern, "parameters[14](P11).allowedPattern", "a literal in Go, an error in Java"},
			{ruleAllowedPattern, "parameters[15](P12).allowedPattern", "vertical tab"},
			{ruleAllowedPattern, "parameters[16](P13).allowedPattern", "] first in a class"},
			{ruleAllowedPattern, "parameters[17](P14).allowedPattern", "$ before the end"},
		}},

		{"an Integer default outside allowedValues", func(d *Document) {
			d.Parameters = append(d.Parameters, Parameter{Name: "N", Type: Integer, Default: 5, AllowedValues: []string{"1", "2"}})
		}, []want{{ruleParameterDefault, "parameters[3](N).default", "5 is not among allowedValues"}}},
		{"a Boolean default outside allowedValues", func(d *Document) {
			d.Parameters[2].AllowedValues = []string{"true"}
		}, []want{{ruleParameterDefault, "parameters[2](Force).default", "false is not among allowedValues"}}},
		{"allowedValues that do not fit the type", func(d *Document) {
			d.Parameters = append(d.Parameters,
				Parameter{Name: "N", Type: Integer, AllowedValues: []string{"1", "01", "+2", "x", "1"}},
				Parameter{Name: "B", Type: Boolean, AllowedValues: []string{"True"}},
				Parameter{Name: "M", Type: StringMap, AllowedValues: []string{"{}"}},
			)
		}, []want{
			{ruleParameterValues, "parameters[3](N).allowedValues[1]", "no leading zeros"},
			{ruleParameterValues, "parameters[3](N).allowedValues[2]", "no sign +"},
			{ruleParameterValues, "parameters[3](N).allowedValues[3]", "not an Integer"},
			{ruleParameterValues, "parameters[3](N).allowedValues[4]", "already allowedValues[0]"},
			{ruleParameterValues, "parameters[4](B).allowedValues[0]", "true or false"},
			{ruleParameterValues, "parameters[5](M).allowedValues[0]", "how SSM compares a map"},
		}},
		{"an allowedPattern on an Integer", func(d *Document) {
			d.Parameters = append(d.Parameters, Parameter{Name: "N", Type: Integer, AllowedPattern: `^[0-9]$`})
		}, []want{{ruleAllowedPattern, "parameters[3](N).allowedPattern", "on a Integer"}}},
		{"limits that contradict each other or the type", func(d *Document) {
			d.Parameters = append(d.Parameters,
				Parameter{Name: "L", Type: StringList, MinItems: 3, MaxItems: 2},
				Parameter{Name: "S", Type: String, MinChars: 5, MaxChars: 4, MinItems: 1},
				Parameter{Name: "M", Type: StringMap, MaxChars: -1},
				Parameter{Name: "V", Type: String, MaxChars: 3, AllowedValues: []string{"abc", "abcd"}},
			)
		}, []want{
			{ruleParameterLimits, "parameters[3](L).minItems", "more than maxItems"},
			{ruleParameterLimits, "parameters[4](S).minItems", "for StringList and MapList"},
			{ruleParameterLimits, "parameters[4](S).minChars", "more than maxChars"},
			{ruleParameterLimits, "parameters[5](M).maxChars", "positive"},
			{ruleParameterValues, "parameters[6](V).allowedValues[1]", "could never be given"},
		}},
		{"defaults outside the limits", func(d *Document) {
			d.Parameters = append(d.Parameters,
				Parameter{Name: "L", Type: StringList, Default: []string{"a", "b", "c"}, MaxItems: 2},
				Parameter{Name: "S", Type: String, Default: "", MinChars: 1},
			)
		}, []want{
			{ruleParameterDefault, "parameters[3](L).default", "3 items"},
			{ruleParameterDefault, "parameters[4](S).default", "0 characters"},
		}},

		// steps
		{"step name twice", func(d *Document) { step(d, "Done").Name = "Stop"; step(d, "Choose").Action.(*Branch).Default = "Stop" },
			[]want{{ruleStepName, "mainSteps[7](Stop).name", "already mainSteps[3]"}}},
		{"step name", func(d *Document) {
			d.Steps[7].Name = "Done!"
			step(d, "Choose").Action.(*Branch).Default = "Done!"
		}, []want{{ruleStepName, "mainSteps[7](Done!).name", "letters, digits and underscores"}, {ruleStepTarget, "mainSteps[1](Choose).inputs.Default", `"Done!" is not a step`}}},
		{"nextStep to no step", func(d *Document) { step(d, "Wait").NextStep = "Missing" },
			[]want{{ruleStepTarget, "mainSteps[4](Wait).nextStep", `"Missing" is not a step; steps: Describe, Choose, Approve, Stop, Wait, Start, Check, Done`}}},
		{"nextStep misspelled", func(d *Document) { step(d, "Wait").NextStep = "start" },
			[]want{{ruleStepTarget, "mainSteps[4](Wait).nextStep", `(did you mean "Start"?)`}}},
		{"branch choice to no step", func(d *Document) { step(d, "Choose").Action.(*Branch).Choices[1].NextStep = "Aprove" },
			[]want{{ruleStepTarget, "mainSteps[1](Choose).inputs.Choices[1].NextStep", `(did you mean "Approve"?)`}}},
		{"branch choice with no NextStep", func(d *Document) { step(d, "Choose").Action.(*Branch).Choices[0].NextStep = "" },
			[]want{{ruleStepTarget, "mainSteps[1](Choose).inputs.Choices[0].NextStep", "NextStep names no step"}}},
		{"branch default to no step", func(d *Document) { step(d, "Choose").Action.(*Branch).Default = "End" },
			[]want{{ruleStepTarget, "mainSteps[1](Choose).inputs.Default", `"End" is not a step`}}},
		{"onFailure to no step", func(d *Document) { step(d, "Stop").OnFailure = GoTo("Rollback") },
			[]want{{ruleStepTarget, "mainSteps[3](Stop).onFailure", `"Rollback" is not a step`}}},
		{"onFailure value", func(d *Document) { step(d, "Stop").OnFailure = "Retry" },
			[]want{{ruleStepOptions, "mainSteps[3](Stop).onFailure", "use Abort, Continue or GoTo(step)"}}},
		{"isEnd with nextStep", func(d *Document) { step(d, "Check").NextStep = "Done" },
			[]want{{ruleStepOptions, "mainSteps[6](Check).nextStep", "keep one"}}},
		{"isEnd with onFailure step", func(d *Document) { step(d, "Check").OnFailure = GoTo("Done") },
			[]want{{ruleStepOptions, "mainSteps[6](Check).onFailure", "whether it fails or succeeds"}}},
		{"onCancel Continue", func(d *Document) { step(d, "Stop").OnCancel = Continue },
			[]want{{ruleStepOptions, "mainSteps[3](Stop).onCancel", "a cancel does not Continue"}}},
		{"onCancel to no step", func(d *Document) { step(d, "Stop").OnCancel = GoTo("Cleanup") },
			[]want{{ruleStepTarget, "mainSteps[3](Stop).onCancel", `"Cleanup" is not a step`}}},
		{"onCancel to a sleep", func(d *Document) { step(d, "Stop").OnCancel = GoTo("Done") },
			[]want{{ruleStepOptions, "mainSteps[3](Stop).onCancel", "onCancel does not move to"}}},
		{"isEnd on a branch with a Default", func(d *Document) { step(d, "Choose").IsEnd = true },
			[]want{{ruleStepOptions, "mainSteps[1](Choose).isEnd", "which SSM does is not documented"}}},
		{"nextStep on a branch", func(d *Document) { step(d, "Choose").NextStep = "Done" },
			[]want{{ruleStepOptions, "mainSteps[1](Choose).nextStep", "move \"Done\" to Default"}}},
		{"negative counts", func(d *Document) { step(d, "Stop").MaxAttempts = -1; step(d, "Stop").TimeoutSeconds = -5 },
			[]want{{ruleStepOptions, "mainSteps[3](Stop).maxAttempts", "give 1 or more"}, {ruleStepOptions, "mainSteps[3](Stop).timeoutSeconds", "positive"}}},
		{"no action", func(d *Document) { step(d, "Stop").Action = nil },
			[]want{{ruleAction, "mainSteps[3](Stop).action", "needs an action"}}},

		// flow
		{"a step after the end", func(d *Document) {
			d.Steps = append(d.Steps[:7], append([]Step{{Name: "Orphan", Action: &Sleep{Duration: time.Minute}}}, d.Steps[7:]...)...)
		}, []want{{ruleUnreachable, "mainSteps[7](Orphan)", "no path from the first step (Describe) reaches it"}}},
		{"a step jumped over", func(d *Document) { step(d, "Approve").NextStep = "Wait" },
			[]want{{ruleUnreachable, "mainSteps[3](Stop)", "no path"}}},
		{"a step that repeats itself", func(d *Document) { step(d, "Done").NextStep = "Done" },
			[]want{{ruleInfiniteLoop, "mainSteps[7](Done)", "(Done → Done)"}}},
		{"a loop whose branch stays inside", func(d *Document) {
			step(d, "Check").IsEnd = false
			step(d, "Check").NextStep = "Choose"
			step(d, "Choose").Action.(*Branch).Default = "Approve"
			d.Steps = d.Steps[:7]
		}, []want{{ruleInfiniteLoop, "mainSteps[1](Choose)", "Choose → Approve → Stop → Wait → Start → Check → Choose"}}},
		{"a loop left only by failing", func(d *Document) {
			step(d, "Done").NextStep = "Done"
			step(d, "Done").OnFailure = GoTo("Describe")
		}, []want{
			{ruleInfiniteLoop, "mainSteps[0](Describe)", "through Done's onFailure"},
			{ruleInfiniteLoop, "mainSteps[7](Done)", "a loop left only when a step fails is still one"},
		}},
		{"a loop that goes round on failure", func(d *Document) { step(d, "Stop").OnFailure = GoTo("Describe") },
			[]want{{ruleInfiniteLoop, "mainSteps[0](Describe)", "loop through Stop's onFailure (Describe → Choose → Approve → Stop → Describe)"}}},
		{"a step that retries itself on failure", func(d *Document) { step(d, "Stop").OnFailure = GoTo("Stop") },
			[]want{{ruleInfiniteLoop, "mainSteps[3](Stop)", "retry with maxAttempts"}}},
		{"a Continue inside a polling loop", func(d *Document) {
			*step(d, "Wait") = Step{Name: "Wait", Action: &Sleep{Duration: 10 * time.Second}, OnFailure: Continue}
			d.Steps = append(d.Steps[:5], append([]Step{
				{Name: "Poll", Action: &ExecuteAwsApi{Service: "ec2", Api: "DescribeInstances", Outputs: []Output{{Name: "State", Selector: "$.Reservations[0].Instances[0].State.Name", Type: String}}}},
				{Name: "Stopped", Action: &Branch{Choices: []Choice{{NextStep: "Start", When: Condition{Variable: "{{ Poll.State }}", Op: StringEquals, Value: "stopped"}}}, Default: "Wait"}},
			}, d.Steps[5:]...)...)
		}, []want{{ruleInfiniteLoop, "mainSteps[4](Wait)", "through Wait's onFailure (Wait → Poll → Stopped → Wait)"}}},
		{"a cancel back into the steps it cancelled", func(d *Document) { step(d, "Wait").OnCancel = GoTo("Stop") },
			[]want{{ruleInfiniteLoop, "mainSteps[3](Stop)", "through Wait's onCancel (Stop → Wait → Stop)"}}},

		// references
		{"a misspelled parameter", func(d *Document) {
			step(d, "Stop").Action.(*ExecuteAwsApi).Params["InstanceIds"] = []string{"{{ InstanceID }}"}
		}, []want{{ruleParameterRef, "mainSteps[3](Stop).inputs.InstanceIds[0]", `{{ InstanceID }} names no parameter; parameters: AutomationAssumeRole, InstanceId, Force (did you mean "InstanceId"?)`}}},
		{"an undefined assumeRole parameter", func(d *Document) { d.AssumeRole = "{{ Role }}" },
			[]want{{ruleParameterRef, "assumeRole", "{{ Role }} names no parameter"}}},
		{"an unknown system variable", func(d *Document) {
			step(d, "Approve").Action.(*Approve).Message = "{{ global:ACCOUNT }}"
		}, []want{{ruleParameterRef, "mainSteps[2](Approve).inputs.Message", `(did you mean "global:ACCOUNT_ID"?)`}}},
		{"a Parameter Store value in a step", func(d *Document) {
			step(d, "Approve").Action.(*Approve).Message = "{{ssm:/approval/message}}"
		}, []want{{ruleParameterRef, "mainSteps[2](Approve).inputs.Message", "declare a parameter with Default"}}},
		{"references in keys", func(d *Document) {
			step(d, "Stop").Action.(*ExecuteAwsApi).Params["{{ InstanceId }}"] = "x"
			step(d, "Check").Action.(*ExecuteScript).InputPayload["{{ Force }}"] = true
		}, []want{
			{ruleParameterRef, "mainSteps[3](Stop).inputs.{{ InstanceId }}", "the key"},
			{ruleParameterRef, "mainSteps[6](Check).inputs.InputPayload.{{ Force }}", "use a fixed key"},
		}},
		{"nested and unbalanced braces", func(d *Document) {
			a := step(d, "Approve").Action.(*Approve)
			a.Message = "Restart {{ {{ InstanceId }} }}?"
			step(d, "Stop").Action.(*ExecuteAwsApi).Params["InstanceIds"] = []string{"{{ InstanceId }"}
			d.AssumeRole = "{{AutomationAssumeRole}}}}"
		}, []want{
			{ruleParameterRef, "assumeRole", "nested or unbalanced braces"},
			{ruleParameterRef, "mainSteps[2](Approve).inputs.Message", "nested or unbalanced braces"},
			{ruleParameterRef, "mainSteps[3](Stop).inputs.InstanceIds[0]", "nested or unbalanced braces"},
		}},
		{"references in selectors", func(d *Document) {
			step(d, "Describe").Action.(*ExecuteAwsApi).Outputs[0].Selector = "$.Reservations[{{ InstanceId }}]"
			step(d, "Wait").Action.(*WaitForAwsResourceProperty).PropertySelector = "$.{{ InstanceId }}"
		}, []want{
			{ruleStepOutput, "mainSteps[0](Describe).outputs[0].Selector", "a fixed JSONPath"},
			{ruleAPI, "mainSteps[4](Wait).inputs.PropertySelector", "a fixed JSONPath"},
		}},
		{"an undeclared output", func(d *Document) {
			step(d, "Choose").Action.(*Branch).Choices[0].When = Condition{Variable: "{{ Describe.Status }}", Op: StringEquals, Value: "running"}
		}, []want{{ruleOutputRef, "mainSteps[1](Choose).inputs.Choices[0].Variable", `step Describe has no output "Status"; its outputs: State`}}},
		{"an output of no step", func(d *Document) {
			step(d, "Check").Action.(*ExecuteScript).InputPayload["status"] = "{{ Approval.ApprovalStatus }}"
		}, []want{{ruleOutputRef, "mainSteps[6](Check).inputs.InputPayload.status", `"Approval" is not a step (did you mean "Approve"?)`}}},
		{"an output of a later step", func(d *Document) {
			step(d, "Stop").Action.(*ExecuteAwsApi).Params["Note"] = "{{ Check.Approved }}"
		}, []want{{ruleOutputRef, "mainSteps[3](Stop).inputs.Note", "runs after this one"}}},
		{"an output a branch may skip", func(d *Document) {
			step(d, "Done").Action = &ExecuteAwsApi{Service: "ssm", Api: "SendAutomationSignal", Params: map[string]any{"Payload": "{{ Approve.ApprovalStatus }}"}}
		}, []want{{ruleOutputRef, "mainSteps[7](Done).inputs.Payload", "without Approve succeeding"}}},
		{"an output of a step that may fail and continue", func(d *Document) { step(d, "Describe").OnFailure = Continue },
			[]want{
				{ruleOutputRef, "mainSteps[1](Choose).inputs.Choices[0].Variable", "without Describe succeeding"},
				{ruleOutputRef, "mainSteps[1](Choose).inputs.Choices[1].And[1].Variable", "without Describe succeeding"},
			}},
		{"an output in assumeRole", func(d *Document) { d.AssumeRole = "{{ Describe.State }}" },
			[]want{{ruleOutputRef, "assumeRole", "read before any step runs"}}},

		// outputs
		{"a step output's type", func(d *Document) { step(d, "Describe").Action.(*ExecuteAwsApi).Outputs[0].Type = "Text" },
			[]want{{ruleStepOutput, "mainSteps[0](Describe).outputs[0].Type", `"Text" is not an output type`}}},
		{"a step output's selector", func(d *Document) {
			step(d, "Describe").Action.(*ExecuteAwsApi).Outputs[0].Selector = "Reservations[0]"
		}, []want{{ruleStepOutput, "mainSteps[0](Describe).outputs[0].Selector", "not a JSONPath"}}},
		{"a script output named Payload", func(d *Document) {
			step(d, "Check").Action.(*ExecuteScript).Outputs[0].Name = "Payload"
			d.Outputs = d.Outputs[:1]
		}, []want{{ruleStepOutput, "mainSteps[6](Check).outputs[0].Name", "the action's own output"}}},
		{"document outputs", func(d *Document) { d.Outputs = []string{"Describe.Status", "Describe", "Nope.X"} },
			[]want{
				{ruleDocumentOutput, "outputs[0]", `step Describe has no output "Status"`},
				{ruleDocumentOutput, "outputs[1]", `write an output as "Step.Output"`},
				{ruleDocumentOutput, "outputs[2]", `"Nope" is not a step`},
			}},

		// branch
		{"a branch with no choices", func(d *Document) { step(d, "Choose").Action.(*Branch).Choices = nil },
			[]want{{ruleBranch, "mainSteps[1](Choose).inputs.Choices", "at least one choice"}}},
		{"an unknown operator", func(d *Document) {
			step(d, "Choose").Action.(*Branch).Choices[0].When = Condition{Variable: "{{ Describe.State }}", Op: "StringEqual", Value: "running"}
		}, []want{{ruleBranch, "mainSteps[1](Choose).inputs.Choices[0].Op", `SSM refuses the document; use one of StringEquals`}}},
		{"a numeric operator with a string", func(d *Document) {
			step(d, "Choose").Action.(*Branch).Choices[0].When = Not{Variable: "{{ Describe.State }}", Op: NumericGreater, Value: "3"}
		}, []want{
			{ruleBranch, "mainSteps[1](Choose).inputs.Choices[0].Not.NumericGreater", "compares with a number"},
			{ruleBranch, "mainSteps[1](Choose).inputs.Choices[0].Not.Variable", "is a String, and NumericGreater compares Integers"},
		}},
		{"operators on variables of another type", func(d *Document) {
			b := step(d, "Choose").Action.(*Branch)
			b.Choices[0].When = Condition{Variable: "{{ Describe.State }}", Op: NumericEquals, Value: 3}
			b.Choices[1].When = And{{Variable: "{{ Force }}", Op: StringEquals, Value: "true"}, {Variable: "{{ global:REGION }}", Op: BooleanEquals, Value: true}}
		}, []want{
			{ruleBranch, "mainSteps[1](Choose).inputs.Choices[0].Variable", "{{ Describe.State }} is a String, and NumericEquals compares Integers"},
			{ruleBranch, "mainSteps[1](Choose).inputs.Choices[1].And[0].Variable", "{{ Force }} is a Boolean"},
			{ruleBranch, "mainSteps[1](Choose).inputs.Choices[1].And[1].Variable", "{{ global:REGION }} is a String"},
		}},
		{"a comparison of an approval's decisions", func(d *Document) {
			step(d, "Check").Action.(*ExecuteScript).InputPayload = nil
			d.Steps = append(d.Steps[:7], Step{Name: "Done", Action: &Branch{Choices: []Choice{{NextStep: "Last", When: Condition{Variable: "{{ Approve.ApproverDecisions }}", Op: StringEquals, Value: "x"}}}}},
				Step{Name: "Last", Action: &Sleep{Duration: time.Second}})
			step(d, "Choose").Action.(*Branch).Default = "Approve"
			step(d, "Check").IsEnd = false
		}, []want{{ruleBranch, "mainSteps[7](Done).inputs.Choices[0].Variable", "is a MapList"}}},
		{"a variable without braces", func(d *Document) {
			step(d, "Choose").Action.(*Branch).Choices[1].When = Or{{Variable: "Describe.State", Op: StringEquals, Value: "x"}}
		}, []want{{ruleBranch, "mainSteps[1](Choose).inputs.Choices[1].Or[0].Variable", `"{{ Step.Output }}"`}}},
		{"an empty And and a missing When", func(d *Document) {
			step(d, "Choose").Action.(*Branch).Choices[0].When = And{}
			step(d, "Choose").Action.(*Branch).Choices[1].When = nil
		}, []want{
			{ruleBranch, "mainSteps[1](Choose).inputs.Choices[0].And", "at least one condition"},
			{ruleBranch, "mainSteps[1](Choose).inputs.Choices[1]", "a choice needs When"},
		}},

		// API actions
		{"an API call without service or api", func(d *Document) {
			a := step(d, "Stop").Action.(*ExecuteAwsApi)
			a.Service, a.Api = "", ""
		}, []want{{ruleAPI, "mainSteps[3](Stop).inputs.Service", "boto3 client name"}, {ruleAPI, "mainSteps[3](Stop).inputs.Api", "the operation"}}},
		{"an action input among the API parameters", func(d *Document) {
			step(d, "Wait").Action.(*WaitForAwsResourceProperty).Params["DesiredValues"] = []string{"running"}
		}, []want{{ruleAPI, "mainSteps[4](Wait).inputs.DesiredValues", "set the field instead"}}},
		{"a wait without selector or values", func(d *Document) {
			a := step(d, "Wait").Action.(*WaitForAwsResourceProperty)
			a.PropertySelector, a.DesiredValues = "State", nil
		}, []want{{ruleAPI, "mainSteps[4](Wait).inputs.PropertySelector", "not a JSONPath"}, {ruleAPI, "mainSteps[4](Wait).inputs.DesiredValues", "required"}}},
		{"an assertion without values", func(d *Document) {
			step(d, "Stop").Action = &AssertAwsResourceProperty{Service: "ec2", Api: "DescribeInstances", PropertySelector: "$.x"}
		}, []want{{ruleAPI, "mainSteps[3](Stop).inputs.DesiredValues", "required"}}},

		// scripts
		{"python 3.8", func(d *Document) { step(d, "Check").Action.(*ExecuteScript).Runtime = "python3.8" },
			[]want{{ruleScript, "mainSteps[6](Check).inputs.Runtime", "2025-02-18"}}},
		{"python 3.10", func(d *Document) { step(d, "Check").Action.(*ExecuteScript).Runtime = "python3.10" },
			[]want{{ruleScript, "mainSteps[6](Check).inputs.Runtime", "use python3.11"}}},
		{"PowerShell", func(d *Document) { step(d, "Check").Action.(*ExecuteScript).Runtime = "PowerShell 7.0" },
			[]want{{ruleScript, "mainSteps[6](Check).inputs.Runtime", "runs Python scripts"}}},
		{"no handler, no script, too long", func(d *Document) {
			a := step(d, "Check").Action.(*ExecuteScript)
			a.Handler, a.Script = "", ""
			step(d, "Check").TimeoutSeconds = 601
		}, []want{
			{ruleScript, "mainSteps[6](Check).inputs.Handler", "required for Python"},
			{ruleScript, "mainSteps[6](Check).inputs.Script", "required"},
			{ruleScript, "mainSteps[6](Check).timeoutSeconds", "at most 600 seconds"},
		}},

		// approvals
		{"eleven approvers", func(d *Document) {
			step(d, "Approve").Action.(*Approve).Approvers = strings.Split("a b c d e f g h i j k", " ")
		}, []want{{ruleApprove, "mainSteps[2](Approve).inputs.Approvers", "11 approvers: SSM takes at most 10"}}},
		{"no approvers", func(d *Document) { step(d, "Approve").Action.(*Approve).Approvers = nil },
			[]want{{ruleApprove, "mainSteps[2](Approve).inputs.Approvers", "required"}}},
		{"more approvals than approvers", func(d *Document) { step(d, "Approve").Action.(*Approve).MinRequiredApprovals = 2 },
			[]want{{ruleApprove, "mainSteps[2](Approve).inputs.MinRequiredApprovals", "2 approvals of 1 approvers can never be reached"}}},
		{"a topic not named Automation", func(d *Document) {
			step(d, "Approve").Action.(*Approve).NotificationArn = "arn:aws:sns:us-east-1:111122223333:Approvals"
		}, []want{{ruleApprove, "mainSteps[2](Approve).inputs.NotificationArn", `the topic "Approvals" does not start with "Automation"`}}},
		{"a topic known only at deploy time", func(d *Document) {
			step(d, "Approve").Action.(*Approve).NotificationArn = "${Token[TOKEN.42]}"
		}, []want{{ruleApprove, "mainSteps[2](Approve).inputs.NotificationArn", "must be literal"}}},
		{"an approver named twice", func(d *Document) {
			a := step(d, "Approve").Action.(*Approve)
			a.Approvers = []string{"arn:aws:iam::111122223333:role/Oncall", "arn:aws:iam::111122223333:role/oncall"}
			a.MinRequiredApprovals = 2
		}, []want{
			{ruleApprove, "mainSteps[2](Approve).inputs.Approvers[1]", "is already Approvers[0]"},
			{ruleApprove, "mainSteps[2](Approve).inputs.MinRequiredApprovals", "2 approvals of 1 approvers"},
		}},
		{"approvers that are no principal", func(d *Document) {
			step(d, "Approve").Action.(*Approve).Approvers = []string{"arn:aws:sns:us-east-1:111122223333:Automation", "ops team"}
		}, []want{
			{ruleApprove, "mainSteps[2](Approve).inputs.Approvers[0]", "not an IAM user, role or assumed-role ARN"},
			{ruleApprove, "mainSteps[2](Approve).inputs.Approvers[1]", "neither an IAM user name"},
		}},
		{"a topic ARN that is no topic's", func(d *Document) {
			step(d, "Approve").Action.(*Approve).NotificationArn = "arn:aws:sqs:us-east-1:111122223333:Automation"
		}, []want{{ruleApprove, "mainSteps[2](Approve).inputs.NotificationArn", "is not an SNS topic's ARN"}}},
		{"a FIFO approval topic", func(d *Document) {
			step(d, "Approve").Action.(*Approve).NotificationArn = "arn:aws:sns:us-east-1:111122223333:Automation.fifo"
		}, []want{{ruleApprove, "mainSteps[2](Approve).inputs.NotificationArn", "FIFO"}}},
		{"a long message", func(d *Document) { step(d, "Approve").Action.(*Approve).Message = strings.Repeat("m", 4097) },
			[]want{{ruleApprove, "mainSteps[2](Approve).inputs.Message", "4097 characters"}}},

		// sleeps
		{"a negative sleep", func(d *Document) { step(d, "Done").Action = &Sleep{Duration: -time.Second} },
			[]want{{ruleSleep, "mainSteps[7](Done).inputs.Duration", "no negative"}}},
		{"an eight-day sleep", func(d *Document) { step(d, "Done").Action = &Sleep{Duration: 8 * 24 * time.Hour} },
			[]want{{ruleSleep, "mainSteps[7](Done).inputs.Duration", "at most 604799 seconds"}}},
		{"a sleep of 604800 seconds", func(d *Document) { step(d, "Done").Action = &Sleep{Duration: 7 * 24 * time.Hour} },
			[]want{{ruleSleep, "mainSteps[7](Done).inputs.Duration", "at most 604799 seconds"}}},
		{"a sleep until a fixed time", func(d *Document) {
			step(d, "Done").Action = &Sleep{Timestamp: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
		}, []want{{ruleSleep, "mainSteps[7](Done).inputs.Timestamp", "use a Duration"}}},
		{"a fractional sleep", func(d *Document) { step(d, "Done").Action = &Sleep{Duration: 1500 * time.Millisecond} },
			[]want{{ruleSleep, "mainSteps[7](Done).inputs.Duration", "whole seconds"}}},
		{"both duration and timestamp", func(d *Document) {
			step(d, "Done").Action = &Sleep{Duration: time.Second, Timestamp: time.Now()}
		}, []want{{ruleSleep, "mainSteps[7](Done).inputs", "not both"}}},
		{"an empty sleep", func(d *Document) { step(d, "Done").Action = &Sleep{} },
			[]want{{ruleSleep, "mainSteps[7](Done).inputs", "give a Duration or a Timestamp"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := valid()
			c.mutate(d)
			got := problems(t, d)
			var gotKeys, wantKeys []string
			for _, p := range got {
				gotKeys = append(gotKeys, p.Rule+" "+p.Path)
			}
			for _, w := range c.want {
				wantKeys = append(wantKeys, w.rule+" "+w.path)
			}
			if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
				t.Fatalf("rules and paths (-want +got):\n%s\n%v", diff, got)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i].Detail, w.detail) {
					t.Errorf("%s: detail %q lacks %q", got[i].Path, got[i].Detail, w.detail)
				}
			}
		})
	}
}

func TestProblemsRead(t *testing.T) {
	d := valid()
	step(d, "Wait").NextStep = "Missing"
	step(d, "Stop").OnFailure = "Retry"
	want := `runbook: 2 problem(s):
  - mainSteps[3](Stop).onFailure: "Retry": use Abort, Continue or GoTo(step) ("step:Name")
  - mainSteps[4](Wait).nextStep: "Missing" is not a step; steps: Describe, Choose, Approve, Stop, Wait, Start, Check, Done`
	if got := d.Validate().Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestValidateNeverPanics: a nil document and typed-nil actions are
// problems, not panics; a runtime other than python3.11 is refused.
func TestValidateNeverPanics(t *testing.T) {
	var nilDoc *Document
	if err := nilDoc.Validate(); err == nil {
		t.Error("a nil document passes")
	}
	for _, a := range []Action{(*Sleep)(nil), (*Branch)(nil), (*ExecuteScript)(nil), (*ExecuteAwsApi)(nil)} {
		d := &Document{Steps: []Step{{Name: "A", Action: a}}}
		if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "mainSteps[0]") {
			t.Errorf("%T(nil): %v", a, err)
		}
	}
	for _, rt := range []string{"python3.011", "python3.99", "python3.12", "python3.8"} {
		d := &Document{Steps: []Step{{Name: "A", Action: &ExecuteScript{Runtime: rt, Handler: "h", Script: "def h(e, c):\n  return {}\n"}}}}
		if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "Runtime") {
			t.Errorf("%s: %v", rt, err)
		}
	}
}
