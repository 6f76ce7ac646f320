package runbook_test

import (
	"fmt"
	"strings"
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

// NewRefreshService deploys a guarded runbook: the freeze guard, the
// service's refresh, notification on failure; the cluster and the service
// are in the document, not parameters.
func ExampleNewRefreshService() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Ops"), nil)
	rb := runbook.NewRefreshService(stack, "RefreshApi", &runbook.RefreshServiceProps{
		GuardedProps: runbook.GuardedProps{
			Service: "orders", Environment: "prod-euw1", Stage: "prod",
			NotificationTopicArn: "arn:aws:sns:eu-west-1:111122223333:orders-ops",
		},
		Cluster:    "orders",
		ECSService: "api",
	})
	for _, s := range rb.Model().Steps {
		fmt.Println(strings.TrimSpace(s.Name + " " + s.Action.ActionName() + " " + string(s.OnFailure)))
	}
	fmt.Println(len(rb.Model().Parameters), "parameters")
	// Output:
	// ReadCalendar aws:executeAwsApi step:Notify
	// FreezeGuard aws:executeScript step:Notify
	// UpdateService aws:executeAwsApi step:Notify
	// WaitStarted aws:waitForAwsResourceProperty step:Notify
	// WaitForRollout aws:waitForAwsResourceProperty step:Notify
	// CheckRolledOut aws:assertAwsResourceProperty step:Notify
	// CheckDeployment aws:assertAwsResourceProperty step:Notify
	// Done aws:sleep
	// Notify aws:executeAwsApi step:Fail
	// Fail aws:executeScript
	// 0 parameters
}
