package pipeline

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Image names a golden image (constructs/goldenami) whose new images
// start the pipeline, so that they roll out through its stages like a
// commit: the service's immutable groups (constructs/rollout) read the
// image's parameter when their stacks deploy.
type Image struct {
	// Name is the image's goldenami.Props.Name. Required.
	Name string
	// Account and Region are where the image is built. Required.
	Account, Region string
}

// ImageEvent is the detail-type of the events Image Builder sends when an
// image changes state
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-eventbridge.html).
const ImageEvent = "EC2 Image Builder Image State Change"

var (
	reImageName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
	reAccountID = regexp.MustCompile(`^[0-9]{12}$`)
	reRegionID  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
)

// checkImages lists the problems of Props.Images.
func checkImages(images []Image) []stages.Problem {
	var out []stages.Problem
	seen := map[Image]bool{}
	for i, im := range images {
		path := fmt.Sprintf("Props.Images[%d]", i)
		if !reImageName.MatchString(im.Name) {
			out = append(out, stages.Problem{Path: path + ".Name", Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is not a golden image's name (goldenami.Props.Name: lowercase letters, digits and hyphens)", im.Name)})
		}
		if !reAccountID.MatchString(im.Account) {
			out = append(out, stages.Problem{Path: path + ".Account", Code: stages.CodeInvalid, Message: fmt.Sprintf("%q: the 12 digits of the account that builds the image", im.Account)})
		}
		if !reRegionID.MatchString(im.Region) {
			out = append(out, stages.Problem{Path: path + ".Region", Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is not a region (us-east-1)", im.Region)})
		}
		if seen[im] {
			out = append(out, stages.Problem{Path: path, Code: stages.CodeInvalid, Message: fmt.Sprintf("%s from %s %s is listed twice", im.Name, im.Account, im.Region)})
		}
		seen[im] = true
	}
	return out
}

// addImageTriggers starts the pipeline on each new image of
// Props.Images: the image account's rule (goldenami.Props.ForwardTo)
// sends the AVAILABLE event to the default bus of the pipeline's account,
// whose policy lets that account put events there
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html),
// and a rule there matches it and starts the pipeline
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-trigger-source-schedule.html,
// a CodePipeline target with a role allowed codepipeline:StartPipelineExecution).
// The bus policy's statements are named after the service, so pipelines
// sharing an account keep their own.
func (p *Pipeline) addImageTriggers(images []Image) {
	if len(images) == 0 {
		return
	}
	cfg := p.config
	stack := p.stack
	role := awsiam.NewRole(stack, jsii.String("ImageTriggerRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil),
		Description: jsii.String("handsoff: starts " + pipelineName(cfg) + " when a golden image it runs is new"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("codepipeline:StartPipelineExecution"), Resources: &[]*string{p.built.PipelineArn()},
	}))
	accounts := map[string]bool{}
	for i, im := range images {
		if im.Account != cfg.Pipeline.Account && !accounts[im.Account] {
			accounts[im.Account] = true
			awsevents.NewCfnEventBusPolicy(stack, jsii.String("ImageEvents"+im.Account), &awsevents.CfnEventBusPolicyProps{
				// 1 to 64 of [a-zA-Z0-9-_], unique on the bus.
				StatementId:  jsii.String(names.Join(64, "handsoff", cfg.Service.Name, "images", im.Account)),
				EventBusName: jsii.String("default"),
				Statement: map[string]any{
					"Effect":    "Allow",
					"Principal": map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", *stack.Partition(), im.Account)},
					"Action":    "events:PutEvents",
					"Resource":  fmt.Sprintf("arn:%s:events:%s:%s:event-bus/default", *stack.Partition(), cfg.Pipeline.Region, cfg.Pipeline.Account),
					"Condition": map[string]any{"StringEquals": map[string]any{"events:source": "aws.imagebuilder"}},
				},
			})
		}
		awsevents.NewCfnRule(stack, jsii.String(fmt.Sprintf("Image%d", i)), &awsevents.CfnRuleProps{
			Description:  jsii.String(fmt.Sprintf("handsoff: a new %s image starts %s", im.Name, pipelineName(cfg))),
			State:        jsii.String("ENABLED"),
			EventPattern: ImagePattern(im, *stack.Partition()),
			Targets:      &[]any{map[string]any{"id": "pipeline", "arn": p.built.PipelineArn(), "roleArn": role.RoleArn()}},
		})
	}
}

// ImagePattern is the event pattern of an image's new versions: the image
// ARN, arn:...:image/{name}/{version}/{build}, is the event's resource.
func ImagePattern(im Image, partition string) map[string]any {
	return map[string]any{
		"source":      []any{"aws.imagebuilder"},
		"detail-type": []any{ImageEvent},
		"account":     []any{im.Account},
		"region":      []any{im.Region},
		"resources":   []any{map[string]any{"prefix": fmt.Sprintf("arn:%s:imagebuilder:%s:%s:image/%s/", partition, im.Region, im.Account, im.Name)}},
		"detail":      map[string]any{"state": map[string]any{"status": []any{"AVAILABLE"}}},
	}
}
