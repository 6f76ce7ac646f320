package runbook

import (
	"slices"
	"strings"
)

// The control flow of mainSteps, as AWS documents it
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html,
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-branchdocs.html):
//
//   - after a step succeeds comes its nextStep, else the next step in the
//     document, else the end; isEnd ends the automation whether the step
//     succeeds or fails;
//   - an aws:branch goes to the first choice that holds, else to Default,
//     else on as above;
//   - after a step fails comes onFailure: the end (Abort), the step that
//     would have followed success (Continue), or step:X;
//   - when the automation is cancelled during a step comes onCancel: the
//     end (Abort) or step:X.
//
// Success, failure and cancel edges are kept apart: a step's outputs are
// set only after it succeeds, and only a success leaves a loop.

const end = -1

// edge kinds, for the loop's trace.
const (
	onSuccess = iota
	onFailure
	onCancel
)

type flow struct {
	d         *Document
	success   [][]int // successors after success; end is -1
	failure   [][]int // successors after failure
	cancel    [][]int // successors after a cancel
	reachable []bool
}

// newFlow builds the flow of a document whose names are unique and whose
// targets all exist (index maps each name to its step).
func newFlow(d *Document, index map[string]int) *flow {
	n := len(d.Steps)
	f := &flow{d: d, success: make([][]int, n), failure: make([][]int, n), cancel: make([][]int, n), reachable: make([]bool, n)}
	for i, s := range d.Steps {
		proceed := end
		switch {
		case s.IsEnd:
		case s.NextStep != "" && !isBranch(s):
			proceed = index[s.NextStep]
		case i+1 < n:
			proceed = i + 1
		}
		if b, ok := s.Action.(*Branch); ok {
			for _, c := range b.Choices {
				f.success[i] = append(f.success[i], index[c.NextStep])
			}
			if b.Default != "" {
				proceed = index[b.Default]
			}
		}
		f.success[i] = append(f.success[i], proceed)
		switch {
		case s.IsEnd:
		case s.OnFailure == Continue:
			f.failure[i] = []int{proceed}
		case strings.HasPrefix(string(s.OnFailure), "step:"):
			f.failure[i] = []int{index[strings.TrimPrefix(string(s.OnFailure), "step:")]}
		}
		if name, ok := strings.CutPrefix(string(s.OnCancel), "step:"); ok {
			f.cancel[i] = []int{index[name]}
		}
	}
	todo := []int{0}
	f.reachable[0] = true
	for len(todo) > 0 {
		i := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, j := range f.all(i) {
			if j != end && !f.reachable[j] {
				f.reachable[j] = true
				todo = append(todo, j)
			}
		}
	}
	return f
}

// all are a step's successors along every kind of edge.
func (f *flow) all(i int) []int {
	return slices.Concat(f.success[i], f.failure[i], f.cancel[i])
}

func isBranch(s Step) bool {
	_, ok := s.Action.(*Branch)
	return ok
}

func (f *flow) name(i int) string { return f.d.Steps[i].Name }

// checkReachable: a step no path reaches is dead text, and usually a
// forgotten nextStep.
func (f *flow) checkReachable(r *report) {
	for i, s := range f.d.Steps {
		if !f.reachable[i] {
			r.add(ruleUnreachable, stepPath(i, s), "no path from the first step (%s) reaches it: the step before it ends or jumps elsewhere, and no nextStep, branch choice, onFailure or onCancel names it; point one at it, or remove it", f.name(0))
		}
	}
}

// checkLoops refuses a loop that may never end. SSM checks a runbook for
// infinite loops before it runs it and refuses one with a circle trace
// (automation-branchdocs.html), and documents that check for nextStep and
// branches; whether it follows onFailure and onCancel is not documented.
//
// A loop is a cycle of steps along any edges: nextStep and fall-through,
// branch choices and Default, onFailure, onCancel. The package refuses:
//
//   - a loop that goes round through an onFailure or onCancel edge: a step
//     that keeps failing would go round it forever (a loop whose only way
//     round is a failure is still a loop), SSM's check may count it, and a
//     cancel that leads back into the steps it cancelled starts them
//     again. Retry a step with maxAttempts instead;
//   - a loop of success edges that no step can leave after succeeding: no
//     branch choice, Default or fall-through leads outside it or to the
//     end (a loop whose only exit is a failure is still a loop: a run
//     whose steps keep succeeding never ends).
//
// A loop of success edges with a way out on success is allowed (a polling
// loop: check, branch out when done, sleep, check again).
func (f *flow) checkLoops(r *report) {
	for _, scc := range f.components(f.all) {
		in := map[int]bool{}
		for _, i := range scc {
			in[i] = true
		}
		first := slices.Min(scc)
		var through []string
		for _, i := range scc {
			for _, j := range f.failure[i] {
				if in[j] {
					through = append(through, f.name(i)+"'s onFailure")
				}
			}
			for _, j := range f.cancel[i] {
				if in[j] {
					through = append(through, f.name(i)+"'s onCancel")
				}
			}
		}
		if len(through) > 0 {
			r.add(ruleInfiniteLoop, stepPath(first, f.d.Steps[first]), "the steps loop through %s (%s): a step that keeps failing, or a cancel, would go round forever, and whether SSM's loop check follows onFailure and onCancel is not documented; retry with maxAttempts, and send failures and cancels forward to steps that clean up and end",
				strings.Join(through, " and "), f.trace(first, in, f.all))
		}
	}
	for _, scc := range f.components(func(i int) []int { return f.success[i] }) {
		in := map[int]bool{}
		for _, i := range scc {
			in[i] = true
		}
		if len(scc) == 1 && !slices.Contains(f.success[scc[0]], scc[0]) {
			continue // one step, no loop
		}
		exit := false
		for _, i := range scc {
			for _, j := range f.success[i] {
				exit = exit || j == end || !in[j]
			}
		}
		if exit {
			continue
		}
		first := slices.Min(scc)
		r.add(ruleInfiniteLoop, stepPath(first, f.d.Steps[first]), "the steps loop with no way out (%s): SSM refuses a runbook with an infinite loop, and a loop left only when a step fails is still one; let an aws:branch choice leave the loop, or end it with isEnd",
			f.trace(first, in, func(i int) []int { return f.success[i] }))
	}
}

