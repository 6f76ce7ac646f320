package stages

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// reKey is a key that a path shows plainly; any other is quoted, so that a
// key holding a newline or a dot cannot forge a line or a path in a report.
var reKey = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)

// maxPathKey is the longest key a path shows whole.
const maxPathKey = 120

// join is the path of field under path: path.field, or path["fi eld"].
func join(path, field string) string {
	if len(field) > maxPathKey {
		// A long key is shown by its start and length: a report names
		// it, it need not repeat a megabyte.
		return path + "[" + strconv.Quote(fmt.Sprintf("%s… (%d bytes)", clip([]byte(field), maxPathKey), len(field))) + "]"
	}
	if !reKey.MatchString(field) {
		return path + "[" + strconv.Quote(field) + "]"
	}
	if path == "" {
		return field
	}
	return path + "." + field
}

// checkText reports, as one problem, a document that is no UTF-8 JSON text:
// a byte-order mark, UTF-16 or UTF-32, bytes that are not UTF-8, an HTML
// page. It returns false when there is such a problem.
func checkText(data []byte, ps *problems) bool {
	bad := func(format string, args ...any) bool { ps.addc(CodeEncoding, "", format, args...); return false }
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return bad("the document starts with a UTF-8 byte-order mark (EF BB BF), which JSON does not allow: save it as UTF-8 without a BOM")
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return bad("the document is UTF-16 (it starts with a byte-order mark): save it as UTF-8")
	case len(data) >= 2 && (data[0] == 0 || data[1] == 0):
		return bad("the document is not UTF-8 (it holds NUL bytes, as UTF-16 or UTF-32 text does): save it as UTF-8")
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		line, col := lineCol(data, int64(off))
		return bad("the document is not valid UTF-8: byte 0x%02X at line %d, column %d; save it as UTF-8", data[off], line, col)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '<' {
		return bad("this is an HTML or XML page, not a JSON document (a login page, a proxy's error page, or the wrong URL?): it starts %q", clip(t, 60))
	}
	return true
}

func clip(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(bytes.ToValidUTF8(b, nil))
}

// walker reads a document's tokens once, against the Document type: a
// syntax error, content after the document, duplicate keys (with both
// lines), unknown fields (with a likely correction) and values of the
// wrong JSON type are all found in this one pass, with no generic tree of
// the document in memory.
type walker struct {
	dec    *json.Decoder
	data   []byte
	ps     *problems
	err    error // a syntax error: the walk stops
	fields map[reflect.Type]typeFields
	depth  int   // objects and arrays open around the current value
	stopAt int64 // where the value that stopped the walk starts
	values int   // values read so far (MaxValues)
	// strictNull: null is a value of the wrong type for a slice or map
	// (the document's rule); DecodeStrict reads null as encoding/json
	// does, as nil.
	strictNull bool
	// unknownKeys are the byte ranges of the keys (quotes included) that
	// name no field of their struct.
	unknownKeys [][2]int64
}

// MaxValues is how many JSON values (objects, arrays, strings, numbers,
// booleans, nulls) a document may hold. The largest document a pipeline
// can use (a few hundred environments, as many as CodePipeline's quotas
// allow, with their checks, alarms and tags) holds a few thousand; past
// this, the input is refused as one problem before anything is built from
// it, since each small value (a "{}" environment, say) becomes a struct
// hundreds of bytes long.
const MaxValues = 20_000

// errTooMany stops a walk at the value past MaxValues.
var errTooMany = errors.New("too many values")

// MaxNesting is how deeply objects and arrays may nest in a document (and
// in the other JSON handsoff reads by its rules). A handsoff document nests
// a few levels (the document, a stage, a wave, an environment, a list);
// deeper input is refused as one problem before anything is built from
// it, so that its cost stays linear in its size.
const MaxNesting = 64

// errTooDeep stops a walk at a value nested past MaxNesting.
var errTooDeep = errors.New("nested too deeply")

