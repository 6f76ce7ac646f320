package showcase_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/showcase"
)

// The showcase stack holds one of every guardrail construct, for the
// checkers to hold to their rules.
func ExampleNewStack() {
	app := awscdk.NewApp(nil)
	stack := showcase.NewStack(app, "Showcase")
	tmpl := assertions.Template_FromStack(stack, nil)
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::AutoScaling::AutoScalingGroup", "AWS::ECS::Service"} {
		fmt.Println(typ, len(*tmpl.FindResources(jsii.String(typ), nil)) > 0)
	}
	// Output:
	// AWS::S3::Bucket true
	// AWS::AutoScaling::AutoScalingGroup true
	// AWS::ECS::Service true
}
