package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/handsoff-cdk/handsoff/internal/guard"
	"github.com/handsoff-cdk/handsoff/internal/harden"
	"github.com/handsoff-cdk/handsoff/internal/nag"
	"github.com/handsoff-cdk/handsoff/pipeline/internal/cdkbatch"
)

// hardenCrossRegionSupport brings the replication buckets that CodePipeline
// keeps in each deployment region (in stacks the CDK creates) up to the
// standard of the artifact bucket: access-logged, versioned, old versions
// expired, bucket-owner-enforced, and a rotated key that only AWS services
// may grant. The spec is applied in one jsii call for all regions
// (internal/cdkbatch): one call a step was 21 calls a region.
func (p *Pipeline) hardenCrossRegionSupport() {
	cdkbatch.HardenSupportStacks(p.built, supportSpec)
}

// supportSpec is what each support stack gets. Properties, not property
// overrides: cdk-nag reads the L1 properties.
var supportSpec = cdkbatch.SupportSpec{
	// The access-log bucket, as L1 resources (a support stack per region
	// adds up). It sits directly in the stack, so its logical id is its id.
	LogBucketID: "ReplicationAccessLogs",
	LogBucketProps: map[string]any{
		"bucketEncryption": map[string]any{"serverSideEncryptionConfiguration": []any{map[string]any{
			"serverSideEncryptionByDefault": map[string]any{"sseAlgorithm": "AES256"}}}},
		"publicAccessBlockConfiguration": map[string]any{"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true},
		"versioningConfiguration":        map[string]any{"status": "Enabled"},
		"ownershipControls":              map[string]any{"rules": []any{map[string]any{"objectOwnership": "BucketOwnerEnforced"}}},
		"lifecycleConfiguration":         expireOldVersions,
	},
	LogBucketRemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	LogBucketMetadata: []cdkbatch.KeyValue{
		{Key: nag.Key, Value: nag.Metadata(nag.Suppression{ID: "AwsSolutions-S1", Reason: "This bucket receives the replication bucket's access logs; logging it to itself would loop."})},
		{Key: "guard", Value: guard.Metadata(map[string]string{
			"s3_bucket_logging_enabled_check":        "Receives server access logs: logging it to itself would loop.",
			"s3_bucket_default_encryption_kms_check": "Receives server access logs, which S3 delivers only to buckets with SSE-S3 encryption.",
			"s3_bucket_object_lock_enabled_check":    "Holds access logs that expire; Object Lock would keep them forever.",
			"s3_event_notifications_enabled_check":   "Nothing consumes access-log object events.",
		})},
	},
	// S3 writes access logs under this bucket policy (no ACLs with
	// bucket-owner-enforced ownership); it also refuses plain HTTP.
	LogPolicyID: "ReplicationAccessLogsPolicy",
	LogPolicyDocument: func() map[string]any {
		arn := map[string]any{"Fn::GetAtt": []any{"ReplicationAccessLogs", "Arn"}}
		objects := map[string]any{"Fn::Join": []any{"", []any{arn, "/*"}}}
		return map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Sid": "S3ServerAccessLogs", "Effect": "Allow", "Action": "s3:PutObject",
				"Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
				"Resource":  objects,
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}}},
			map[string]any{"Sid": "TLSOnly", "Effect": "Deny", "Action": "s3:*", "Principal": map[string]any{"AWS": "*"},
				"Resource":  []any{arn, objects},
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}},
		}}
	}(),
	BucketProperties: []cdkbatch.KeyValue{
		{Key: "versioningConfiguration", Value: map[string]any{"status": "Enabled"}},
		{Key: "ownershipControls", Value: map[string]any{"rules": []any{map[string]any{"objectOwnership": "BucketOwnerEnforced"}}}},
		{Key: "lifecycleConfiguration", Value: expireOldVersions},
	},
	// The CDK names the bucket; a failed first create must not leave it
	// behind to block the next.
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
	BucketRemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	BucketMetadata: []cdkbatch.KeyValue{{Key: "guard", Value: guard.Metadata(map[string]string{
		"s3_bucket_object_lock_enabled_check":  "CodePipeline overwrites artifacts in this bucket on every run; Object Lock would block that.",
		"s3_event_notifications_enabled_check": "Only CodePipeline reads this bucket; nothing consumes its object events.",
	})}},
	KeyStatement: harden.DenyForeignGrants(),
}

