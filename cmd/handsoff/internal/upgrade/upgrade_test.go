package upgrade

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite registry.json from the registry database")

// TestRegistryMatches: registry.json is the registry database's, for
// every type.
func TestRegistryMatches(t *testing.T) {
	s := testenv.Schema(t)
	var b bytes.Buffer
	b.WriteString("{\n")
	types := s.Types()
	want := map[string]typeInfo{}
	for i, typ := range types {
		info := typeInfo{Stateful: s.IsStateful(typ), Replacing: s.ReplacingPaths(typ)}
		want[typ] = info
		k, _ := json.Marshal(typ)
		v, _ := json.Marshal(info)
		fmt.Fprintf(&b, "%s: %s", k, v)
		if i < len(types)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	if *update {
		if err := os.WriteFile("registry.json", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(want, registry()); diff != "" {
		t.Errorf("registry.json differs from the registry database (-database +file); go test ./internal/upgrade -run RegistryMatches -update:\n%s", diff)
	}
}

// TestDataTypesAreRegistryTypes: every type the check counts as holding
// data is one the registry knows (a misspelled name would protect
// nothing).
func TestDataTypesAreRegistryTypes(t *testing.T) {
	s := testenv.Schema(t)
	for _, typ := range DataTypes() {
		if !s.Has(typ) && !strings.HasPrefix(typ, "AWS::Serverless::") { // SAM's, expanded by its transform
			t.Errorf("%s is not a registry type", typ)
		}
	}
}

func tmpl(resources map[string]any) map[string]any { return map[string]any{"Resources": resources} }

func res(typ string, props map[string]any) map[string]any {
	return map[string]any{"Type": typ, "Properties": props}
}

func clone(v map[string]map[string]any) map[string]map[string]any {
	raw, _ := json.Marshal(v)
	var c map[string]map[string]any
	json.Unmarshal(raw, &c)
	return c
}

// TestCompare: each change that deletes or replaces is found, with its
// reason and severity; the ones that do not are not.
func TestCompare(t *testing.T) {
	const stack = "111111111111/us-east-1/orders-alpha-Service"
	bucket := res("AWS::S3::Bucket", map[string]any{"BucketName": "orders-data", "VersioningConfiguration": map[string]any{"Status": "Enabled"}})
	table := res("AWS::DynamoDB::Table", map[string]any{"KeySchema": []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}})
	base := map[string]map[string]any{stack: tmpl(map[string]any{
		"Data": bucket, "Orders": table, "Fn": res("AWS::Lambda::Function", map[string]any{"FunctionName": "orders"}),
		"Point": res("AWS::EFS::AccessPoint", map[string]any{"FileSystemId": "fs-1", "CreationInfo": map[string]any{"OwnerUid": "1000", "OwnerGid": "1000", "Permissions": "750"}}),
		"Meta":  map[string]any{"Type": "AWS::CDK::Metadata"},
	})}
	edit := func(f func(r map[string]any)) map[string]map[string]any {
		c := clone(base)
		f(c[stack]["Resources"].(map[string]any))
		return c
	}
	props := func(r map[string]any, id string) map[string]any {
		return r[id].(map[string]any)["Properties"].(map[string]any)
	}
	cases := []struct {
		name     string
		old, new map[string]map[string]any
		want     []string
	}{
		{"unchanged", base, base, nil},
		{"a bucket renamed (its logical ID)", base, edit(func(r map[string]any) { r["Data2"] = r["Data"]; delete(r, "Data") }),
			[]string{"error " + stack + ": AWS::S3::Bucket Data would be deleted (its data lost): its logical ID is gone (likely renamed to Data2: a new, empty resource) [the registry marks AWS::S3::Bucket stateful]"}},
		{"a bucket's name changed", base, edit(func(r map[string]any) { props(r, "Data")["BucketName"] = "orders-data-v2" }),
			[]string{`error ` + stack + `: AWS::S3::Bucket Data would be replaced (its data lost): a property that requires replacement changes: BucketName "orders-data" -> "orders-data-v2"`}},
		{"a table's key schema changed", base, edit(func(r map[string]any) {
			props(r, "Orders")["KeySchema"] = []any{map[string]any{"AttributeName": "orderId", "KeyType": "HASH"}}
		}), []string{`error ` + stack + `: AWS::DynamoDB::Table Orders would be replaced (its data lost): a property that requires replacement changes: KeySchema`}},
		{"a stack removed", base, map[string]map[string]any{}, []string{
			"error " + stack + ": AWS::S3::Bucket Data would be deleted (its data lost): its stack is gone",
			"warning " + stack + ": AWS::Lambda::Function Fn would be deleted (the old one deleted): its stack is gone",
			"error " + stack + ": AWS::DynamoDB::Table Orders would be deleted (its data lost): its stack is gone",
			"warning " + stack + ": AWS::EFS::AccessPoint Point would be deleted (the old one deleted): its stack is gone"}},
		{"a versioning change (no replacement)", base, edit(func(r map[string]any) {
			props(r, "Data")["VersioningConfiguration"] = map[string]any{"Status": "Suspended"}
		}), nil},
		{"a function renamed: a warning", base, edit(func(r map[string]any) { r["Fn2"] = r["Fn"]; delete(r, "Fn") }),
			[]string{"warning " + stack + ": AWS::Lambda::Function Fn would be deleted (the old one deleted): its logical ID is gone (likely renamed to Fn2"}},
		{"a function's name changed: a warning", base, edit(func(r map[string]any) { props(r, "Fn")["FunctionName"] = "orders2" }),
			[]string{"warning " + stack + ": AWS::Lambda::Function Fn would be replaced"}},
		{"a nested create-only property", base, edit(func(r map[string]any) { props(r, "Point")["CreationInfo"].(map[string]any)["OwnerUid"] = "1001" }),
			[]string{"warning " + stack + `: AWS::EFS::AccessPoint Point would be replaced (the old one deleted): a property that requires replacement changes: CreationInfo/OwnerUid {`}},
		{"a reference to a replaced resource in a create-only property", base, edit(func(r map[string]any) {
			props(r, "Fn")["FunctionName"] = "orders2"
			props(r, "Data")["BucketName"] = map[string]any{"Fn::Sub": "${Fn}-data"}
			r["Point"].(map[string]any)["Properties"].(map[string]any)["FileSystemId"] = map[string]any{"Ref": "Data"}
		}), []string{
			"error " + stack + `: AWS::S3::Bucket Data would be replaced`,
			"warning " + stack + `: AWS::Lambda::Function Fn would be replaced`,
			"warning " + stack + `: AWS::EFS::AccessPoint Point would be replaced`}},
		{"a retained bucket removed", edit(func(r map[string]any) { r["Data"].(map[string]any)["DeletionPolicy"] = "Retain" }),
			edit(func(r map[string]any) { delete(r, "Data") }),
			[]string{"error " + stack + ": AWS::S3::Bucket Data would be deleted (the old one retained outside the stack)"}},
		{"a retained function removed: an error, the team marked it", edit(func(r map[string]any) { r["Fn"].(map[string]any)["DeletionPolicy"] = "Retain" }),
			edit(func(r map[string]any) { delete(r, "Fn") }),
			[]string{"error " + stack + ": AWS::Lambda::Function Fn would be deleted (the old one retained outside the stack): its logical ID is gone [its DeletionPolicy is Retain]"}},
		{"a replacement follows UpdateReplacePolicy, not DeletionPolicy", edit(func(r map[string]any) {
			r["Data"].(map[string]any)["DeletionPolicy"] = "Retain"
		}), edit(func(r map[string]any) { props(r, "Data")["BucketName"] = "orders-data-v2" }),
			[]string{"error " + stack + ": AWS::S3::Bucket Data would be replaced (its data lost)"}},
		{"a database without a policy is snapshotted on deletion", map[string]map[string]any{stack: tmpl(map[string]any{"Db": res("AWS::RDS::DBInstance", map[string]any{})})},
			map[string]map[string]any{stack: tmpl(map[string]any{})},
			[]string{"error " + stack + ": AWS::RDS::DBInstance Db would be deleted (the old one snapshotted, then deleted)"}},
		{"a type change", base, edit(func(r map[string]any) { r["Data"].(map[string]any)["Type"] = "AWS::S3Express::DirectoryBucket" }),
			[]string{"error " + stack + ": AWS::S3::Bucket Data would be replaced (its data lost): its type becomes AWS::S3Express::DirectoryBucket"}},
		{"a type the registry copy does not know", map[string]map[string]any{stack: tmpl(map[string]any{"X": res("AWS::Future::Store", map[string]any{"A": "1"})})},
			map[string]map[string]any{stack: tmpl(map[string]any{"X": res("AWS::Future::Store", map[string]any{"A": "2"})})},
			[]string{"warning " + stack + ": AWS::Future::Store X would be replaced (the old one deleted): its properties change and AWS::Future::Store is not in this version's copy"}},
		{"a custom resource's properties change: its provider may answer with a new ID", map[string]map[string]any{stack: tmpl(map[string]any{"C": res("Custom::Thing", map[string]any{"A": "1"})})},
			map[string]map[string]any{stack: tmpl(map[string]any{"C": res("Custom::Thing", map[string]any{"A": "2"})})},
			[]string{"warning " + stack + ": Custom::Thing C would be replaced (the old one deleted): its properties change, and its provider decides"}},
		{"a condition changes", base, edit(func(r map[string]any) { r["Orders"].(map[string]any)["Condition"] = "IsProd" }),
			[]string{"error " + stack + ": AWS::DynamoDB::Table Orders would be deleted (its data lost): its Condition changes from (unset) to \"IsProd\""}},
		{"a create-only property computed at deploy time", base, edit(func(r map[string]any) {
			props(r, "Point")["CreationInfo"] = map[string]any{"Fn::If": []any{"C", map[string]any{"OwnerUid": "1"}, map[string]any{"OwnerUid": "2"}}}
		}), []string{"warning " + stack + ": AWS::EFS::AccessPoint Point would be replaced (the old one deleted): a property that requires replacement changes: CreationInfo/OwnerGid {"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range Compare(c.old, c.new) {
				got = append(got, f.String())
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], c.want[i]) {
					t.Errorf("finding %d:\n  got  %s\n  want %s...", i, got[i], c.want[i])
				}
			}
		})
	}
}

