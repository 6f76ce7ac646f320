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
		// present: for each tag key, the choices under which an element
		// gives it a value; a required tag must have one in every world.
		present := map[string][][]string{}
		flagged := map[string]bool{} // a value missing under a condition, reported where it is
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
				tagValue(t, Value{V: m[k], Conds: tags.Conds}, k, join(path, k), present, flagged, j)
			}
		default:
			for _, it := range t.Items(tags.V, path, false, tags.Conds...) {
				if !it.Known() {
					j.unresolved(it.Path, it.Value, "a tag")
					continue
				}
				m, isMap := it.V.(map[string]any)
				if !isMap {
					continue
				}
				for _, key := range t.Eval(m["Key"], it.Conds...) {
					k, ok := key.Str()
					if !ok {
						if !key.Absent {
							j.unresolved(join(it.Path, "Key"), key, "a tag's key")
						}
						continue
					}
					tagValue(t, Value{V: m["Value"], Conds: key.Conds}, k, join(it.Path, "Value"), present, flagged, j)
				}
			}
		}
		var missing []string
		for _, k := range ctx.RequiredTags {
			if !flagged[k] && !t.everyWorld(tags.Conds, present[k]) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			j.breach(path, "lacks a value for %s%s", strings.Join(missing, ", "), tags.When())
		}
	}
	return j.verdicts()
}

// tagValue records under which choices tag key has a value, or reports
// why it has none.
func tagValue(t *Template, v Value, key, path string, present map[string][][]string, flagged map[string]bool, j *judge) {
	for _, alt := range t.Eval(v.V, v.Conds...) {
		s, isStr := alt.Str()
		switch {
		case alt.Absent, isStr && strings.TrimSpace(s) == "":
			if len(alt.Conds) > len(v.Conds) {
				j.breach(path, "tag %s has no value%s", key, alt.When())
				flagged[key] = true
			}
		case !alt.Known():
			j.unresolved(path, alt, "the value of tag "+key)
			present[key] = append(present[key], alt.Conds) // reported once, as unresolved
		default:
			present[key] = append(present[key], alt.Conds)
		}
	}
}
