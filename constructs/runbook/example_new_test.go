package runbook_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/runbook"
)

// New deploys a Document as an Automation document in YAML; a change of
// content makes a new version of it.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Ops"), nil)
	runbook.New(stack, "Pause", &runbook.Props{
		Name: "handsoff-pause",
		Document: &runbook.Document{
			Description: "Wait a minute.",
			Steps:       []runbook.Step{{Name: "Wait", Action: &runbook.Sleep{Duration: time.Minute}}},
		},
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::SSM::Document"), nil) {
		p := (*r)["Properties"].(map[string]any)
		fmt.Println(p["Name"], p["DocumentType"], p["DocumentFormat"], p["UpdateMethod"])
	}
	// Output:
	// handsoff-pause Automation YAML NewVersion
}
