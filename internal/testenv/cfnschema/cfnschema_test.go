package cfnschema_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/internal/testenv/cfnschema"
)

func load(t *testing.T) *cfnschema.Schema {
	t.Helper()
	s, err := cfnschema.Load(filepath.Join(testenv.Root(), cfnschema.DBPath))
	if err != nil {
		t.Fatalf("%v (scripts/setup installs it)", err)
	}
	return s
}

// TestValidate: each form of a mistake CloudFormation refuses is caught;
// what it accepts passes.
func TestValidate(t *testing.T) {
	s := load(t)
	cases := []struct {
		name     string
		resource string // JSON of one resource
		want     []string
	}{
		{"valid bucket", `{"Type":"AWS::S3::Bucket","Properties":{"BucketName":"b","VersioningConfiguration":{"Status":"Enabled"},"Tags":[{"Key":"k","Value":"v"}]}}`, nil},
		{"intrinsics anywhere", `{"Type":"AWS::S3::Bucket","Properties":{"BucketName":{"Fn::Join":["",["a","b"]]},"VersioningConfiguration":{"Ref":"P"}}}`, nil},
		{"numbers and booleans as strings", `{"Type":"AWS::Logs::LogGroup","Properties":{"RetentionInDays":"365"}}`, nil},
		{"misspelled property", `{"Type":"AWS::S3::Bucket","Properties":{"BucketNmae":"b"}}`,
			[]string{`Resources.R.Properties.BucketNmae: AWS::S3::Bucket has no property "BucketNmae"`}},
		{"wrong case", `{"Type":"AWS::S3::Bucket","Properties":{"bucketName":"b"}}`,
			[]string{`Resources.R.Properties.bucketName: AWS::S3::Bucket has no property "bucketName" (did you mean "BucketName"?)`}},
		{"nested unknown", `{"Type":"AWS::S3::Bucket","Properties":{"VersioningConfiguration":{"Status":"Enabled","Mode":"x"}}}`,
			[]string{`Resources.R.Properties.VersioningConfiguration.Mode: VersioningConfiguration has no property "Mode"`}},
		{"nested required missing", `{"Type":"AWS::S3::Bucket","Properties":{"VersioningConfiguration":{}}}`,
			[]string{`Resources.R.Properties.VersioningConfiguration.Status: required by VersioningConfiguration, missing`}},
		{"required missing", `{"Type":"AWS::IAM::Role","Properties":{}}`,
			[]string{`Resources.R.Properties.AssumeRolePolicyDocument: required by AWS::IAM::Role, missing`}},
		{"wrong type", `{"Type":"AWS::Logs::LogGroup","Properties":{"RetentionInDays":"a year"}}`,
			[]string{`Resources.R.Properties.RetentionInDays: want a number, got "a year"`}},
		{"list for an object", `{"Type":"AWS::S3::Bucket","Properties":{"VersioningConfiguration":[]}}`,
			[]string{`Resources.R.Properties.VersioningConfiguration: want an object VersioningConfiguration, got []`}},
		{"bad tag", `{"Type":"AWS::S3::Bucket","Properties":{"Tags":[{"Name":"k"}]}}`,
			[]string{`Resources.R.Properties.Tags[0].Key: required by a tag, missing`, `Resources.R.Properties.Tags[0].Name: a tag has only Key and Value`}},
		{"unknown type", `{"Type":"AWS::S3::Buckett","Properties":{}}`,
			[]string{`Resources.R: resource type "AWS::S3::Buckett" is not in the CloudFormation registry`}},
		{"V2 stage conditions are known", `{"Type":"AWS::CodePipeline::Pipeline","Properties":{"RoleArn":"r","Stages":[{"Name":"s","Actions":[],
			"BeforeEntry":{"Conditions":[{"Result":"FAIL","Rules":[{"Name":"n","RuleTypeId":{"Category":"Rule","Owner":"AWS","Provider":"LambdaInvoke","Version":"1"},"Configuration":{"FunctionName":"f"}}]}]},
			"OnFailure":{"Result":"ROLLBACK"}}]}}`, nil},
		{"a misspelled condition", `{"Type":"AWS::CodePipeline::Pipeline","Properties":{"RoleArn":"r","Stages":[{"Name":"s","Actions":[],"OnFailure":{"Results":"ROLLBACK"}}]}}`,
			[]string{`Resources.R.Properties.Stages[0].OnFailure.Results: FailureConditions has no property "Results"`}},
		{"custom resources take anything", `{"Type":"Custom::Thing","Properties":{"Anything":1}}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r any
			if err := json.Unmarshal([]byte(c.resource), &r); err != nil {
				t.Fatal(err)
			}
			got := s.Validate(map[string]any{"Resources": map[string]any{"R": r}})
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if s.CausesReplacement("AWS::S3::Bucket", "BucketName") != "yes" || s.CausesReplacement("AWS::S3::Bucket", "Tags") != "" {
		t.Error("CausesReplacement: BucketName replaces a bucket, Tags do not")
	}
}
