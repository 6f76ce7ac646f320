package guardrails

import (
	_ "embed"
	"encoding/json"
	"strings"
	"sync"
)

// taggable.json lists every CloudFormation type that takes tags, with the
// property and its shape, as the CloudFormation registry schemas say
// (through @aws-cdk/aws-service-spec; TestTaggableMatchesRegistry compares
// them and rewrites the file with -update).
//
//go:embed taggable.json
var taggableJSON []byte

type tagInfo struct {
	Property string `json:"p"`
	Variant  string `json:"v"` // standard, map, asg
}

var taggable = sync.OnceValue(func() map[string]tagInfo {
	var m map[string]tagInfo
	if err := json.Unmarshal(taggableJSON, &m); err != nil {
		panic("guardrails: taggable.json: " + err.Error()) // embedded at build time
	}
	return m
})

// Taggable reports whether a CloudFormation type takes tags, which HS-TAG-1
// then requires.
func Taggable(cfnType string) bool { _, ok := taggable()[cfnType]; return ok }

// checkRequiredTags is HS-TAG-1: every resource of a taggable type carries
// every required tag with a value, wherever its type keeps tags.
func checkRequiredTags(r Resource, ctx Context) []Verdict {
	info, ok := taggable()[r.Type]
	if len(ctx.RequiredTags) == 0 || !ok {
		return nil
	}
	t, j := r.tmpl(), &judge{}
	path := info.Property
	for _, tags := range t.Eval(r.Properties[info.Property]) {
		have := map[string]bool{}
		switch {
		case tags.Absent:
		case !tags.Known():
			j.unresolved(path, tags, "the tags")
			continue
		case info.Variant == "map":
			m, isMap := tags.V.(map[string]any)
			if !isMap {
				tags.Unknown = "not an object"
				j.unresolved(path, tags, "the tags")
				continue
			}
			for _, k := range sortedKeys(m) {
				tagValue(t, Value{V: m[k], Conds: tags.Conds}, k, join(path, k), have, j)
			}
		default:
			for _, it := range t.Items(tags.V, path, false) {
				if !it.Known() {
					j.unresolved(it.Path, it.Value, "a tag")
					continue
				}
				m, isMap := it.V.(map[string]any)
				if !isMap {
					continue
				}
				key, _ := m["Key"].(string)
				tagValue(t, Value{V: m["Value"], Conds: it.Conds}, key, join(it.Path, "Value"), have, j)
			}
		}
		var missing []string
		for _, k := range ctx.RequiredTags {
			if !have[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			j.breach(path, "lacks a value for %s%s", strings.Join(missing, ", "), tags.When())
		}
	}
	return j.verdicts()
}

// tagValue records that tag key has a value, or reports why not.
func tagValue(t *Template, v Value, key, path string, have map[string]bool, j *judge) {
	for _, alt := range t.Eval(v.V, v.Conds...) {
		s, isStr := alt.Str()
		switch {
		case alt.Absent, isStr && strings.TrimSpace(s) == "":
			if len(alt.Conds) > len(v.Conds) {
				j.breach(path, "tag %s has no value%s", key, alt.When())
			}
		case !alt.Known():
			j.unresolved(path, alt, "the value of tag "+key)
			have[key] = true // reported once, as unresolved
		default:
			have[key] = true
		}
	}
}