// expireOldVersions is the lifecycle of both buckets of a support stack.
var expireOldVersions = map[string]any{"rules": []any{map[string]any{
	"id": "expire-old-versions", "status": "Enabled",
	"noncurrentVersionExpiration":    map[string]any{"noncurrentDays": 30},
	"abortIncompleteMultipartUpload": map[string]any{"daysAfterInitiation": 7},
}}}

// suppressGeneratedWildcards records, with reasons, the wildcards that CDK
// Pipelines itself writes into the roles and policies of the pipeline, its
// actions, the synth and self-mutation projects and asset publishing. Each
// suppression names the exact wildcard; anything else still fails cdk-nag.
func suppressGeneratedWildcards(scopes ...constructs.IConstruct) {
	artifacts := "CDK Pipelines lets its roles read and write pipeline artifacts with the S3 and KMS action groups of Bucket.grantReadWrite, on the artifact and replication buckets and their keys only."
	sups := []nag.Suppression{
		{ID: "AwsSolutions-IAM5", Reason: artifacts, AppliesTo: []any{
			"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
			"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
			map[string]any{"regex": "/^Resource::<Artifacts[A-Za-z0-9]*\\.Arn>\\/\\*$/g"},
			map[string]any{"regex": "/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):s3:::[a-z0-9.-]+\\/\\*$/g"},
		}},
		{ID: "AwsSolutions-IAM5", Reason: "CodeBuild names log streams and report groups per build; the wildcards stay inside the project's own log group and report groups.", AppliesTo: []any{
			map[string]any{"regex": "/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):(logs|codebuild):[a-z0-9-]+:[0-9]{12}:(log-group:\\/aws\\/codebuild\\/|report-group\\/).*$/g"},
		}},
		{ID: "AwsSolutions-IAM5", Reason: "Self-mutation and asset publishing assume the CDK bootstrap roles (cdk-hnb659fds-*) of each target account; their names come from the bootstrap stack.", AppliesTo: []any{
			map[string]any{"regex": "/^Resource::arn:\\*:iam::[0-9]{12}:role\\/\\*$/g"},
		}},
		{ID: "AwsSolutions-IAM5", Reason: "The pipeline assumes the CDK bootstrap deploy role and the handsoff bootstrap gate role of every environment's account and region; each trusts only the pipeline accounts it was bootstrapped for, so the account wildcard grants no more than the trust policies allow.", AppliesTo: []any{
			map[string]any{"regex": "/^Resource::arn:aws[a-z-]*:iam::\\*:role\\/(cdk-[a-z0-9]+-deploy-role|handsoff-[a-z0-9-]+-gate)-\\*$/g"},
		}},
		{ID: "AwsSolutions-IAM5", Reason: "Actions that accept only Resource \"*\": lambda:ListFunctions for the bake action, cloudformation:DescribeStacks and s3:ListBucket for self-mutation's diff, codebuild build control for asset publishing, and KMS use of the replication keys, whose ARNs live in other regions' stacks.", AppliesTo: []any{"Resource::*"}},
	}
	// The partition is <AWS::Partition>, or a literal where the CDK's
	// @aws-cdk/core:enablePartitionLiterals flag (cdk.json) knows it.
	// IAM5 reports on the policies of roles, policies and managed policies:
	// only those get the metadata, in one jsii call.
	cdkbatch.AddNagSuppressions(scopes, nag.Entries(sups...))
}

// applyAspects adds user aspects (cdk-nag packs, guardrails) to a scope.
func applyAspects(scope constructs.IConstruct, aspects []awscdk.IAspect) {
	for _, a := range aspects {
		awscdk.Aspects_Of(scope).Add(a, nil)
	}
}
