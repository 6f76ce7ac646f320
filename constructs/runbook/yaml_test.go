package runbook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	yaml11 "gopkg.in/yaml.v2"
	"gopkg.in/yaml.v3"
	"pgregory.net/rapid"
)

// The YAML is read by two readers: gopkg.in/yaml.v3 (YAML 1.2, where
// "yes" is a string) and gopkg.in/yaml.v2 (YAML 1.1, where "yes", "on" and
// "y" are booleans), since which one SSM's reader follows is not
// documented. Both must read the JSON's document.
var readers = []string{"yaml1.2", "yaml1.1"}

// parse decodes a rendering, JSON or YAML, into plain values with every
// number a float64, so that they compare as data.
func parse(format string, content []byte) (any, error) {
	var v any
	var err error
	switch format {
	case "json":
		dec := json.NewDecoder(bytes.NewReader(content))
		dec.UseNumber()
		err = dec.Decode(&v)
	case "yaml1.2":
		err = yaml.Unmarshal(content, &v)
	case "yaml1.1":
		err = yaml11.Unmarshal(content, &v)
	}
	return numbers(v), err
}

func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case map[any]any: // yaml.v2's maps
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = numbers(e)
			if _, ok := k.(string); !ok {
				m[fmt.Sprintf("%T %v", k, k)] = "a key that is not a string"
			}
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	case json.Number:
		f, _ := x.Float64()
		return f
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	}
	return v
}

// sameData returns how a YAML rendering read by each reader departs from
// the JSON rendering, or "".
func sameData(j, y []byte) string {
	jv, err := parse("json", j)
	if err != nil {
		return "the JSON does not parse: " + err.Error()
	}
	for _, r := range readers {
		yv, err := parse(r, y)
		if err != nil {
			return fmt.Sprintf("%s does not parse the YAML: %v", r, err)
		}
		if diff := cmp.Diff(jv, yv); diff != "" {
			return fmt.Sprintf("%s reads another document (-json +yaml):\n%s", r, diff)
		}
	}
	return ""
}

// sameDocument fails unless the YAML rendering means the JSON rendering.
func sameDocument(t testing.TB, d *Document) []byte {
	t.Helper()
	j, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	y, err := d.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if diff := sameData(j, y); diff != "" {
		t.Fatalf("%s\nYAML:\n%s", diff, y)
	}
	return y
}

// tricky are strings a YAML writer gets wrong: YAML 1.1's booleans and
// nulls, numbers, dates and times, indicators, quotes, escapes, white space
// at the ends, line breaks of every kind, tokens.
var tricky = []string{
	"", "true", "True", "FALSE", "yes", "No", "on", "OFF", "y", "n", "null", "Null", "~",
	"1", "-1", "0.5", "1e5", "0x1F", "0o17", "012", "1_000", "12:30", "1:20:30", ".inf", ".NaN", "-.5", "+1",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00",
	"a: b", "a:", "a #b", "#c", "- x", "-", "--- x", "---", "...", "? q", ": v", "*alias", "&anchor", "!tag", "!!str", "%YAML",
	"@at", "`tick", "|", ">", "[a]", "{a: b}", "{{ Param }}", "{{ Step.Output }}", "${Token[TOKEN.12]}", "=", "<<",
	"'single'", `"double"`, `back\slash`, " lead", "trail ", "\ttab", "tab\t", "a,b", "a, b",
	"line\nbreak", "line\nbreak\n", "two\n\n", "\nlead", " \nx", "x\n \n", "x\n\n\ny", "a\r\nb", "\r",
	"nel\u0085", "ls\u2028", "ps\u2029", "\ufeffbom", "nul\x00", "bell\a", "del\x7f", "c1\u0090", "é", "日本", "emoji 🙂", "\U0010FFFD",
	"arn:aws:iam::111122223333:role/R", "/handsoff/orders/prod/calendar", "aws:executeScript", "step:Notify", "$.Payload.blocked",
}

// TestYAMLTricky: each tricky string, as a value, a key, a list item and a
// script, reads back as itself.
func TestYAMLTricky(t *testing.T) {
	for _, s := range tricky {
		d := &Document{
			Description: s,
			Parameters:  []Parameter{{Name: "P", Type: StringList, Default: []string{s, "x"}, Description: s}},
			Steps: []Step{{Name: "S", Action: &ExecuteScript{
				Runtime: "python3.11", Handler: "h", Script: s,
				InputPayload: map[string]any{s: s, "list": []any{s, []any{s}, map[string]any{s: s}}, "empty": map[string]any{}, "none": []any{}},
			}}},
			Outputs: []string{s},
		}
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) { sameDocument(t, d) })
	}
}

