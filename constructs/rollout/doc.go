// Package rollout deploys immutable servers and containers progressively,
// with automatic rollback on the same alarms the pipeline's bake watches.
//
//   - [NewGroup]: an Auto Scaling group (constructs/autoscale's baseline)
//     that runs a golden image (constructs/goldenami). CloudFormation reads
//     the image's parameter when the stack deploys (a parameter of type
//     AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>), so the launch
//     template holds a concrete AMI ID and a new image is a new version;
//     the group's AutoScalingInstanceRefresh update policy then replaces
//     instances keeping at least two thirds healthy, watches the alarms
//     during the refresh and a bake after it, and fails on an alarm, which
//     rolls the stack, and the group, back to the previous version.
//   - [NewServerDeployment]: a CodeDeploy in-place deployment group for an
//     application on that group: one at a time, half at a time, all at
//     once, linear by percentage of the fleet, or zone by zone; rollback
//     on failure and on alarm; the load balancer's traffic control;
//     lifecycle hook scripts ([ServerAppSpec]).
//   - [NewECSBlueGreen]: an ECS service's CodeDeploy blue/green group:
//     canary, linear or all-at-once traffic shifting, test traffic on a
//     test listener first, rollback on failure and on alarm, hook
//     functions ([ECSAppSpec]).
//
// [ForEnvironment] picks the strategy of a pipeline environment: a prod
// one-box takes a canary, prod's later waves linear, earlier stages all at
// once. By default each rollout's alarms are every alarm of its stack
// (metric and composite, its nested stacks' included, not those whose
// actions are all scaling policies), which is what the pipeline's bake
// watches there: the alarm that fails a bake is the one that rolls the
// deployment back (at most 10, a deployment group's and an instance
// refresh's limit; none is refused). The environment's other stacks'
// alarms roll back only when named in Alarms.
//
// # Where AWS's documented limits bent the design
//
//   - No EC2 blue/green: CodeDeploy's copy of an Auto Scaling group
//     (COPY_AUTO_SCALING_GROUP) cannot be declared in CloudFormation, and
//     when CodeDeploy makes the copy it deletes the original from under
//     its stack. Immutable servers come from the instance refresh instead:
//     every instance is replaced by one launched from the new image.
//   - No resolve:ssm: in the launch template: an instance refresh cannot
//     roll back a group whose launch template reads its ImageId from a
//     parameter at launch. The parameter is resolved at deploy time.
//   - The CloudFormation instance refresh update policy has no AutoRollback
//     preference; a refresh that fails (an alarm, instances that never
//     become healthy) fails the stack update, and CloudFormation's own
//     rollback restores the previous launch template version.
//   - A pipeline rollback after a successful deploy redeploys the old
//     template, which reads the parameter again: it does not restore the
//     old image. The refresh's bake (BakeTime, 10 minutes by default, up
//     to 48 hours) is the window in which an image rolls back by itself;
//     after it, roll back by writing the previous AMI ID to the parameter
//     and rerunning the pipeline.
//   - Not the AWS::CodeDeployBlueGreen transform for ECS: it forbids
//     outputs, imports and nested stacks, and the pipeline exports the
//     alarms its bake watches. The deployment group and an AppSpec do the
//     same shifting; a new task definition goes out with CodePipeline's
//     CodeDeployToECS action, since CloudFormation cannot update the task
//     definition of a CODE_DEPLOY service.
//   - The typed instance refresh policy arrived in CDK v2.263.0; with the
//     pinned v2.239.0 it is written as a template override, held by an
//     offline oracle of the documented rules (its tests).
//
// Mistakes in props are error annotations on the construct, every one at
// once, which fail synthesis.
package rollout
