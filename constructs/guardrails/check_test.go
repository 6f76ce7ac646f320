package guardrails

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckAssemblyNamesConstructPaths: templates synthesized without path
// metadata (no CDK CLI) still get findings by construct path, from the
// assembly's manifest.
func TestCheckAssemblyNamesConstructPaths(t *testing.T) {
	dir := t.TempDir()
	tmpl := `{"Resources": {"Web1234": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}]}}}}`
	manifest := `{"artifacts": {"App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json"},
	  "metadata": {"/prod/App/Web/Resource": [{"type": "aws:cdk:logicalId", "data": "Web1234"}]}}}}`
	for name, body := range map[string]string{"App.template.json": tmpl, "manifest.json": manifest} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := CheckAssembly(dir, Context{})
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Failures(); len(f) != 1 || f[0].Resource != "prod/App/Web/Resource" {
		t.Errorf("failures = %+v, want one on prod/App/Web/Resource", f)
	}
}

// TestSuppressions: a suppression covers the findings it was written for:
// its rule, its kind (a breach, or a value unknown at synth time) and, when
// it names them, its paths; a reason must be a sentence.
func TestSuppressions(t *testing.T) {
	// Port 22 from a parameter in the first entry, open to the world in the
	// second.
	sg := `"Type":"AWS::EC2::SecurityGroup","Properties":{"SecurityGroupIngress":[
	  {"CidrIp":{"Ref":"Cidr"},"IpProtocol":"tcp","FromPort":22,"ToPort":22},
	  {"CidrIp":"0.0.0.0/0","IpProtocol":"tcp","FromPort":22,"ToPort":22}]}`
	const reason = "The parameter is the office range, set by the platform team."
	cases := []struct {
		name     string
		suppress string // the suppress list, JSON
		failures []string
		problems []string
	}{
		{"none", `[]`, []string{"SecurityGroupIngress[0].CidrIp unresolved", "SecurityGroupIngress[1].CidrIp non-compliant"}, nil},
		{"unresolved covers the parameter, not the open port", `[{"rule":"HS-EC2-1","reason":"` + reason + `","unresolved":true}]`,
			[]string{"SecurityGroupIngress[1].CidrIp non-compliant"}, nil},
		{"a breach suppression does not cover the unknown value", `[{"rule":"HS-EC2-1","reason":"` + reason + `"}]`,
			[]string{"SecurityGroupIngress[0].CidrIp unresolved"}, nil},
		{"a path covers only what is under it", `[{"rule":"HS-EC2-1","reason":"` + reason + `","at":["SecurityGroupIngress[0]"]}]`,
			[]string{"SecurityGroupIngress[0].CidrIp unresolved", "SecurityGroupIngress[1].CidrIp non-compliant"}, nil},
		{"a path for the breach", `[{"rule":"HS-EC2-1","reason":"Break-glass bastion, opened only by runbook OPS-12.","at":["SecurityGroupIngress[1]"]}]`,
			[]string{"SecurityGroupIngress[0].CidrIp unresolved"}, nil},
		{"ten x is no reason", `[{"rule":"HS-EC2-1","reason":"xxxxxxxxxx","unresolved":true}]`,
			[]string{"SecurityGroupIngress[0].CidrIp unresolved", "SecurityGroupIngress[1].CidrIp non-compliant"}, []string{`suppresses HS-EC2-1 with the reason "xxxxxxxxxx": say in a sentence why it is safe`}},
		{"a repeated word is no reason", `[{"rule":"HS-EC2-1","reason":"ok ok ok ok ok"}]`,
			[]string{"SecurityGroupIngress[0].CidrIp unresolved", "SecurityGroupIngress[1].CidrIp non-compliant"}, []string{`with the reason "ok ok ok ok ok"`}},
		{"an unknown rule", `[{"rule":"HS-XX-9","reason":"` + reason + `"}]`,
			[]string{"SecurityGroupIngress[0].CidrIp unresolved", "SecurityGroupIngress[1].CidrIp non-compliant"}, []string{`suppresses unknown guardrail "HS-XX-9"`}},
		{"by rule name, both kinds", `[{"rule":"no-open-admin-ports","reason":"` + reason + `","unresolved":true},{"rule":"HS-EC2-1","reason":"Break-glass bastion, opened only by runbook OPS-12."}]`, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl := `{"Parameters":{"Cidr":{"Type":"String"}},"Resources":{"Web":{"Metadata":{"aws:cdk:path":"app/Web/Resource","handsoff:guardrails":{"suppress":` + c.suppress + `}},` + sg + `}}}`
			rep, err := CheckTemplate("app.template.json", []byte(tmpl), Context{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Failures() {
				got = append(got, f.Path+" "+f.Outcome.String())
			}
			if strings.Join(got, "; ") != strings.Join(c.failures, "; ") {
				t.Errorf("failures %q, want %q", got, c.failures)
			}
			if len(rep.Problems) != len(c.problems) {
				t.Fatalf("problems %+v, want %q", rep.Problems, c.problems)
			}
			for i, p := range c.problems {
				if !strings.Contains(rep.Problems[i].Message, p) {
					t.Errorf("problem %q lacks %q", rep.Problems[i].Message, p)
				}
			}
		})
	}
}

// TestSuppressOnNoResourceIsShown: Suppress on a construct that is no
// CloudFormation resource is an error in the report, naming the construct.
func TestSuppressOnNoResourceIsShown(t *testing.T) {
	dir := t.TempDir()
	manifest := `{"artifacts": {"App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json"},
	  "metadata": {"/prod/App/Group": [{"type": "handsoff:guardrails", "data": {"error": "guardrails.Suppress(HS-S3-1) is on a construct that is no CloudFormation resource"}}]}}}}`
	os.WriteFile(filepath.Join(dir, "App.template.json"), []byte(`{"Resources": {}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644)
	rep, err := CheckAssembly(dir, Context{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err == nil || !strings.Contains(err.Error(), "prod/App/Group: guardrails.Suppress(HS-S3-1) is on a construct that is no CloudFormation resource") {
		t.Errorf("Err() = %v", err)
	}
}

func TestIsReason(t *testing.T) {
	for text, want := range map[string]bool{
		"xxxxxxxxxx": false, "ok ok ok ok": false, "fine": false, "12345 67890 1111 2222": false, "it is fine": false,
		"Break-glass bastion, opened only by runbook OPS-12.": true, "carries only public status-page events": true,
		"Nur öffentliche Statusmeldungen, keine Kundendaten.": true,
		"TODO: write the reason here":                         false, "Lorem ipsum dolor sit amet": false, "TBD by the platform team later": false,
		"placeholder until the review is done": false, "FIXME before we go live": false,
		"The todos app serves only public pages.": true,
	} {
		if got := IsReason(text); got != want {
			t.Errorf("IsReason(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestTransformIsUnresolved: a template rewritten at deploy time is never
// passed, whatever its resources look like.
func TestTransformIsUnresolved(t *testing.T) {
	for _, tr := range []string{`"AWS::Serverless-2016-10-31"`, `["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"]`, `{"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}`} {
		data := []byte(`{"Transform": ` + tr + `, "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": ["AdministratorAccess"]}}}}`)
		rep, err := CheckTemplate("t.json", data, Context{})
		if err != nil {
			t.Fatal(err)
		}
		fails := rep.Failures()
		if len(fails) != 1 || fails[0].Rule.ID != "HS-CFN-1" || fails[0].Outcome != Unresolved {
			t.Errorf("Transform %s: got %v, want one HS-CFN-1 cannot be checked", tr, fails)
		}
	}
}

// TestSuppressionCoversOnlyItsPlaces: a suppression written for one entry
// does not hide a finding that another entry is part of.
func TestSuppressionCoversOnlyItsPlaces(t *testing.T) {
	const reason = "Break-glass bastion, opened only by runbook OPS-12."
	sg := func(suppress string, ranges ...string) string {
		var entries []string
		for _, r := range ranges {
			entries = append(entries, `{"CidrIp":"`+r+`","IpProtocol":"tcp","FromPort":22,"ToPort":22}`)
		}
		return `{"Resources":{"Web":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"handsoff:guardrails":{"suppress":` + suppress +
			`}},"Properties":{"GroupDescription":"g","SecurityGroupIngress":[` + strings.Join(entries, ",") + `]}}}}`
	}
	for _, c := range []struct {
		name     string
		tmpl     string
		failures int
	}{
		{"written for [0], [1] open too", sg(`[{"rule":"HS-EC2-1","reason":"`+reason+`","at":["SecurityGroupIngress[0]"]}]`, "0.0.0.0/0", "0.0.0.0/0"), 1},
		{"written for [0], [0] and [1] open it together", sg(`[{"rule":"HS-EC2-1","reason":"`+reason+`","at":["SecurityGroupIngress[0]"]}]`, "0.0.0.0/1", "128.0.0.0/1"), 1},
		{"written for both", sg(`[{"rule":"HS-EC2-1","reason":"`+reason+`","at":["SecurityGroupIngress[0]","SecurityGroupIngress[1]"]}]`, "0.0.0.0/1", "128.0.0.0/1"), 0},
		{"written for [0], only [0] open", sg(`[{"rule":"HS-EC2-1","reason":"`+reason+`","at":["SecurityGroupIngress[0]"]}]`, "0.0.0.0/0", "10.0.0.0/8"), 0},
	} {
		rep, err := CheckTemplate("t.json", []byte(c.tmpl), Context{})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(rep.Failures()); got != c.failures {
			t.Errorf("%s: %d failures %v, want %d", c.name, got, rep.Failures(), c.failures)
		}
	}
}

// TestNestedStackProvenByTheAssembly: a nested stack passes HS-CFN-1 only
// when an asset manifest of the assembly publishes a template the check
// reads to the bucket and key of its TemplateURL, as CDK writes one; the
// nested template's own resources are checked with the app's.
func TestNestedStackProvenByTheAssembly(t *testing.T) {
	const bucket = "cdk-hnb659fds-assets-111111111111-us-east-1"
	url := func(key string) string {
		return `{"Fn::Join":["",["https://s3.us-east-1.",{"Ref":"AWS::URLSuffix"},"/` + bucket + `/` + key + `"]]}`
	}
	assets := func(path, key string) string {
		return `{"version":"50.0.0","files":{"h":{"source":{"path":"` + path + `","packaging":"file"},"destinations":{"d":{"bucketName":"` + bucket + `","objectKey":"` + key + `"}}}}}`
	}
	nested := `{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":"alias/aws/sns"}}}}`
	for _, c := range []struct {
		name, templateURL, metadata, assets string
		files                               map[string]string
		wantCFN                             bool
	}{
		{"CDK's nested stack", url("abc.json"), "", assets("AppNested.nested.template.json", "abc.json"), map[string]string{"AppNested.nested.template.json": nested}, false},
		{"metadata copied, no asset", url("abc.json"), `"Metadata":{"aws:asset:path":"AppNested.nested.template.json"},`, `{"files":{}}`, map[string]string{"AppNested.nested.template.json": nested}, true},
		{"another key", url("other.json"), "", assets("AppNested.nested.template.json", "abc.json"), map[string]string{"AppNested.nested.template.json": nested}, true},
		{"an asset the assembly lacks", url("abc.json"), "", assets("AppNested.nested.template.json", "abc.json"), nil, true},
		{"an asset that is no template the check reads", url("abc.json"), "", assets("network.yaml", "abc.json"), map[string]string{"network.yaml": "Resources: {}"}, true},
		{"an asset outside the assembly", url("abc.json"), "", assets("../AppNested.nested.template.json", "abc.json"), nil, true},
	} {
		dir := t.TempDir()
		parent := `{"Resources":{"N":{"Type":"AWS::CloudFormation::Stack",` + c.metadata + `"Properties":{"TemplateURL":` + c.templateURL + `}}}}`
		os.WriteFile(filepath.Join(dir, "App.template.json"), []byte(parent), 0o644)
		os.WriteFile(filepath.Join(dir, "App.assets.json"), []byte(c.assets), 0o644)
		for name, body := range c.files {
			os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
		}
		rep, err := CheckAssembly(dir, Context{})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, f := range rep.Failures() {
			got = got || f.Rule.ID == "HS-CFN-1"
		}
		if got != c.wantCFN {
			t.Errorf("%s: HS-CFN-1 reported %v, want %v (%v)", c.name, got, c.wantCFN, rep.Failures())
		}
	}
	// The nested template is checked: a topic without a key fails.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "App.template.json"), []byte(`{"Resources":{"N":{"Type":"AWS::CloudFormation::Stack","Properties":{"TemplateURL":`+url("abc.json")+`}}}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "App.assets.json"), []byte(assets("AppNested.nested.template.json", "abc.json")), 0o644)
	os.WriteFile(filepath.Join(dir, "AppNested.nested.template.json"), []byte(`{"Resources":{"T":{"Type":"AWS::SNS::Topic"}}}`), 0o644)
	rep, _ := CheckAssembly(dir, Context{})
	if fails := rep.Failures(); len(fails) != 1 || fails[0].Rule.ID != "HS-SNS-1" {
		t.Errorf("the nested template's topic: %v, want one HS-SNS-1", fails)
	}
}

// TestReasonPatterns: with the platform's patterns, a suppression whose
// reason does not match each of them is a problem, and its finding fails.
func TestReasonPatterns(t *testing.T) {
	tmpl := func(reason string) []byte {
		return []byte(`{"Resources":{"T":{"Type":"AWS::SNS::Topic","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-SNS-1","reason":"` + reason + `"}]}}}}}`)
	}
	for _, c := range []struct {
		name, reason string
		patterns     []string
		problems     int
		failures     int
	}{
		{"no pattern", "carries only public status-page events", nil, 0, 0},
		{"with the ticket", "carries only public status-page events, see SEC-42", []string{`\b[A-Z]+-[0-9]+\b`}, 0, 0},
		{"without the ticket", "carries only public status-page events", []string{`\b[A-Z]+-[0-9]+\b`}, 1, 1},
		{"one of two patterns", "carries only public status-page events, see SEC-42", []string{`\b[A-Z]+-[0-9]+\b`, `(?i)approved by`}, 1, 1},
		{"a pattern that does not compile", "carries only public status-page events", []string{`[`}, 1, 0},
	} {
		rep, err := CheckTemplate("t.json", tmpl(c.reason), Context{ReasonPatterns: c.patterns})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) != c.problems || len(rep.Failures()) != c.failures {
			t.Errorf("%s: problems %v, failures %v; want %d and %d", c.name, rep.Problems, rep.Failures(), c.problems, c.failures)
		}
	}
}
