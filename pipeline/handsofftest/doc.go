// Package handsofftest is the test kit for service teams: synthesize the
// team's app once per test binary for each set of props and options (see
// Synth for what counts), assert that every environment has its gates,
// run every checker handsoff knows (its guardrail rules, cdk-nag's
// AwsSolutions pack, and the AWS Control Tower cfn-guard rules when the
// npm package @cdklabs/cdk-validator-cfnguard is installed) in one call,
// check one property of one stack, and compare templates with golden
// files.
//
//	var app = handsofftest.Props{Repo: "acme/orders", Service: orders.Service}
//
//	func TestOrders(t *testing.T) {
//		a := handsofftest.Synth(t, app)
//		a.AssertGates(t)
//		a.Check(t)
//		a.HasResourceProperties(t, "prod-use1", "Service", "AWS::SQS::Queue",
//			map[string]any{"KmsMasterKeyId": "alias/aws/sqs"})
//		a.Golden(t, "testdata/orders.golden.json", "alpha", "prod-use1")
//	}
//
// A property is checked with the CDK's assertions on one stack's template,
// read from the synthesized assembly: App.Template hands the
// assertions.Template through, HasResourceProperties and ResourceCountIs
// make the common checks one line, and Assert turns the panic of any other
// failed check into a test failure.
//
// # Names
//
// An environment is named as in the document ("prod-use1"), and a stack by
// the construct id the Service gave it in awscdk.NewStack ("Service"). A
// template, in a golden file and in App.Templates, is keyed by its file in
// the cloud assembly: the environment's nested assembly and the stack's
// artifact id, its construct path without the "/" and a hash of it
// ("assembly-orders-alpha/ordersalphaService5EB51F1E.template.json"). An
// unknown environment or stack fails the test, listing the valid names.
//
// # Golden files
//
// Golden files are normalized so that they change only when the templates
// do: asset hashes, the CDK bootstrap version parameter and rule, and the
// CDK's metadata resource are masked or dropped. Rewrite them with the test
// binary's own -update flag, if it defines one, or HANDSOFF_UPDATE=1.
// Differences are shown by stack and resource, then the command that
// rewrites the file by rerunning the test:
//
//	HANDSOFF_UPDATE=1 go test ./examples/orders -run '^TestGolden$'
package handsofftest
