// Command runbooks deploys the guarded runbooks of the example service
// acme/orders in its environment prod-use1: refresh the API's ECS service,
// invalidate paths of the web distribution, snapshot the database
// off-peak, and the managed policy that lets the team's developers start
// them and nothing else. It synthesizes into CDK_OUTDIR (cdk.out when
// unset).
//
// Each runbook refuses inside the prod stage's freeze windows and
// blackouts, which `handsoff calendar push` writes to
// /handsoff/orders/prod/calendar; `handsoff runbooks prod-use1` lists them
// with their one-click links, and `handsoff run` starts one.
package main

import (
	_ "github.com/handsoff-cdk/handsoff/internal/jsiinode" // this project's Node 22, before any jsii package

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/runbook"
	"github.com/handsoff-cdk/handsoff/pipeline"
)

func main() {
	app := pipeline.NewApp()
	Stack(app)
	app.Synth(nil)
}

// Stack is the runbooks' stack in prod-use1.
func Stack(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("Runbooks"), &awscdk.StackProps{
		StackName:   jsii.String("orders-runbooks-prod-use1"),
		Description: jsii.String("orders: guarded runbooks in prod-use1"),
		Env:         &awscdk.Environment{Account: jsii.String("444444444444"), Region: jsii.String("us-east-1")},
	})
	guarded := runbook.GuardedProps{
		Service:              "orders",
		Environment:          "prod-use1",
		Stage:                "prod",
		NotificationTopicArn: "arn:aws:sns:us-east-1:444444444444:orders-runbooks",
		SSOStartURL:          "https://acme.awsapps.com/start",
		SSORoleName:          "OrdersDeveloper",
	}
	refresh := guarded
	refresh.Name = "orders-refresh-api"
	invalidate := guarded
	invalidate.Name = "orders-invalidate-web"
	snapshot := guarded
	snapshot.Name = "orders-snapshot-db"
	runbooks := []runbook.Guarded{
		runbook.NewRefreshService(stack, "RefreshApi", &runbook.RefreshServiceProps{
			GuardedProps: refresh, Cluster: "orders", ECSService: "orders-api",
		}),
		runbook.NewInvalidatePaths(stack, "InvalidateWeb", &runbook.InvalidatePathsProps{
			GuardedProps: invalidate, DistributionID: "E2QWRUHAPOMQZL",
		}),
		runbook.NewSnapshotDatabase(stack, "SnapshotDb", &runbook.SnapshotDatabaseProps{
			GuardedProps: snapshot, DBInstance: "orders-db",
		}),
	}
	runbook.NewStartPolicy(stack, "Developers", &runbook.StartPolicyProps{
		Runbooks: runbooks, ManagedPolicyName: "orders-runbooks-prod-use1-developers",
	})
	return stack
}
