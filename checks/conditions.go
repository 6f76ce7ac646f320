package checks

import (
	"fmt"
	"strconv"

	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// StageConditions are the CodePipeline V2 conditions of one pipeline stage
// (one wave), in CloudFormation's shape.
//
//   - BeforeEntry: when a freeze window or blackout names the stage, a
//     LambdaInvoke rule runs the freeze gate, which fails while the calendar
//     blocks the stage, so the stage does not start (Result FAIL).
//   - OnSuccess: when the wave bakes, one CloudWatchAlarm rule per environment
//     watches its composite bake alarm for the bake time (WaitTime); an alarm
//     rolls the stage back (Result ROLLBACK). A condition holds at most 5
//     rules, which is why baked waves hold at most 5 environments.
//   - OnFailure: any failure (deploy, validation) rolls the stage back to
//     the last successful pipeline execution (Result ROLLBACK).
type StageConditions struct {
	BeforeEntry map[string]any
	OnSuccess   map[string]any
	OnFailure   map[string]any
}

// FreezeGateName is the physical name of a service's freeze-gate function,
// in the pipeline account and region.
func FreezeGateName(cfg *stages.Config) string {
	return names.Join(64, cfg.Service.Name, "freeze-gate")
}

// ConditionsFor returns the conditions of wave w of stage s. bakes tells, by
// environment name, which environments have a bake alarm.
func ConditionsFor(cfg *stages.Config, cal *Calendar, s stages.Stage, w stages.Wave, bakes map[string]bool) StageConditions {
	var c StageConditions
	if cal.Applies(s.Name) {
		c.BeforeEntry = map[string]any{"Conditions": []any{map[string]any{
			"Result": "FAIL",
			"Rules": []any{map[string]any{
				"Name":          "FreezeCalendar",
				"RuleTypeId":    ruleType("LambdaInvoke"),
				"Configuration": map[string]any{"FunctionName": FreezeGateName(cfg), "UserParameters": s.Name},
			}},
		}}}
	}
	var rules []any
	for _, env := range w.Environments {
		if !bakes[env.Name] {
			continue
		}
		n := NamesFor(cfg, env)
		rules = append(rules, map[string]any{
			"Name":       ruleName("Bake", env.Name),
			"RuleTypeId": ruleType("CloudWatchAlarm"),
			"Configuration": map[string]any{
				"AlarmName":   n.BakeAlarm,
				"AlarmStates": "ALARM",
				"WaitTime":    strconv.Itoa(int(env.Bake.Minutes())),
			},
			"Region":  env.Region,
			"RoleArn": n.GateRoleArn,
		})
	}
	if len(rules) > stages.MaxRulesPerCondition {
		// stages.Plan refuses such waves; reaching this is a bug.
		panic(fmt.Sprintf("checks: wave %s has %d bake rules", w.Name, len(rules)))
	}
	if len(rules) > 0 {
		c.OnSuccess = map[string]any{"Conditions": []any{map[string]any{"Result": "ROLLBACK", "Rules": rules}}}
	}
	c.OnFailure = map[string]any{"Result": "ROLLBACK"}
	return c
}

func ruleType(provider string) map[string]any {
	return map[string]any{"Category": "Rule", "Owner": "AWS", "Provider": provider, "Version": "1"}
}

// ruleName keeps rule names inside CodePipeline's 100 characters of
// [A-Za-z0-9.@_-].
func ruleName(parts ...string) string { return names.Join(100, parts...) }
