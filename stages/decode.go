package stages

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
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
	if !checkText(data, ps) {
		return nil
	}
	ok, unknown := walk(data, reflect.TypeFor[Document](), ps, true)
	if !ok {
		return nil
	}
	if ps.dropped > 0 {
		// The report is full already: decoding and validating the rest
		// would list nothing more, and costs most where a hostile
		// document holds many small wrong values.
		ps.stopped = true
		return nil
	}
	// Unmarshal skips unknown fields and, on a value of the wrong type, keeps
	// going with the rest; the walk has already reported both, so the
	// partial document is still worth validating for everything else.
	if len(unknown) > 0 {
		// encoding/json matches a key to a field regardless of case
		// ("NAME" fills name): the unknown keys, reported already, are
		// blanked to underscores, which name no field, so that the partial
		// document holds only what was written as it is spelled.
		data = bytes.Clone(data)
		for _, r := range unknown {
			for i := r[0] + 1; i < r[1]-1; i++ {
				data[i] = '_'
			}
		}
	}
	var doc Document
	_ = json.Unmarshal(data, &doc)
	return &doc
}

// DecodeStrict reads data into v (a pointer to a struct) by the rules the
// document itself is read by, for the other JSON handsoff takes (the
// configuration service's request bodies): UTF-8, one JSON object, no key
// given twice, no field v's type lacks (keys match exactly as written,
// where encoding/json matches any case and keeps the last of two), no
// value of the wrong type. It lists every problem at once, as a
// *ValidationError of source, and fills v only when there is none.
func DecodeStrict(data []byte, source string, v any) error {
	if rv := reflect.ValueOf(v); v == nil || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &json.InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	var ps problems
	if len(data) > MaxDocumentBytes {
		ps.addc(CodeTooLarge, "", "%d bytes; the limit is %d", len(data), MaxDocumentBytes)
	} else if checkText(data, &ps) {
		checkStructure(data, reflect.TypeOf(v).Elem(), &ps)
	}
	if err := ps.err(source); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		// A value a type reads itself refused (time.Time's text, say).
		ps.addc(CodeInvalid, "", "%v", err)
		return ps.err(source)
	}
	return nil
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

// jsonFields are the fields encoding/json decodes into a struct type, by
// their JSON names: a tag's name, else the Go name of an exported field;
// the fields of an embedded struct without a tag name are promoted, and a
// field of the struct itself wins over a promoted one.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	m := make(map[string]reflect.StructField, t.NumField())
	var promoted []map[string]reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				promoted = append(promoted, jsonFields(ft))
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f
	}
	// A name promoted from two embedded structs is dropped, as
	// encoding/json drops it (unless only one of them tags it).
	count, tagged := map[string]int{}, map[string]int{}
	for _, p := range promoted {
		for k, f := range p {
			count[k]++
			if f.Tag.Get("json") != "" {
				tagged[k]++
			}
		}
	}
	for _, p := range promoted {
		for k, f := range p {
			if _, direct := m[k]; direct {
				continue
			}
			if count[k] == 1 || tagged[k] == 1 && f.Tag.Get("json") != "" {
				m[k] = f
			}
		}
	}
	return m
}
