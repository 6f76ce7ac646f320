package runbook

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestValidateProperty: Validate accepts every document the generator
// builds valid, and for a document broken by one named mutation reports
// that mutation's rule and no other.
//
// The generator knows validity by construction, not by asking Validate:
// every step can fall through to the next (so all are reachable), jumps
// and branch choices go forward, and the one loop it may add goes back
// from a branch that can always leave by falling through. It tracks, as
// it builds each step, the outputs set on every path into it (every edge
// into a step comes from an earlier one, so one pass in order computes
// them), and refers only to those; it adds the loop's back edge only where
// the outputs on it include those already set where it lands, so that the
// loop takes no output away.
//
// A longer search:
// go test ./constructs/runbook -run TestValidateProperty -rapid.checks=20000 -rapid.seed=$RANDOM
func TestValidateProperty(t *testing.T) {
	if !testing.Short() && flag.Lookup("rapid.checks").Value.String() == "100" {
		flag.Set("rapid.checks", "1000")
		t.Cleanup(func() { flag.Set("rapid.checks", "100") })
	}
	rapid.Check(t, func(t *rapid.T) {
		g := genDocument(t)
		d := g.doc
		var m *mutation
		if rapid.Bool().Draw(t, "mutate") {
			m = mutate(t, g)
		}
		err := d.Validate()
		var ps Problems
		if err != nil && !errors.As(err, &ps) {
			t.Fatalf("Validate returned %T: %v", err, err)
		}
		if m == nil {
			if len(ps) > 0 {
				t.Fatalf("a valid document was refused:\n%v\n%s", ps, render(d))
			}
			return
		}
		if len(ps) == 0 {
			t.Fatalf("mutation %s breaks %s, but Validate found nothing:\n%s", m.name, m.rule, render(d))
		}
		for _, p := range ps {
			if p.Rule != m.rule {
				t.Fatalf("mutation %s breaks only %s, but Validate reports %s:\n%v\n%s", m.name, m.rule, p.Rule, ps, render(d))
			}
		}
	})
}

// TestValidateMutations: each named mutation, forced on generated
// documents, is reported as its rule and no other, and applies to some of
// them. A subtest a mutation, so that one can be run alone:
// go test ./constructs/runbook -run 'TestValidateMutations/sleep'
func TestValidateMutations(t *testing.T) {
	for k := range mutations {
		m := &mutations[k]
		t.Run(m.name, func(t *testing.T) {
			applied := 0
			rapid.Check(t, func(t *rapid.T) {
				g := genDocument(t)
				if !(m.applySet != nil && m.applySet(t, g) || m.apply != nil && m.apply(t, g.doc)) {
					return
				}
				applied++
				err := g.doc.Validate()
				var ps Problems
				if err != nil && !errors.As(err, &ps) {
					t.Fatalf("Validate returned %T: %v", err, err)
				}
				if len(ps) == 0 {
					t.Fatalf("mutation %s breaks %s, but Validate found nothing:\n%s", m.name, m.rule, render(g.doc))
				}
				for _, p := range ps {
					if p.Rule != m.rule {
						t.Fatalf("mutation %s breaks only %s, but Validate reports %s:\n%v\n%s", m.name, m.rule, p.Rule, ps, render(g.doc))
					}
				}
			})
			if applied == 0 {
				t.Errorf("mutation %s applied to none of the generated documents", m.name)
			}
		})
	}
}

