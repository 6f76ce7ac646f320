// Package guardrails holds the rules every environment is held to, and the
// way to break one, on one construct, for a stated reason.
//
// Each rule is a pure function from a CloudFormation resource to verdicts:
// compliant, non-compliant or unresolved (a value known only at deploy
// time, which is reported rather than passed), each at a property path.
// Rules judge what the template does, not how it is spelled: every value
// goes through one evaluator of the intrinsic functions ([Template.Eval]),
// which gives the set of values it can take at deploy time (both branches
// of Fn::If, a parameter's AllowedValues, Fn::FindInMap, Fn::Select,
// Fn::Split, Fn::Join and Fn::Sub over those sets), and calls anything
// else unknown: a parameter without AllowedValues, an import, a dynamic
// reference, a transform. A rule passes a value only when every value of
// its set passes; a template with a Transform section is unresolved whole.
// The rules:
//
//	HS-S3-1  bucket-public-access-block  every bucket blocks public access four ways
//	HS-S3-2  no-public-bucket-policy     no bucket policy allows everyone without a restricting condition
//	HS-EC2-1 no-open-admin-ports         no SSH, RDP or WinRM reachable from the internet, by any ranges
//	HS-IAM-1 no-admin-access             no Allow of every action on every resource, in any spelling
//	HS-IAM-2 no-broad-managed-access     no iam:* on *, IAMFullAccess or PowerUserAccess
//	HS-IAM-3 no-privilege-escalation     no published privilege-escalation method granted on every resource
//	HS-SQS-1 queue-encrypted             queues are encrypted at rest
//	HS-SNS-1 topic-encrypted             topics are encrypted at rest
//	HS-TAG-1 required-tags               every taggable type (the registry's list) carries every required tag
//	HS-CFN-1 nested-templates-checked    no nested stack from a template outside the app
//
// The pipeline runs them on each environment's templates as soon as CDK
// Pipelines synthesizes the environment's Stage, and fails synthesis with
// every failure listed (construct path, rule, what is wrong, how to fix it).
// Outside a pipeline, [Verify] does the same for any Stage.
//
// [Suppress] records a reasoned exception to a rule's breaches on one
// construct, [SuppressUnresolved] to its unknown values; either may name the
// paths it covers. The plan lists every suppression.
package guardrails