type typeFields struct {
	byName map[string]reflect.StructField
	names  []string // sorted
}

// fieldsOf are a struct type's JSON fields, computed once per walk.
func (w *walker) fieldsOf(t reflect.Type) (map[string]reflect.StructField, []string) {
	if f, ok := w.fields[t]; ok {
		return f.byName, f.names
	}
	if w.fields == nil {
		w.fields = map[reflect.Type]typeFields{}
	}
	f := jsonFields(t)
	tf := typeFields{f, slices.Sorted(maps.Keys(f))}
	w.fields[t] = tf
	return tf.byName, tf.names
}

// checkStructure walks data against t. It returns false when the
// document cannot be read on (a syntax error, trailing content, not an
// object); the other problems are reported and reading goes on, since
// encoding/json would silently keep the last of two keys and skip the rest.
func checkStructure(data []byte, t reflect.Type, ps *problems) bool {
	ok, _ := walk(data, t, ps, false)
	return ok
}

// walk is checkStructure, and also returns the byte ranges of the keys
// that name no field of their struct. strictNull: null is no slice or map
// (the document's rule, where encoding/json reads it as nil).
func walk(data []byte, t reflect.Type, ps *problems, strictNull bool) (bool, [][2]int64) {
	w := &walker{dec: json.NewDecoder(bytes.NewReader(data)), data: data, ps: ps, strictNull: strictNull}
	return w.structure(t), w.unknownKeys
}

func (w *walker) structure(t reflect.Type) bool {
	data, ps := w.data, w.ps
	w.dec.UseNumber()
	listed, dropped := len(ps.list), ps.dropped
	top := w.value("", t, true)
	if w.err == errTooMany || w.err == errTooDeep {
		// A bound is the one problem: what the walk found before it would
		// only distract.
		ps.list, ps.dropped = ps.list[:listed], dropped
		line, col := lineCol(data, w.stopAt)
		if w.err == errTooMany {
			ps.addc(CodeTooLarge, "", "the document holds more than %d values (value %d is at line %d, column %d); the largest a pipeline can use holds a few thousand: is this the right file?", MaxValues, MaxValues+1, line, col)
		} else {
			ps.addc(CodeTooLarge, "", "objects and arrays nest deeper than %d levels at line %d, column %d; a handsoff document nests a few: this is not one", MaxNesting, line, col)
		}
		return false
	}
	if w.err != nil {
		// A document that is not JSON has that one problem: what the walk
		// found before the error would only distract from it.
		ps.list, ps.dropped = ps.list[:listed], dropped
		// The decoder's own error places it as Decode does.
		var v any
		err := w.err
		if derr := json.NewDecoder(bytes.NewReader(data)).Decode(&v); derr != nil {
			err = derr
		}
		ps.addc(CodeSyntax, "", "not valid JSON: %s", describeJSONError(data, err))
		return false
	}
	if top != "an object" {
		ps.addc(CodeType, "", "the document must be a JSON object, not %s", top)
		return false
	}
	end := w.dec.InputOffset()
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		line, col := lineCol(data, int64(len(data)-len(rest)))
		ps.addc(CodeSyntax, "", "the document ends before line %d, column %d, where more follows (%q): a file holds one JSON object", line, col, clip(rest, 40))
		return false
	}
	return true
}

func (w *walker) token() (json.Token, int64) {
	if w.err != nil {
		return nil, 0
	}
	before := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		w.err = err
		return nil, 0
	}
	for before < int64(len(w.data)) && bytes.IndexByte([]byte(" \t\r\n,:"), w.data[before]) >= 0 {
		before++ // to the token itself
	}
	return tok, before
}

// value reads one value at path and checks it against t (nil: anything,
// unchecked). It returns the kind it read ("an object", "a string", ...).
var rawMessage = reflect.TypeFor[json.RawMessage]()

