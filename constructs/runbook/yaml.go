package runbook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// YAML renders the document as SSM takes it, in block-style YAML, without
// validating it: call Validate first. It is the JSON rendering, written
// again: the same keys in the same order and the same values, so that both
// mean exactly the same document (a test parses both and compares them).
//
// Why YAML: AWS's page for aws:executeScript says an inline Script "is not
// supported for JSON runbooks. JSON runbooks must provide script content
// using the Attachment input parameter"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeScript.html).
// A YAML runbook with an inline script works under every reading of that
// page; New deploys this rendering.
//
// How it writes values, so that a YAML 1.1 reader (SSM's, whatever it is)
// and a YAML 1.2 reader read them alike:
//
//   - A string with a line break is a literal block scalar ("|", "|-" or
//     "|+", keeping its trailing line breaks exactly), unless it starts with
//     white space or holds a character YAML would not keep literally (a
//     carriage return, a control character, U+0085, U+2028, U+2029, a byte
//     order mark): then it is double-quoted, with escapes.
//   - Any other string is plain only when nothing could read it as anything
//     else: it starts with a letter, "_" or "/", holds only letters, digits
//     and "_./-:" (":" not last), and is not one of YAML 1.1's words for
//     true, false or null in any case (y, yes, on, null, ~ ...). Everything
//     else is double-quoted ("true", "1", "2026-03-03", "a: b", "- x",
//     "{{ Param }}", "").
//   - Numbers are written as JSON wrote them, but with no exponent (YAML 1.1
//     reads 1e+21 as a string): 1e+21 becomes 1000000000000000000000.
//   - Empty objects and lists are {} and [].
//
// A CDK token in a string ("${Token[...]}", a role's ARN) is double-quoted
// like any string with "{"; CloudFormation puts the value in its place, so
// the value must be text that needs no escaping inside double quotes: an
// ARN or a name, not text with '"', '\' or line breaks.
func (d *Document) YAML() ([]byte, error) {
	content, err := d.JSON()
	if err != nil {
		return nil, err
	}
	return jsonToYAML(content)
}

// node is a JSON value with its object members in order.
type node struct {
	kind   byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	keys   []string
	values []*node
	text   string // a string's value, a number's JSON text, "true", "false"
}