// TestEveryDataType: one resource of every type that can hold data,
// deleted, and replaced, is an error; so is one of any other type with a
// Retain or Snapshot policy; and a resource of a type that holds none is a
// warning, never silence.
func TestEveryDataType(t *testing.T) {
	s := testenv.Schema(t)
	const stack = "a/r/s"
	for _, typ := range DataTypes() {
		one := func(r map[string]any) map[string]map[string]any {
			return map[string]map[string]any{stack: tmpl(map[string]any{"R": r})}
		}
		old := res(typ, map[string]any{})
		for _, change := range []struct {
			name string
			new  map[string]map[string]any
		}{
			{"deleted", one(nil)},
			{"replaced", nil},
		} {
			var newT map[string]map[string]any
			switch change.name {
			case "deleted":
				newT = map[string]map[string]any{stack: tmpl(map[string]any{})}
			case "replaced":
				paths := s.ReplacingPaths(typ)
				if len(paths) == 0 {
					newT = one(res("AWS::S3::Bucket", map[string]any{}))
					break
				}
				p := strings.Split(strings.TrimSuffix(paths[0], "?"), "/")
				newT = one(res(typ, map[string]any{p[0]: nest(p[1:], "changed")}))
			}
			got := Compare(one(old), newT)
			if len(got) != 1 || got[0].Severity != Error || got[0].Change != change.name {
				t.Errorf("%s %s: %v, want one %s error", typ, change.name, got, change.name)
			}
		}
	}
	for _, typ := range []string{"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::SQS::QueuePolicy"} {
		for _, pol := range []string{"Retain", "Snapshot", "RetainExceptOnCreate", ""} {
			r := res(typ, map[string]any{})
			if pol != "" {
				r["DeletionPolicy"] = pol
			}
			got := Compare(map[string]map[string]any{stack: tmpl(map[string]any{"R": r})}, map[string]map[string]any{stack: tmpl(map[string]any{})})
			want := Warning
			if pol != "" {
				want = Error
			}
			if len(got) != 1 || got[0].Severity != want {
				t.Errorf("%s with DeletionPolicy %q deleted: %v, want one %s", typ, pol, got, want)
			}
		}
	}
}