func (w *walker) value(path string, t reflect.Type, check bool) string {
	tok, at := w.token()
	if w.err != nil {
		return ""
	}
	if w.values++; w.values > MaxValues {
		w.err, w.stopAt = errTooMany, at
		return ""
	}
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		if w.depth++; w.depth > MaxNesting {
			w.err, w.stopAt = errTooDeep, at
			return ""
		}
		defer func() { w.depth-- }()
	}
	nullable := false // encoding/json reads null into it as nil
	for t != nil && t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Map) && t != rawMessage {
		nullable = nullable || !w.strictNull
	}
	if t == rawMessage || t != nil && (t.Kind() == reflect.Interface || customJSON(t)) {
		t = nil // any JSON: only its keys are checked (duplicates)
	}
	switch x := tok.(type) {
	case json.Delim:
		switch x {
		case '{':
			isObject := t != nil && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map) && !textual(t)
			w.object(path, t, check && (t == nil || isObject))
			if check && t != nil && !isObject {
				w.wrongType(path, t, "an object")
			}
			return "an object"
		case '[':
			var elem reflect.Type
			ok := t == nil || t.Kind() == reflect.Slice || t.Kind() == reflect.Array
			if t != nil && ok {
				elem = t.Elem()
			}
			for i := 0; w.err == nil && w.dec.More(); i++ {
				// Below what is checked, values keep the path of the
				// last checked one (their anchor): building a path for
				// every value of free-form JSON costs depth × key length
				// × values, for paths no problem names.
				at := path
				if elem != nil && check && ok {
					at = fmt.Sprintf("%s[%d]", path, i)
				}
				w.value(at, elem, check && ok)
			}
			w.token() // ]
			if check && !ok {
				w.wrongType(path, t, "an array")
			}
			return "an array"
		}
	case string:
		if check && t != nil && t.Kind() != reflect.String && !textual(t) && t != bytesType && t != numberType {
			w.wrongType(path, t, fmt.Sprintf("the string %q", clip([]byte(x), 200)))
		}
		return "a string"
	case bool:
		if check && t != nil && t.Kind() != reflect.Bool {
			w.wrongType(path, t, fmt.Sprint(x))
		}
		return "a boolean"
	case json.Number:
		if check && t != nil && t != numberType && !numberFits(x, t) {
			w.wrongType(path, t, clip([]byte(x.String()), 40))
		}
		return "a number"
	case nil:
		if check && t != nil && !nullable {
			w.wrongType(path, t, "null")
		}
		return "null"
	}
	return ""
}

var (
	bytesType       = reflect.TypeFor[[]byte]()      // base64 text, or an array
	numberType      = reflect.TypeFor[json.Number]() // a number, or its text
	stringType      = reflect.TypeFor[string]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

// textual reports whether encoding/json reads t from a JSON string
// through encoding.TextUnmarshaler (time.Time, say).
// (A type that also reads itself as JSON, as time.Time does, is taken to
// read a string too.)
func textual(t reflect.Type) bool {
	return t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)
}

// customJSON reports whether t reads itself (json.Unmarshaler) and is not
// textual: its JSON is its own business, unchecked here.
func customJSON(t reflect.Type) bool {
	return t != rawMessage && !textual(t) && (t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler))
}

// quoted reports whether a field has the ",string" option on a kind it
// applies to (encoding/json then reads it from a JSON string).
func quoted(f reflect.StructField) bool {
	_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	if !slices.Contains(strings.Split(opts, ","), "string") {
		return false
	}
	k := f.Type.Kind()
	return k == reflect.String || k == reflect.Bool || k >= reflect.Int && k <= reflect.Float64
}

