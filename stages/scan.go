package stages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// reKey is a key that a path shows plainly; any other is quoted, so that a
// key holding a newline or a dot cannot forge a line or a path in a report.
var reKey = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)

// join is the path of field under path: path.field, or path["fi eld"].
func join(path, field string) string {
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

// checkStructure walks the document's tokens once: a syntax error, content
// after the document and duplicate keys (each with both places) are
// problems. It returns false when the document cannot be read on (a syntax
// error or trailing content); duplicate keys are reported and reading goes
// on, since encoding/json would silently keep the last one.
func checkStructure(data []byte, ps *problems) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object    bool
		path      string
		index     int
		expectKey bool
		key       string
		keys      map[string]int64
	}
	var stack []*frame
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return join(f.path, f.key)
		}
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	done := func() { // a value ended in the frame on top
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.expectKey = true
		} else {
			f.index++
		}
	}
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			if len(stack) == 0 {
				break
			}
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			// The decoder's own error places it as Decode does.
			var v any
			if derr := json.NewDecoder(bytes.NewReader(data)).Decode(&v); derr != nil {
				err = derr
			}
			ps.addc(CodeSyntax, "", "not valid JSON: %s", describeJSONError(data, err))
			return false
		}
		for before < int64(len(data)) && bytes.IndexByte([]byte(" \t\r\n,:"), data[before]) >= 0 {
			before++ // to the token itself
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expectKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				done()
			} else {
				k := tok.(string)
				at := join(top.path, k)
				if first, dup := top.keys[k]; dup {
					l1, _ := lineCol(data, first)
					l2, _ := lineCol(data, before)
					ps.addc(CodeDuplicate, at, "the key %s is given twice, at line %d and line %d; JSON readers keep only one: remove one", strconv.Quote(k), l1, l2)
				} else {
					top.keys[k] = before
				}
				top.key, top.expectKey = k, false
			}
		} else {
			switch d, _ := tok.(json.Delim); d {
			case '{':
				stack = append(stack, &frame{object: true, path: valuePath(), expectKey: true, keys: map[string]int64{}})
			case '[':
				stack = append(stack, &frame{path: valuePath()})
			case ']':
				stack = stack[:len(stack)-1]
				done()
			default:
				done()
			}
		}
		if len(stack) == 0 {
			break
		}
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		line, col := lineCol(data, int64(len(data)-len(rest)))
		ps.addc(CodeSyntax, "", "the document ends before line %d, column %d, where more follows (%q): a file holds one JSON object", line, col, clip(rest, 40))
		return false
	}
	return true
}
