package privatebucket_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/privatebucket"
)

// template synthesizes one stack with the buckets that make makes.
func template(t *testing.T, make func(awscdk.Stack)) assertions.Template {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	make(stack)
	return assertions.Template_FromStack(stack, nil)
}

func TestDefaults(t *testing.T) {
	tmpl := template(t, func(s awscdk.Stack) { privatebucket.New(s, "Data", nil) })
	// The data bucket and its access-log bucket.
	tmpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(2))
	tmpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{
		"DeletionPolicy": "Delete",
		"Properties": assertions.Match_ObjectLike(&map[string]any{
			"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"BucketKeyEnabled":              true,
				"ServerSideEncryptionByDefault": assertions.Match_ObjectLike(&map[string]any{"SSEAlgorithm": "aws:kms"}),
			}}},
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"OwnershipControls":       map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
			"LoggingConfiguration":    assertions.Match_ObjectLike(&map[string]any{"DestinationBucketName": assertions.Match_AnyValue()}),
			"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{
				"Id": "expire-old-versions", "Status": "Enabled",
				"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": 90},
				"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7},
			}}},
		}),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	// SSL only.
	tmpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})},
	})
}

func TestProdRetainsAndOptions(t *testing.T) {
	tmpl := template(t, func(s awscdk.Stack) {
		privatebucket.New(s, "Records", &privatebucket.Props{Stage: "prod", Encryption: privatebucket.S3Managed, ObjectLock: true, EventBridge: true})
	})
	tmpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": assertions.Match_ObjectLike(&map[string]any{
			"ObjectLockEnabled":         true,
			"NotificationConfiguration": map[string]any{"EventBridgeConfiguration": map[string]any{"EventBridgeEnabled": true}},
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
			}}},
		}),
	})
	tmpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(0))
}

func TestSharedAccessLogBucket(t *testing.T) {
	tmpl := template(t, func(s awscdk.Stack) {
		logs := privatebucket.New(s, "Logs", &privatebucket.Props{IsAccessLogBucket: true})
		privatebucket.New(s, "A", &privatebucket.Props{AccessLogs: logs.Bucket(), AccessLogsPrefix: "a/"})
		privatebucket.New(s, "B", &privatebucket.Props{AccessLogs: logs.Bucket(), AccessLogsPrefix: "b/"})
	})
	tmpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(3))
}
