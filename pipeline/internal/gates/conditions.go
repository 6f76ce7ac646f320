package gates

import (
	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/stages"
)

// StageConditions are the CodePipeline V2 conditions of one pipeline stage
// (one wave), in CloudFormation's shape.
//
//   - BeforeEntry: when a freeze window or blackout names the stage, a
//     LambdaInvoke rule runs the stage's freeze gate, which fails while the
//     calendar blocks the stage (but for a rollback), so the stage does not
//     start (Result FAIL). The gate reads nothing from the rule's event. A stage
//     with an approval has the approval in a pipeline stage of its own
//     before it, so the calendar is read after the approval, not days
//     before it.
//   - OnFailure: any failure (deploy, validation, bake) rolls the stage back
//     to the last execution that succeeded under the current pipeline
//     structure (Result ROLLBACK).
//
// Bakes are actions, not OnSuccess CloudWatchAlarm rules; see BakeAction.
type StageConditions struct {
	BeforeEntry *BeforeEntry // nil: none
	OnFailure   OnFailure
}

// ConditionsFor returns the conditions of every wave of stage s.
func ConditionsFor(cfg *stages.Config, cal *checks.Calendar, s stages.Stage) StageConditions {
	var c StageConditions
	if cal.Applies(s.Name) {
		c.BeforeEntry = &BeforeEntry{Conditions: []Condition{{
			Result: "FAIL",
			Rules: []Rule{{
				Name:          "FreezeCalendar",
				RuleTypeId:    ActionType{Category: "Rule", Owner: "AWS", Provider: "LambdaInvoke", Version: "1"},
				Configuration: map[string]string{"FunctionName": FreezeGateName(cfg, s.Name)},
			}},
		}}}
	}
	// https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-conditions.html
	c.OnFailure = OnFailure{Result: "ROLLBACK"}
	return c
}
