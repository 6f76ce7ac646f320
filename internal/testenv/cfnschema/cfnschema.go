// Package cfnschema checks CloudFormation templates against the
// CloudFormation registry schemas, as the AWS CDK's own database of them
// (the npm package @aws-cdk/aws-service-spec, db.json.gz, refreshed weekly
// from the registry) records them: resource types, property names, property
// types, required properties and which properties replace a resource.
//
// It is a test oracle: a template that synthesizes can still be refused by
// CloudFormation for a misspelled or misplaced property, and goformation's
// 2024 specification lags behind the registry (V2 stage conditions, for
// one). Values CloudFormation computes (Ref, Fn::*) are accepted wherever a
// value goes, since their type is known only at deploy time.
package cfnschema

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// DBPath is where scripts/setup installs the database, relative to the
// project root.
const DBPath = "node_modules/@aws-cdk/aws-service-spec/db.json.gz"

// Schema is the registry's resource types.
type Schema struct {
	resources map[string]*resource
	types     map[string]*typeDef
}

type resource struct {
	Type       string               `json:"cloudFormationType"`
	Properties map[string]*property `json:"properties"`
	Tags       *TagInformation      `json:"tagInformation"`
	Stateful   bool                 `json:"isStateful"`
	// Additional are nested property paths whose change replaces the
	// resource, beyond those the properties' causesReplacement mark.
	Additional [][]string `json:"additionalReplacementProperties"`
}

// TagInformation says where a taggable resource type takes its tags:
// the property, and its shape ("standard": a list of Key/Value, "map": an
// object of key to value, "asg": Key/Value/PropagateAtLaunch).
type TagInformation struct {
	Property string `json:"tagPropertyName"`
	Variant  string `json:"variant"`
}

type typeDef struct {
	ID         string               `json:"$id"`
	Name       string               `json:"name"`
	Properties map[string]*property `json:"properties"`
}

type property struct {
	Type              *typ   `json:"type"`
	PreviousTypes     []*typ `json:"previousTypes"`
	Required          bool   `json:"required"`
	CausesReplacement string `json:"causesReplacement"`
}

type typ struct {
	Type          string `json:"type"`
	AllowedValues []any  `json:"allowedValues"` // strings, and numbers for a few types
	Element       *typ   `json:"element"`
	Types         []*typ `json:"types"`
	Reference     *struct {
		Ref string `json:"$ref"`
	} `json:"reference"`
}

type db struct {
	Schema struct {
		Resource struct {
			Entities []*resource `json:"entities"`
		} `json:"resource"`
		TypeDefinition struct {
			Entities []*typeDef `json:"entities"`
		} `json:"typeDefinition"`
	} `json:"schema"`
}

// Load reads the database (db.json.gz).
func Load(path string) (*Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var d db
	if err := json.NewDecoder(z).Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &Schema{resources: map[string]*resource{}, types: map[string]*typeDef{}}
	for _, r := range d.Schema.Resource.Entities {
		s.resources[r.Type] = r
	}
	for _, t := range d.Schema.TypeDefinition.Entities {
		s.types[t.ID] = t
	}
	if len(s.resources) < 1000 {
		return nil, fmt.Errorf("%s holds %d resource types: not the registry database", path, len(s.resources))
	}
	return s, nil
}

// Has reports whether the registry knows a resource type.
func (s *Schema) Has(resourceType string) bool { return s.resources[resourceType] != nil }

// CausesReplacement reports whether changing a property of a resource type
// replaces the resource ("yes"), may ("maybe"), or not ("").
func (s *Schema) CausesReplacement(resourceType, prop string) string {
	if r := s.resources[resourceType]; r != nil {
		if p := r.Properties[prop]; p != nil {
			return p.CausesReplacement
		}
	}
	return ""
}

// AllowedValues lists the values the registry allows for a property of a
// resource type (UpdateMethod of AWS::SSM::Document: Replace, NewVersion),
// or nil where it names none.
func (s *Schema) AllowedValues(resourceType, prop string) []string {
	if r := s.resources[resourceType]; r != nil {
		if p := r.Properties[prop]; p != nil && p.Type != nil && p.Type.AllowedValues != nil {
			out := make([]string, len(p.Type.AllowedValues))
			for i, v := range p.Type.AllowedValues {
				out[i] = fmt.Sprint(v)
			}
			return out
		}
	}
	return nil
}

