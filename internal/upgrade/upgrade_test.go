package upgrade

import (
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite replacing.json from the registry schemas")

// TestReplacingMatchesRegistry: the replacing properties of each stateful
// type are the registry's.
func TestReplacingMatchesRegistry(t *testing.T) {
	s := testenv.Schema(t)
	want := map[string][]string{}
	for _, typ := range statefulTypes {
		if !s.Has(typ) {
			t.Errorf("%s is not a registry type", typ)
			continue
		}
		want[typ] = s.ReplacingProperties(typ)
	}
	if *update {
		raw, _ := json.MarshalIndent(want, "", " ")
		os.WriteFile("replacing.json", append(raw, '\n'), 0o644)
		return
	}
	if diff := cmp.Diff(want, replacing()); diff != "" {
		t.Errorf("replacing.json differs from the registry (-registry +file); go test ./internal/upgrade -run Replacing -update:\n%s", diff)
	}
}

func tmpl(resources map[string]any) map[string]any { return map[string]any{"Resources": resources} }

func res(typ string, props map[string]any) map[string]any {
	return map[string]any{"Type": typ, "Properties": props}
}

// TestCompare: the changes that lose data are found, with their reason;
// the ones that do not are not.
func TestCompare(t *testing.T) {
	bucket := res("AWS::S3::Bucket", map[string]any{"BucketName": "orders-data", "VersioningConfiguration": map[string]any{"Status": "Enabled"}})
	table := res("AWS::DynamoDB::Table", map[string]any{"KeySchema": []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}})
	base := map[string]map[string]any{"app/Service.template.json": tmpl(map[string]any{"Data": bucket, "Orders": table, "Fn": res("AWS::Lambda::Function", nil)})}
	edit := func(f func(r map[string]any)) map[string]map[string]any {
		raw, _ := json.Marshal(base)
		var c map[string]map[string]any
		json.Unmarshal(raw, &c)
		f(c["app/Service.template.json"]["Resources"].(map[string]any))
		return c
	}
	cases := []struct {
		name string
		new  map[string]map[string]any
		want []string
	}{
		{"unchanged", base, nil},
		{"a bucket renamed (its logical ID)", edit(func(r map[string]any) { r["Data2"] = r["Data"]; delete(r, "Data") }),
			[]string{"app/Service.template.json: AWS::S3::Bucket Data (its data lost) would be deleted: its logical ID is gone (likely renamed to Data2: a new, empty resource)"}},
		{"a bucket's name changed", edit(func(r map[string]any) {
			r["Data"].(map[string]any)["Properties"].(map[string]any)["BucketName"] = "orders-data-v2"
		}),
			[]string{`app/Service.template.json: AWS::S3::Bucket Data (its data lost) would be replaced: a property that requires replacement changes: BucketName "orders-data" -> "orders-data-v2"`}},
		{"a table's key schema changed", edit(func(r map[string]any) {
			r["Orders"].(map[string]any)["Properties"].(map[string]any)["KeySchema"] = []any{map[string]any{"AttributeName": "orderId", "KeyType": "HASH"}}
		}), []string{`app/Service.template.json: AWS::DynamoDB::Table Orders (its data lost) would be replaced: a property that requires replacement changes: KeySchema`}},
		{"a retained bucket removed", edit(func(r map[string]any) { delete(r, "Data") }), nil},
		{"a stack removed", map[string]map[string]any{}, []string{
			"app/Service.template.json: AWS::S3::Bucket Data (its data lost) would be deleted: its stack is gone",
			"app/Service.template.json: AWS::DynamoDB::Table Orders (its data lost) would be deleted: its stack is gone"}},
		{"a versioning change (no replacement)", edit(func(r map[string]any) {
			r["Data"].(map[string]any)["Properties"].(map[string]any)["VersioningConfiguration"] = map[string]any{"Status": "Suspended"}
		}), nil},
		{"a function renamed (not stateful)", edit(func(r map[string]any) { r["Fn2"] = r["Fn"]; delete(r, "Fn") }), nil},
	}
	// The retained case: the old bucket is retained.
	retainedBase := edit(func(r map[string]any) { r["Data"].(map[string]any)["DeletionPolicy"] = "Retain" })
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old := base
			if c.name == "a retained bucket removed" {
				old = retainedBase
				c.want = []string{"app/Service.template.json: AWS::S3::Bucket Data (retained) would be deleted: its logical ID is gone"}
			}
			var got []string
			for _, f := range Compare(old, c.new) {
				got = append(got, f.String())
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %q\nwant %q", got, c.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], c.want[i]) {
					t.Errorf("finding %d:\n  got  %s\n  want %s...", i, got[i], c.want[i])
				}
			}
		})
	}
}
