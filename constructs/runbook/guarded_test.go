package runbook_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/handsoff-cdk/handsoff/constructs/runbook"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/guarded")

// The fixture: an app with cdk-nag's AwsSolutions checks and two stacks.
// Ops, in an account and region, holds the three runbooks of the example
// service with fixed names, a topic and the sign-in link, and a developer
// policy for each of the 7 sets of them. Agnostic, in no environment, holds
// them with generated names, no topic and no sign-in: tokens everywhere.
// Synthesized once for the tests of this file.

const (
	account = "111122223333"
	region  = "eu-west-1"
	topic   = "arn:aws:sns:eu-west-1:111122223333:orders-ops"
	start   = "https://acme.awsapps.com/start"
)

var names = []string{"refresh", "invalidate", "snapshot"}

type fixture struct {
	dir       string
	ops       map[string]any // the Ops template
	agnostic  map[string]any
	runbooks  map[string]runbook.Guarded // Ops', by name
	policies  map[int]string             // logical id of the developer policy, by the set (a bit a runbook)
	logicalID map[string]string          // Ops' runbook name → its document's logical id
	roleID    map[string]string          // Ops' runbook name → its role's logical id
}

var (
	once sync.Once
	fx   *fixture
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fx != nil {
		os.RemoveAll(fx.dir)
	}
	os.Exit(code)
}

func makeRunbooks(stack awscdk.Stack, gp runbook.GuardedProps, named bool) map[string]runbook.Guarded {
	name := func(n string) string {
		if named {
			return "orders-" + n
		}
		return ""
	}
	out := map[string]runbook.Guarded{}
	gp.Name = name("refresh-api")
	out["refresh"] = runbook.NewRefreshService(stack, "RefreshApi", &runbook.RefreshServiceProps{GuardedProps: gp, Cluster: "orders", ECSService: "api"})
	gp.Name = name("invalidate-web")
	out["invalidate"] = runbook.NewInvalidatePaths(stack, "InvalidateWeb", &runbook.InvalidatePathsProps{GuardedProps: gp, DistributionID: "E2QWRUHAPOMQZL"})
	gp.Name = name("snapshot-db")
	out["snapshot"] = runbook.NewSnapshotDatabase(stack, "SnapshotDb", &runbook.SnapshotDatabaseProps{GuardedProps: gp, DBInstance: "orders-db"})
	return out
}

func synth(t *testing.T) *fixture {
	t.Helper()
	once.Do(func() {
		dir, err := os.MkdirTemp("", "handsoff-runbook-")
		if err != nil {
			t.Fatal(err)
		}
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
		ops := awscdk.NewStack(app, jsii.String("Ops"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}})
		f := &fixture{dir: dir, policies: map[int]string{}, logicalID: map[string]string{}, roleID: map[string]string{}}
		f.runbooks = makeRunbooks(ops, runbook.GuardedProps{
			Service: "orders", Environment: "prod-euw1", Stage: "prod",
			NotificationTopicArn: topic, SSOStartURL: start, SSORoleName: "OrdersDeveloper",
		}, true)
		for set := 1; set < 1<<len(names); set++ {
			var rbs []runbook.Guarded
			for i, n := range names {
				if set&(1<<i) != 0 {
					rbs = append(rbs, f.runbooks[n])
				}
			}
			p := runbook.NewStartPolicy(ops, fmt.Sprintf("Developers%d", set), &runbook.StartPolicyProps{Runbooks: rbs})
			f.policies[set] = *ops.GetLogicalId(p.Node().DefaultChild().(awscdk.CfnElement))
		}
		for _, n := range names {
			f.logicalID[n] = *ops.GetLogicalId(f.runbooks[n].Resource())
			f.roleID[n] = *ops.GetLogicalId(f.runbooks[n].Role().Node().DefaultChild().(awscdk.CfnElement))
		}
		agnostic := awscdk.NewStack(app, jsii.String("Agnostic"), nil)
		makeRunbooks(agnostic, runbook.GuardedProps{Service: "orders", Environment: "dev", Stage: "dev"}, false)
		app.Synth(nil)
		tmpls := testenv.Templates(t, dir)
		f.ops, f.agnostic = tmpls["Ops.template.json"], tmpls["Agnostic.template.json"]
		fx = f
	})
	if fx == nil {
		t.Fatal("the fixture did not synthesize")
	}
	return fx
}