// nest builds the value {a: {b: v}} for the path a/b ("*" a one-element
// list).
func nest(path []string, v any) any {
	if len(path) == 0 {
		return v
	}
	if path[0] == "*" {
		return []any{nest(path[1:], v)}
	}
	return map[string]any{path[0]: nest(path[1:], v)}
}

// TestCompareFindsEveryLoss is the check's promise as a property: over
// random stacks of registry types and random edits, Compare reports
// exactly the resources the edits delete or replace (the generator knows
// which, and follows references into create-only properties itself), and
// every one known to hold data (the registry database's isStateful, a
// Retain or Snapshot policy) is an error.
func TestCompareFindsEveryLoss(t *testing.T) {
	s := testenv.Schema(t)
	types := s.Types()
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(t, "resources")
		old := map[string]any{}
		typeOf := map[string]string{}
		var ids []string
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("R%d", i)
			typ := rapid.SampledFrom(types).Draw(t, id+".type")
			props := map[string]any{"Unrelated": rapid.IntRange(0, 3).Draw(t, id+".unrelated")}
			r := res(typ, props)
			if rapid.Bool().Draw(t, id+".policy?") {
				r[rapid.SampledFrom([]string{"DeletionPolicy", "UpdateReplacePolicy"}).Draw(t, id+".attr")] = rapid.SampledFrom([]string{"Retain", "Snapshot", "Delete"}).Draw(t, id+".policy")
			}
			old[id], typeOf[id] = r, typ
			ids = append(ids, id)
		}
		// Some create-only properties refer to earlier resources.
		refs := map[string]string{} // referrer -> referee
		for i, id := range ids {
			paths := topLevelReplacing(s, typeOf[id])
			if i == 0 || len(paths) == 0 || !rapid.Bool().Draw(t, id+".refers?") {
				continue
			}
			to := ids[rapid.IntRange(0, i-1).Draw(t, id+".refersTo")]
			old[id].(map[string]any)["Properties"].(map[string]any)[paths[0]] = map[string]any{"Ref": to}
			refs[id] = to
		}
		newT := clone(map[string]map[string]any{"s": tmpl(old)})["s"]["Resources"].(map[string]any)
		want := map[string]string{}
		for _, id := range ids {
			r := newT[id].(map[string]any)
			switch rapid.IntRange(0, 5).Draw(t, id+".edit") {
			case 0: // untouched
			case 1:
				delete(newT, id)
				want[id] = "deleted"
			case 2:
				newT[id+"x"] = r
				delete(newT, id)
				want[id] = "deleted"
			case 3:
				if paths := topLevelReplacing(s, typeOf[id]); len(paths) > 0 && refs[id] == "" {
					r["Properties"].(map[string]any)[paths[0]] = "changed"
					want[id] = "replaced"
				}
			case 4:
				r["Properties"].(map[string]any)["Unrelated"] = 9 // no registry type replaces on "Unrelated"
			case 5:
				r["Type"] = "AWS::Lambda::Function"
				if typeOf[id] != "AWS::Lambda::Function" {
					want[id] = "replaced"
				}
			}
		}
		for grew := true; grew; {
			grew = false
			for id, to := range refs {
				if want[id] == "" && want[to] == "replaced" {
					want[id], grew = "replaced", true
				}
			}
		}
		got := map[string]string{}
		for _, f := range Compare(map[string]map[string]any{"s": tmpl(old)}, map[string]map[string]any{"s": tmpl(newT)}) {
			got[f.LogicalID] = f.Change
			r := old[f.LogicalID].(map[string]any)
			marked := r["DeletionPolicy"] == "Retain" || r["DeletionPolicy"] == "Snapshot" || r["UpdateReplacePolicy"] == "Retain" || r["UpdateReplacePolicy"] == "Snapshot"
			if (s.IsStateful(f.Type) || marked) && f.Severity != Error {
				t.Errorf("%s holds data but is a %s", f, f.Severity)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("findings differ (-want +got):\n%s", diff)
		}
	})
}