// ReplacingProperties lists, sorted, the properties of a resource type
// whose change replaces the resource ("yes") or may ("maybe").
func (s *Schema) ReplacingProperties(resourceType string) []string {
	r := s.resources[resourceType]
	if r == nil {
		return nil
	}
	var out []string
	for name, p := range r.Properties {
		if p.CausesReplacement == "yes" || p.CausesReplacement == "maybe" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// IsStateful reports whether the registry database marks a resource type
// as holding state (its isStateful, which the AWS CDK uses to warn before
// replacing one).
func (s *Schema) IsStateful(resourceType string) bool {
	r := s.resources[resourceType]
	return r != nil && r.Stateful
}

// Types lists every resource type of the registry, sorted.
func (s *Schema) Types() []string { return slices.Sorted(maps.Keys(s.resources)) }

// ReplacingPaths lists, sorted, every property path of a resource type
// whose change replaces the resource: a top-level property ("KeySchema"),
// or one inside it ("CreationInfo/OwnerUid"), where "*" stands for every
// element of a list or map. A path that only may replace (the registry's
// "maybe") ends in "?". The walk follows the property types into their
// definitions; a definition met again on the same path is not entered
// twice.
func (s *Schema) ReplacingPaths(resourceType string) []string {
	r := s.resources[resourceType]
	if r == nil {
		return nil
	}
	set := map[string]bool{}
	var props func(prefix string, ps map[string]*property, seen map[string]bool)
	var walk func(prefix string, t *typ, seen map[string]bool)
	props = func(prefix string, ps map[string]*property, seen map[string]bool) {
		for name, p := range ps {
			path := prefix + name
			switch p.CausesReplacement {
			case "yes":
				set[path] = true
				continue
			case "maybe":
				set[path+"?"] = true
				continue
			}
			for _, t := range append([]*typ{p.Type}, p.PreviousTypes...) {
				walk(path, t, seen)
			}
		}
	}
	walk = func(path string, t *typ, seen map[string]bool) {
		if t == nil {
			return
		}
		switch t.Type {
		case "array", "map":
			walk(path+"/*", t.Element, seen)
		case "union":
			for _, alt := range t.Types {
				walk(path, alt, seen)
			}
		case "ref":
			id := t.Reference.Ref
			def := s.types[id]
			if def == nil || seen[id] {
				return
			}
			inner := maps.Clone(seen)
			inner[id] = true
			props(path+"/", def.Properties, inner)
		}
	}
	props("", r.Properties, map[string]bool{})
	for _, a := range r.Additional {
		set[strings.Join(a, "/")] = true
	}
	// A path under one that already replaces adds nothing.
	out := slices.Sorted(maps.Keys(set))
	return slices.DeleteFunc(out, func(p string) bool {
		for q := range set {
			if q != p && strings.HasPrefix(p, strings.TrimSuffix(q, "?")+"/") && !strings.HasSuffix(q, "?") {
				return true
			}
		}
		return false
	})
}

// Validate checks every resource of a template and returns one line per
// problem: "Resources.{id}.Properties.{path}: {what}", sorted.
func (s *Schema) Validate(template map[string]any) []string {
	var out []string
	res, _ := template["Resources"].(map[string]any)
	for id, r := range res {
		rm, ok := r.(map[string]any)
		if !ok {
			out = append(out, fmt.Sprintf("Resources.%s: not an object", id))
			continue
		}
		t, _ := rm["Type"].(string)
		if strings.HasPrefix(t, "Custom::") || t == "AWS::CDK::Metadata" {
			continue // custom resources take any properties; CDK metadata is not deployed as a resource type check
		}
		def := s.resources[t]
		if def == nil {
			out = append(out, fmt.Sprintf("Resources.%s: resource type %q is not in the CloudFormation registry", id, t))
			continue
		}
		props, _ := rm["Properties"].(map[string]any)
		if rm["Properties"] != nil && props == nil && !intrinsic(rm["Properties"]) {
			out = append(out, fmt.Sprintf("Resources.%s.Properties: not an object", id))
			continue
		}
		out = append(out, s.object(fmt.Sprintf("Resources.%s.Properties", id), t, def.Properties, props)...)
	}
	sort.Strings(out)
	return out
}

func (s *Schema) object(path, typeName string, schema map[string]*property, v map[string]any) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(schema)) {
		if schema[name].Required {
			if _, ok := v[name]; !ok {
				out = append(out, fmt.Sprintf("%s.%s: required by %s, missing", path, name, typeName))
			}
		}
	}
	for name, val := range v {
		p := schema[name]
		if p == nil {
			out = append(out, fmt.Sprintf("%s.%s: %s has no property %q%s", path, name, typeName, name, suggest(name, schema)))
			continue
		}
		var errs []string
		for _, t := range append([]*typ{p.Type}, p.PreviousTypes...) {
			errs = s.value(path+"."+name, t, val)
			if len(errs) == 0 {
				break
			}
		}
		out = append(out, errs...)
	}
	return out
}

