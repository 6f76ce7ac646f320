package stages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHostileDocuments: broken and hostile bytes get one clear problem,
// with its code, and never a false one.
func TestHostileDocuments(t *testing.T) {
	doc := ExampleDocument()
	utf16 := func(b []byte) []byte {
		var out []byte
		for _, c := range b {
			out = append(out, c, 0)
		}
		return out
	}
	badByte := bytes.Replace(doc, []byte(`"orders"`), []byte("\"ord\xffers\""), 1)
	cases := []struct {
		name string
		data []byte
		code Code
		want string // the one problem, or its start
	}{
		{"UTF-8 byte-order mark", append([]byte{0xEF, 0xBB, 0xBF}, doc...), CodeEncoding, "the document starts with a UTF-8 byte-order mark (EF BB BF), which JSON does not allow: save it as UTF-8 without a BOM"},
		{"UTF-16 with a BOM", append([]byte{0xFF, 0xFE}, utf16(doc)...), CodeEncoding, "the document is UTF-16 (it starts with a byte-order mark): save it as UTF-8"},
		{"UTF-16 without a BOM", utf16(doc), CodeEncoding, "the document is not UTF-8 (it holds NUL bytes"},
		{"a byte that is not UTF-8", badByte, CodeEncoding, "the document is not valid UTF-8: byte 0xFF at line "},
		{"an HTML page", []byte("<!DOCTYPE html>\n<html><body>Sign in</body></html>"), CodeEncoding, `this is an HTML or XML page, not a JSON document (a login page, a proxy's error page, or the wrong URL?): it starts "<!DOCTYPE html>`},
		{"garbage after the document", append(bytes.Clone(doc), []byte("\nxyz")...), CodeSyntax, "the document ends before line "},
		{"a second document", append(bytes.Clone(doc), doc...), CodeSyntax, "the document ends before line "},
		{"a duplicate key at the top", bytes.Replace(doc, []byte(`"apiVersion": "handsoff/v1",`), []byte("\"apiVersion\": \"handsoff/v1\",\n\"apiVersion\": \"handsoff/v1\","), 1), CodeDuplicate, `apiVersion: the key "apiVersion" is given twice, at line 2 and line 3`},
		{"a duplicate key deep down", bytes.Replace(doc, []byte(`"region": "us-east-1"`), []byte(`"region": "us-east-1", "region": "us-east-1"`), 1), CodeDuplicate, `.region: the key "region" is given twice`},
		{"a key that forges a line", bytes.Replace(doc, []byte(`"service": {`), []byte(`"service": {"x\n  - stages: all fine": 1, `), 1), CodeUnknown, `service["x\n  - stages: all fine"]: unknown field`},
		{"truncated", doc[:len(doc)/2], CodeSyntax, "not valid JSON: the document ends early (truncated?)"},
		{"empty", nil, CodeSyntax, "not valid JSON: the document ends early"},
		{"only white space", []byte(" \n\t "), CodeSyntax, "not valid JSON: the document ends early"},
		{"100,000 nested arrays at the top", []byte(strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)), CodeTooLarge, "objects and arrays nest deeper than 64 levels at line 1, column 65"},
		{"nested arrays in a known field", bytes.Replace(doc, []byte(`"tags": {`), []byte(`"tags": {"deep": `+strings.Repeat("[", 10_000)+strings.Repeat("]", 10_000)+`, `), 1), CodeTooLarge, "objects and arrays nest deeper than 64 levels at line "},
		{"nested objects under an unknown field", bytes.Replace(doc, []byte(`"service": {`), []byte(`"service": {"x": `+strings.Repeat(`{"a":`, 9_999)+"1"+strings.Repeat("}", 9_999)+`, `), 1), CodeTooLarge, "objects and arrays nest deeper than 64 levels at line "},
		{"an unclosed deep document", []byte(`{"stages": ` + strings.Repeat("[", 70)), CodeTooLarge, "nest deeper than 64 levels"},
		{"20,001 values", bytes.Replace(doc, []byte(`"stages": [`), []byte(`"stages": [`+strings.Repeat("0,", 20_001)), 1), CodeTooLarge, "the document holds more than 20000 values (value 20001 is at line "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.data, "doc.json")
			ve, ok := err.(*ValidationError)
			if !ok {
				t.Fatalf("error %T %v, want a ValidationError", err, err)
			}
			if len(ve.Problems) != 1 {
				t.Fatalf("%d problems, want 1:\n%s", len(ve.Problems), err)
			}
			p := ve.Problems[0]
			if p.Code != c.code || !strings.HasPrefix(p.String(), c.want) && !strings.Contains(p.String(), c.want) {
				t.Errorf("got [%s] %q\nwant [%s] %q", p.Code, p.String(), c.code, c.want)
			}
			if strings.Count(err.Error(), "\n  - ") != 1 {
				t.Errorf("the report has more than one line for one problem:\n%s", err)
			}
		})
	}
}

