// Package guardrails holds the rules every environment is held to, and the
// way to break one, on one construct, for a stated reason.
//
// Each rule is a pure function from a CloudFormation resource to an outcome:
// compliant, non-compliant, not applicable, or unresolved (a value known
// only at deploy time, which is reported rather than passed). The rules:
//
//	HS-S3-1  bucket-public-access-block  every bucket blocks public access four ways
//	HS-EC2-1 no-open-admin-ports         no SSH, RDP or WinRM open to 0.0.0.0/0 or ::/0
//	HS-IAM-1 no-star-on-star             no Allow of Action "*" on Resource "*"
//	HS-SQS-1 queue-encrypted             queues are encrypted at rest
//	HS-SNS-1 topic-encrypted             topics are encrypted at rest
//	HS-TAG-1 required-tags               taggable resources carry every required tag, with a value
//
// The pipeline runs them on each environment's templates as soon as CDK
// Pipelines synthesizes the environment's Stage, and fails synthesis with
// every failure listed (construct path, rule, what is wrong, how to fix it).
// Outside a pipeline, [Verify] does the same for any Stage.
//
// [Suppress] records a reasoned exception on one construct; the plan lists
// every suppression.
package guardrails