func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		if rm := r.(map[string]any); rm["Type"] == typ {
			out[id] = rm
		}
	}
	return out
}

func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

// TestGuardedChecks: cdk-nag's AwsSolutions finds no error (each wildcard
// suppressed with its reason), AWS Control Tower's cfn-guard rules for
// IAM, KMS and CloudWatch find no failure, and the templates match the
// CloudFormation registry.
func TestGuardedChecks(t *testing.T) {
	f := synth(t)
	for _, a := range testenv.Annotations(t, f.dir) {
		if a.Level == "error" {
			t.Error(a)
		} else {
			t.Log(a)
		}
	}
	// cdk-nag ran: its report lists the wildcards it let pass, each with
	// the reason, and nothing non-compliant.
	reports, _ := filepath.Glob(filepath.Join(f.dir, "AwsSolutions-*Ops-NagReport.csv"))
	if len(reports) != 1 {
		t.Fatalf("cdk-nag's reports for Ops: %v", reports)
	}
	report, _ := os.ReadFile(reports[0])
	suppressed := 0
	for _, line := range strings.Split(string(report), "\n") {
		switch {
		case strings.Contains(line, `"Non-Compliant"`):
			t.Errorf("cdk-nag: %s", line)
		case strings.HasPrefix(line, `"AwsSolutions-IAM5"`) && strings.Contains(line, `"Suppressed"`):
			suppressed++
		}
	}
	if suppressed == 0 {
		t.Error("cdk-nag suppressed no wildcard: did it run?")
	}
	t.Logf("cdk-nag: %d wildcard findings suppressed with their reasons", suppressed)
	res := testenv.Guard(t, testenv.TemplateFiles(t, f.dir), "identityandaccessmanagement", "keymanagementservice", "cloudwatch")
	for _, fl := range res.Failures {
		t.Error(fl)
	}
	t.Logf("cfn-guard: %d failures, %d reasoned suppressions", len(res.Failures), res.Suppressed)
	schema := testenv.Schema(t)
	for name, tmpl := range map[string]map[string]any{"Ops": f.ops, "Agnostic": f.agnostic} {
		for _, p := range schema.Validate(tmpl) {
			t.Errorf("%s: %s", name, p)
		}
	}
	// Every IAM5 suppression says why.
	for id, r := range resources(f.ops, "AWS::IAM::ManagedPolicy") {
		meta, _ := r["Metadata"].(map[string]any)
		nag, _ := meta["cdk_nag"].(map[string]any)
		for _, s := range nag["rules_to_suppress"].([]any) {
			if reason, _ := s.(map[string]any)["reason"].(string); len(reason) < 40 {
				t.Errorf("%s: a suppression with too short a reason: %v", id, s)
			}
		}
	}
}

