package pipeline

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/handsoff-cdk/handsoff/internal/guard"
	"github.com/handsoff-cdk/handsoff/internal/harden"
)

// hardenCrossRegionSupport brings the replication buckets that CodePipeline
// keeps in each deployment region (in stacks the CDK creates) up to the
// standard of the artifact bucket: access-logged, versioned, old versions
// expired, bucket-owner-enforced, and a rotated key that only AWS services
// may grant.
func (p *Pipeline) hardenCrossRegionSupport() {
	support := p.cdk.Pipeline().CrossRegionSupport()
	if support == nil {
		return
	}
	regions := make([]string, 0, len(*support))
	for r := range *support {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		s := (*support)[r]
		logs := accessLogBucket(s.Stack)
		bucket := s.ReplicationBucket
		// Setters, not property overrides: cdk-nag reads the L1 properties.
		cfn := bucket.Node().DefaultChild().(awss3.CfnBucket)
		cfn.SetLoggingConfiguration(&awss3.CfnBucket_LoggingConfigurationProperty{DestinationBucketName: logs.Ref()})
		cfn.SetVersioningConfiguration(&awss3.CfnBucket_VersioningConfigurationProperty{Status: jsii.String("Enabled")})
		cfn.SetOwnershipControls(&awss3.CfnBucket_OwnershipControlsProperty{Rules: &[]interface{}{
			&awss3.CfnBucket_OwnershipControlsRuleProperty{ObjectOwnership: jsii.String("BucketOwnerEnforced")},
		}})
		cfn.SetLifecycleConfiguration(&awss3.CfnBucket_LifecycleConfigurationProperty{Rules: &[]interface{}{
			&awss3.CfnBucket_RuleProperty{
				Id: jsii.String("expire-old-versions"), Status: jsii.String("Enabled"),
				NoncurrentVersionExpiration:    &awss3.CfnBucket_NoncurrentVersionExpirationProperty{NoncurrentDays: jsii.Number(30)},
				AbortIncompleteMultipartUpload: &awss3.CfnBucket_AbortIncompleteMultipartUploadProperty{DaysAfterInitiation: jsii.Number(7)},
			},
		}})
		cfn.AddMetadata(jsii.String("guard"), guard.Metadata(map[string]string{
			"s3_bucket_object_lock_enabled_check":  "CodePipeline overwrites artifacts in this bucket on every run; Object Lock would block that.",
			"s3_event_notifications_enabled_check": "Only CodePipeline reads this bucket; nothing consumes its object events.",
		}))
		// The bucket's key is an alias; the key is its sibling.
		if k, ok := bucket.Node().Scope().Node().TryFindChild(jsii.String("CrossRegionCodePipelineReplicationBucketEncryptionKey")).(awskms.Key); ok {
			k.Node().DefaultChild().(awskms.CfnKey).SetEnableKeyRotation(jsii.Bool(true))
			harden.Key(k)
		} else {
			panic("handsoff: the CDK's cross-region support stack has changed shape; update hardenCrossRegionSupport") // caught by the tests
		}
	}
}

