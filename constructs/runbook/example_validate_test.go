package runbook_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/handsoff-cdk/handsoff/constructs/runbook"
)

// Validate reports every problem at once, each with its rule, where it is,
// and what to do.
func ExampleDocument_Validate() {
	doc := &runbook.Document{
		Steps: []runbook.Step{
			{Name: "Stop", Action: &runbook.ExecuteAwsApi{Service: "ec2", Api: "StopInstances",
				Params: map[string]any{"InstanceIds": []string{"{{ InstanceID }}"}}}, NextStep: "Wiat"},
			{Name: "Wait", Action: &runbook.Sleep{Duration: 8 * 24 * time.Hour}},
			{Name: "Check", Action: &runbook.ExecuteScript{Runtime: "python3.8", Script: "def check(events, context): pass"}},
		},
	}
	var problems runbook.Problems
	if errors.As(doc.Validate(), &problems) {
		for _, p := range problems {
			fmt.Printf("[%s] %s\n", p.Rule, p)
		}
	}
	// Output:
	// [step-target] mainSteps[0](Stop).nextStep: "Wiat" is not a step; steps: Stop, Wait, Check (did you mean "Wait"?)
	// [sleep] mainSteps[1](Wait).inputs.Duration: 192h0m0s: SSM sleeps at most 604799 seconds (7 days less a second); wait in steps
	// [script] mainSteps[2](Check).inputs.Runtime: "python3.8": SSM stopped taking new or updated runbooks with Python 3.6, 3.7 or 3.8 on 2024-12-04 and running them on 2025-02-18; use python3.11
	// [script] mainSteps[2](Check).inputs.Handler: required for Python: the function the script defines, taking (events, context)
	// [parameter-reference] mainSteps[0](Stop).inputs.InstanceIds[0]: {{ InstanceID }} names no parameter; parameters: none
}