// TestGuardedDocuments: each document in the template is the model's YAML
// (the role's ARN where its token was), validates, and holds to the
// actions' table; it is an Automation document in YAML with the handsoff
// tags; its role allows exactly what its steps call, on its target.
func TestGuardedDocuments(t *testing.T) {
	f := synth(t)
	tb := loadTable(t)
	docs := resources(f.ops, "AWS::SSM::Document")
	for _, tmpl := range []map[string]any{f.ops, f.agnostic} {
		for id, r := range resources(tmpl, "AWS::SSM::Document") {
			p := props(r)
			if p["DocumentFormat"] != "YAML" || p["DocumentType"] != "Automation" || p["UpdateMethod"] != "NewVersion" {
				t.Errorf("%s: format %v, type %v, update %v", id, p["DocumentFormat"], p["DocumentType"], p["UpdateMethod"])
			}
			tags := map[string]any{}
			for _, tg := range p["Tags"].([]any) {
				tags[tg.(map[string]any)["Key"].(string)] = tg.(map[string]any)["Value"]
			}
			if tags["handsoff:service"] != "orders" || tags["handsoff:environment"] == nil {
				t.Errorf("%s: tags %v", id, tags)
			}
		}
	}
	for _, n := range names {
		rb := f.runbooks[n]
		t.Run(n, func(t *testing.T) {
			r := docs[f.logicalID[n]]
			content := text(props(r)["Content"])
			role := regexp.MustCompile(`"<([A-Za-z0-9]+)\.Arn>"`).FindStringSubmatch(content)
			if role == nil {
				t.Fatalf("assumeRole is not a role's ARN:\n%.600s", content)
			}
			model := *rb.Model()
			model.AssumeRole = "<" + role[1] + ".Arn>"
			want, err := model.YAML()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), content); diff != "" {
				t.Errorf("the template's content is not the model's YAML (-model +template):\n%s", diff)
			}
			if err := model.Validate(); err != nil {
				t.Error(err)
			}
			parsed, err := yamlAsJSON([]byte(content))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tb.check(parsed) {
				t.Error(p)
			}
			policies := resources(f.ops, "AWS::IAM::Policy")
			var stmts []iamStatement
			for _, pr := range policies {
				if slices.ContainsFunc(props(pr)["Roles"].([]any), func(x any) bool { return text(x) == "<"+role[1]+">" }) {
					stmts = append(stmts, readPolicy(props(pr)["PolicyDocument"])...)
				}
			}
			j, _ := model.JSON()
			if ps := checkRole(j, stmts, templateExpect(n)); len(ps) > 0 {
				t.Errorf("role:\n%s", strings.Join(ps, "\n"))
			}
		})
	}
}

// templateExpect is what each of Ops' runbooks' roles may name.
func templateExpect(n string) roleExpect {
	e := roleExpect{
		"ssm:GetParameter": {arnOf("ssm", region, `parameter/handsoff/orders/prod/calendar`)},
		"sns:Publish":      {regexp.MustCompile("^" + regexp.QuoteMeta(topic) + "$")},
	}
	switch n {
	case "refresh":
		svc := arnOf("ecs", region, "service/orders/api")
		e["ecs:UpdateService"], e["ecs:DescribeServices"] = []*regexp.Regexp{svc}, []*regexp.Regexp{svc}
	case "invalidate":
		dist := regexp.MustCompile(`^arn:[^:]+:cloudfront::` + account + `:distribution/E2QWRUHAPOMQZL$`)
		for _, a := range []string{"GetDistribution", "ListInvalidations", "CreateInvalidation", "GetInvalidation"} {
			e["cloudfront:"+a] = []*regexp.Regexp{dist}
		}
	case "snapshot":
		rds := []*regexp.Regexp{arnOf("rds", region, "db:orders-db"), arnOf("rds", region, `snapshot:handsoff-orders-db-\*`)}
		e["rds:CreateDBSnapshot"], e["rds:DescribeDBSnapshots"] = rds, rds
		e["cloudwatch:GetMetricStatistics"] = []*regexp.Regexp{regexp.MustCompile(`^\*$`)}
	}
	return e
}

// TestGuardedTrust: each role trusts SSM alone, for Automation executions
// of its own account and region where SSM says which.
func TestGuardedTrust(t *testing.T) {
	f := synth(t)
	for id, r := range resources(f.ops, "AWS::IAM::Role") {
		doc, _ := json.Marshal(props(r)["AssumeRolePolicyDocument"])
		want := `{"Statement":[{"Action":"sts:AssumeRole","Condition":{"ArnLikeIfExists":{"aws:SourceArn":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":ssm:eu-west-1:111122223333:automation-execution/*"]]}},"StringEqualsIfExists":{"aws:SourceAccount":"111122223333"}},"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"}}],"Version":"2012-10-17"}`
		if string(doc) != want {
			t.Errorf("%s trusts %s", id, doc)
		}
	}
}

