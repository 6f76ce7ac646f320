// Package upgrade compares two synthesized versions of an app and reports
// every resource that deploying the new version would delete or replace,
// because either loses what the resource holds unless CloudFormation
// keeps or snapshots it, and then the new stack starts without it.
//
// CloudFormation deletes a resource whose logical ID is gone from its stack
// (or whose stack is gone), and replaces one whose type changes or whose
// create-only property changes: the registry schemas' createOnlyProperties,
// at any depth, which the AWS CDK's database of them
// (@aws-cdk/aws-service-spec) records as causesReplacement "yes" or
// "maybe"; https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html.
// A create-only property that refers to a replaced resource (Ref,
// Fn::GetAtt, Fn::Sub) changes when it is replaced, so the referrer is
// replaced too. Stacks are matched as CloudFormation matches them, by
// account, region and stack name, not by where the assembly writes them.
//
// Every such change is a Finding. It is an error (Severity "error") when
// the resource is known to hold data: its type is one the registry
// database marks stateful, one that supports the Snapshot deletion policy,
// or one on this package's list of data stores; or the team gave it a
// Retain or Snapshot policy (DeletionPolicy, UpdateReplacePolicy), which
// says it holds something worth keeping. Every other one is a warning the
// team sees. Where the check cannot decide, it says so and counts the
// change: a property of a type this version's copy of the registry does not
// know, a value computed at deploy time where a create-only property is
// nested, a Condition that changes.
package upgrade

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// registry.json holds, for every registry type, whether the registry
// database marks it stateful and the property paths whose change replaces
// it (TestRegistryMatches compares it with the database; -update rewrites
// it). One line per type keeps its diffs readable.
//
//go:embed registry.json
var registryJSON []byte

type typeInfo struct {
	Stateful  bool     `json:"stateful,omitempty"`
	Replacing []string `json:"replacing,omitempty"`
}

var registry = sync.OnceValue(func() map[string]typeInfo {
	var m map[string]typeInfo
	d := json.NewDecoder(bytes.NewReader(registryJSON))
	if err := d.Decode(&m); err != nil {
		panic("upgrade: registry.json: " + err.Error()) // embedded at build time; TestRegistryMatches reads it
	}
	return m
})

// snapshotTypes support the Snapshot deletion policy: CloudFormation
// snapshots them before it deletes them
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html),
// so they hold data by AWS's own account.
var snapshotTypes = []string{
	"AWS::DocDB::DBCluster", "AWS::EC2::Volume", "AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup",
	"AWS::ElastiCache::ServerlessCache", "AWS::Neptune::DBCluster", "AWS::RDS::DBCluster", "AWS::RDS::DBInstance",
	"AWS::Redshift::Cluster",
}

