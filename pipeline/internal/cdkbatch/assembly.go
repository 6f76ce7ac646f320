package cdkbatch

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"sync"

	_jsii_ "github.com/aws/jsii-runtime-go/runtime"
)

// Name and Version name the npm package the assembly is, in the kernel.
const (
	Name    = "@handsoff-cdk/cdkbatch"
	Version = "1.1.0"
	// fqn is the class whose static methods are the batched operations.
	fqn = Name + ".Batch"
)

//go:embed cdkbatch.js
var source []byte

// methods are Batch's static methods and their parameters, for the jsii
// manifest; every parameter and result is of type any.
var methods = []struct {
	name   string
	params []string
}{
	{"describeStage", []string{"stage", "home", "tags"}},
	{"tag", []string{"scope", "tags"}},
	{"firstLocalStack", []string{"stage", "home"}},
	{"addPropertyOverrideJSON", []string{"resource", "path", "json"}},
	{"addNagSuppressions", []string{"scopes", "entries"}},
	{"pipelineStages", []string{"pipeline"}},
	{"hardenSupportStacks", []string{"pipeline", "spec"}},
}

var load = sync.OnceFunc(func() { _jsii_.Load(Name, Version, tarball()) })

// tarball is the npm package: package.json, the jsii manifest and the
// code, under package/ as npm packs it. It is the same bytes every time
// (no modification times), so the kernel's package cache keeps it.
func tarball() []byte {
	anyType := map[string]any{"primitive": "any"}
	var ms []any
	for _, m := range methods {
		var ps []any
		for _, p := range m.params {
			ps = append(ps, map[string]any{"name": p, "type": anyType})
		}
		ms = append(ms, map[string]any{"name": m.name, "static": true, "parameters": ps, "returns": map[string]any{"type": anyType}})
	}
	manifest := map[string]any{
		"schema": "jsii/0.10.0", "name": Name, "version": Version, "jsiiVersion": "1.128.0",
		"fingerprint": "handsoff-cdkbatch-" + Version, "license": "Apache-2.0",
		"description": "handsoff's batched CDK operations",
		"homepage":    "https://github.com/handsoff-cdk/handsoff",
		"repository":  map[string]any{"type": "git", "url": "https://github.com/handsoff-cdk/handsoff.git"},
		"author":      map[string]any{"name": "handsoff", "roles": []any{"author"}},
		"types": map[string]any{fqn: map[string]any{
			"assembly": Name, "fqn": fqn, "kind": "class", "name": "Batch", "methods": ms,
		}},
	}
	files := []struct {
		name string
		data []byte
	}{
		{"package/package.json", mustJSON(map[string]any{"name": Name, "version": Version, "main": "cdkbatch.js", "license": "Apache-2.0"})},
		{"package/.jsii", mustJSON(manifest)},
		{"package/cdkbatch.js", source},
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			panic(err) // writing to memory
		}
		if _, err := tw.Write(f.data); err != nil {
			panic(err)
		}
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
	if err := gz.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings
	}
	return b
}

// call invokes a static method of Batch and returns its result as JSON
// values (a construct in it would be a bare {"$jsii.byref": ...}).
func call(method string, args ...any) any {
	var ret any
	callInto(&ret, method, args...)
	return ret
}

// callInto invokes a static method of Batch and converts its result into
// *ret, which may be a construct's interface.
func callInto(ret any, method string, args ...any) {
	load()
	_jsii_.StaticInvoke(fqn, method, args, ret)
}