// numberFits reports whether the JSON number x decodes into kind t as
// encoding/json would: whole and in range for integers, any for floats.
func numberFits(x json.Number, t reflect.Type) bool {
	switch k := t.Kind(); {
	case k >= reflect.Int && k <= reflect.Int64:
		_, err := strconv.ParseInt(x.String(), 10, t.Bits())
		return err == nil
	case k >= reflect.Uint && k <= reflect.Uintptr:
		_, err := strconv.ParseUint(x.String(), 10, t.Bits())
		return err == nil
	case k == reflect.Float32 || k == reflect.Float64:
		_, err := strconv.ParseFloat(x.String(), t.Bits())
		return err == nil
	}
	return false
}

// object reads the members of an object whose { was read.
func (w *walker) object(path string, t reflect.Type, check bool) {
	var fields map[string]reflect.StructField
	var names []string
	if check && t != nil && t.Kind() == reflect.Struct {
		fields, names = w.fieldsOf(t)
	}
	first := map[string]int64{}
	for w.err == nil && w.dec.More() {
		tok, at := w.token()
		if w.err != nil {
			return
		}
		k, _ := tok.(string)
		p := path // the anchor, below what is checked
		if check && t != nil {
			p = join(path, k)
		}
		if prev, dup := first[k]; dup {
			// Reported whatever the first copy held: a value of the wrong
			// type there hides nothing of this.
			if !w.ps.skip(path) {
				l1, _ := lineCol(w.data, prev)
				l2, _ := lineCol(w.data, at)
				w.ps.addListed(CodeDuplicate, join(path, k), "the key %s is given twice, at line %d and line %d; JSON readers keep only one: remove one", strconv.Quote(clip([]byte(k), 200)), l1, l2)
			}
		} else {
			first[k] = at
		}
		var elem reflect.Type
		member := check && t != nil
		switch {
		case !member:
		case t.Kind() == reflect.Map:
			elem = t.Elem()
		case t.Kind() == reflect.Struct:
			f, ok := fields[k]
			if !ok {
				// encoding/json would fill a field whose name matches
				// regardless of case: the decode must not see this key.
				w.unknownKeys = append(w.unknownKeys, [2]int64{at, w.dec.InputOffset()})
				if !w.ps.skip(p) {
					w.ps.addc(CodeUnknown, p, "unknown field%s; known fields here: %s", didYouMean(k, names), strings.Join(names, ", "))
				}
				w.skipValue()
				continue
			}
			elem = f.Type
			if quoted(f) {
				elem = stringType // encoding/json reads the value from a string
			}
		default:
			member = false // the object itself is of the wrong type
		}
		w.value(p, elem, member)
	}
	w.token() // }
}

// skipValue reads past one value without looking at it (but for its
// nesting, which is bounded like everything else).
func (w *walker) skipValue() {
	open := 0
	for w.err == nil {
		tok, at := w.token()
		if d, ok := tok.(json.Delim); !ok || d == '{' || d == '[' {
			if w.values++; w.values > MaxValues && w.err == nil {
				w.err, w.stopAt = errTooMany, at
			}
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if open++; w.depth+open > MaxNesting {
					w.err, w.stopAt = errTooDeep, at
				}
			case '}', ']':
				open--
			}
		}
		if open == 0 {
			return
		}
	}
}

func (w *walker) wrongType(path string, t reflect.Type, got string) {
	if path == "" {
		return // checkStructure says what the document is instead
	}
	want := map[reflect.Kind]string{reflect.Struct: "an object", reflect.Map: "an object", reflect.Slice: "an array", reflect.Array: "an array",
		reflect.String: "a string", reflect.Bool: "true or false", reflect.Float32: "a number", reflect.Float64: "a number"}[t.Kind()]
	switch {
	case textual(t):
		want = "a string"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		want = "a whole number"
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uintptr:
		want = "a whole number, not negative"
	case want == "":
		want = "a value of type " + t.String()
	}
	if w.ps.skip(path) {
		return // under another wrong value, or past a full report
	}
	w.ps.addc(CodeType, path, "must be %s, not %s", want, got)
	w.ps.typeError(path)
}
