package pipeline_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/handsoff-cdk/handsoff/constructs/runbook"
	"github.com/handsoff-cdk/handsoff/examples/orders"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// TestRunbooksInEveryEnvironment: Props.Runbooks puts each environment's
// runbooks in a stack of their own in its Stage, tagged for handsoff
// runbooks, deployed with the environment, and listed in the plan; a
// runbook without a Name is a problem of the props, for every environment.
func TestRunbooksInEveryEnvironment(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes the example")
	}
	noop := func(name string) pipeline.RunbookFactory {
		return func(stack awscdk.Stack, env pipeline.Environment) []runbook.Runbook {
			doc := &runbook.Document{Description: "wait a minute", Steps: []runbook.Step{{Name: "Wait", Action: &runbook.Sleep{Duration: time.Minute}}}}
			n := ""
			if name != "" {
				n = "orders-" + env.Name + "-" + name
			}
			return []runbook.Runbook{runbook.New(stack, "Wait", &runbook.Props{Document: doc, Name: n})}
		}
	}
	dir := t.TempDir()
	s := synthesize(dir, pipeline.Props{Repo: "acme/orders", Service: orders.Service, CheckSourceDir: "testdata/checksource",
		Load: stages.LoadOptions{Document: stages.ExampleDocument()}, Runbooks: noop("wait")})
	if s.err != nil {
		t.Fatal(s.err)
	}
	pl := s.pipeline.Plan()
	n := 0
	for _, w := range pl.Waves {
		for _, e := range w.Environments {
			n++
			if len(e.Runbooks) != 1 || e.Runbooks[0] != "orders-"+e.Name+"-wait" {
				t.Errorf("%s: runbooks %q", e.Name, e.Runbooks)
			}
			if !strings.Contains(strings.Join(e.Stacks, " "), "Runbooks") {
				t.Errorf("%s: the runbooks' stack is not deployed with the environment: %q", e.Name, e.Stacks)
			}
		}
	}
	if n != 9 {
		t.Errorf("%d environments in the plan", n)
	}
	// The alpha runbook's document, with the tags handsoff runbooks reads.
	var found bool
	for name, path := range testenv.TemplateFiles(t, dir) {
		if !strings.Contains(name, "alpha") || !strings.Contains(name, "Runbooks") {
			continue
		}
		raw, _ := os.ReadFile(path)
		var tmpl map[string]any
		json.Unmarshal(raw, &tmpl)
		for _, r := range tmpl["Resources"].(map[string]any) {
			rm := r.(map[string]any)
			if rm["Type"] != "AWS::SSM::Document" {
				continue
			}
			found = true
			tags, _ := json.Marshal(rm["Properties"].(map[string]any)["Tags"])
			for _, want := range []string{`{"Key":"handsoff:service","Value":"orders"}`, `{"Key":"handsoff:environment","Value":"alpha"}`} {
				if !strings.Contains(string(tags), want) {
					t.Errorf("the document is not tagged %s: %s", want, tags)
				}
			}
		}
	}
	if !found {
		t.Error("no AWS::SSM::Document in alpha's Runbooks stack")
	}
	// One name twice in one account and region is refused: here twice in
	// each environment (in any case: whether SSM compares names by case is
	// not documented), and across prod-use1-onebox and prod-use1, which
	// share 444444444444 us-east-1.
	same := func(stack awscdk.Stack, env pipeline.Environment) []runbook.Runbook {
		doc := &runbook.Document{Steps: []runbook.Step{{Name: "Wait", Action: &runbook.Sleep{Duration: time.Minute}}}}
		return []runbook.Runbook{runbook.New(stack, "A", &runbook.Props{Document: doc, Name: "orders-wait"}), runbook.New(stack, "B", &runbook.Props{Document: doc, Name: "Orders-Wait"})}
	}
	_, err := pipeline.Build(awscdk.NewApp(nil), pipeline.Props{Repo: "acme/orders", Service: orders.Service,
		Load: stages.LoadOptions{Document: stages.ExampleDocument()}, Runbooks: same})
	if err == nil || !strings.Contains(err.Error(), `runbook "Orders-Wait" of alpha has the name of one of alpha`) ||
		!strings.Contains(err.Error(), `runbook "orders-wait" of prod-use1 has the name of one of prod-use1-onebox`) {
		t.Errorf("one name twice: %v", err)
	}
	// Nil, made elsewhere: refused, each named; none: no Runbooks stack.
	var kept awscdk.Stack
	odd := func(stack awscdk.Stack, env pipeline.Environment) []runbook.Runbook {
		doc := &runbook.Document{Steps: []runbook.Step{{Name: "Wait", Action: &runbook.Sleep{Duration: time.Minute}}}}
		if kept == nil {
			kept = stack
		}
		switch env.Name {
		case "alpha":
			return nil
		case "beta":
			return []runbook.Runbook{nil}
		}
		return []runbook.Runbook{runbook.New(kept, "W"+env.Name, &runbook.Props{Document: doc, Name: "orders-" + env.Name + "-wait"})}
	}
	_, err = pipeline.Build(awscdk.NewApp(nil), pipeline.Props{Repo: "acme/orders", Service: orders.Service,
		Load: stages.LoadOptions{Document: stages.ExampleDocument()}, Runbooks: odd})
	if err == nil || !strings.Contains(err.Error(), "runbook 1 of beta is nil") || !strings.Contains(err.Error(), "runbook 1 of gamma-use1 is made in") {
		t.Errorf("nil and elsewhere: %v", err)
	}
	// No Name: refused, naming the fix.
	_, err = pipeline.Build(awscdk.NewApp(nil), pipeline.Props{Repo: "acme/orders", Service: orders.Service,
		Load: stages.LoadOptions{Document: stages.ExampleDocument()}, Runbooks: noop("")})
	if err == nil || !strings.Contains(err.Error(), "has no Name of its own: give each runbook a Name") {
		t.Errorf("a runbook without a Name: %v", err)
	}
}
