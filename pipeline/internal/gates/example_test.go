package gates_test

import (
	"fmt"

	"github.com/handsoff-cdk/handsoff/pipeline/internal/gates"
	"github.com/handsoff-cdk/handsoff/stages"
)

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
	g, err := gates.NewGates(&gates.GatesProps{Config: cfg, Environment: prod})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g.StackName(), "validates with", g.Names().StateMachine, "started by", g.Names().GateRole)
	for _, a := range gates.DeployActions("Gates-prod-use1", g, gates.DeployOptions{
		Artifact: "Synth_Output", Dir: "assembly-orders-prod-use1", RunOrder: 2}) {
		fmt.Println(a.Name, a.Configuration["TemplatePath"])
	}
	// Output:
	// orders-prod-use1-gates validates with handsoff-orders_prod-use1-checks started by handsoff-orders-gate-us-east-1
	// Gates-prod-use1.Deploy Synth_Output::assembly-orders-prod-use1/orders-prod-use1-gates.template.json
}
