package stages

import "strings"

// regions lists the AWS Regions a document may name, by partition. Keep it in
// step with the Regions that CloudFormation and CodePipeline serve; a region
// missing here is refused with a message that says so.
var regions = map[string]string{
	"us-east-1": "aws", "us-east-2": "aws", "us-west-1": "aws", "us-west-2": "aws",
	"af-south-1": "aws",
	"ap-east-1":  "aws", "ap-east-2": "aws",
	"ap-south-1": "aws", "ap-south-2": "aws",
	"ap-southeast-1": "aws", "ap-southeast-2": "aws", "ap-southeast-3": "aws", "ap-southeast-4": "aws",
	"ap-southeast-5": "aws", "ap-southeast-6": "aws", "ap-southeast-7": "aws",
	"ap-northeast-1": "aws", "ap-northeast-2": "aws", "ap-northeast-3": "aws",
	"ca-central-1": "aws", "ca-west-1": "aws",
	"eu-central-1": "aws", "eu-central-2": "aws",
	"eu-west-1": "aws", "eu-west-2": "aws", "eu-west-3": "aws",
	"eu-south-1": "aws", "eu-south-2": "aws", "eu-north-1": "aws",
	"il-central-1": "aws", "me-south-1": "aws", "me-central-1": "aws",
	"mx-central-1": "aws", "sa-east-1": "aws",
	"us-gov-east-1": "aws-us-gov", "us-gov-west-1": "aws-us-gov",
	"cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
}

// IsRegion reports whether name is an AWS Region this library deploys to.
func IsRegion(name string) bool { _, ok := regions[name]; return ok }

// Partition returns the ARN partition of a Region ("aws", "aws-cn",
// "aws-us-gov"), or "aws" for an unknown name.
func Partition(region string) string {
	if p, ok := regions[region]; ok {
		return p
	}
	return "aws"
}

func regionNames() []string {
	names := make([]string, 0, len(regions))
	for r := range regions {
		names = append(names, r)
	}
	return names
}

func regionProblem(region string) string {
	if region == "" {
		return "is required: an AWS Region such as \"us-east-1\""
	}
	hint := didYouMean(region, regionNames())
	if hint == "" && strings.ToLower(region) != region {
		hint = " (Region names are lower case)"
	}
	return quote(region) + " is not an AWS region" + hint
}
