package checks_test

import (
	"fmt"
	"time"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Blocked says whether a stage may start, and why not.
func ExampleCalendar_Blocked() {
	cfg, _ := stages.Parse(stages.ExampleDocument(), "example")
	cal := checks.NewCalendar(cfg)
	lunch := time.Date(2026, 3, 3, 13, 0, 0, 0, time.FixedZone("HKT", 8*3600))
	fmt.Println(cal.Blocked("prod", lunch))
	fmt.Println(cal.Blocked("beta", lunch))
	// Output:
	// [freeze window "sales-demos" until 2026-03-03 15:00 HKT]
	// []
}

// The gates of an environment are a CloudFormation template computed in Go;
// the pipeline writes it into the cloud assembly and deploys it with a
// CloudFormation action and the environment's CDK bootstrap roles, and
// starts validation with the environment's handsoff bootstrap gate role.
func ExampleNewGates() {
	cfg, _ := stages.Parse(stages.ExampleDocument(), "example")
	var prod stages.Environment
	for _, e := range cfg.Environments() {
		if e.Name == "prod-use1" {
			prod = e
		}
	}
	g, err := checks.NewGates(&checks.GatesProps{Config: cfg, Environment: prod})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g.StackName(), "validates with", g.Names().StateMachine, "started by", g.Names().GateRole)
	for _, a := range checks.DeployActions("Gates-prod-use1", g, checks.DeployOptions{
		Artifact: "Synth_Output", Dir: "assembly-orders-prod-use1", RunOrder: 2}) {
		fmt.Println(a["Name"], a["Configuration"].(map[string]any)["TemplatePath"])
	}
	// Output:
	// orders-prod-use1-gates validates with handsoff-orders-prod-use1-checks started by handsoff-gate-444444444444-us-east-1
	// Gates-prod-use1.Deploy Synth_Output::assembly-orders-prod-use1/orders-prod-use1-gates.template.json
}