// TestGuardedExecutionLogs: each runbook has a log group, encrypted and
// kept a year, and a rule that sends its document's execution and step
// status changes there; the stack's one resource policy lets EventBridge
// write to those log groups alone.
func TestGuardedExecutionLogs(t *testing.T) {
	f := synth(t)
	groups := resources(f.ops, "AWS::Logs::LogGroup")
	rules := resources(f.ops, "AWS::Events::Rule")
	if len(groups) != 3 || len(rules) != 3 {
		t.Fatalf("%d log groups and %d rules, want 3 and 3", len(groups), len(rules))
	}
	for id, g := range groups {
		p := props(g)
		if p["RetentionInDays"] != 365.0 || p["KmsKeyId"] == nil || g["DeletionPolicy"] != "Retain" {
			t.Errorf("%s: %v", id, p)
		}
	}
	targets := map[string]bool{}
	for _, n := range names {
		found := false
		for id, r := range rules {
			p := props(r)
			pattern, _ := json.Marshal(p["EventPattern"])
			doc := *f.runbooks[n].DocumentName()
			if !strings.Contains(string(pattern), `"Definition":["`+doc+`"]`) {
				continue
			}
			found = true
			if want := `{"detail":{"Definition":["` + doc + `"]},"detail-type":["EC2 Automation Execution Status-change Notification","EC2 Automation Step Status-change Notification"],"source":["aws.ssm"]}`; string(pattern) != want {
				t.Errorf("%s: pattern %s", id, pattern)
			}
			tg := p["Targets"].([]any)
			if len(tg) != 1 {
				t.Fatalf("%s: %d targets", id, len(tg))
			}
			arn := text(tg[0].(map[string]any)["Arn"])
			m := regexp.MustCompile(`^arn:<AWS.Partition>:logs:eu-west-1:111122223333:log-group:<([A-Za-z0-9]+)>$`).FindStringSubmatch(arn)
			if m == nil || groups[m[1]] == nil {
				t.Errorf("%s: target %s is not one of the log groups", id, arn)
			} else {
				targets[m[1]] = true
			}
		}
		if !found {
			t.Errorf("no rule for %s's document", n)
		}
	}
	policies := resources(f.ops, "AWS::Logs::ResourcePolicy")
	if len(policies) != 1 {
		t.Fatalf("%d CloudWatch Logs resource policies, want 1 for the stack", len(policies))
	}
	for _, p := range policies {
		var doc any
		json.Unmarshal([]byte(text(props(p)["PolicyDocument"])), &doc)
		var allowed []string
		for _, s := range doc.(map[string]any)["Statement"].([]any) {
			sm := s.(map[string]any)
			if b, _ := json.Marshal(sm["Principal"]); string(b) != `{"Service":"events.amazonaws.com"}` {
				t.Errorf("principal %s", b)
			}
			if b, _ := json.Marshal(sm["Action"]); string(b) != `["logs:CreateLogStream","logs:PutLogEvents"]` {
				t.Errorf("actions %s", b)
			}
			allowed = append(allowed, texts(sm["Resource"])...)
		}
		var want []string
		for g := range targets {
			want = append(want, "<"+g+".Arn>")
		}
		slices.Sort(allowed)
		slices.Sort(want)
		if !slices.Equal(allowed, want) {
			t.Errorf("the resource policy allows %v, want the runbooks' log groups %v", allowed, want)
		}
	}
}

// cliLink is how handsoff runbooks builds the link
// (cmd/handsoff/runbooks.go, runbookLink), copied: the construct's must be
// the same, byte for byte.
func cliLink(startURL, roleName, account, region, document string) string {
	console := fmt.Sprintf("https://%s.console.aws.amazon.com/systems-manager/automation/execute/%s?region=%s", region, url.PathEscape(document), region)
	if startURL == "" {
		return console
	}
	q := url.Values{"account_id": {account}, "destination": {console}}
	if roleName != "" {
		q.Set("role_name", roleName)
	}
	return strings.TrimSuffix(startURL, "/") + "/#/console?" + q.Encode()
}