// trace follows the loop from a step until it comes round: "A → B → A".
func (f *flow) trace(from int, in map[int]bool, next func(int) []int) string {
	seen := map[int]int{}
	var path []string
	for i := from; ; {
		if at, ok := seen[i]; ok {
			return strings.Join(append(path[at:], f.name(i)), " → ")
		}
		seen[i] = len(path)
		path = append(path, f.name(i))
		for _, j := range next(i) {
			if j != end && in[j] {
				i = j
				break
			}
		}
	}
}

// components are the strongly connected components of the reachable steps
// under the edges next gives that have a cycle: more than one step, or
// one with an edge to itself (Tarjan's algorithm).
func (f *flow) components(next func(int) []int) [][]int {
	n := len(f.d.Steps)
	index, low := make([]int, n), make([]int, n)
	on := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var out [][]int
	counter := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = counter, counter
		counter++
		stack = append(stack, v)
		on[v] = true
		for _, w := range next(v) {
			switch {
			case w == end:
			case index[w] < 0:
				visit(w)
				low[v] = min(low[v], low[w])
			case on[w]:
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var scc []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			if len(scc) > 1 || slices.Contains(next(v), v) {
				out = append(out, scc)
			}
		}
	}
	for v := range n {
		if f.reachable[v] && index[v] < 0 {
			visit(v)
		}
	}
	return out
}

// checkAvailable: "{{ Step.Output }}" is set only if Step succeeded
// earlier on every path from the first step to the referring step. The
// sets are the usual available-expressions analysis: what is set on entry
// to a step is what every edge into it brings, an edge after success
// bringing the step's outputs too.
func (f *flow) checkAvailable(r *report, refs []ref) {
	n := len(f.d.Steps)
	outs := make([][]string, n)
	for i, s := range f.d.Steps {
		if s.Action != nil {
			for _, o := range s.Action.outputs() {
				outs[i] = append(outs[i], s.Name+"."+o)
			}
		}
	}
	type edge struct {
		from    int
		success bool
	}
	preds := make([][]edge, n)
	for i := range n {
		if !f.reachable[i] {
			continue
		}
		for _, j := range f.success[i] {
			if j != end {
				preds[j] = append(preds[j], edge{i, true})
			}
		}
		for _, j := range slices.Concat(f.failure[i], f.cancel[i]) {
			if j != end {
				preds[j] = append(preds[j], edge{i, false})
			}
		}
	}
	set := make([]map[string]bool, n) // nil: not yet known (everything)
	set[0] = map[string]bool{}
	for changed := true; changed; {
		changed = false
		for i := 1; i < n; i++ {
			if !f.reachable[i] {
				continue
			}
			var meet map[string]bool
			for _, e := range preds[i] {
				if set[e.from] == nil {
					continue
				}
				brings := map[string]bool{}
				for k := range set[e.from] {
					brings[k] = true
				}
				if e.success {
					for _, k := range outs[e.from] {
						brings[k] = true
					}
				}
				if meet == nil {
					meet = brings
					continue
				}
				for k := range meet {
					if !brings[k] {
						delete(meet, k)
					}
				}
			}
			if meet != nil && (set[i] == nil || len(meet) != len(set[i])) {
				set[i] = meet
				changed = true
			}
		}
	}
	for _, rf := range refs {
		if !rf.knownOutputs || !f.reachable[rf.step] || set[rf.step][rf.stepName+"."+rf.output] {
			continue
		}
		producer := slices.Index(stepNames(f.d), rf.stepName)
		if producer >= rf.step {
			r.add(ruleOutputRef, rf.path, "%s: step %s runs after this one (mainSteps[%d]), so its output is not set yet; refer to an earlier step", rf.text, rf.stepName, producer)
			continue
		}
		r.add(ruleOutputRef, rf.path, "%s: some path from the first step reaches this step without %s succeeding (a branch or jump around it, or its onFailure), so the output may be unset; refer to a step every path runs, or move the reference past the paths' meeting point", rf.text, rf.stepName)
	}
}
