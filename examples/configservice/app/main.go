// Command app synthesizes the configuration service's stack. Its placement
// comes from the CDK context (cdk.json or -c):
//
//	cdk synth --app "go run ./examples/configservice/app" \
//	  -c account=111111111111 -c region=us-east-1 -c vpcId=vpc-... \
//	  -c azs=us-east-1a,us-east-1b -c privateSubnets=subnet-a,subnet-b -c publicSubnets=subnet-c,subnet-d \
//	  -c certificateArn=arn:aws:acm:... -c image=ACCOUNT.dkr.ecr.REGION.amazonaws.com/handsoff-config:TAG
//
// Without context it synthesizes the example placement of the tests.
package main

import (
	_ "github.com/handsoff-cdk/handsoff/internal/jsiinode" // this project's Node 22, before any jsii package

	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/examples/configservice"
)

func main() {
	outdir := os.Getenv("CDK_OUTDIR")
	if outdir == "" {
		outdir = "cdk.out"
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	get := func(key, def string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
			return v
		}
		return def
	}
	list := func(key, def string) []string { return strings.Split(get(key, def), ",") }
	p := configservice.Props{
		Account: get("account", "111111111111"), Region: get("region", "us-east-1"), VpcID: get("vpcId", "vpc-0123456789abcdef0"),
		AvailabilityZones: list("azs", "us-east-1a,us-east-1b"),
		PrivateSubnets:    list("privateSubnets", "subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2"),
		PublicSubnets:     list("publicSubnets", "subnet-0ccccccccccccccc3,subnet-0ddddddddddddddd4"),
		CertificateArn:    get("certificateArn", "arn:aws:acm:us-east-1:111111111111:certificate/0d7b0d4e-1111-2222-3333-444455556666"),
		Image:             get("image", "111111111111.dkr.ecr.us-east-1.amazonaws.com/handsoff-config:v0.1.0"),
	}
	configservice.NewStack(app, "HandsoffConfig", p)
	app.Synth(nil)
	fmt.Fprintf(os.Stderr, "synthesized HandsoffConfig for %s/%s into %s\n", p.Account, p.Region, outdir)
}
