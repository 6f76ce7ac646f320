// Package handsofftest is the test kit for service teams: synthesize the
// team's app once per test binary for each set of props and options (see
// Synth for what counts), compare its templates with golden files,
// assert that every environment has its gates, and run every checker
// handsoff knows (its guardrail rules, cdk-nag's AwsSolutions pack, and the
// AWS Control Tower cfn-guard rules when the npm package
// @cdklabs/cdk-validator-cfnguard is installed) in one call.
//
//	var app = handsofftest.Props{Repo: "acme/orders", Service: orders.Service}
//
//	func TestOrders(t *testing.T) {
//		a := handsofftest.Synth(t, app)
//		a.AssertGates(t)
//		a.Check(t)
//		a.Golden(t, "testdata/orders.golden.json", "alpha", "prod-use1")
//	}
//
// Golden files are normalized so that they change only when the templates
// do: asset hashes, the CDK bootstrap version parameter and rule, and the
// CDK's metadata resource are masked or dropped. Rewrite them with the test
// binary's own -update flag, if it defines one, or HANDSOFF_UPDATE=1.
// Differences are shown by stack and resource.
package handsofftest
