package privatebucket_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/privatebucket"
)

// A private bucket blocks public access four ways, takes SSL only and
// encrypts with a rotated KMS key, and logs access to a bucket of its own.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Data"), nil)
	privatebucket.New(stack, "Orders", &privatebucket.Props{Retain: true})
	tmpl := assertions.Template_FromStack(stack, nil)
	buckets := tmpl.FindResources(jsii.String("AWS::S3::Bucket"), nil)
	keys := tmpl.FindResources(jsii.String("AWS::KMS::Key"), nil)
	fmt.Println(len(*buckets), "buckets (the data and its access logs),", len(*keys), "key")
	// Output:
	// 2 buckets (the data and its access logs), 1 key
}