// TestProblemCodes: programs match codes, not prose.
func TestProblemCodes(t *testing.T) {
	cases := []struct {
		edits []any
		code  Code
	}{
		{[]any{"apiVersion", deleted}, CodeRequired},
		{[]any{"apiVersion", "handsoff/v9"}, CodeNotSupported},
		{[]any{"service.nmae", "x"}, CodeUnknown},
		{[]any{"stages[3].approval", "yes"}, CodeType},
		{[]any{"pipeline.account", "1111"}, CodeInvalid},
		{[]any{"checks.health.retries", 9}, CodeRange},
		{[]any{"stages[3].waves[0].name", "prod-1", "stages[3].waves[1].name", "prod-1"}, CodeDuplicate},
	}
	for _, c := range cases {
		_, err := Parse(edited(t, c.edits...), "doc.json")
		ve, ok := err.(*ValidationError)
		if !ok {
			t.Errorf("%v: error %v", c.edits, err)
			continue
		}
		found := false
		for _, p := range ve.Problems {
			found = found || p.Code == c.code
		}
		if !found {
			t.Errorf("%v: no problem of code %s in\n%s", c.edits, c.code, err)
		}
	}
}

// TestProblemsCapped: a document with thousands of mistakes lists the
// first MaxProblems and counts the rest.
func TestProblemsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"apiVersion": "handsoff/v1"`)
	for i := range 5000 {
		fmt.Fprintf(&b, `, "unknown%d": 1`, i)
	}
	b.WriteString("}")
	_, err := Parse([]byte(b.String()), "big.json")
	ve := err.(*ValidationError)
	if len(ve.Problems) != MaxProblems+1 {
		t.Fatalf("%d problems listed, want %d", len(ve.Problems), MaxProblems+1)
	}
	last := ve.Problems[MaxProblems]
	if last.Code != CodeTooMany || !strings.HasSuffix(last.Message, "more problems are not listed; fix these first") {
		t.Errorf("last problem %+v", last)
	}
	if !strings.HasPrefix(err.Error(), "handsoff: configuration big.json has at least 50") {
		t.Errorf("the count is not the whole number: %s", strings.SplitN(err.Error(), "\n", 2)[0])
	}
}

// TestDecodeStrictBounds: the other JSON read by the document's rules (the
// configuration service's request bodies) is bounded the same way.
func TestDecodeStrictBounds(t *testing.T) {
	type body struct {
		Name string   `json:"name"`
		List []string `json:"list"`
	}
	cases := []struct{ name, data, want string }{
		{"deep", `{"name": "x", "list": ` + strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000) + `}`, "nest deeper than 64 levels at line 1, column 86"},
		{"deep under an unknown key", `{"other": ` + strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000) + `}`, "nest deeper than 64 levels"},
		{"many values", `{"list": [` + strings.TrimSuffix(strings.Repeat(`"a",`, 30_000), ",") + `]}`, "holds more than 20000 values"},
		{"a key in another case", `{"NAME": "x"}`, "NAME: unknown field"},
	}
	for _, c := range cases {
		var v body
		err := DecodeStrict([]byte(c.data), "the body", &v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if v.Name != "" || v.List != nil {
			t.Errorf("%s: the body was filled despite the problem: %+v", c.name, v)
		}
	}
}

// TestNamesAsAWSComparesThem: environment names equal but for case are
// one name to IAM; an environment in another partition than the pipeline
// cannot be reached from it.
func TestNamesAsAWSComparesThem(t *testing.T) {
	doc := ExampleDocument()
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"a name in another case", bytes.Replace(doc, []byte(`{ "name": "beta", "account"`), []byte(`{ "name": "ALPHA", "account"`), 1),
			`stages[1].environments[0].name: "ALPHA" is "alpha" of stages[0].environments[0] in another case`},
		{"the same name", bytes.Replace(doc, []byte(`{ "name": "beta", "account"`), []byte(`{ "name": "alpha", "account"`), 1),
			`stages[1].environments[0].name: "alpha" is already used by stages[0].environments[0]`},
		{"check names equal but for case", bytes.Replace(doc, []byte(`"checks": {`), []byte(`"checks": {"HEALTH": {"type": "http", "url": "https://x.example.com/"}, `), 1),
			`differ only in case, _ and -`},
		{"a tag handsoff sets, in another case", bytes.Replace(doc, []byte(`"tags": {`), []byte(`"tags": {"Service": "x", `), 1),
			`service.tags.Service: "Service" is "service", which handsoff sets on every resource, in another case`},
		{"two tags equal but for case", bytes.Replace(doc, []byte(`"tags": {`), []byte(`"tags": {"Cost-Center": "x", `), 1),
			`"cost-center" and the tag "Cost-Center" differ only in case`},
		{"an environment in China", bytes.Replace(doc, []byte(`"region": "us-west-2"`), []byte(`"region": "cn-north-1"`), 1),
			"region: cn-north-1 is in the aws-cn partition, and the pipeline's region us-east-1 in aws"},
		{"an environment in GovCloud", bytes.Replace(doc, []byte(`"region": "us-west-2"`), []byte(`"region": "us-gov-west-1"`), 1),
			"region: us-gov-west-1 is in the aws-us-gov partition"},
	}
	for _, c := range cases {
		_, err := Parse(c.data, "doc.json")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestKeysAsWritten: a key is matched to a field exactly as written, never
// as encoding/json matches (regardless of case), so an unknown key in
// another case changes nothing of the known one; and a key given twice is
// reported whatever the types of its copies.
func TestKeysAsWritten(t *testing.T) {
	doc := ExampleDocument()
	cases := []struct {
		name      string
		data      []byte
		want, not []string
	}{
		{"a known key in another case after it", bytes.Replace(doc, []byte(`"name": "beta",`), []byte(`"name": "beta", "NAME": "zz-bogus-9",`), 1),
			[]string{`stages[1].NAME: unknown field (did you mean "name"?)`}, []string{"zz-bogus-9", `stages[1].name`}},
		{"before it", bytes.Replace(doc, []byte(`"name": "beta",`), []byte(`"Name": "zz-bogus-9", "name": "beta",`), 1),
			[]string{`stages[1].Name: unknown field`}, []string{`stages[1].name`}},
		{"escaped", bytes.Replace(doc, []byte(`"name": "beta",`), []byte(`"name": "beta", "N\u0041ME": "zz-bogus-9",`), 1),
			[]string{`unknown field`}, []string{`stages[1].name`}},
		{"a duplicate after a wrong type", bytes.Replace(doc, []byte(`"name": "gamma",`), []byte(`"name": "gamma", "bake": 30, "bake": "30m",`), 1),
			[]string{`stages[2].bake: must be a string, not 30`, `stages[2].bake: the key "bake" is given twice`}, nil},
		{"a duplicate of an object after a string", bytes.Replace(doc, []byte(`"service": {`), []byte(`"service": "x", "service": {`), 1),
			[]string{`service: must be an object`, `service: the key "service" is given twice`}, nil},
	}
	for _, c := range cases {
		_, err := Parse(c.data, "doc.json")
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: no %q in\n%s", c.name, w, err)
			}
		}
		for _, n := range c.not {
			if strings.Contains(err.Error(), n) {
				t.Errorf("%s: a false problem (%q) in\n%s", c.name, n, err)
			}
		}
	}
}

// TestNoCredentialReachesOutput: a credential in any URL of the document,
// in any part of it (userinfo, query or fragment parameters whose names
// say token, key, secret, signature, password), is refused, and the
// refusal does not print it.
func TestNoCredentialReachesOutput(t *testing.T) {
	const secret = "s3cr3tV4lue"
	urls := []string{
		"https://user:" + secret + "@config.example.com",
		"https://config.example.com/?access_token=" + secret,
		"https://config.example.com/?a=1&API_KEY=" + secret,
		"https://config.example.com/x?X-Amz-Signature=" + secret + "&X-Amz-Credential=" + secret,
		"https://config.example.com/#id_token=" + secret,
		"https://config.example.com/?client_secret=" + secret,
		"https://config.example.com/?Password=" + secret,
		"https://config.example.com/?sig=" + secret,
		"https://config.example.com/?tok%65n=" + secret,
		"https://config.example.com/?%70assword=" + secret,
		"https://config.example.com/%zz?tok%65n=" + secret,
		"https:user:" + secret + "@config.example.com/",
		"https://config.example.com/p;token=" + secret,
		"HTTPS://user:" + secret + "@config.example.com/",
		"Https://config.example.com/?token=" + secret,
		"https://{stage}.config.example.com/?tok%65n=" + secret,
		"https:/u:" + secret + "@config.example.com/x",
		"https:///u:" + secret + "@config.example.com/x",
		"https:/\\u:" + secret + "@config.example.com/x",
		"https://config.example.com/?%74oken%=" + secret,
		"https://config.example.com/?tok%65n%zz=" + secret,
		"https://deploy:Xy7/" + secret + "@config.example.com/",
		"https://deploy:Xy7#" + secret + "@config.example.com/",
		"https://deploy:Xy7?" + secret + "@config.example.com/",
	}
	doc := ExampleDocument()
	for _, u := range urls {
		qb, _ := json.Marshal(u)
		q := string(qb)
		fields := map[string][]byte{
			"pipeline.statusUrl":  bytes.Replace(doc, []byte(`"region": "us-east-1",`), []byte(`"region": "us-east-1", "statusUrl": `+q+`, "statusTokenSecretArn": "arn:aws:secretsmanager:us-east-1:111111111111:secret:t",`), 1),
			"access.sso.startUrl": bytes.Replace(doc, []byte(`"stages": [`), []byte(`"access": {"sso": {"startUrl": `+q+`, "region": "us-east-1", "roleName": "Dev"}}, "stages": [`), 1),
		}
		var d map[string]any
		json.Unmarshal(doc, &d)
		for name, c := range d["checks"].(map[string]any) {
			if c.(map[string]any)["type"] == "http" {
				c.(map[string]any)["url"] = u
				raw, _ := json.Marshal(d)
				fields["checks."+name+".url"] = raw
				break
			}
		}
		for field, data := range fields {
			_, err := Parse(data, "doc.json")
			if err == nil || !strings.Contains(err.Error(), field) || !strings.Contains(err.Error(), "holds credentials") && !strings.Contains(err.Error(), "is not") {
				t.Errorf("%s = %s: %v", field, u, err)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("%s = %s: the refusal prints the secret:\n%s", field, u, err)
			}
		}
		// The configuration service's URL, in code and in HANDSOFF_CONFIG.
		_, err := Load(LoadOptions{Repo: "acme/orders", URL: u, Getenv: env(nil), LockDir: t.TempDir()})
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("service URL %s: %v", u, err)
		}
		_, err = Load(LoadOptions{Repo: "acme/orders", Getenv: env(map[string]string{ConfigEnv: u}), Dir: t.TempDir(), LockDir: t.TempDir()})
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("%s=%s: %v", ConfigEnv, u, err)
		}
		if r := redact(u); strings.Contains(r, secret) {
			t.Errorf("redact(%s) = %s", u, r)
		}
		if r := redactText("fetched " + u + " at noon"); strings.Contains(r, secret) {
			t.Errorf("redactText(%s) = %s", u, r)
		}
	}
	// Values of HANDSOFF_CONFIG that are URLs of other schemes are taken
	// as paths; the error shows none of their secrets. Nor does an error
	// that quotes a URL with a quote in it.
	for _, u := range []string{"ftp://u:" + secret + "@h/x", "s3://AKIA:" + secret + "@bucket/k", "git+https://u:" + secret + "@github.com/a/b"} {
		_, err := Load(LoadOptions{Repo: "acme/orders", Getenv: env(map[string]string{ConfigEnv: u}), Dir: t.TempDir(), LockDir: t.TempDir()})
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("%s=%s: %v", ConfigEnv, u, err)
		}
	}
	if r := redactText(`Get "http://127.0.0.1:1/doc?a='&X-Amz-Signature=` + secret + `": connection refused`); strings.Contains(r, secret) {
		t.Errorf("redactText: %s", r)
	}
	// What holds no credential is left alone.
	for _, u := range []string{"https://config.example.com/v1?page=2&monkey=1", "https://h.example.com/health?stage={stage}"} {
		if what := credentialsIn(u); what != "" && !strings.Contains(u, "monkey") {
			t.Errorf("credentialsIn(%s) = %s", u, what)
		}
	}
}

// TestDecodeStrictTypes: DecodeStrict takes every struct encoding/json
// takes, by the same names, and checks each value's type as encoding/json
// would read it; it never panics on a field of a kind the document lacks.
func TestDecodeStrictTypes(t *testing.T) {
	type inner struct {
		Promoted string `json:"promoted"`
	}
	type body struct {
		inner
		N        int64     `json:"n"`
		U        uint8     `json:"u"`
		F        float64   `json:"f"`
		At       time.Time `json:"at"`
		Plain    string
		OmitOnly string          `json:",omitempty"`
		Raw      json.RawMessage `json:"raw"`
		skipped  int
	}
	var v body
	good := `{"n": 9007199254740993, "u": 255, "f": 1.5e3, "at": "2026-12-06T10:00:00Z", "Plain": "p", "OmitOnly": "o", "promoted": "x", "raw": {"any": [1]}}`
	if err := DecodeStrict([]byte(good), "the body", &v); err != nil {
		t.Fatalf("a valid body: %v", err)
	}
	if v.N != 9007199254740993 || v.U != 255 || v.F != 1500 || v.At.Year() != 2026 || v.Plain != "p" || v.OmitOnly != "o" || v.Promoted != "x" || v.skipped != 0 {
		t.Errorf("filled %+v", v)
	}
	for _, c := range []struct{ data, want string }{
		{`{"u": 256}`, "u: must be a whole number, not negative, not 256"},
		{`{"u": -1}`, "u: must be a whole number, not negative"},
		{`{"n": 1.5}`, "n: must be a whole number, not 1.5"},
		{`{"f": "x"}`, `f: must be a number, not the string "x"`},
		{`{"at": {}}`, "at: must be a string, not an object"},
		{`{"plain": "p"}`, "plain: unknown field"},
		{`{"skipped": 1}`, "skipped: unknown field"},
	} {
		var v body
		if err := DecodeStrict([]byte(c.data), "the body", &v); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.data, err, c.want)
		}
	}
}

// TestNoProblemFollowsAnother: a pipeline region or account that is
// missing or wrong is one problem; what is compared with it is not
// reported against an empty or broken value.
func TestNoProblemFollowsAnother(t *testing.T) {
	doc := ExampleDocument()
	for _, c := range []struct{ name, old, new string }{
		{"a region in another case", `"region": "us-east-1",`, `"Region": "us-east-1",`},
		{"a region of the wrong type", `"region": "us-east-1",`, `"region": 1,`},
		{"an account of the wrong type", `"account": "111111111111",`, `"account": 111111111111,`},
	} {
		_, err := Parse(bytes.Replace(doc, []byte(c.old), []byte(c.new), 1), "doc.json")
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, follower := range []string{"connectionArn", "notificationTopicArn", "statusTokenSecretArn"} {
			if strings.Contains(err.Error(), "pipeline."+follower+":") {
				t.Errorf("%s: a problem follows at %s:\n%s", c.name, follower, err)
			}
		}
	}
}

// TestCodeBuildProjectsDistinct: two environments in one account and
// region whose codebuild checks would name one project are refused.
func TestCodeBuildProjectsDistinct(t *testing.T) {
	var d Document
	if err := json.Unmarshal(ExampleDocument(), &d); err != nil {
		t.Fatal(err)
	}
	d.Checks["load-integration"] = DocCheck{Type: CheckCodeBuild, Commands: []string{"true"}}
	alpha, beta := &d.Stages[0], &d.Stages[1]
	alpha.Checks = append(alpha.Checks, "load-integration")
	beta.Checks = append(beta.Checks, "integration")
	beta.Environments[0].Name = "alpha-load"
	beta.Environments[0].Account, beta.Environments[0].Region = alpha.Environments[0].Account, alpha.Environments[0].Region
	raw, _ := json.Marshal(d)
	_, err := Parse(raw, "doc.json")
	if err == nil || !strings.Contains(err.Error(), "names the CodeBuild project orders-alpha-load-integration") {
		t.Errorf("%v", err)
	}
	beta.Environments[0].Region = "us-west-2" // another region: two projects
	raw, _ = json.Marshal(d)
	if _, err := Parse(raw, "doc.json"); err != nil && strings.Contains(err.Error(), "CodeBuild project") {
		t.Errorf("in another region: %v", err)
	}
}

// TestDecodeStrictTakesWhatEncodingJSONTakes: the forms encoding/json
// reads are read, and what it drops or refuses is a problem, never a
// panic.
func TestDecodeStrictTakesWhatEncodingJSONTakes(t *testing.T) {
	type A struct{ Name string }
	type B struct{ Name string }
	type body struct {
		A
		B
		Pair   [2]int      `json:"pair"`
		Bytes  []byte      `json:"bytes"`
		Num    json.Number `json:"num"`
		Quoted int         `json:"quoted,string"`
		PP     **string    `json:"pp"`
		P      *string     `json:"p"`
		List   []string    `json:"list"`
	}
	var v body
	good := `{"pair": [1, 2], "bytes": "aGk=", "num": 1.5e300, "quoted": "42", "pp": "x", "p": null, "list": null}`
	if err := DecodeStrict([]byte(good), "the body", &v); err != nil {
		t.Fatalf("%v", err)
	}
	if v.Pair != [2]int{1, 2} || string(v.Bytes) != "hi" || v.Num != "1.5e300" || v.Quoted != 42 || v.PP == nil || **v.PP != "x" || v.P != nil {
		t.Errorf("filled %+v", v)
	}
	var n json.Number
	if err := DecodeStrict([]byte(`{"num": "12"}`), "b", &struct {
		Num *json.Number `json:"num"`
	}{&n}); err != nil {
		t.Errorf("json.Number from text: %v", err)
	}
	for _, c := range []struct{ data, want string }{
		{`{"Name": "x"}`, "Name: unknown field"}, // promoted twice: encoding/json drops it
		{`{"quoted": 42}`, "quoted: must be a string"},
		{`{"pair": "x"}`, "pair: must be an array"},
	} {
		var v body
		if err := DecodeStrict([]byte(c.data), "b", &v); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.data, err, c.want)
		}
	}
	for _, v := range []any{nil, body{}, (*body)(nil)} {
		if err := DecodeStrict([]byte(`{}`), "b", v); err == nil {
			t.Errorf("DecodeStrict into %T: no error", v)
		}
	}
}
