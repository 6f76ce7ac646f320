// Package upgrade compares two synthesized versions of an app and finds
// every stateful resource (a bucket, a table, a key, a log group, a queue,
// a topic, a database, a file system, a parameter, a secret, a user pool,
// a stream, a repository) that deploying the new version would delete or
// replace: CloudFormation deletes a resource whose logical ID is gone from
// its stack, and replaces one whose create-only property changed (the
// registry schemas' createOnlyProperties, which @aws-cdk/aws-service-spec
// records as causesReplacement;
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html).
// Either loses the data, unless it is retained, and then the new stack
// starts empty beside it.
package upgrade

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// replacing.json lists, for each stateful type, the properties whose change
// replaces the resource, from the CloudFormation registry
// (TestReplacingMatchesRegistry compares them; -update rewrites it).
//
//go:embed replacing.json
var replacingJSON []byte

var replacing = sync.OnceValue(func() map[string][]string {
	var m map[string][]string
	if err := json.Unmarshal(replacingJSON, &m); err != nil {
		panic("upgrade: replacing.json: " + err.Error()) // embedded at build time
	}
	return m
})

// StatefulTypes are the resource types that hold data.
var statefulTypes = []string{
	"AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::KMS::Key", "AWS::Logs::LogGroup",
	"AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::EFS::FileSystem",
	"AWS::SSM::Parameter", "AWS::SecretsManager::Secret", "AWS::Cognito::UserPool", "AWS::Kinesis::Stream",
	"AWS::ECR::Repository", "AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain", "AWS::ElastiCache::ReplicationGroup",
}

// StatefulTypes returns the resource types the check protects (a copy).
func StatefulTypes() []string { return append([]string(nil), statefulTypes...) }

func stateful(t string) bool {
	for _, s := range statefulTypes {
		if s == t {
			return true
		}
	}
	return false
}

// Finding is one stateful resource the new version would delete or replace.
type Finding struct {
	Stack     string // the template, relative to the assembly
	LogicalID string
	Type      string
	// Change is "deleted" or "replaced".
	Change string
	// Reason says why: the property that changed, or the likely successor
	// of a logical ID that is gone.
	Reason string
	// Retained: DeletionPolicy Retain (or RetainExceptOnCreate) keeps the
	// old resource, but the stack no longer owns it and starts a new one.
	Retained bool
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s: %s %s (%s) would be %s: %s", f.Stack, f.Type, f.LogicalID, map[bool]string{true: "retained", false: "its data lost"}[f.Retained], f.Change, f.Reason)
	return s
}

// Compare finds the stateful resources of old that new deletes or
// replaces, by stack (template path) and logical ID, sorted.
func Compare(old, new map[string]map[string]any) []Finding {
	var out []Finding
	for stack, ot := range old {
		nt, ok := new[stack]
		oldRes, _ := ot["Resources"].(map[string]any)
		newRes, _ := nt["Resources"].(map[string]any)
		for id, r := range oldRes {
			or, _ := r.(map[string]any)
			typ, _ := or["Type"].(string)
			if !stateful(typ) {
				continue
			}
			retained := strings.HasPrefix(fmt.Sprint(or["DeletionPolicy"]), "Retain")
			nr, present := newRes[id].(map[string]any)
			switch {
			case !ok:
				out = append(out, Finding{stack, id, typ, "deleted", "its stack is gone from the app", retained})
			case !present:
				out = append(out, Finding{stack, id, typ, "deleted", "its logical ID is gone" + successor(oldRes, newRes, typ), retained})
			case nr["Type"] != typ:
				out = append(out, Finding{stack, id, typ, "replaced", fmt.Sprintf("its type becomes %v", nr["Type"]), retained})
			default:
				op, _ := or["Properties"].(map[string]any)
				np, _ := nr["Properties"].(map[string]any)
				var changed []string
				for _, prop := range replacing()[typ] {
					if !reflect.DeepEqual(op[prop], np[prop]) {
						changed = append(changed, fmt.Sprintf("%s %s -> %s", prop, compact(op[prop]), compact(np[prop])))
					}
				}
				if len(changed) > 0 {
					out = append(out, Finding{stack, id, typ, "replaced", "a property that requires replacement changes: " + strings.Join(changed, "; "), retained})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Stack != out[j].Stack {
			return out[i].Stack < out[j].Stack
		}
		return out[i].LogicalID < out[j].LogicalID
	})
	return out
}

// successor names the new resources of the same type, likely the renamed
// one.
func successor(oldRes, newRes map[string]any, typ string) string {
	var names []string
	for id, r := range newRes {
		rm, _ := r.(map[string]any)
		if _, was := oldRes[id]; !was && rm["Type"] == typ {
			names = append(names, id)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf(" (likely renamed to %s: a new, empty resource)", strings.Join(names, " or "))
}

func compact(v any) string {
	if v == nil {
		return "(unset)"
	}
	b, _ := json.Marshal(v)
	if len(b) > 120 {
		b = append(b[:117], "..."...)
	}
	return string(b)
}

// StackOf is the stack path a template file has in Compare's maps.
func StackOf(rel string) string { return filepath.ToSlash(rel) }