func jsonToYAML(content []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	root, err := readNode(dec)
	if err != nil {
		return nil, fmt.Errorf("runbook: the document's JSON does not read back: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("runbook: the document's JSON has more than one value")
	}
	if root.kind != 'o' {
		return nil, fmt.Errorf("runbook: the document's JSON is not an object")
	}
	var b bytes.Buffer
	if len(root.keys) == 0 {
		b.WriteString("{}\n")
		return b.Bytes(), nil
	}
	writeMapping(&b, root, 0, false)
	return b.Bytes(), nil
}

func readNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: 'o'}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := readNode(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
				n.values = append(n.values, v)
			}
			_, err := dec.Token() // '}'
			return n, err
		case '[':
			n := &node{kind: 'a'}
			for dec.More() {
				v, err := readNode(dec)
				if err != nil {
					return nil, err
				}
				n.values = append(n.values, v)
			}
			_, err := dec.Token() // ']'
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &node{kind: 's', text: t}, nil
	case json.Number:
		return &node{kind: 'n', text: yamlNumber(t)}, nil
	case bool:
		return &node{kind: 'b', text: strconv.FormatBool(t)}, nil
	case nil:
		return &node{kind: 'z', text: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

var (
	plainInteger = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	plainDecimal = regexp.MustCompile(`^-?(0|[1-9][0-9]*)\.[0-9]+$`)
)

// yamlNumber writes a JSON number in a form YAML 1.1 and 1.2 both read as
// that number: digits, perhaps a point, no exponent.
func yamlNumber(n json.Number) string {
	s := string(n)
	if plainInteger.MatchString(s) || plainDecimal.MatchString(s) {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return strconv.Quote(s) // not a number after all; keep the text
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func indent(b *bytes.Buffer, n int) {
	for range n {
		b.WriteByte(' ')
	}
}

// writeMapping writes a non-empty object at column col. With inline, the
// first member goes where the cursor is (after "- ").
func writeMapping(b *bytes.Buffer, n *node, col int, inline bool) {
	for i, k := range n.keys {
		if i > 0 || !inline {
			indent(b, col)
		}
		b.WriteString(scalar(k))
		b.WriteByte(':')
		writeValue(b, n.values[i], col)
	}
}

// writeSequence writes a non-empty array at column col.
func writeSequence(b *bytes.Buffer, n *node, col int) {
	for _, v := range n.values {
		indent(b, col)
		b.WriteByte('-')
		switch {
		case v.kind == 'o' && len(v.keys) > 0:
			b.WriteByte(' ')
			writeMapping(b, v, col+2, true)
		default:
			writeValue(b, v, col)
		}
	}
}

// writeValue writes what follows "key:" or "-" of a member or item at
// column col, and the line break.
func writeValue(b *bytes.Buffer, v *node, col int) {
	switch v.kind {
	case 'o':
		if len(v.keys) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		writeMapping(b, v, col+2, false)
	case 'a':
		if len(v.values) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		writeSequence(b, v, col+2)
	case 's':
		if literal(v.text) {
			writeLiteral(b, v.text, col+2)
			return
		}
		b.WriteByte(' ')
		b.WriteString(scalar(v.text))
		b.WriteByte('\n')
	default:
		b.WriteByte(' ')
		b.WriteString(v.text)
		b.WriteByte('\n')
	}
}

// writeLiteral writes a literal block scalar whose lines start at column
// col, with the chomping indicator that keeps its trailing line breaks.
func writeLiteral(b *bytes.Buffer, s string, col int) {
	body := strings.TrimRight(s, "\n")
	trailing := len(s) - len(body)
	switch trailing {
	case 0:
		b.WriteString(" |-\n")
	case 1:
		b.WriteString(" |\n")
	default:
		b.WriteString(" |+\n")
	}
	for _, line := range strings.Split(body, "\n") {
		if line != "" {
			indent(b, col)
			b.WriteString(line)
		}
		b.WriteByte('\n')
	}
	for range max(trailing-1, 0) {
		b.WriteByte('\n')
	}
}

// literal reports whether a string goes in a literal block scalar: it has
// a line break, starts with neither white space nor a line break, and
// holds only characters a literal block keeps as they are.
func literal(s string) bool {
	if !strings.Contains(s, "\n") || s[0] == ' ' || s[0] == '\t' || s[0] == '\n' {
		return false
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && !printable(r) {
			return false
		}
	}
	return true
}

// printable: YAML's c-printable, without the characters some readers take
// as line breaks (U+0085, U+2028, U+2029) or drop (the byte order mark).
func printable(r rune) bool {
	switch {
	case r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF:
		return false
	case r >= 0x20 && r <= 0x7E:
		return true
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

var plainSafe = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_./:-]*$`)

// yaml11Words are the plain scalars YAML 1.1 reads as booleans or null
// (https://yaml.org/type/bool.html, https://yaml.org/type/null.html),
// compared without case.
var yaml11Words = map[string]bool{
	"y": true, "yes": true, "n": true, "no": true, "true": true, "false": true,
	"on": true, "off": true, "null": true, "~": true,
}

// scalar writes a string on one line: plain when no YAML reader could take
// it for anything else, double-quoted otherwise.
func scalar(s string) string {
	if plainSafe.MatchString(s) && !strings.HasSuffix(s, ":") && !yaml11Words[strings.ToLower(s)] {
		return s
	}
	return doubleQuoted(s)
}

// doubleQuoted escapes what a YAML double-quoted scalar must not hold
// literally (https://yaml.org/spec/1.2.2/#57-escaped-characters).
func doubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\uFFFD`) // not UTF-8; JSON() never gives it
		case printable(r):
			b.WriteRune(r)
		case r > 0xFFFF:
			fmt.Fprintf(&b, `\U%08X`, r)
		default:
			fmt.Fprintf(&b, `\u%04X`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