// dataTypes hold data (records, objects, files, messages, keys, secrets,
// identities) though the registry database does not mark them stateful.
// TestDataTypesAreRegistryTypes keeps every name a registry type.
var dataTypes = []string{
	// Kept from the first, hand-made list.
	"AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::KMS::Key", "AWS::Logs::LogGroup",
	"AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::EFS::FileSystem",
	"AWS::SSM::Parameter", "AWS::SecretsManager::Secret", "AWS::Cognito::UserPool", "AWS::Kinesis::Stream",
	"AWS::ECR::Repository", "AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain", "AWS::ElastiCache::ReplicationGroup",
	// Databases and stores.
	"AWS::Timestream::Database", "AWS::Timestream::Table", "AWS::Timestream::InfluxDBInstance", "AWS::Timestream::InfluxDBCluster",
	"AWS::S3Express::DirectoryBucket", "AWS::S3Tables::TableBucket", "AWS::S3Tables::Table", "AWS::MemoryDB::Cluster",
	"AWS::Cassandra::Keyspace", "AWS::Cassandra::Table", "AWS::RDS::GlobalCluster", "AWS::DocDBElastic::Cluster",
	"AWS::RedshiftServerless::Namespace", "AWS::Glue::Database", "AWS::Glue::Table", "AWS::NeptuneGraph::Graph",
	"AWS::Lightsail::Database", "AWS::Lightsail::Disk", "AWS::Lightsail::Bucket", "AWS::FSx::Volume",
	"AWS::OpenSearchServerless::Collection", "AWS::HealthLake::FHIRDatastore", "AWS::Omics::SequenceStore",
	"AWS::Omics::ReferenceStore", "AWS::IoTAnalytics::Datastore", "AWS::IoTSiteWise::Asset", "AWS::SageMaker::FeatureGroup",
	"AWS::CustomerProfiles::Domain", "AWS::Personalize::Dataset", "AWS::SecurityLake::DataLake", "AWS::APS::Workspace",
	"AWS::Location::Tracker", "AWS::Kendra::Index",
	// Streams, queues and logs of record.
	"AWS::MSK::Cluster", "AWS::MSK::ServerlessCluster", "AWS::AmazonMQ::Broker", "AWS::KinesisVideo::Stream",
	"AWS::Events::Archive", "AWS::CloudTrail::EventDataStore",
	// Repositories, vaults and identities.
	"AWS::CodeCommit::Repository", "AWS::CodeArtifact::Repository", "AWS::ECR::PublicRepository",
	"AWS::Backup::LogicallyAirGappedBackupVault", "AWS::Cognito::IdentityPool",
	// Machines with their own disks, and state or identities that cannot
	// be made again: a new one is another disk, address, zone's name
	// servers, key or secret.
	"AWS::EC2::Instance", "AWS::Lightsail::Instance", "AWS::WorkSpaces::Workspace", "AWS::SageMaker::NotebookInstance",
	"AWS::EKS::Cluster", "AWS::Route53::HostedZone", "AWS::EC2::EIP", "AWS::IAM::AccessKey", "AWS::Cognito::UserPoolClient",
	"AWS::ApiGateway::ApiKey",
	// The AWS Serverless Application Model's types, which its transform
	// turns into a DynamoDB table and a nested stack
	// (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-simpletable.html,
	// .../sam-resource-application.html).
	"AWS::Serverless::SimpleTable", "AWS::Serverless::Application",
}

// holdsData says why a type is known to hold data, or "".
func holdsData(typ string) string {
	switch {
	case slices.Contains(snapshotTypes, typ):
		return typ + " supports the Snapshot deletion policy"
	case registry()[typ].Stateful:
		return "the registry marks " + typ + " stateful"
	case slices.Contains(dataTypes, typ):
		return typ + " stores data"
	}
	return ""
}