// value checks one value against a type.
func (s *Schema) value(path string, t *typ, v any) []string {
	if t == nil || intrinsic(v) {
		return nil
	}
	bad := func(want string) []string {
		b, _ := json.Marshal(v)
		if len(b) > 80 {
			b = append(b[:77], "..."...)
		}
		return []string{fmt.Sprintf("%s: want %s, got %s", path, want, b)}
	}
	switch t.Type {
	case "string":
		switch x := v.(type) {
		case string:
			return nil
		case float64, bool, int:
			return nil // CloudFormation turns scalars into strings
		default:
			_ = x
		}
		return bad("a string")
	case "number", "integer":
		switch x := v.(type) {
		case float64, int:
			return nil
		case string:
			if _, err := strconv.ParseFloat(x, 64); err == nil {
				return nil
			}
		}
		return bad("a number")
	case "boolean":
		switch x := v.(type) {
		case bool:
			return nil
		case string:
			if x == "true" || x == "false" {
				return nil
			}
		}
		return bad("a boolean")
	case "json", "date-time", "null":
		return nil
	case "array":
		list, ok := v.([]any)
		if !ok {
			return bad("a list")
		}
		var out []string
		for i, e := range list {
			out = append(out, s.value(fmt.Sprintf("%s[%d]", path, i), t.Element, e)...)
		}
		return out
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return bad("a map")
		}
		var out []string
		for k, e := range m {
			out = append(out, s.value(path+"."+k, t.Element, e)...)
		}
		return out
	case "tag":
		m, ok := v.(map[string]any)
		if !ok {
			return bad("a tag {Key, Value}")
		}
		var out []string
		for k, e := range m {
			if k != "Key" && k != "Value" {
				out = append(out, fmt.Sprintf("%s.%s: a tag has only Key and Value", path, k))
			} else {
				out = append(out, s.value(path+"."+k, &typ{Type: "string"}, e)...)
			}
		}
		if _, ok := m["Key"]; !ok {
			out = append(out, path+".Key: required by a tag, missing")
		}
		return out
	case "ref":
		def := s.types[t.Reference.Ref]
		if def == nil {
			return nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return bad("an object " + def.Name)
		}
		return s.object(path, def.Name, def.Properties, m)
	case "union":
		var first []string
		for _, alt := range t.Types {
			errs := s.value(path, alt, v)
			if len(errs) == 0 {
				return nil
			}
			if first == nil {
				first = errs
			}
		}
		return first
	}
	return nil
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

func suggest(name string, schema map[string]*property) string {
	for known := range schema {
		if strings.EqualFold(known, name) {
			return fmt.Sprintf(" (did you mean %q?)", known)
		}
	}
	return ""
}

// Taggable lists every resource type that takes tags, by type.
func (s *Schema) Taggable() map[string]TagInformation {
	out := map[string]TagInformation{}
	for name, r := range s.resources {
		if r.Tags != nil {
			out[name] = *r.Tags
		}
	}
	return out
}
