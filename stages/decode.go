package stages

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// MaxDocumentBytes is the largest document accepted from any source.
const MaxDocumentBytes = 1 << 20

// decodeStrict decodes data into a Document. Unlike encoding/json with
// DisallowUnknownFields, which stops at the first surprise, it walks the whole
// document against the Document type first and reports every unknown field
// (with a likely correction) and every value of the wrong JSON type.
func decodeStrict(data []byte, ps *problems) *Document {
	if len(data) > MaxDocumentBytes {
		ps.addc(CodeTooLarge, "", "document is %d bytes; the limit is %d", len(data), MaxDocumentBytes)
		return nil
	}
	if !checkText(data, ps) || !checkStructure(data, ps) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		ps.addc(CodeSyntax, "", "not valid JSON: %s", describeJSONError(data, err))
		return nil
	}
	if _, ok := raw.(map[string]any); !ok {
		ps.addc(CodeType, "", "the document must be a JSON object, not %s", jsonKind(raw))
		return nil
	}
	walkType("", raw, reflect.TypeFor[Document](), ps)
	// Unmarshal skips unknown fields and, on a value of the wrong type, keeps
	// going with the rest; the walk above has already reported both, so the
	// partial document is still worth validating for everything else.
	var doc Document
	_ = json.Unmarshal(data, &doc)
	return &doc
}

func describeJSONError(data []byte, err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := lineCol(data, syn.Offset-1)
		return fmt.Sprintf("%v at line %d, column %d", syn, line, col)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "the document ends early (truncated?)"
	}
	return err.Error()
}

func lineCol(data []byte, offset int64) (int, int) {
	line, col := 1, 1
	for i := int64(0); i < offset && i < int64(len(data)); i++ {
		// Columns count from 1 at the first byte of a line.
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// walkType checks that v, decoded generically, fits type t.
func walkType(path string, v any, t reflect.Type, ps *problems) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	want := ""
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			want = "an object"
			break
		}
		fields := jsonFields(t)
		names := slices.Collect(maps.Keys(fields))
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			f, ok := fields[k]
			if !ok {
				ps.addc(CodeUnknown, join(path, k), "unknown field%s; known fields here: %s", didYouMean(k, names), strings.Join(slices.Sorted(slices.Values(names)), ", "))
				continue
			}
			walkType(join(path, k), obj[k], f.Type, ps)
		}
		return
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			want = "an array"
			break
		}
		for i, e := range arr {
			walkType(fmt.Sprintf("%s[%d]", path, i), e, t.Elem(), ps)
		}
		return
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			want = "an object"
			break
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			walkType(join(path, k), obj[k], t.Elem(), ps)
		}
		return
	case reflect.String:
		if _, ok := v.(string); ok {
			return
		}
		want = "a string"
	case reflect.Bool:
		if _, ok := v.(bool); ok {
			return
		}
		want = "true or false"
	case reflect.Int:
		n, ok := v.(json.Number)
		if ok {
			if _, err := n.Int64(); err == nil {
				return
			}
			want = "a whole number"
			break
		}
		want = "a whole number"
	default:
		panic("stages: walkType has no case for " + t.String())
	}
	got := jsonKind(v)
	if s, ok := v.(string); ok {
		got = fmt.Sprintf("the string %q", s)
	} else if n, ok := v.(json.Number); ok {
		got = n.String()
	}
	ps.addc(CodeType, path, "must be %s, not %s", want, got)
	ps.typeError(path)
}

func jsonFields(t reflect.Type) map[string]reflect.StructField {
	m := make(map[string]reflect.StructField, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		m[name] = f
	}
	return m
}