// DataTypes lists, sorted, every type the check counts as holding data.
func DataTypes() []string {
	set := map[string]bool{}
	for _, t := range append(snapshotTypes, dataTypes...) {
		set[t] = true
	}
	for t, info := range registry() {
		if info.Stateful {
			set[t] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Severities of a Finding.
const (
	Error   = "error"   // the resource is known to hold data
	Warning = "warning" // it is not known to: the team decides
)

// Finding is one resource the new version would delete or replace.
type Finding struct {
	// Stack is the stack as CloudFormation knows it:
	// "{account}/{region}/{stackName}" (the assembly's placeholders where
	// the app leaves the environment to the CLI).
	Stack     string `json:"stack"`
	LogicalID string `json:"logicalId"`
	Type      string `json:"type"`
	// Change is "deleted" or "replaced".
	Change string `json:"change"`
	// Reason says why: the property that changes, the reference to a
	// replaced resource, or the likely successor of a logical ID that is
	// gone.
	Reason string `json:"reason"`
	// Policy is what CloudFormation does with the old resource: "Delete",
	// "Retain", "RetainExceptOnCreate" or "Snapshot" (DeletionPolicy for a
	// deletion, UpdateReplacePolicy for a replacement, Delete if either
	// version says so), or "unknown" (computed at deploy time).
	Policy string `json:"policy"`
	// Severity is Error when the resource is known to hold data, else
	// Warning.
	Severity string `json:"severity"`
	// Data says why it counts as holding data; empty for a warning.
	Data string `json:"data,omitempty"`
}

func (f Finding) String() string {
	fate := map[string]string{
		"Delete":               map[string]string{Error: "its data lost", Warning: "the old one deleted"}[f.Severity],
		"Retain":               "the old one retained outside the stack",
		"RetainExceptOnCreate": "the old one retained outside the stack",
		"Snapshot":             "the old one snapshotted, then deleted",
		"unknown":              "what happens to the old one is decided at deploy time",
	}[f.Policy]
	s := fmt.Sprintf("%s %s: %s %s would be %s (%s): %s", f.Severity, f.Stack, f.Type, f.LogicalID, f.Change, fate, f.Reason)
	if f.Data != "" {
		s += " [" + f.Data + "]"
	}
	return s
}

// Counts returns the number of errors and warnings.
func Counts(fs []Finding) (errors, warnings int) {
	for _, f := range fs {
		if f.Severity == Error {
			errors++
		} else {
			warnings++
		}
	}
	return errors, warnings
}

// Compare reports every resource of old that new deletes or replaces,
// sorted by stack and logical ID. old and new map a stack (see
// Finding.Stack) to its template.
func Compare(old, new map[string]map[string]any) []Finding {
	var out []Finding
	for stack, ot := range old {
		nt, stackKept := new[stack]
		oldRes := resources(ot)
		newRes := resources(nt)
		if stackKept {
			out = append(out, generated(stack, ot, nt)...)
		}
		defs := changedDefinitions(ot, nt)
		replaced := map[string]string{} // logical ID -> why
		changed := map[string]bool{}    // present in both, same type, properties differ
		for id, or := range oldRes {
			typ, _ := or["Type"].(string)
			if typ == "AWS::CDK::Metadata" {
				continue // the CDK's version report, not a resource that holds anything
			}
			nr, present := newRes[id]
			switch {
			case !stackKept:
				out = append(out, deleted(stack, id, or, "its stack is gone from the app"))
			case !present:
				out = append(out, deleted(stack, id, or, "its logical ID is gone"+successor(oldRes, newRes, typ)))
			case nr["Type"] != typ:
				replaced[id] = fmt.Sprintf("its type becomes %v", nr["Type"])
			case !reflect.DeepEqual(or["Condition"], nr["Condition"]):
				out = append(out, deleted(stack, id, or, fmt.Sprintf("its Condition changes from %s to %s: where it comes out false, the resource is deleted (the check cannot evaluate conditions)", compact(or["Condition"]), compact(nr["Condition"]))))
			default:
				if c, _ := nr["Condition"].(string); c != "" && defs.conditionChanged(c) {
					out = append(out, deleted(stack, id, or, fmt.Sprintf("the definition of its Condition %s changes (or what it reads): where it comes out false, the resource is deleted (the check cannot evaluate conditions)", c)))
					continue
				}
				if !reflect.DeepEqual(or["Properties"], nr["Properties"]) {
					changed[id] = true
				}
				if why := replacement(typ, or["Properties"], nr["Properties"]); why != "" {
					replaced[id] = why
				} else if why := defs.reaches(typ, nr["Properties"]); why != "" {
					replaced[id] = why
				}
			}
		}
		// A create-only value that reads a replaced resource (Ref,
		// Fn::GetAtt, Fn::Sub), an attribute of a changed one, or the ID
		// of a custom resource whose provider was called again, may
		// change with it: replace until nothing more is.
		for grew := stackKept; grew; {
			grew = false
			for id, nr := range newRes {
				or, was := oldRes[id]
				if _, done := replaced[id]; done || !was || nr["Type"] != or["Type"] {
					continue
				}
				typ, _ := nr["Type"].(string)
				if why := referenceReplacement(typ, nr["Properties"], replaced, changed, newRes); why != "" {
					replaced[id] = why
					grew = true
				}
			}
		}
		for id, why := range replaced {
			or := oldRes[id]
			typ, _ := or["Type"].(string)
			out = append(out, finding(stack, id, or, typ, "replaced", why, replacePolicy(or, newRes[id])))
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

// generated reports what a template makes only at deploy time, when it
// changes: a Transform (macros, AWS::Include, SAM) and Fn::ForEach loops
// of resources. The resources they make are not in the template, so the
// check cannot name them: every such change is an error.
func generated(stack string, ot, nt map[string]any) []Finding {
	var out []Finding
	const data = "the resources a transform or Fn::ForEach makes are known only at deploy time, so the check cannot tell which it deletes or replaces"
	if !reflect.DeepEqual(ot["Transform"], nt["Transform"]) {
		out = append(out, Finding{Stack: stack, LogicalID: "Transform", Type: "(template)", Change: "replaced",
			Reason: fmt.Sprintf("the template's Transform changes from %s to %s", compact(ot["Transform"]), compact(nt["Transform"])), Policy: "unknown", Severity: Error, Data: data})
	}
	oldR, _ := ot["Resources"].(map[string]any)
	newR, _ := nt["Resources"].(map[string]any)
	for id, v := range oldR {
		if _, isResource := v.(map[string]any); isResource && !strings.HasPrefix(id, "Fn::") {
			continue
		}
		if !reflect.DeepEqual(v, newR[id]) {
			out = append(out, Finding{Stack: stack, LogicalID: id, Type: "(generated)", Change: "replaced",
				Reason: "this entry of Resources makes resources at deploy time, and it changes", Policy: "unknown", Severity: Error, Data: data})
		}
	}
	return out
}

func resources(t map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := t["Resources"].(map[string]any)
	for id, r := range res {
		if m, ok := r.(map[string]any); ok {
			out[id] = m
		}
	}
	return out
}

func deleted(stack, id string, r map[string]any, why string) Finding {
	typ, _ := r["Type"].(string)
	p := policy(r, "DeletionPolicy")
	if p == "Delete" && r["DeletionPolicy"] == nil && (typ == "AWS::RDS::DBCluster" || typ == "AWS::RDS::DBInstance" && !hasProperty(r, "DBClusterIdentifier")) {
		// "The default policy is Snapshot for AWS::RDS::DBCluster resources
		// and for AWS::RDS::DBInstance resources that don't specify the
		// DBClusterIdentifier property" (DeletionPolicy attribute).
		p = "Snapshot"
	}
	return finding(stack, id, r, typ, "deleted", why, p)
}

func finding(stack, id string, r map[string]any, typ, change, why, pol string) Finding {
	f := Finding{Stack: stack, LogicalID: id, Type: typ, Change: change, Reason: why, Policy: pol, Severity: Warning}
	if f.Data = holdsData(typ); f.Data == "" {
		for _, attr := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if p := policy(r, attr); p != "Delete" { // Retain, Snapshot, or one the check cannot read
				f.Data = fmt.Sprintf("its %s is %s", attr, p)
				break
			}
		}
	}
	if f.Data != "" {
		f.Severity = Error
	}
	return f
}

// policy is a resource's DeletionPolicy or UpdateReplacePolicy;
// CloudFormation's default is Delete. A policy it would compute (an
// intrinsic) or one it does not know is "unknown": the check cannot tell
// what happens to the old resource.
func policy(r map[string]any, attr string) string {
	switch v := r[attr].(type) {
	case nil:
		return "Delete"
	case string:
		switch v {
		case "Delete", "Retain", "RetainExceptOnCreate", "Snapshot":
			return v
		}
	}
	return "unknown"
}

func hasProperty(r map[string]any, name string) bool {
	props, _ := r["Properties"].(map[string]any)
	_, ok := props[name]
	return ok
}

// replacement says why a change of properties replaces a resource of typ,
// or "".
func replacement(typ string, oldProps, newProps any) string {
	if reflect.DeepEqual(oldProps, newProps) {
		return ""
	}
	if intrinsic(oldProps) || intrinsic(newProps) {
		return "its Properties are computed at deploy time (" + compact(newProps) + "), so whether a property that requires replacement changes is unknown"
	}
	info, known := registry()[typ]
	if !known {
		if custom(typ) {
			// "If the update request results in a new physical ID,
			// CloudFormation ... sends a delete request to the old
			// resource" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-delete.html).
			return "its properties change, and its provider decides whether it answers with a new physical ID, which CloudFormation treats as a replacement (it deletes the old one)"
		}
		return fmt.Sprintf("its properties change and %s is not in this version's copy of the CloudFormation registry, so which of them replace it is unknown", typ)
	}
	op, oOK := oldProps.(map[string]any)
	np, nOK := newProps.(map[string]any)
	if (oldProps != nil && !oOK) || (newProps != nil && !nOK) {
		return "its Properties are not an object (" + compact(newProps) + "), so whether a property that requires replacement changes is unknown"
	}
	if typ == "AWS::CloudFormation::Stack" && !reflect.DeepEqual(op["TemplateURL"], np["TemplateURL"]) {
		return "its nested template changes (TemplateURL " + compact(op["TemplateURL"]) + " -> " + compact(np["TemplateURL"]) + "): the resources inside may be deleted or replaced, and the check does not see them"
	}
	var changed []string
	for _, path := range info.Replacing {
		maybe := strings.HasSuffix(path, "?")
		segs := strings.Split(strings.TrimSuffix(path, "?"), "/")
		o, n := op[segs[0]], np[segs[0]]
		if d := differs(o, n, segs[1:]); d != "" {
			what := fmt.Sprintf("%s %s -> %s", strings.TrimSuffix(path, "?"), compact(o), compact(n))
			if d != "changes" {
				what += " (" + d + ")"
			}
			if maybe {
				what += " (the registry says it may require replacement)"
			}
			changed = append(changed, what)
		}
	}
	if len(changed) == 0 {
		return ""
	}
	return "a property that requires replacement changes: " + strings.Join(changed, "; ")
}

func custom(typ string) bool {
	return strings.HasPrefix(typ, "Custom::") || typ == "AWS::CloudFormation::CustomResource"
}

// differs compares the values at a property path below o and n ("*" for
// every element), and says how they differ, or "". Where a value is
// computed at deploy time (an intrinsic function) or not the shape the path
// needs, it cannot look inside and compares the whole value.
func differs(o, n any, path []string) string {
	if len(path) == 0 {
		if reflect.DeepEqual(o, n) {
			return ""
		}
		return "changes"
	}
	whole := func(why string) string {
		if reflect.DeepEqual(o, n) {
			return ""
		}
		return why
	}
	if intrinsic(o) || intrinsic(n) {
		return whole("a value computed at deploy time changes above a nested property that requires replacement")
	}
	if path[0] == "*" {
		switch ov := o.(type) {
		case []any:
			nv, ok := n.([]any)
			if !ok || len(nv) != len(ov) {
				return whole("elements are added or removed where each holds a property that requires replacement")
			}
			for i := range ov {
				if d := differs(ov[i], nv[i], path[1:]); d != "" {
					return d
				}
			}
			return ""
		case map[string]any:
			nv, ok := n.(map[string]any)
			if !ok || len(nv) != len(ov) {
				return whole("entries are added or removed where each holds a property that requires replacement")
			}
			for k := range ov {
				if _, ok := nv[k]; !ok {
					return "entries are added or removed where each holds a property that requires replacement"
				}
				if d := differs(ov[k], nv[k], path[1:]); d != "" {
					return d
				}
			}
			return ""
		case nil:
			if n == nil {
				return ""
			}
			return differs([]any{}, n, path)
		}
		return whole("changes")
	}
	om, oOK := o.(map[string]any)
	nm, nOK := n.(map[string]any)
	if (o != nil && !oOK) || (n != nil && !nOK) {
		return whole("changes")
	}
	return differs(om[path[0]], nm[path[0]], path[1:])
}

// intrinsic reports whether v is a value CloudFormation computes.
func intrinsic(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

// referenceReplacement says why a resource is replaced because a
// property that requires replacement (any property, for a type the
// registry copy does not know) reads a replaced resource (Ref, Fn::GetAtt,
// Fn::Sub), an attribute of a resource whose properties changed, or the ID
// of a custom resource whose properties changed; or "".
func referenceReplacement(typ string, props any, replaced map[string]string, changed map[string]bool, res map[string]map[string]any) string {
	pm, _ := props.(map[string]any)
	var paths []string
	if info, known := registry()[typ]; known && !custom(typ) {
		paths = info.Replacing
	} else {
		for name := range pm {
			paths = append(paths, name)
		}
		sort.Strings(paths)
	}
	for _, path := range paths {
		segs := strings.Split(strings.TrimSuffix(path, "?"), "/")
		for _, v := range at(pm, segs) {
			for _, r := range references(v) {
				target, _ := res[r.id]["Type"].(string)
				switch {
				case replaced[r.id] != "":
					return fmt.Sprintf("%s refers to %s, which is replaced, so its value changes", strings.TrimSuffix(path, "?"), r.id)
				case changed[r.id] && r.attr:
					return fmt.Sprintf("%s reads an attribute of %s, whose properties change, so its value may change", strings.TrimSuffix(path, "?"), r.id)
				case changed[r.id] && custom(target):
					return fmt.Sprintf("%s reads the custom resource %s, whose provider is called again and may answer with another ID", strings.TrimSuffix(path, "?"), r.id)
				}
			}
		}
	}
	return ""
}

// at lists the values at a property path ("*" for every element); where a
// value on the way is computed at deploy time, that whole value.
func at(v any, path []string) []any {
	if len(path) == 0 || intrinsic(v) {
		return []any{v}
	}
	var out []any
	switch x := v.(type) {
	case map[string]any:
		if path[0] != "*" {
			return at(x[path[0]], path[1:])
		}
		for _, e := range x {
			out = append(out, at(e, path[1:])...)
		}
	case []any:
		if path[0] != "*" {
			return []any{v}
		}
		for _, e := range x {
			out = append(out, at(e, path[1:])...)
		}
	}
	return out
}

var subRef = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(\.[^}]*)?\}`)

// reference is one read of a resource: its ID (Ref), or an attribute
// (Fn::GetAtt, "${X.Attr}").
type reference struct {
	id   string
	attr bool
}

// references lists the reads of resources a value makes (Ref,
// Fn::GetAtt, Fn::Sub), anywhere inside it.
func references(v any) []reference {
	var out []reference
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				switch k {
				case "Ref":
					if s, ok := e.(string); ok {
						out = append(out, reference{id: s})
					}
				case "Fn::GetAtt":
					switch a := e.(type) {
					case []any:
						if len(a) > 0 {
							if s, ok := a[0].(string); ok {
								out = append(out, reference{id: s, attr: true})
							}
						}
					case string:
						out = append(out, reference{id: strings.SplitN(a, ".", 2)[0], attr: true})
					}
				case "Fn::Sub":
					s, _ := e.(string)
					if a, ok := e.([]any); ok && len(a) > 0 {
						s, _ = a[0].(string)
					}
					for _, m := range subRef.FindAllStringSubmatch(s, -1) {
						out = append(out, reference{id: m[1], attr: m[2] != ""})
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// successor names the new resources of the same type, likely the renamed
// one.
func successor(oldRes, newRes map[string]map[string]any, typ string) string {
	var names []string
	for id, r := range newRes {
		if _, was := oldRes[id]; !was && r["Type"] == typ {
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
