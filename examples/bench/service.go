package main

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/pipeline"
)

// service is one bucket per environment.
func service(stage awscdk.Stage, env pipeline.Environment) {
	stack := awscdk.NewStack(stage, jsii.String("Service"), nil)
	awss3.NewBucket(stack, jsii.String("Data"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
	})
}

// benchRegions are 20 regions the prod environments spread over.
var benchRegions = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
	"ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "sa-east-1", "me-central-1", "af-south-1", "ap-east-1"}

// document is the bench document: alpha, beta, gamma (2), a prod one-box
// and n more prod environments over 20 regions, with an http check on every
// stage and bakes watching a named alarm in gamma and prod.
func document(n int) []byte {
	env := func(name, account, region string, onebox bool) map[string]any {
		return map[string]any{"name": name, "account": account, "region": region, "onebox": onebox}
	}
	prod := []any{env("prod-onebox", "444444444444", "us-east-1", true)}
	for i := range n {
		prod = append(prod, env(fmt.Sprintf("prod-%03d", i), fmt.Sprintf("%012d", 500000000000+i%10), benchRegions[i%len(benchRegions)], false))
	}
	doc := map[string]any{
		"apiVersion": "handsoff/v1",
		"service":    map[string]any{"repo": "acme/bench", "name": "bench", "owner": "team-bench", "tags": map[string]any{"cost-center": "cc-1"}},
		"pipeline": map[string]any{
			"account": "111111111111", "region": "us-east-1", "branch": "main",
			"connectionArn": "arn:aws:codeconnections:us-east-1:111111111111:connection/0d7b0d4e-1111-2222-3333-444455556666",
		},
		"checks": map[string]any{"health": map[string]any{"type": "http", "url": "https://{env}.bench.example/health"}},
		"stages": []any{
			map[string]any{"name": "alpha", "checks": []any{"health"}, "environments": []any{env("alpha", "222222222222", "us-east-1", false)}},
			map[string]any{"name": "beta", "checks": []any{"health"}, "environments": []any{env("beta", "222222222222", "us-west-2", false)}},
			map[string]any{"name": "gamma", "checks": []any{"health"}, "bake": "30m", "alarms": []any{"bench-errors"},
				"environments": []any{env("gamma-1", "333333333333", "us-east-1", false), env("gamma-2", "333333333333", "eu-west-1", false)}},
			map[string]any{"name": "prod", "checks": []any{"health"}, "bake": "1h", "alarms": []any{"bench-errors"}, "environments": prod},
		},
	}
	out, _ := json.Marshal(doc)
	return out
}
