package guardrails_test

import (
	"fmt"

	"github.com/handsoff-cdk/handsoff/constructs/guardrails"
)

// CheckTemplate runs every rule on a synthesized template; Err lists what
// no reasoned suppression covers.
func ExampleCheckTemplate() {
	template := []byte(`{"Resources": {
	  "Web": {"Type": "AWS::EC2::SecurityGroup", "Metadata": {"aws:cdk:path": "app/Web/Resource"},
	    "Properties": {"SecurityGroupIngress": [{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}]}},
	  "Alerts": {"Type": "AWS::SNS::Topic", "Metadata": {"aws:cdk:path": "app/Alerts/Resource",
	    "handsoff:guardrails": {"suppress": [{"rule": "HS-SNS-1", "reason": "carries only public status-page events"}]}}}
	}}`)
	report, _ := guardrails.CheckTemplate("app.template.json", template, guardrails.Context{})
	fmt.Println(report.Err())
	for _, f := range report.Suppressed() {
		fmt.Println(f)
	}
	// Output:
	// handsoff: guardrails: 1 problem(s):
	//   - app/Web/Resource SecurityGroupIngress[0].CidrIp [HS-EC2-1 no-open-admin-ports] port 22 (SSH) is open to the internet (0.0.0.0/0): allow admin ports from a known range or a security group, or use SSM Session Manager instead
	// app/Alerts/Resource KmsMasterKeyId [HS-SNS-1 topic-encrypted] suppressed: carries only public status-page events
}
