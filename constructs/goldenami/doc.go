// Package goldenami builds a golden AMI: an EC2 Image Builder pipeline
// that bakes the platform's hardened image from a base image, on a
// schedule and on demand, and hands each new image to the accounts and
// regions that run it.
//
//	goldenami.New(stack, "Web", &goldenami.Props{
//		Name:       "web",
//		Targets:    []goldenami.Target{{Account: "444444444444", Region: "us-east-1"}},
//		KmsKeyArns: map[string]string{"us-east-1": "arn:aws:kms:us-east-1:111111111111:key/..."},
//	})
//
// # What a build does
//
//   - The parent image is resolved at each build from an SSM public
//     parameter (Amazon Linux 2023 by default: ParentImage
//     "ssm:/aws/service/...", which must be in the build's region).
//   - Components: the hardening ([DefaultHardening]: security updates,
//     SSH without passwords or root, auditd), the CloudWatch agent, then
//     Props.Components. Recipes and components are immutable in Image
//     Builder; their versions follow a hash of their content, so a change
//     is a new version and CloudFormation's replacement never collides.
//   - The build instance: IMDSv2 only, terminated on failure, encrypted
//     gp3 volumes with the region's customer managed key.
//   - Tests run on an instance launched from the new image (the
//     hardening's test phase); an image that fails them is not
//     distributed. Scanning is on.
//   - The schedule (Mondays 03:00 UTC by default) builds only when the
//     base image or a component has a newer version
//     (EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE); the
//     PipelineArn output and `aws imagebuilder
//     start-image-pipeline-execution` build on demand.
//
// # Where an image goes
//
// Each target account and region gets the image's ID in the String
// parameter /handsoff/ami/{Name}/latest ([ParameterName], DataType
// aws:ec2:image). Accounts other than the build's get a copy (Image
// Builder's targetAccountIds: the target owns and pays for it) through
// the role [NewDistributionRole] makes there, with the exact name AWS
// requires; AMIs encrypted with aws/ebs cannot be shared, so a region
// with a target in another account needs a customer managed key whose
// policy lets those accounts use it (refused at synth otherwise). The
// pipeline's execution role may write the parameters and nothing else
// besides ec2:DescribeImages. A failed build notifies
// Props.NotificationTopicArn; a new image's AVAILABLE event goes to
// Props.ForwardTo, the event buses of the accounts whose pipelines roll
// it out.
//
// # How a new image rolls out
//
// constructs/rollout's immutable group reads the parameter when its stack
// deploys, so a new image reaches a fleet with the next deployment of the
// service's pipeline: staging first, then prod after its approval or bake,
// wave by wave, each group keeping two thirds healthy and rolling back on
// its alarms; a failure stops the pipeline there and notifies; a rerun
// ("Retry" on the failed stage) takes only the environments that failed.
// The pipeline starts on the forwarded event (see docs/immutable.md for
// the rule in the pipeline's account).
//
// Mistakes in props are error annotations on the construct, every one at
// once, which fail synthesis.
package goldenami