// suppressGeneratedWildcards records, with reasons, the wildcards that CDK
// Pipelines itself writes into the roles of the pipeline, its actions, the
// synth and self-mutation projects and asset publishing. Each suppression
// names the exact wildcard; anything else still fails cdk-nag.
func suppressGeneratedWildcards(scopes ...constructs.IConstruct) {
	artifacts := "CDK Pipelines lets its roles read and write pipeline artifacts with the S3 and KMS action groups of Bucket.grantReadWrite, on the artifact and replication buckets and their keys only."
	sup := []*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(artifacts), AppliesTo: &[]interface{}{
			"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
			"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
			map[string]interface{}{"regex": "/^Resource::<Artifacts[A-Za-z0-9]*\\.Arn>\\/\\*$/g"},
			map[string]interface{}{"regex": "/^Resource::arn:<AWS::Partition>:s3:::[a-z0-9.-]+\\/\\*$/g"},
		}},
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("CodeBuild names log streams and report groups per build; the wildcards stay inside the project's own log group and report groups."), AppliesTo: &[]interface{}{
			map[string]interface{}{"regex": "/^Resource::arn:<AWS::Partition>:(logs|codebuild):[a-z0-9-]+:[0-9]{12}:(log-group:\\/aws\\/codebuild\\/|report-group\\/).*$/g"},
		}},
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("Self-mutation and asset publishing assume the CDK bootstrap roles (cdk-hnb659fds-*) of each target account; their names come from the bootstrap stack."), AppliesTo: &[]interface{}{
			map[string]interface{}{"regex": "/^Resource::arn:\\*:iam::[0-9]{12}:role\\/\\*$/g"},
		}},
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("Actions that accept only Resource \"*\": cloudformation:DescribeStacks and s3:ListBucket for self-mutation's diff, codebuild build control for asset publishing, and KMS use of the replication keys, whose ARNs live in other regions' stacks."), AppliesTo: &[]interface{}{"Resource::*"}},
	}
	for _, s := range scopes {
		cdknag.NagSuppressions_AddResourceSuppressions(s, &sup, jsii.Bool(true))
	}
}

// applyAspects adds user aspects (cdk-nag packs, guardrails) to a scope.
func applyAspects(scope constructs.IConstruct, aspects []awscdk.IAspect) {
	for _, a := range aspects {
		awscdk.Aspects_Of(scope).Add(a, nil)
	}
}

// accessLogBucket is the access-log bucket of a support stack, written as
// L1 resources in two calls (a support stack per region adds up).
func accessLogBucket(stack awscdk.Stack) awss3.CfnBucket {
	b := awss3.NewCfnBucket(stack, jsii.String("ReplicationAccessLogs"), &awss3.CfnBucketProps{
		BucketEncryption: map[string]any{"serverSideEncryptionConfiguration": []any{map[string]any{
			"serverSideEncryptionByDefault": map[string]any{"sseAlgorithm": "AES256"}}}},
		PublicAccessBlockConfiguration: map[string]any{"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true},
		VersioningConfiguration:        map[string]any{"status": "Enabled"},
		OwnershipControls:              map[string]any{"rules": []any{map[string]any{"objectOwnership": "BucketOwnerEnforced"}}},
		LifecycleConfiguration: map[string]any{"rules": []any{map[string]any{
			"id": "expire-old-versions", "status": "Enabled",
			"noncurrentVersionExpiration":    map[string]any{"noncurrentDays": 30},
			"abortIncompleteMultipartUpload": map[string]any{"daysAfterInitiation": 7},
		}}},
	})
	b.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	b.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": []any{map[string]any{
		"id": "AwsSolutions-S1", "reason": "This bucket receives the replication bucket's access logs; logging it to itself would loop.",
	}}})
	b.AddMetadata(jsii.String("guard"), guard.Metadata(map[string]string{
		"s3_bucket_logging_enabled_check":        "Receives server access logs: logging it to itself would loop.",
		"s3_bucket_default_encryption_kms_check": "Receives server access logs, which S3 delivers only to buckets with SSE-S3 encryption.",
		"s3_bucket_object_lock_enabled_check":    "Holds access logs that expire; Object Lock would keep them forever.",
		"s3_event_notifications_enabled_check":   "Nothing consumes access-log object events.",
	}))
	// S3 writes access logs under this bucket policy (no ACLs with
	// bucket-owner-enforced ownership); it also refuses plain HTTP.
	arn := *b.AttrArn()
	awss3.NewCfnBucketPolicy(stack, jsii.String("ReplicationAccessLogsPolicy"), &awss3.CfnBucketPolicyProps{
		Bucket: b.Ref(),
		PolicyDocument: map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Sid": "S3ServerAccessLogs", "Effect": "Allow", "Action": "s3:PutObject",
				"Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
				"Resource":  arn + "/*",
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}}},
			map[string]any{"Sid": "TLSOnly", "Effect": "Deny", "Action": "s3:*", "Principal": map[string]any{"AWS": "*"},
				"Resource":  []any{arn, arn + "/*"},
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}},
		}},
	})
	return b
}
