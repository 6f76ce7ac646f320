package oracle

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// IAM's size quotas
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length);
// white space does not count.
const (
	MaxManagedPolicy      = 6144
	MaxInlinePerRole      = 10240
	MaxTrustPolicy        = 2048
	MaxManagedPerRole     = 10
	unknownLength         = 64  // a value known at deploy time: a name
	unknownAttributeValue = 128 // an attribute such as an ARN
)

// IAMQuotas checks every role and policy of the assembly against IAM's
// quotas: each managed policy at most 6,144 characters, a role's inline
// policies at most 10,240 in all (its own Policies and every
// AWS::IAM::Policy attached to it), a trust policy at most 2,048, at most
// 10 managed policies a role. Values known only at deploy time count at a
// generous length (a Ref 64 characters, an attribute 128, pseudo
// parameters their longest), so a policy that passes here passes there.
func IAMQuotas(asm Assembly) []string {
	var problems []string
	for path, tmpl := range asm {
		res := resources(tmpl)
		inline := map[string]int{}
		managed := map[string]int{}
		for id, r := range res {
			props, _ := r["Properties"].(map[string]any)
			switch r["Type"] {
			case "AWS::IAM::Role":
				if n := Size(props["AssumeRolePolicyDocument"]); n > MaxTrustPolicy {
					problems = append(problems, fmt.Sprintf("%s: role %s: trust policy of %d characters; IAM allows %d", path, id, n, MaxTrustPolicy))
				}
				pols, _ := props["Policies"].([]any)
				for _, p := range pols {
					pm, _ := p.(map[string]any)
					inline[id] += Size(pm["PolicyDocument"])
				}
				arns, _ := props["ManagedPolicyArns"].([]any)
				managed[id] += len(arns)
			case "AWS::IAM::Policy":
				for _, role := range refs(props["Roles"]) {
					inline[role] += Size(props["PolicyDocument"])
				}
			case "AWS::IAM::ManagedPolicy":
				if n := Size(props["PolicyDocument"]); n > MaxManagedPolicy {
					problems = append(problems, fmt.Sprintf("%s: managed policy %s of %d characters; IAM allows %d", path, id, n, MaxManagedPolicy))
				}
				for _, role := range refs(props["Roles"]) {
					managed[role]++
				}
			}
		}
		for role, n := range inline {
			if n > MaxInlinePerRole {
				problems = append(problems, fmt.Sprintf("%s: role %s: inline policies of %d characters in all; IAM allows %d", path, role, n, MaxInlinePerRole))
			}
		}
		for role, n := range managed {
			if n > MaxManagedPerRole {
				problems = append(problems, fmt.Sprintf("%s: role %s: %d managed policies; IAM allows %d", path, role, n, MaxManagedPerRole))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// Size is the length of a policy as IAM counts it, with values known only
// at deploy time at a generous length.
func Size(v any) int {
	b, _ := json.Marshal(sized(v))
	return len(b)
}

var pseudo = map[string]int{"AWS::Partition": len("aws-iso-b"), "AWS::AccountId": 12, "AWS::Region": len("ap-southeast-5"), "AWS::URLSuffix": len("amazonaws.com.cn"), "AWS::StackName": 128}

func sized(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, e := range x {
				switch {
				case k == "Ref":
					if n, ok := pseudo[fmt.Sprint(e)]; ok {
						return strings.Repeat("x", n)
					}
					return strings.Repeat("x", unknownLength)
				case k == "Fn::Join":
					j, _ := e.([]any)
					if len(j) == 2 {
						sep, _ := j[0].(string)
						parts, _ := j[1].([]any)
						var out []string
						for _, p := range parts {
							s := sized(p)
							str, ok := s.(string)
							if !ok {
								b, _ := json.Marshal(s)
								str = string(b)
							}
							out = append(out, str)
						}
						return strings.Join(out, sep)
					}
				case k == "Fn::Sub":
					if s, ok := e.(string); ok {
						return reSubVar.ReplaceAllStringFunc(s, func(m string) string {
							if n, ok := pseudo[m[2:len(m)-1]]; ok {
								return strings.Repeat("x", n)
							}
							return strings.Repeat("x", unknownLength)
						})
					}
				case strings.HasPrefix(k, "Fn::"):
					return strings.Repeat("x", unknownAttributeValue)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = sized(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sized(e)
		}
		return out
	}
	return v
}

// refs are the logical ids a list of {"Ref": id} names.
func refs(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			if id, ok := m["Ref"].(string); ok {
				out = append(out, id)
			}
		}
	}
	return out
}

// RetainedWithTheirName lists resources with a fixed physical name that
// outlive their stack: DeletionPolicy Retain keeps them when the stack's
// first create fails, and Retain or RetainExceptOnCreate when the stack is
// deleted (an environment removed, a freeze gate no longer needed). Either
// way the next create of the stack (the environment added back) fails on
// the name
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
// A fixed name goes with its stack, or a kept resource has a generated
// name.
func RetainedWithTheirName(asm Assembly) []string {
	nameProps := map[string]string{
		"AWS::Logs::LogGroup": "LogGroupName", "AWS::S3::Bucket": "BucketName", "AWS::DynamoDB::Table": "TableName",
		"AWS::SQS::Queue": "QueueName", "AWS::SNS::Topic": "TopicName", "AWS::IAM::Role": "RoleName",
		"AWS::Lambda::Function": "FunctionName", "AWS::StepFunctions::StateMachine": "StateMachineName",
		"AWS::CodeBuild::Project": "Name", "AWS::KMS::Alias": "AliasName", "AWS::SSM::Parameter": "Name",
		"AWS::SecretsManager::Secret": "Name", "AWS::ECR::Repository": "RepositoryName",
	}
	var out []string
	for path, tmpl := range asm {
		for id, r := range resources(tmpl) {
			prop, ok := nameProps[fmt.Sprint(r["Type"])]
			policy := fmt.Sprint(r["DeletionPolicy"])
			if !ok || policy != "Retain" && policy != "RetainExceptOnCreate" {
				continue
			}
			props, _ := r["Properties"].(map[string]any)
			if _, named := props[prop]; named {
				out = append(out, fmt.Sprintf("%s: %s %s has a fixed %s and DeletionPolicy %s: it outlives its stack, and creating the stack again (the environment added back) fails on the name; delete it with the stack, or let CloudFormation name it", path, r["Type"], id, prop, policy))
			}
		}
	}
	sort.Strings(out)
	return out
}
