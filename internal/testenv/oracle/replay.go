package oracle

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Replay deploys the stacks of version to over the stacks of version from,
// in the order to's pipeline deploys them (its CloudFormation actions), and
// returns every update CloudFormation or CloudWatch would refuse. Replay(a,
// b) is a release; Replay(b, a) is its automatic rollback, which redeploys
// the earlier execution's templates in the same order.
//
// The rules replayed:
//   - A stack cannot import a value no other stack exports, and cannot
//     remove or change an export another stack imports
//     (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html).
//   - An alarm that a composite alarm of another stack names cannot be
//     deleted while it is named; and, read strictly, a composite alarm
//     cannot name an alarm that does not exist
//     (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html,
//     https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html).
//     Inside one stack CloudFormation orders these itself.
func Replay(from, to Assembly, partition, pipelineRegion string) []string {
	state := map[string]stackState{}
	for _, d := range deploys(from, partition, pipelineRegion) {
		state[d.key] = d.stackState
	}
	var problems []string
	for _, d := range deploys(to, partition, pipelineRegion) {
		old := state[d.key]
		for name := range d.imports {
			if _, ok := exporter(state, d.scope, name, d.key); !ok {
				problems = append(problems, fmt.Sprintf("%s: imports %s, which no other stack exports", d.key, name))
			}
		}
		for name, value := range old.exports {
			if nv, ok := d.exports[name]; ok && nv == value {
				continue
			}
			for key, s := range state {
				if key != d.key && s.scope == d.scope && s.imports[name] {
					verb := "remove"
					if _, ok := d.exports[name]; ok {
						verb = "change"
					}
					problems = append(problems, fmt.Sprintf("%s: cannot %s export %s: %s imports it", d.key, verb, name, key))
				}
			}
		}
		for alarm := range old.alarms {
			if d.alarms[alarm] {
				continue
			}
			for key, s := range state {
				if key != d.key && s.scope == d.scope && s.named[alarm] {
					problems = append(problems, fmt.Sprintf("%s: cannot delete alarm %s: a composite alarm of %s names it", d.key, alarm, key))
				}
			}
		}
		state[d.key] = d.stackState
		for alarm := range d.named {
			if d.alarms[alarm] {
				continue
			}
			found := false
			for _, s := range state {
				found = found || s.scope == d.scope && s.alarms[alarm]
			}
			if !found {
				problems = append(problems, fmt.Sprintf("%s: a composite alarm names alarm %s, which does not exist", d.key, alarm))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

type stackState struct {
	scope   string            // account/region
	exports map[string]string // name: value as JSON
	imports map[string]bool
	alarms  map[string]bool // alarms (metric or composite) with fixed names
	named   map[string]bool // alarm names its composite alarms' rules name
}

type deploy struct {
	key string // scope/stack
	stackState
}

func exporter(state map[string]stackState, scope, name, except string) (string, bool) {
	for key, s := range state {
		if key != except && s.scope == scope {
			if _, ok := s.exports[name]; ok {
				return key, true
			}
		}
	}
	return "", false
}

var reAlarmRef = regexp.MustCompile(`(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*"?([^")]+)"?\s*\)`)

// deploys lists the stacks asm's pipeline deploys, in order, once each
// (a change set's prepare and execute are one deployment).
func deploys(asm Assembly, partition, pipelineRegion string) []deploy {
	p, err := FindPipeline(asm)
	if err != nil {
		return nil
	}
	var out []deploy
	seen := map[string]bool{}
	for _, a := range p.Actions() {
		path, _ := a.Config("TemplatePath").(string)
		_, rel, ok := strings.Cut(path, "::")
		tmpl := asm[rel]
		stack, _ := a.Config("StackName").(string)
		if a.Provider() != "CloudFormation" || !ok || tmpl == nil {
			continue
		}
		account, region := actionPlace(a.Props, partition, pipelineRegion)
		scope := account + "/" + region
		key := scope + "/" + stack
		if seen[key] {
			continue
		}
		seen[key] = true
		vars := map[string]string{"AWS::Partition": partition, "AWS::AccountId": account, "AWS::Region": region, "AWS::StackName": stack}
		st := stackState{scope: scope, exports: map[string]string{}, imports: map[string]bool{}, alarms: map[string]bool{}, named: map[string]bool{}}
		outs, _ := tmpl["Outputs"].(map[string]any)
		for _, o := range outs {
			om, _ := o.(map[string]any)
			exp, _ := om["Export"].(map[string]any)
			if name, ok := Render(exp["Name"], vars); ok {
				st.exports[name] = compact(om["Value"])
			}
		}
		walk(tmpl["Resources"], func(m map[string]any) {
			if v, ok := m["Fn::ImportValue"]; ok && len(m) == 1 {
				if name, ok := Render(v, vars); ok {
					st.imports[name] = true
				}
			}
		})
		for _, r := range resources(tmpl) {
			props, _ := r["Properties"].(map[string]any)
			switch r["Type"] {
			case "AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm":
				if name, ok := Render(props["AlarmName"], vars); ok {
					st.alarms[name] = true
				}
			}
			if r["Type"] == "AWS::CloudWatch::CompositeAlarm" {
				// Only names written out count: an alarm named through
				// Fn::GetAtt or Ref of the same stack is ordered by
				// CloudFormation.
				rule := ""
				walkStrings(props["AlarmRule"], func(s string) { rule += s })
				for _, m := range reAlarmRef.FindAllStringSubmatch(rule, -1) {
					name := m[1]
					if i := strings.LastIndex(name, ":alarm:"); i >= 0 {
						name = name[i+len(":alarm:"):]
					}
					st.named[name] = true
				}
			}
		}
		out = append(out, deploy{key: key, stackState: st})
	}
	return out
}

func walk(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, e := range x {
			walk(e, f)
		}
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	}
}

// walkStrings visits the literal strings of a value, skipping intrinsic
// functions other than Fn::Join and Fn::Sub.
func walkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, e := range x {
			walkStrings(e, f)
		}
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			walkStrings(j[1], f)
		}
		if s, ok := x["Fn::Sub"]; ok {
			walkStrings(s, f)
		}
	}
}