// TestGuardedLinks: each runbook's output Link is the CLI's link to its
// document; without SSO props, the console page; with tokens, the same
// text around them.
func TestGuardedLinks(t *testing.T) {
	f := synth(t)
	outputs := f.ops["Outputs"].(map[string]any)
	for _, n := range names {
		doc := *f.runbooks[n].DocumentName()
		if doc != "orders-"+map[string]string{"refresh": "refresh-api", "invalidate": "invalidate-web", "snapshot": "snapshot-db"}[n] {
			t.Errorf("%s: DocumentName() %s, not the Name given", n, doc)
		}
		want := cliLink(start, "OrdersDeveloper", account, region, doc)
		if got := *f.runbooks[n].Link(); got != want {
			t.Errorf("%s: Link() %s, want %s", n, got, want)
		}
		found := false
		for _, o := range outputs {
			found = found || o.(map[string]any)["Value"] == want
		}
		if !found {
			t.Errorf("%s: no output with the link %s", n, want)
		}
	}
	for id, o := range f.agnostic["Outputs"].(map[string]any) {
		got := text(o.(map[string]any)["Value"])
		if !regexp.MustCompile(`^https://<AWS\.Region>\.console\.aws\.amazon\.com/systems-manager/automation/execute/<[A-Za-z0-9]+>\?region=<AWS\.Region>$`).MatchString(got) {
			t.Errorf("%s: %s", id, got)
		}
	}
	for _, c := range []struct{ start, role, doc string }{
		{"", "", "orders-refresh-api"},
		{start, "", "a.b_c-d"},
		{start + "/", "Dev+Ops=1,x@y", "orders-snapshot-db"},
	} {
		if got, want := runbook.Link(c.start, c.role, account, "us-east-1", c.doc), cliLink(c.start, c.role, account, "us-east-1", c.doc); got != want {
			t.Errorf("Link(%q, %q, %q) = %s, want %s", c.start, c.role, c.doc, got, want)
		}
	}
}

// TestGuardedGolden: the Ops template, each document's content in a file
// of its own; go test ./constructs/runbook -update rewrites them.
func TestGuardedGolden(t *testing.T) {
	f := synth(t)
	raw, _ := json.Marshal(f.ops)
	var tmpl map[string]any
	json.Unmarshal(raw, &tmpl)
	delete(tmpl["Parameters"].(map[string]any), "BootstrapVersion")
	if len(tmpl["Parameters"].(map[string]any)) == 0 {
		delete(tmpl, "Parameters")
	}
	delete(tmpl, "Rules")
	files := map[string][]byte{}
	for _, n := range names {
		r := tmpl["Resources"].(map[string]any)[f.logicalID[n]].(map[string]any)
		p := props(r)
		files[n+".yaml"] = []byte(text(p["Content"]))
		p["Content"] = "(testdata/guarded/" + n + ".yaml)"
	}
	out, _ := json.MarshalIndent(tmpl, "", "  ")
	files["ops.template.json"] = append(out, '\n')
	dir := filepath.Join("testdata", "guarded")
	if *update {
		os.MkdirAll(dir, 0o755)
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	for name, got := range files {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%v: run go test ./constructs/runbook -update", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s (-want +got); run go test ./constructs/runbook -update if intended:\n%s", name, diff)
		}
	}
	// The golden documents read as YAML.
	for _, n := range names {
		var v any
		if err := yaml.Unmarshal(files[n+".yaml"], &v); err != nil {
			t.Errorf("%s.yaml: %v", n, err)
		}
	}
}