// TestYAMLNumbers: numbers stay numbers, the same ones, whatever their
// size; no exponent reaches the YAML.
func TestYAMLNumbers(t *testing.T) {
	values := []any{0, -0.0, 1, -7, 5000, math.MaxInt64, math.MinInt64, uint64(math.MaxUint64), 0.1, -2.5, 1e21, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, true, false, nil}
	d := &Document{Steps: []Step{{Name: "S", Action: &ExecuteAwsApi{Service: "ec2", Api: "X", Params: map[string]any{"V": values}}}}}
	y := sameDocument(t, d)
	if exp := regexp.MustCompile(`(?m)^ *(- |[A-Za-z]+: )-?[0-9.]+[eE]`); exp.Match(y) {
		t.Errorf("a number with an exponent in the YAML, which YAML 1.1 reads as a string:\n%s", y)
	}
}

// TestYAMLProperty: for every document the property test's generator
// builds, valid or not, with any strings (a rapid.String anywhere a string
// goes), the YAML means the JSON, to a YAML 1.2 and a YAML 1.1 reader.
func TestYAMLProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := genDocument(t).doc
		str := rapid.OneOf(rapid.String(), rapid.SampledFrom(tricky), rapid.StringMatching(`[ \n\t:#"'a-z{}|>-]{0,12}`))
		if rapid.Bool().Draw(t, "hostile") {
			d.Description = str.Draw(t, "description")
			for i := range d.Parameters {
				d.Parameters[i].Description = str.Draw(t, "parameterDescription")
				if rapid.Bool().Draw(t, "hostileDefault") {
					d.Parameters[i].Type = StringMap
					d.Parameters[i].Default = map[string]any{str.Draw(t, "key"): str.Draw(t, "value")}
				}
			}
			for i := range d.Steps {
				switch a := d.Steps[i].Action.(type) {
				case *ExecuteScript:
					a.Script = str.Draw(t, "script")
					a.InputPayload = map[string]any{str.Draw(t, "payloadKey"): str.Draw(t, "payloadValue"),
						"n": rapid.Float64().Draw(t, "float"), "i": rapid.Int64().Draw(t, "int")}
				case *ExecuteAwsApi:
					a.Params = map[string]any{str.Draw(t, "paramKey"): []any{str.Draw(t, "item"), rapid.Float64().Draw(t, "number")}}
				case *Approve:
					a.Message = str.Draw(t, "message")
				}
			}
			d.Outputs = append(d.Outputs, str.Draw(t, "output"))
		}
		j, err := d.JSON()
		if err != nil {
			t.Skip("a NaN or infinite float: JSON refuses it, and so YAML", err)
		}
		y, err := d.YAML()
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameData(j, y); diff != "" {
			t.Fatalf("%s\nYAML:\n%s", diff, y)
		}
	})
}

// TestYAMLShape: the script is a literal block, readable as written; what
// YAML would misread is quoted; the rest is plain.
func TestYAMLShape(t *testing.T) {
	d := &Document{
		Description: "Line one.\n\nLine two.",
		AssumeRole:  "arn:aws:iam::111122223333:role/Automation",
		Parameters:  []Parameter{{Name: "Enabled", Type: String, Default: "true", AllowedValues: []string{"true", "false"}}},
		Steps: []Step{
			{Name: "Run", Action: &ExecuteScript{Runtime: "python3.11", Handler: "handler",
				Script:       "def handler(events, context):\n    return {'ok': True}\n",
				InputPayload: map[string]any{"enabled": "{{ Enabled }}"}}, TimeoutSeconds: 60},
			{Name: "Wait", Action: &Sleep{Duration: 90 * time.Minute}, IsEnd: true},
		},
	}
	y := string(sameDocument(t, d))
	want := `schemaVersion: "0.3"
description: |-
  Line one.

  Line two.
assumeRole: arn:aws:iam::111122223333:role/Automation
parameters:
  Enabled:
    type: String
    default: "true"
    allowedValues:
      - "true"
      - "false"
mainSteps:
  - name: Run
    action: aws:executeScript
    timeoutSeconds: 60
    inputs:
      Runtime: python3.11
      Handler: handler
      InputPayload:
        enabled: "{{ Enabled }}"
      Script: |
        def handler(events, context):
            return {'ok': True}
  - name: Wait
    action: aws:sleep
    isEnd: true
    inputs:
      Duration: PT1H30M
`
	if diff := cmp.Diff(want, y); diff != "" {
		t.Errorf("YAML (-want +got):\n%s", diff)
	}
}