// topLevelReplacing lists a type's top-level properties whose change
// surely replaces it.
func topLevelReplacing(s interface{ ReplacingPaths(string) []string }, typ string) []string {
	return slices.DeleteFunc(s.ReplacingPaths(typ), func(p string) bool { return strings.ContainsAny(p, "/?") })
}

// TestTemplatesKeyByStack: stacks are keyed as CloudFormation knows them,
// so a stack the assembly writes under another directory is the same
// stack, and one renamed is another.
func TestTemplatesKeyByStack(t *testing.T) {
	write := func(dir, nested, stackName string) {
		t.Helper()
		os.MkdirAll(dir+"/"+nested, 0o755)
		os.WriteFile(dir+"/manifest.json", []byte(`{"artifacts":{"n":{"type":"cdk:cloud-assembly","properties":{"directoryName":"`+nested+`"}}}}`), 0o644)
		os.WriteFile(dir+"/"+nested+"/manifest.json", []byte(`{"artifacts":{"S":{"type":"aws:cloudformation:stack","environment":"aws://111111111111/us-east-1","properties":{"templateFile":"S.template.json","stackName":"`+stackName+`"}}}}`), 0o644)
		os.WriteFile(dir+"/"+nested+"/S.template.json", []byte(`{"Resources":{"B":{"Type":"AWS::S3::Bucket"}}}`), 0o644)
		os.WriteFile(dir+"/"+nested+"/gates.template.json", []byte(`{"Resources":{}}`), 0o644)
	}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	write(a, "assembly-one", "orders-alpha")
	write(b, "assembly-two", "orders-alpha")
	write(c, "assembly-one", "orders-alpha2")
	ta, err := Templates(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ta["111111111111/us-east-1/orders-alpha"]; !ok || len(ta) != 2 || ta["file:assembly-one/gates.template.json"] == nil {
		t.Fatalf("keys %v", slices.Sorted(func(yield func(string) bool) {
			for k := range ta {
				yield(k)
			}
		}))
	}
	tb, _ := Templates(b)
	tc, _ := Templates(c)
	if got := Compare(ta, tb); len(got) != 0 {
		t.Errorf("moved directory: %v", got)
	}
	if got := Compare(ta, tc); len(got) != 1 || got[0].Reason != "its stack is gone from the app" {
		t.Errorf("renamed stack: %v", got)
	}
}

// TestCompareFailsClosed: what a resource reads outside its own JSON, and
// what a template makes only at deploy time, are counted (the classes a
// hostile review found passing silently).
func TestCompareFailsClosed(t *testing.T) {
	const stack = "1/r/s"
	parse := func(js string) map[string]map[string]any {
		var m map[string]any
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			t.Fatal(err)
		}
		return map[string]map[string]any{stack: m}
	}
	bucket := func(name string) string {
		return `{"Type":"AWS::S3::Bucket","Properties":{"BucketName":` + name + `}}`
	}
	cases := []struct {
		name, old, new string
		want           []string // LogicalID:severity
	}{
		{"a condition's definition changes",
			`{"Conditions":{"IsProd":{"Fn::Equals":[{"Ref":"Env"},"prod"]}},"Resources":{"B":{"Type":"AWS::S3::Bucket","Condition":"IsProd"}}}`,
			`{"Conditions":{"IsProd":{"Fn::Equals":[{"Ref":"Env"},"production"]}},"Resources":{"B":{"Type":"AWS::S3::Bucket","Condition":"IsProd"}}}`,
			[]string{"B:error"}},
		{"Fn::If on a condition whose definition changes",
			`{"Conditions":{"Blue":{"Fn::Equals":["a","a"]}},"Resources":{"B":` + bucket(`{"Fn::If":["Blue","x","y"]}`) + `}}`,
			`{"Conditions":{"Blue":{"Fn::Equals":["a","b"]}},"Resources":{"B":` + bucket(`{"Fn::If":["Blue","x","y"]}`) + `}}`,
			[]string{"B:error"}},
		{"a parameter's default changes",
			`{"Parameters":{"Name":{"Type":"String","Default":"orders"}},"Resources":{"T":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":{"Ref":"Name"}}}}}`,
			`{"Parameters":{"Name":{"Type":"String","Default":"orders-v2"}},"Resources":{"T":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":{"Ref":"Name"}}}}}`,
			[]string{"T:error"}},
		{"a parameter read through Fn::Sub",
			`{"Parameters":{"N":{"Default":"a"}},"Resources":{"B":` + bucket(`{"Fn::Sub":"${N}-data"}`) + `}}`,
			`{"Parameters":{"N":{"Default":"b"}},"Resources":{"B":` + bucket(`{"Fn::Sub":"${N}-data"}`) + `}}`,
			[]string{"B:error"}},
		{"a mapping changes",
			`{"Mappings":{"M":{"k":{"v":"a"}}},"Resources":{"B":` + bucket(`{"Fn::FindInMap":["M","k","v"]}`) + `}}`,
			`{"Mappings":{"M":{"k":{"v":"b"}}},"Resources":{"B":` + bucket(`{"Fn::FindInMap":["M","k","v"]}`) + `}}`,
			[]string{"B:error"}},
		{"a parameter read only by a property that does not replace",
			`{"Parameters":{"V":{"Default":"Enabled"}},"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"VersioningConfiguration":{"Status":{"Ref":"V"}}}}}}`,
			`{"Parameters":{"V":{"Default":"Suspended"}},"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"VersioningConfiguration":{"Status":{"Ref":"V"}}}}}}`,
			nil},
		{"an intrinsic around the whole Properties",
			`{"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"Fn::If":["C",{"BucketName":"a"},{}]}}}}`,
			`{"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"Fn::If":["C",{"BucketName":"b"},{}]}}}}`,
			[]string{"B:error"}},
		{"AWS::Include in Properties",
			`{"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"Fn::Transform":{"Name":"AWS::Include","Parameters":{"Location":"s3://x/v1.json"}}}}}}`,
			`{"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"Fn::Transform":{"Name":"AWS::Include","Parameters":{"Location":"s3://x/v2.json"}}}}}}`,
			[]string{"B:error"}},
		{"a Fn::ForEach of tables removed",
			`{"Transform":"AWS::LanguageExtensions","Resources":{"Fn::ForEach::Tables":["T",["Orders","Users"],{"${T}Table":{"Type":"AWS::DynamoDB::Table"}}]}}`,
			`{"Transform":"AWS::LanguageExtensions","Resources":{}}`,
			[]string{"Fn::ForEach::Tables:error"}},
		{"a template's Transform removed",
			`{"Transform":"MyMacro","Resources":{}}`, `{"Resources":{}}`,
			[]string{"Transform:error"}},
		{"a referrer of a type the registry copy does not know",
			`{"Resources":{"B":` + bucket(`"a"`) + `,"X":{"Type":"Acme::Data::Store","Properties":{"Bucket":{"Ref":"B"}}}}}`,
			`{"Resources":{"B":` + bucket(`"b"`) + `,"X":{"Type":"Acme::Data::Store","Properties":{"Bucket":{"Ref":"B"}}}}}`,
			[]string{"B:error", "X:warning"}},
		{"an attribute of a resource updated in place",
			`{"Resources":{"P":{"Type":"AWS::SSM::Parameter","Properties":{"Type":"String","Value":"orders"}},"T":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":{"Fn::GetAtt":["P","Value"]}}}}}`,
			`{"Resources":{"P":{"Type":"AWS::SSM::Parameter","Properties":{"Type":"String","Value":"orders-v2"}},"T":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":{"Fn::GetAtt":["P","Value"]}}}}}`,
			[]string{"T:error"}},
		{"the ID of a custom resource whose input changes",
			`{"Resources":{"C":{"Type":"Custom::Name","Properties":{"In":"1"}},"B":` + bucket(`{"Ref":"C"}`) + `}}`,
			`{"Resources":{"C":{"Type":"Custom::Name","Properties":{"In":"2"}},"B":` + bucket(`{"Ref":"C"}`) + `}}`,
			[]string{"B:error", "C:warning"}},
		{"a nested stack's template changes",
			`{"Resources":{"N":{"Type":"AWS::CloudFormation::Stack","Properties":{"TemplateURL":"https://x/db-v1.json"}}}}`,
			`{"Resources":{"N":{"Type":"AWS::CloudFormation::Stack","Properties":{"TemplateURL":"https://x/db-v2.json"}}}}`,
			[]string{"N:error"}},
		{"SAM's table",
			`{"Transform":"AWS::Serverless-2016-10-31","Resources":{"T":{"Type":"AWS::Serverless::SimpleTable","Properties":{"PrimaryKey":{"Name":"id"}}}}}`,
			`{"Transform":"AWS::Serverless-2016-10-31","Resources":{"T":{"Type":"AWS::Serverless::SimpleTable","Properties":{"PrimaryKey":{"Name":"key"}}}}}`,
			[]string{"T:error"}},
		{"an instance replaced: its root volume goes with it",
			`{"Resources":{"I":{"Type":"AWS::EC2::Instance","Properties":{"ImageId":"ami-1"}}}}`,
			`{"Resources":{"I":{"Type":"AWS::EC2::Instance","Properties":{"ImageId":"ami-2"}}}}`,
			[]string{"I:error"}},
		{"a policy computed at deploy time",
			`{"Resources":{"F":{"Type":"AWS::Lambda::Function","DeletionPolicy":{"Fn::If":["C","Retain","Delete"]}}}}`,
			`{"Resources":{}}`,
			[]string{"F:error"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range Compare(parse(c.old), parse(c.new)) {
				got = append(got, f.LogicalID+":"+f.Severity)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
	// Replacing a resource whose UpdateReplacePolicy the new version
	// drops: the check assumes the weaker of the two.
	old := parse(`{"Resources":{"B":{"Type":"AWS::S3::Bucket","UpdateReplacePolicy":"Snapshot","Properties":{"BucketName":"a"}}}}`)
	new := parse(`{"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"BucketName":"b"}}}}`)
	if f := Compare(old, new); len(f) != 1 || f[0].Policy != "Delete" {
		t.Errorf("policy: %+v", f)
	}
}

// TestTemplatesRefuseDuplicateKeys: a template that gives a key twice is
// refused, naming it, and large integers keep every digit.
func TestTemplatesReadExactly(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/t.template.json"
	os.WriteFile(path, []byte(`{"Resources":{"B":{"Type":"AWS::S3::Bucket"},"B":{"Type":"AWS::SQS::Queue"}}}`), 0o644)
	if _, err := readTemplate(path); err == nil || !strings.Contains(err.Error(), `$.Resources: the key "B" is given twice`) {
		t.Errorf("duplicate: %v", err)
	}
	os.WriteFile(path, []byte(`{"Resources":{"T":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":9007199254740993}}}}`), 0o644)
	a, _ := readTemplate(path)
	os.WriteFile(path, []byte(`{"Resources":{"T":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":9007199254740992}}}}`), 0o644)
	b, _ := readTemplate(path)
	if len(Compare(map[string]map[string]any{"s": a}, map[string]map[string]any{"s": b})) != 1 {
		t.Error("a change in the 16th digit is not seen")
	}
}