// TestGuardedProblems: every mistake in the props fails synthesis with an
// error on the construct that names the field and the fix, all at once.
func TestGuardedProblems(t *testing.T) {
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	stack := awscdk.NewStack(app, jsii.String("Ops"), nil)
	runbook.NewRefreshService(stack, "Empty", nil)
	runbook.NewRefreshService(stack, "BadNames", &runbook.RefreshServiceProps{
		GuardedProps: runbook.GuardedProps{Service: "Orders", Environment: "prod euw1", Stage: "prod", NotificationTopicArn: "arn:aws:sqs:eu-west-1:111122223333:q"},
		Cluster:      "orders cluster", ECSService: "api", Timeout: 13 * time.Hour,
	})
	gp := runbook.GuardedProps{Service: "orders", Environment: "prod-euw1", Stage: "prod"}
	bad := gp
	bad.LogRetentionDays, bad.SSORoleName, bad.SSOStartURL = 30, "Dev", ""
	runbook.NewInvalidatePaths(stack, "Invalidate", &runbook.InvalidatePathsProps{GuardedProps: bad, DistributionID: "e123!", DefaultPaths: []string{"images/*", "/a*/b", "/" + strings.Repeat("a", 4000)}})
	runbook.NewSnapshotDatabase(stack, "Snapshot", &runbook.SnapshotDatabaseProps{GuardedProps: gp, DBInstance: "1db--",
		OffPeak: runbook.DailyWindow{Start: 3 * time.Hour, End: 3 * time.Hour}, CPUThreshold: 120, LoadChecks: 9})
	runbook.NewSnapshotDatabase(stack, "TokenDb", &runbook.SnapshotDatabaseProps{GuardedProps: gp, DBInstance: *awscdk.NewCfnParameter(stack, jsii.String("Db"), nil).ValueAsString()})
	runbook.NewStartPolicy(stack, "Nobody", nil)
	app.Synth(nil)
	var got []string
	for _, f := range testenv.Annotations(t, dir) {
		if f.Level == "error" {
			got = append(got, f.Path+": "+strings.TrimPrefix(f.Message, "handsoff runbook: "))
		}
	}
	for _, want := range []string{
		"/Ops/Empty: Service is required",
		"/Ops/Empty: Environment is required",
		"/Ops/Empty: Stage is required",
		"/Ops/Empty: Cluster is required: the ECS cluster's name",
		"/Ops/Empty: ECSService is required: the ECS service's name",
		`/Ops/BadNames: Service "Orders": use lower-case letters`,
		`/Ops/BadNames: Environment "prod euw1"`,
		`/Ops/BadNames: NotificationTopicArn "arn:aws:sqs:eu-west-1:111122223333:q" is not an SNS topic's ARN`,
		`/Ops/BadNames: Cluster "orders cluster": ECS names are`,
		"/Ops/BadNames: Timeout 13h0m0s: give whole seconds from 1m0s to 12h0m0s",
		"/Ops/Invalidate: LogRetentionDays 30: use one of CloudWatch Logs' values from 365 up",
		"/Ops/Invalidate: SSORoleName is set without SSOStartURL",
		`/Ops/Invalidate: DistributionID "e123!" is not a CloudFront distribution ID`,
		`/Ops/Invalidate/Runbook: parameters[0](Paths).default: "images/*" does not match allowedPattern`,
		`/Ops/Invalidate/Runbook: parameters[0](Paths).default: "/a*/b" does not match allowedPattern`,
		`/Ops/Invalidate: DefaultPaths[2]: 4001 characters`,
		`/Ops/Snapshot: DBInstance "1db--" is not a DB instance identifier`,
		"/Ops/Snapshot: OffPeak 03:00-03:00 is empty or the whole day",
		"/Ops/Snapshot: CPUThreshold 120: give a percentage above 0 and below 100",
		"/Ops/Snapshot: LoadChecks 9: give 1 to 8",
		"/Ops/TokenDb: DBInstance is a token",
		"/Ops/Nobody: StartPolicyProps.Runbooks is empty",
	} {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, want) }) {
			t.Errorf("no error %q; errors:\n%s", want, strings.Join(got, "\n"))
		}
	}
}