func render(d *Document) string {
	b, err := d.JSON()
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// generated is a valid document, and the outputs set on every path into
// each of its steps.
type generated struct {
	doc *Document
	set []map[string]bool
}

// genDocument builds a valid document.
func genDocument(t *rapid.T) *generated {
	d := &Document{Description: rapid.SampledFrom([]string{"", "Does a thing.", "Line one.\n\n## Two"}).Draw(t, "description")}
	np := rapid.IntRange(0, 4).Draw(t, "parameters")
	pnames := rapid.SliceOfNDistinct(rapid.StringMatching(`P[a-z0-9_]{0,5}`), np, np, rapid.ID[string]).Draw(t, "parameterNames")
	for _, name := range pnames {
		d.Parameters = append(d.Parameters, genParameter(t, name))
	}
	var strs []string
	for _, p := range d.Parameters {
		if p.Type == String && p.AllowedPattern == "" && p.AllowedValues == nil {
			strs = append(strs, p.Name)
		}
	}
	switch rapid.IntRange(0, 2).Draw(t, "assumeRole") {
	case 1:
		d.AssumeRole = "arn:aws:iam::111122223333:role/Automation"
	case 2:
		if len(strs) > 0 {
			d.AssumeRole = "{{ " + rapid.SampledFrom(strs).Draw(t, "roleParameter") + " }}"
		}
	}

	n := rapid.IntRange(1, 8).Draw(t, "steps")
	names := rapid.SliceOfNDistinct(rapid.StringMatching(`S[A-Za-z0-9_]{0,5}`), n, n, rapid.ID[string]).Draw(t, "stepNames")
	// set[i] is the outputs set on every path into step i; nil until an
	// edge reaches it.
	set := make([]map[string]bool, n)
	set[0] = map[string]bool{}
	bring := func(to int, outs map[string]bool) {
		if to < 0 {
			return
		}
		if set[to] == nil {
			set[to] = maps.Clone(outs)
			return
		}
		maps.DeleteFunc(set[to], func(k string, _ bool) bool { return !outs[k] })
	}
	var declared []string
	refTypes := map[string]Type{"global:REGION": String, "automation:EXECUTION_ID": String}
	for _, p := range d.Parameters {
		refTypes[p.Name] = p.Type
	}
	kindOf := make([]string, n)
	for i := range n {
		kinds := []string{"sleep", "api", "assert", "wait", "script", "approve"}
		if i < n-1 {
			kinds = append(kinds, "branch", "branch")
		}
		kindOf[i] = rapid.SampledFrom(kinds).Draw(t, fmt.Sprintf("step%dkind", i))
	}
	for i := range n {
		g := &stepGen{t: t, label: fmt.Sprintf("step%d", i), refs: refCandidates(d, set[i]), types: refTypes}
		s := Step{Name: names[i]}
		last := i == n-1
		switch kindOf[i] {
		case "sleep":
			s.Action = &Sleep{Duration: time.Duration(rapid.IntRange(1, 604799).Draw(t, g.label+"seconds")) * time.Second}
		case "api":
			s.Action = &ExecuteAwsApi{Service: g.service(), Api: g.api(), Params: g.params(), Outputs: g.outputs()}
		case "assert":
			s.Action = &AssertAwsResourceProperty{Service: g.service(), Api: g.api(), Params: g.params(), PropertySelector: "$.State", DesiredValues: g.desired()}
		case "wait":
			s.Action = &WaitForAwsResourceProperty{Service: g.service(), Api: g.api(), Params: g.params(), PropertySelector: "$.Items[0].Status", DesiredValues: g.desired()}
		case "script":
			a := &ExecuteScript{
				Runtime: rapid.SampledFrom([]string{"python3.11"}).Draw(t, g.label+"runtime"),
				Handler: "handler", Script: "def handler(events, context):\n    return events\n",
				Outputs: g.outputs(),
			}
			if rapid.Bool().Draw(t, g.label+"payload") {
				a.InputPayload = map[string]any{"value": g.ref()}
			}
			s.Action = a
			s.TimeoutSeconds = rapid.SampledFrom([]int{0, 60, 600}).Draw(t, g.label+"timeout")
		case "approve":
			k := rapid.IntRange(1, 10).Draw(t, g.label+"approvers")
			a := &Approve{Approvers: make([]string, k), MinRequiredApprovals: rapid.IntRange(0, k).Draw(t, g.label+"min")}
			for j := range k {
				a.Approvers[j] = fmt.Sprintf("arn:aws:iam::111122223333:role/Approver%d", j)
			}
			if rapid.Bool().Draw(t, g.label+"message") {
				a.Message = "Approve " + g.ref() + "?"
			}
			if rapid.Bool().Draw(t, g.label+"topic") {
				a.NotificationArn = "arn:aws:sns:us-east-1:111122223333:Automation" + rapid.StringMatching(`[A-Za-z0-9_-]{0,8}`).Draw(t, g.label+"topicName")
			}
			s.Action = a
		case "branch":
			b := &Branch{}
			for range rapid.IntRange(1, 3).Draw(t, g.label+"choices") {
				b.Choices = append(b.Choices, Choice{NextStep: names[rapid.IntRange(i+1, n-1).Draw(t, g.label+"target")], When: g.expr()})
			}
			if rapid.Bool().Draw(t, g.label+"default") {
				b.Default = names[i+1]
			}
			s.Action = b
		}
		s.MaxAttempts = rapid.IntRange(0, 3).Draw(t, g.label+"maxAttempts")
		if rapid.Bool().Draw(t, g.label+"critical") {
			c := rapid.Bool().Draw(t, g.label+"isCritical")
			s.IsCritical = &c
		}

		// Where the step goes: always on to the next step (or the end),
		// and forward.
		outs := maps.Clone(set[i])
		for _, o := range s.Action.outputs() {
			refTypes[s.Name+"."+o] = outputType(s.Action, o)
			outs[s.Name+"."+o] = true
			declared = append(declared, s.Name+"."+o)
		}
		proceed := end
		if last {
			s.IsEnd = rapid.Bool().Draw(t, g.label+"isEnd")
		} else {
			proceed = i + 1
			if _, ok := s.Action.(*Branch); !ok && rapid.Bool().Draw(t, g.label+"explicitNext") {
				s.NextStep = names[i+1]
			}
		}
		if b, ok := s.Action.(*Branch); ok {
			for _, c := range b.Choices {
				bring(slices.Index(names, c.NextStep), set[i])
			}
			bring(proceed, set[i])
		} else {
			bring(proceed, outs)
		}
		failures := []string{"", "Abort", "Continue"}
		if !last {
			failures = append(failures, "jump")
		}
		switch f := rapid.SampledFrom(failures).Draw(t, g.label+"onFailure"); f {
		case "jump":
			j := rapid.IntRange(i+1, n-1).Draw(t, g.label+"failureTarget")
			s.OnFailure = GoTo(names[j])
			bring(j, set[i])
		case "Continue":
			s.OnFailure = Continue
			if !s.IsEnd {
				bring(proceed, set[i])
			}
		default:
			s.OnFailure = OnFailure(f)
		}
		// onCancel: forward, to a step onCancel may move to.
		var cleanups []int
		for j := i + 1; j < n; j++ {
			if kindOf[j] != "sleep" && kindOf[j] != "approve" {
				cleanups = append(cleanups, j)
			}
		}
		if len(cleanups) > 0 && rapid.Bool().Draw(t, g.label+"cancel") {
			j := rapid.SampledFrom(cleanups).Draw(t, g.label+"cancelTarget")
			s.OnCancel = GoTo(names[j])
			bring(j, set[i])
		}
		d.Steps = append(d.Steps, s)
	}

	// Perhaps a polling loop: a branch chooses an earlier step (or
	// itself), where no output is set that the branch lacks.
	var branches []int
	for i, s := range d.Steps {
		if isBranch(s) {
			branches = append(branches, i)
		}
	}
	if len(branches) > 0 && rapid.Bool().Draw(t, "loop") {
		k := rapid.SampledFrom(branches).Draw(t, "loopFrom")
		j := rapid.IntRange(0, k).Draw(t, "loopTo")
		// No failure or cancel edge may lie inside the loop: going round
		// through one is refused.
		inside := func(target string) bool { x := slices.Index(names, target); return x >= j && x <= k }
		clean := true
		for _, s := range d.Steps[j : k+1] {
			f, _ := strings.CutPrefix(string(s.OnFailure), "step:")
			c, _ := strings.CutPrefix(string(s.OnCancel), "step:")
			clean = clean && s.OnFailure != Continue && !inside(f) && !inside(c)
		}
		if clean && subset(set[j], set[k]) {
			b := d.Steps[k].Action.(*Branch)
			b.Choices = append(b.Choices, Choice{NextStep: names[j], When: Condition{Variable: "{{ global:DATE }}", Op: StringEquals, Value: "2030-01-01"}})
		}
	}
	if len(declared) > 0 {
		for _, o := range rapid.SliceOfDistinct(rapid.SampledFrom(declared), rapid.ID[string]).Draw(t, "outputs") {
			d.Outputs = append(d.Outputs, o)
		}
	}
	return &generated{d, set}
}

func subset(a, b map[string]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func genParameter(t *rapid.T, name string) Parameter {
	p := Parameter{Name: name, Type: rapid.SampledFrom(types).Draw(t, name+"type")}
	if rapid.Bool().Draw(t, name+"description") {
		p.Description = "The " + name + "."
	}
	hasDefault := rapid.Bool().Draw(t, name+"hasDefault")
	switch p.Type {
	case String:
		switch rapid.IntRange(0, 3).Draw(t, name+"constraint") {
		case 1:
			p.AllowedValues = []string{"a", "b", "c"}
			if hasDefault {
				p.Default = rapid.SampledFrom(p.AllowedValues).Draw(t, name+"default")
			}
		case 2:
			p.AllowedPattern = `^[a-z]+$`
			if hasDefault {
				p.Default = rapid.StringMatching(`[a-z]{1,8}`).Draw(t, name+"default")
			}
		case 3:
			if hasDefault {
				p.Default = "{{ssm:/handsoff/" + name + "}}"
			}
		default:
			if hasDefault {
				p.Default = rapid.SampledFrom([]string{"", "x", "arn:aws:iam::111122223333:role/R"}).Draw(t, name+"default")
			}
		}
	case StringList:
		if hasDefault {
			p.Default = []string{"a", "b"}
		}
	case Integer:
		if hasDefault {
			p.Default = rapid.IntRange(-5, 5000).Draw(t, name+"default")
		}
	case Boolean:
		if hasDefault {
			p.Default = rapid.Bool().Draw(t, name+"default")
		}
	case StringMap:
		if hasDefault {
			p.Default = map[string]any{"Key": "Value"}
		}
	case MapList:
		if hasDefault {
			p.Default = []map[string]any{{"Key": "Value"}}
		}
	}
	return p
}

// refCandidates are what a step may refer to: parameters, system
// variables, and the outputs set on every path into it.
func refCandidates(d *Document, set map[string]bool) []string {
	var c []string
	for _, p := range d.Parameters {
		c = append(c, p.Name)
	}
	c = append(c, "global:REGION", "automation:EXECUTION_ID")
	return append(c, slices.Sorted(maps.Keys(set))...)
}

type stepGen struct {
	t     *rapid.T
	label string
	refs  []string
	types map[string]Type // of each ref
}

func (g *stepGen) ref() string {
	return "{{ " + rapid.SampledFrom(g.refs).Draw(g.t, g.label+"ref") + " }}"
}

func (g *stepGen) service() string {
	return rapid.SampledFrom([]string{"ec2", "ssm", "autoscaling"}).Draw(g.t, g.label+"service")
}

func (g *stepGen) api() string {
	return rapid.SampledFrom([]string{"DescribeInstances", "StartInstances", "GetParameter"}).Draw(g.t, g.label+"api")
}

func (g *stepGen) params() map[string]any {
	ps := map[string]any{}
	for _, k := range rapid.SliceOfDistinct(rapid.SampledFrom([]string{"InstanceIds", "Name", "MaxResults", "DryRun"}), rapid.ID[string]).Draw(g.t, g.label+"params") {
		switch k {
		case "InstanceIds":
			ps[k] = []string{g.ref()}
		case "MaxResults":
			ps[k] = 5
		case "DryRun":
			ps[k] = false
		default:
			ps[k] = g.ref()
		}
	}
	if len(ps) == 0 {
		return nil
	}
	return ps
}

func (g *stepGen) outputs() []Output {
	var outs []Output
	for _, name := range rapid.SliceOfNDistinct(rapid.StringMatching(`O[a-z]{0,4}`), 0, 3, rapid.ID[string]).Draw(g.t, g.label+"outputs") {
		outs = append(outs, Output{Name: name, Selector: "$." + name, Type: rapid.SampledFrom(types).Draw(g.t, g.label+"outputType")})
	}
	return outs
}

func (g *stepGen) desired() []string {
	return rapid.SliceOfN(rapid.SampledFrom([]string{"running", "stopped", "True"}), 1, 3).Draw(g.t, g.label+"desired")
}

// condition compares a reference of a type a branch compares with an
// operator of that type.
func (g *stepGen) condition() Condition {
	var comparable []string
	for _, r := range g.refs {
		switch g.types[r] {
		case String, Integer, Boolean:
			comparable = append(comparable, r)
		}
	}
	ref := rapid.SampledFrom(comparable).Draw(g.t, g.label+"variable")
	var ops []Operator
	for _, op := range operators {
		if operandType(op) == g.types[ref] {
			ops = append(ops, op)
		}
	}
	c := Condition{Variable: "{{ " + ref + " }}", Op: rapid.SampledFrom(ops).Draw(g.t, g.label+"op")}
	switch c.Op {
	case NumericEquals, NumericGreater, NumericLesser, NumericGreaterOrEquals, NumericLesserOrEquals:
		c.Value = rapid.IntRange(-3, 100).Draw(g.t, g.label+"number")
	case BooleanEquals:
		c.Value = rapid.Bool().Draw(g.t, g.label+"bool")
	default:
		c.Value = rapid.SampledFrom([]string{"running", "Linux", ""}).Draw(g.t, g.label+"string")
	}
	return c
}

func (g *stepGen) expr() Expr {
	switch rapid.IntRange(0, 3).Draw(g.t, g.label+"expr") {
	case 1:
		return And{g.condition(), g.condition()}
	case 2:
		return Or{g.condition(), g.condition(), g.condition()}
	case 3:
		return Not(g.condition())
	}
	return g.condition()
}

// mutation breaks one rule of a valid document.
type mutation struct {
	name, rule string
	// apply breaks the document, or returns false, changing nothing, where
	// the mutation does not apply.
	apply func(t *rapid.T, d *Document) bool
	// applySet is apply for mutations that need the generator's sets.
	applySet func(t *rapid.T, g *generated) bool
}

// mutate applies one mutation, drawn from those that apply.
func mutate(t *rapid.T, g *generated) *mutation {
	start := rapid.IntRange(0, len(mutations)-1).Draw(t, "mutation")
	for k := range mutations {
		m := &mutations[(start+k)%len(mutations)]
		if m.applySet != nil && m.applySet(t, g) || m.apply != nil && m.apply(t, g.doc) {
			return m
		}
	}
	panic("no mutation applies") // content-size always does
}

// pick draws one of the steps for which ok holds.
func pick(t *rapid.T, d *Document, ok func(i int, s Step) bool) (int, bool) {
	var idx []int
	for i, s := range d.Steps {
		if ok(i, s) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return 0, false
	}
	return rapid.SampledFrom(idx).Draw(t, "mutatedStep"), true
}

func lastPlain(d *Document) (*Step, bool) {
	s := &d.Steps[len(d.Steps)-1]
	return s, !isBranch(*s)
}

var mutations = []mutation{
	{name: "a second step with the first one's name", rule: ruleStepName, apply: func(t *rapid.T, d *Document) bool {
		last, _ := lastPlain(d)
		last.IsEnd = false
		d.Steps = append(d.Steps, Step{Name: d.Steps[0].Name, Action: &Sleep{Duration: time.Second}})
		return true
	}},
	{name: "a step name with a space", rule: ruleStepName, apply: func(t *rapid.T, d *Document) bool {
		last, _ := lastPlain(d)
		last.IsEnd = false
		d.Steps = append(d.Steps, Step{Name: "Step two", Action: &Sleep{Duration: time.Second}})
		return true
	}},
	{name: "nextStep to no step", rule: ruleStepTarget, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(i int, s Step) bool { return !isBranch(s) && !s.IsEnd })
		if ok {
			d.Steps[i].NextStep = "Missing"
		}
		return ok
	}},
	{name: "a branch choice to no step", rule: ruleStepTarget, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return isBranch(s) })
		if ok {
			d.Steps[i].Action.(*Branch).Choices[0].NextStep = "Missing"
		}
		return ok
	}},
	{name: "a branch default to no step", rule: ruleStepTarget, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return isBranch(s) })
		if ok {
			d.Steps[i].Action.(*Branch).Default = "Missing"
		}
		return ok
	}},
	{name: "onFailure to no step", rule: ruleStepTarget, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return !s.IsEnd })
		if ok {
			d.Steps[i].OnFailure = GoTo("Missing")
		}
		return ok
	}},
	{name: "onFailure Retry", rule: ruleStepOptions, apply: func(t *rapid.T, d *Document) bool {
		i, _ := pick(t, d, func(int, Step) bool { return true })
		d.Steps[i].OnFailure = "Retry"
		return true
	}},
	{name: "isEnd with nextStep", rule: ruleStepOptions, apply: func(t *rapid.T, d *Document) bool {
		last, ok := lastPlain(d)
		if ok {
			last.IsEnd, last.NextStep = true, d.Steps[0].Name
			if strings.HasPrefix(string(last.OnFailure), "step:") {
				last.OnFailure = Abort
			}
		}
		return ok
	}},
	{name: "a step after the end", rule: ruleUnreachable, apply: func(t *rapid.T, d *Document) bool {
		last, ok := lastPlain(d)
		if ok {
			last.IsEnd = true
			d.Steps = append(d.Steps, Step{Name: "Unreached", Action: &Sleep{Duration: time.Second}})
		}
		return ok
	}},
	{name: "the last step goes back to the first", rule: ruleInfiniteLoop, apply: func(t *rapid.T, d *Document) bool {
		last, ok := lastPlain(d)
		if ok {
			last.IsEnd, last.NextStep = false, d.Steps[0].Name
		}
		return ok
	}},
	{name: "onFailure back to the first step", rule: ruleInfiniteLoop, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(i int, s Step) bool { return i > 0 && !s.IsEnd })
		if ok {
			d.Steps[i].OnFailure = GoTo(d.Steps[0].Name)
		}
		return ok
	}},
	{name: "a step that retries itself on failure", rule: ruleInfiniteLoop, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(i int, s Step) bool { return !s.IsEnd })
		if ok {
			d.Steps[i].OnFailure = GoTo(d.Steps[i].Name)
		}
		return ok
	}},
	{name: "onCancel back to the first step", rule: ruleInfiniteLoop, apply: func(t *rapid.T, d *Document) bool {
		switch d.Steps[0].Action.(type) {
		case *Sleep, *Approve:
			return false
		}
		i, ok := pick(t, d, func(i int, s Step) bool { return i > 0 })
		if ok {
			d.Steps[i].OnCancel = GoTo(d.Steps[0].Name)
		}
		return ok
	}},
	{name: "onCancel Continue", rule: ruleStepOptions, apply: func(t *rapid.T, d *Document) bool {
		i, _ := pick(t, d, func(int, Step) bool { return true })
		d.Steps[i].OnCancel = Continue
		return true
	}},
	{name: "onCancel to no step", rule: ruleStepTarget, apply: func(t *rapid.T, d *Document) bool {
		i, _ := pick(t, d, func(int, Step) bool { return true })
		d.Steps[i].OnCancel = GoTo("Missing")
		return true
	}},
	{name: "onCancel forward to a sleep or an approval", rule: ruleStepOptions, applySet: func(t *rapid.T, g *generated) bool {
		d := g.doc
		if loops(d) {
			return false // the cancel could lie inside the loop
		}
		var cands [][2]int
		for j, s := range d.Steps {
			switch s.Action.(type) {
			case *Sleep, *Approve:
				for i := range j {
					// Where the cancel brings every output set at j, so
					// that no output goes unset.
					if subset(g.set[j], g.set[i]) {
						cands = append(cands, [2]int{i, j})
					}
				}
			}
		}
		if len(cands) == 0 {
			return false
		}
		c := rapid.SampledFrom(cands).Draw(t, "cancel")
		d.Steps[c[0]].OnCancel = GoTo(d.Steps[c[1]].Name)
		return true
	}},
	{name: "isEnd on a branch with a Default", rule: ruleStepOptions, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { b, is := s.Action.(*Branch); return is && b.Default != "" })
		if ok {
			d.Steps[i].IsEnd = true
		}
		return ok
	}},
	{name: "a numeric operator on a String variable", rule: ruleBranch, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return isBranch(s) })
		if ok {
			d.Steps[i].Action.(*Branch).Choices[0].When = Condition{Variable: "{{ global:REGION }}", Op: NumericGreater, Value: 3}
		}
		return ok
	}},
	{name: "BooleanEquals on a String variable", rule: ruleBranch, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return isBranch(s) })
		if ok {
			d.Steps[i].Action.(*Branch).Choices[0].When = Not{Variable: "{{ automation:EXECUTION_ID }}", Op: BooleanEquals, Value: true}
		}
		return ok
	}},
	{name: "StringEquals on an Integer parameter", rule: ruleBranch, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return isBranch(s) })
		if ok {
			d.Parameters = append(d.Parameters, Parameter{Name: "Count", Type: Integer})
			d.Steps[i].Action.(*Branch).Choices[0].When = Condition{Variable: "{{ Count }}", Op: StringEquals, Value: "3"}
		}
		return ok
	}},
	{name: "assumeRole names no parameter", rule: ruleParameterRef, apply: func(t *rapid.T, d *Document) bool {
		d.AssumeRole = "{{ Missing }}"
		return true
	}},
	{name: "a reference to a later step's output", rule: ruleOutputRef, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(i int, s Step) bool {
			if _, free := s.Action.(*Branch); free {
				return false
			}
			for _, later := range d.Steps[i:] {
				if len(later.Action.outputs()) > 0 {
					return true
				}
			}
			return false
		})
		if !ok {
			return false
		}
		var ref string
		for _, later := range d.Steps[i:] {
			if o := later.Action.outputs(); len(o) > 0 {
				ref = "{{ " + later.Name + "." + o[0] + " }}"
				break
			}
		}
		return putRef(&d.Steps[i], ref)
	}},
	{name: "a reference to an output some path skips", rule: ruleOutputRef, applySet: func(t *rapid.T, g *generated) bool {
		type cand struct {
			step int
			ref  string
		}
		var cands []cand
		for i, s := range g.doc.Steps {
			switch s.Action.(type) {
			case *Branch, *Sleep:
				continue
			}
			for _, earlier := range g.doc.Steps[:i] {
				for _, o := range earlier.Action.outputs() {
					if !g.set[i][earlier.Name+"."+o] {
						cands = append(cands, cand{i, "{{ " + earlier.Name + "." + o + " }}"})
					}
				}
			}
		}
		if len(cands) == 0 {
			return false
		}
		c := cands[rapid.IntRange(0, len(cands)-1).Draw(t, "skipped")]
		return putRef(&g.doc.Steps[c.step], c.ref)
	}},
	{name: "a reference to an output no step declares", rule: ruleOutputRef, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return !isBranch(s) })
		return ok && putRef(&d.Steps[i], "{{ "+d.Steps[0].Name+".NoSuchOutput }}")
	}},
	{name: "a reference in a map key", rule: ruleParameterRef, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*ExecuteAwsApi); return is })
		if ok {
			a := d.Steps[i].Action.(*ExecuteAwsApi)
			a.Params = withRef(a.Params, "x")
			a.Params["{{ global:REGION }}"] = a.Params["Extra"]
			delete(a.Params, "Extra")
		}
		return ok
	}},
	{name: "nested braces", rule: ruleParameterRef, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return !isBranch(s) })
		return ok && putRef(&d.Steps[i], "{{ {{ global:REGION }} }}")
	}},
	{name: "an unbalanced reference", rule: ruleParameterRef, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return !isBranch(s) })
		return ok && putRef(&d.Steps[i], "{{ global:REGION }")
	}},
	{name: "a reference in an output selector", rule: ruleStepOutput, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { a, is := s.Action.(*ExecuteAwsApi); return is && len(a.Outputs) > 0 })
		if ok {
			d.Steps[i].Action.(*ExecuteAwsApi).Outputs[0].Selector = "$.{{ global:REGION }}"
		}
		return ok
	}},
	{name: "a script without a handler", rule: ruleScript, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*ExecuteScript); return is })
		if ok {
			d.Steps[i].Action.(*ExecuteScript).Handler = ""
		}
		return ok
	}},
	{name: "a script on python3.8", rule: ruleScript, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*ExecuteScript); return is })
		if ok {
			d.Steps[i].Action.(*ExecuteScript).Runtime = "python3.8"
		}
		return ok
	}},
	{name: "a parameter name with a space", rule: ruleParameterName, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Bad name", Type: String})
		return true
	}},
	{name: "a parameter twice", rule: ruleParameterName, apply: func(t *rapid.T, d *Document) bool {
		if len(d.Parameters) == 0 {
			return false
		}
		d.Parameters = append(d.Parameters, Parameter{Name: d.Parameters[0].Name, Type: String})
		return true
	}},
	{name: "a parameter of type Float", rule: ruleParameterType, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: "Float"})
		return true
	}},
	{name: "a pattern Go cannot compile", rule: ruleAllowedPattern, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: String, AllowedPattern: "(ab"})
		return true
	}},
	{name: "an unanchored allowedPattern", rule: ruleAllowedPattern, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: String, AllowedPattern: `[a-z]+`})
		return true
	}},
	{name: "an allowedPattern with a POSIX class", rule: ruleAllowedPattern, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: String, AllowedPattern: `^[[:alpha:]]+$`})
		return true
	}},
	{name: "an allowedPattern with flags", rule: ruleAllowedPattern, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: String, AllowedPattern: `^(?U)[a-z]+$`})
		return true
	}},
	{name: "an allowedPattern with a dot", rule: ruleAllowedPattern, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: String, AllowedPattern: `^.+$`})
		return true
	}},
	{name: "an allowedPattern anchored with \\z", rule: ruleAllowedPattern, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: String, AllowedPattern: `^[a-z]+\z`})
		return true
	}},
	{name: "an allowedPattern with a backreference", rule: ruleAllowedPattern, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: String, AllowedPattern: `^([a-z])\1$`})
		return true
	}},
	{name: "an Integer default outside allowedValues", rule: ruleParameterDefault, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: Integer, Default: 5, AllowedValues: []string{"1", "2"}})
		return true
	}},
	{name: "a Boolean allowed value that is not true or false", rule: ruleParameterValues, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: Boolean, AllowedValues: []string{"true", "yes"}})
		return true
	}},
	{name: "an Integer allowed value with a leading zero", rule: ruleParameterValues, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: Integer, AllowedValues: []string{"1", "02"}})
		return true
	}},
	{name: "minItems above maxItems", rule: ruleParameterLimits, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: StringList, MinItems: 3, MaxItems: 2})
		return true
	}},
	{name: "a String default over maxChars", rule: ruleParameterDefault, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: String, Default: "abcdef", MaxChars: 5})
		return true
	}},
	{name: "a StringList default under minItems", rule: ruleParameterDefault, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: StringList, Default: []string{"a"}, MinItems: 2})
		return true
	}},
	{name: "a quoted integer default", rule: ruleParameterDefault, apply: func(t *rapid.T, d *Document) bool {
		d.Parameters = append(d.Parameters, Parameter{Name: "Extra", Type: Integer, Default: "3"})
		return true
	}},
	{name: "eleven approvers", rule: ruleApprove, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*Approve); return is })
		if ok {
			a := d.Steps[i].Action.(*Approve)
			a.Approvers = strings.Split("a b c d e f g h i j k", " ")
		}
		return ok
	}},
	{name: "more approvals than approvers", rule: ruleApprove, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*Approve); return is })
		if ok {
			a := d.Steps[i].Action.(*Approve)
			a.MinRequiredApprovals = len(a.Approvers) + 1
		}
		return ok
	}},
	{name: "an approval topic not named Automation", rule: ruleApprove, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*Approve); return is })
		if ok {
			d.Steps[i].Action.(*Approve).NotificationArn = "arn:aws:sns:us-east-1:111122223333:Approvals"
		}
		return ok
	}},
	{name: "an approver named twice", rule: ruleApprove, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { a, is := s.Action.(*Approve); return is && len(a.Approvers) < maxApprovers })
		if ok {
			a := d.Steps[i].Action.(*Approve)
			a.Approvers = append(a.Approvers, strings.ToUpper(a.Approvers[0]))
		}
		return ok
	}},
	{name: "an approver that is an SNS topic", rule: ruleApprove, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*Approve); return is })
		if ok {
			d.Steps[i].Action.(*Approve).Approvers[0] = "arn:aws:sns:us-east-1:111122223333:AutomationApprovals"
		}
		return ok
	}},
	{name: "an approval topic ARN of another service", rule: ruleApprove, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*Approve); return is })
		if ok {
			d.Steps[i].Action.(*Approve).NotificationArn = "arn:aws:sqs:us-east-1:111122223333:AutomationApprovals"
		}
		return ok
	}},
	{name: "a sleep of 604800 seconds", rule: ruleSleep, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*Sleep); return is })
		if ok {
			d.Steps[i].Action = &Sleep{Duration: 604800 * time.Second}
		}
		return ok
	}},
	{name: "a sleep until a fixed time", rule: ruleSleep, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*Sleep); return is })
		if ok {
			d.Steps[i].Action = &Sleep{Timestamp: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
		}
		return ok
	}},
	{name: "a negative sleep", rule: ruleSleep, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*Sleep); return is })
		if ok {
			d.Steps[i].Action = &Sleep{Duration: -time.Minute}
		}
		return ok
	}},
	{name: "an eight-day sleep", rule: ruleSleep, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*Sleep); return is })
		if ok {
			d.Steps[i].Action = &Sleep{Duration: 8 * 24 * time.Hour}
		}
		return ok
	}},
	{name: "content over the limit", rule: ruleContentSize, apply: func(t *rapid.T, d *Document) bool {
		d.Description = strings.Repeat("d", MaxContent)
		return true
	}},
	{name: "a document output no step declares", rule: ruleDocumentOutput, apply: func(t *rapid.T, d *Document) bool {
		d.Outputs = append(d.Outputs, d.Steps[0].Name+".NoSuchOutput")
		return true
	}},
	{name: "a branch operator SSM does not know", rule: ruleBranch, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return isBranch(s) })
		if ok {
			d.Steps[i].Action.(*Branch).Choices[0].When = Condition{Variable: "{{ global:REGION }}", Op: "StringEqual", Value: "us-east-1"}
		}
		return ok
	}},
	{name: "an API call with no service", rule: ruleAPI, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { _, is := s.Action.(*ExecuteAwsApi); return is })
		if ok {
			d.Steps[i].Action.(*ExecuteAwsApi).Service = ""
		}
		return ok
	}},
	{name: "an output of type Text", rule: ruleStepOutput, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { a, is := s.Action.(*ExecuteAwsApi); return is && len(a.Outputs) > 0 })
		if ok {
			d.Steps[i].Action.(*ExecuteAwsApi).Outputs[0].Type = "Text"
		}
		return ok
	}},
	{name: "a step with no action", rule: ruleAction, apply: func(t *rapid.T, d *Document) bool {
		i, ok := pick(t, d, func(_ int, s Step) bool { return !isBranch(s) && len(s.Action.outputs()) == 0 })
		if ok {
			d.Steps[i].Action = nil
		}
		return ok
	}},
}

// loops reports whether a branch choice of d goes back: the generator's
// one loop.
func loops(d *Document) bool {
	for i, s := range d.Steps {
		if b, ok := s.Action.(*Branch); ok {
			for _, c := range b.Choices {
				if slices.IndexFunc(d.Steps, func(x Step) bool { return x.Name == c.NextStep }) <= i {
					return true
				}
			}
		}
	}
	return false
}

// putRef puts a reference among a step's inputs.
func putRef(s *Step, ref string) bool {
	switch a := s.Action.(type) {
	case *ExecuteAwsApi:
		a.Params = withRef(a.Params, ref)
	case *AssertAwsResourceProperty:
		a.Params = withRef(a.Params, ref)
	case *WaitForAwsResourceProperty:
		a.Params = withRef(a.Params, ref)
	case *ExecuteScript:
		a.InputPayload = withRef(a.InputPayload, ref)
	case *Approve:
		a.Message += ref
	default:
		return false
	}
	return true
}

func withRef(m map[string]any, ref string) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	m["Extra"] = ref
	return m
}
