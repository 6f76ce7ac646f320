package stages

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sharedDir holds the platform's documents; every file there must stay valid.
const sharedDir = "../../shared/config-service"

func TestSharedDocumentsValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir, "*.json"))
	if len(files) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("no documents in %s; CI must run with shared/ beside the repository", sharedDir)
		}
		t.Skipf("no documents in %s", sharedDir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(data, f); err != nil {
				t.Fatal(err)
			}
		})
	}
	shared, err := os.ReadFile(filepath.Join(sharedDir, "acme-orders.json"))
	if err == nil && string(shared) != string(ExampleDocument()) {
		t.Errorf("stages/example/acme-orders.json differs from %s/acme-orders.json: copy it again", sharedDir)
	}
}

func TestExampleModel(t *testing.T) {
	cfg, err := Parse(ExampleDocument(), "example")
	if err != nil {
		t.Fatal(err)
	}
	type wave struct {
		Stage, Wave string
		Bake        time.Duration
		Envs        []string
	}
	var got []wave
	for _, s := range cfg.Stages {
		for _, w := range s.Waves {
			var envs []string
			for _, e := range w.Environments {
				envs = append(envs, e.Name)
				if e.Stage != s.Name || e.Wave != w.Name || e.Bake != w.Bake {
					t.Errorf("%s: environment says stage %q wave %q bake %s", e.Name, e.Stage, e.Wave, e.Bake)
				}
			}
			got = append(got, wave{s.Name, w.Name, w.Bake, envs})
		}
	}
	want := []wave{
		{"alpha", "alpha", 0, []string{"alpha"}},
		{"beta", "beta", 0, []string{"beta"}},
		{"gamma", "gamma", 30 * time.Minute, []string{"gamma-use1", "gamma-euw1"}},
		{"prod", "onebox", time.Hour, []string{"prod-use1-onebox"}},
		{"prod", "wave-1", 2 * time.Hour, []string{"prod-use1"}},
		{"prod", "wave-2", time.Hour, []string{"prod-euw1", "prod-apse1", "prod-ape1"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("waves (-want +got):\n%s", diff)
	}
	health := cfg.Checks["health"]
	if health.Timeout != 30*time.Second || health.Retries != 3 || health.ExpectStatus != 200 {
		t.Errorf("health check = %+v", health)
	}
	if cfg.Pipeline.Branch != "main" || cfg.Service.Tags["cost-center"] != "cc-4711" {
		t.Errorf("pipeline/service = %+v %+v", cfg.Pipeline, cfg.Service)
	}
	fw := cfg.FreezeWindows[0]
	if fw.Location.String() != "Asia/Hong_Kong" || fw.Start != 12*60 || fw.End != 15*60 || len(fw.Days) != 5 {
		t.Errorf("freeze window = %+v", fw)
	}
}

// TestRules holds one case per validation rule, each asserting the exact
// message a user reads.
func TestRules(t *testing.T) {
	env0 := "stages[0].environments[0]"
	cases := []struct {
		name  string
		edits []any
		want  string
	}{
		{"apiVersion wrong", []any{"apiVersion", "handsoff/v2"}, `apiVersion: "handsoff/v2" is not supported; this library reads "handsoff/v1"`},
		{"apiVersion missing", []any{"apiVersion", deleted}, `apiVersion: is required: set it to "handsoff/v1"`},
		{"unknown field", []any{env0 + ".regoin", "us-east-1"}, env0 + `.regoin: unknown field (did you mean "region"?); known fields here: account, alarms, name, onebox, region`},
		{"wrong type", []any{"stages[3].approval", "yes"}, `stages[3].approval: must be true or false, not the string "yes"`},
		{"wrong type number", []any{"checks.health.expectStatus", "200"}, `checks.health.expectStatus: must be a whole number, not the string "200"`},
		{"repo shape", []any{"service.repo", "orders"}, `service.repo: "orders" is not owner/name as GitHub spells them, such as "acme/orders"`},
		{"service name", []any{"service.name", "Orders_Svc"}, `service.name: "Orders_Svc" must be lower-case letters, digits and hyphens, start with a letter and be at most 30 characters (it names the pipeline and state machines)`},
		{"owner missing", []any{"service.owner", ""}, `service.owner: is required: the team that owns the service, such as "team-orders"`},
		{"tag aws prefix", []any{"service.tags.aws:x", "1"}, `service.tags["aws:x"]: tag keys starting with "aws:" are reserved by AWS`},
		{"tag reserved", []any{"service.tags.stage", "x"}, `service.tags.stage: "stage" is set by handsoff on every resource; remove it from the document`},
		{"tag empty", []any{"service.tags.cost-center", ""}, `service.tags.cost-center: is empty; every resource must carry a value for it`},
		{"tag bad chars", []any{"service.tags.team", "a*b"}, `service.tags.team: "a*b" is not a valid tag value (at most 256 letters, digits, spaces and _ . : / = + - @)`},
		{"pipeline account", []any{"pipeline.account", "1111"}, `pipeline.account: "1111" is not a 12-digit AWS account ID`},
		{"status url alone", []any{"pipeline.statusUrl", "https://config.example.com"}, `pipeline.statusTokenSecretArn: is required with statusUrl: the Secrets Manager secret that holds the pipeline's token`},
		{"status secret alone", []any{"pipeline.statusTokenSecretArn", "arn:aws:secretsmanager:us-east-1:111111111111:secret:t"}, `pipeline.statusUrl: is required with statusTokenSecretArn: the configuration service's https base URL`},
		{"status over http", []any{"pipeline.statusUrl", "http://config.example.com", "pipeline.statusTokenSecretArn", "arn:aws:secretsmanager:us-east-1:111111111111:secret:t"}, `pipeline.statusUrl: "http://config.example.com" is not an https URL without query, such as "https://config.example.com" (EventBridge API destinations call https only)`},
		{"status secret elsewhere", []any{"pipeline.statusUrl", "https://config.example.com", "pipeline.statusTokenSecretArn", "arn:aws:secretsmanager:eu-west-1:111111111111:secret:t"}, `pipeline.statusTokenSecretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:t" is in 111111111111/eu-west-1; the secret must be in the pipeline's account and region (111111111111/us-east-1)`},
		{"pipeline region", []any{"pipeline.region", "us-east-7"}, `pipeline.region: "us-east-7" is not an AWS region (did you mean "us-east-1"?)`},
		{"connection arn", []any{"pipeline.connectionArn", "arn:aws:s3:::bucket"}, `pipeline.connectionArn: "arn:aws:s3:::bucket" is not a CodeConnections connection ARN (arn:aws:codeconnections:REGION:ACCOUNT:connection/ID)`},
		{"connection elsewhere", []any{"pipeline.connectionArn", "arn:aws:codeconnections:eu-west-1:111111111111:connection/abc"}, `pipeline.connectionArn: "arn:aws:codeconnections:eu-west-1:111111111111:connection/abc" is in 111111111111/eu-west-1; the connection must be in the pipeline's account and region (111111111111/us-east-1)`},
		{"branch", []any{"pipeline.branch", "a..b"}, `pipeline.branch: "a..b" is not a valid branch name`},
		{"topic arn", []any{"pipeline.notificationTopicArn", "alerts"}, `pipeline.notificationTopicArn: "alerts" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`},
		{"topic region", []any{"pipeline.notificationTopicArn", "arn:aws:sns:eu-west-1:111111111111:x"}, `pipeline.notificationTopicArn: "arn:aws:sns:eu-west-1:111111111111:x" is in eu-west-1; pipeline notifications need a topic in the pipeline's region us-east-1`},
		{"sso start url", []any{"access", map[string]any{"sso": map[string]any{"startUrl": "acme.awsapps.com/start", "region": "us-east-1", "roleName": "Developer"}}}, `access.sso.startUrl: "acme.awsapps.com/start" is not an https URL, such as "https://acme.awsapps.com/start"`},
		{"sso region", []any{"access", map[string]any{"sso": map[string]any{"startUrl": "https://acme.awsapps.com/start", "region": "us-east-9", "roleName": "Developer"}}}, `access.sso.region: "us-east-9" is not an AWS region (did you mean "us-east-1"?)`},
		{"sso role", []any{"access", map[string]any{"sso": map[string]any{"startUrl": "https://acme.awsapps.com/start", "region": "us-east-1", "roleName": "Power User"}}}, `access.sso.roleName: "Power User" is not a permission set name (1 to 64 of letters, digits and +=,.@_-)`},
		{"sso role missing", []any{"access", map[string]any{"sso": map[string]any{"startUrl": "https://acme.awsapps.com/start", "region": "us-east-1"}}}, `access.sso.roleName: is required: the permission set developers use in the accounts, such as "Developer"`},
		{"reason pattern invalid", []any{"guardrails", map[string]any{"reasonPatterns": []any{"OPS-[0-9+"}}}, "guardrails.reasonPatterns[0]: is not a Go regular expression (RE2): error parsing regexp: missing closing ]: `[0-9+`"},
		{"reason pattern empty", []any{"guardrails", map[string]any{"reasonPatterns": []any{" "}}}, "guardrails.reasonPatterns[0]: is empty: a Go regular expression that every suppression's reason must match, such as \"\\\\b[A-Z]+-[0-9]+\\\\b\""},
		{"reason pattern unknown field", []any{"guardrails", map[string]any{"reasonPattern": "x"}}, `guardrails.reasonPattern: unknown field (did you mean "reasonPatterns"?); known fields here: reasonPatterns`},
		{"sso unknown field", []any{"access", map[string]any{"sso": map[string]any{"startURL": "https://acme.awsapps.com/start"}}}, `access.sso.startURL: unknown field (did you mean "startUrl"?); known fields here: region, roleName, startUrl`},
		{"window zone", []any{"freezeWindows[0].timezone", "Asia/Hongkong_X"}, `freezeWindows[0].timezone: "Asia/Hongkong_X" is not an IANA time zone such as "Asia/Hong_Kong" or "UTC"`},
		{"window day", []any{"freezeWindows[0].days[1]", "Tuesday"}, `freezeWindows[0].days[1]: "Tuesday" is not a day: use MON, TUE, WED, THU, FRI, SAT or SUN`},
		{"window day twice", []any{"freezeWindows[0].days[1]", "MON"}, `freezeWindows[0].days[1]: "MON" is listed twice`},
		{"window days missing", []any{"freezeWindows[0].days", []any{}}, `freezeWindows[0].days: is required: the days the window starts on, such as ["MON", "FRI"]`},
		{"window start", []any{"freezeWindows[0].start", "12"}, `freezeWindows[0].start: "12" is not a time of day as HH:MM (00:00 to 23:59)`},
		{"window end", []any{"freezeWindows[0].end", "25:00"}, `freezeWindows[0].end: "25:00" is not a time of day as HH:MM (00:00 to 23:59)`},
		{"window empty", []any{"freezeWindows[0].end", "12:00"}, `freezeWindows[0].end: equals start, which leaves the window empty; for a whole day use start "00:00" and end "24:00"`},
		{"window stage", []any{"freezeWindows[0].appliesTo", []any{"prd"}}, `freezeWindows[0].appliesTo[0]: "prd" is not a stage (did you mean "prod"?); stages are alpha, beta, gamma, prod`},
		{"window name twice", []any{"freezeWindows", []any{
			map[string]any{"name": "a", "timezone": "UTC", "days": []any{"MON"}, "start": "01:00", "end": "02:00", "appliesTo": []any{"prod"}},
			map[string]any{"name": "a", "timezone": "UTC", "days": []any{"MON"}, "start": "01:00", "end": "02:00", "appliesTo": []any{"prod"}},
		}}, `freezeWindows[1].name: "a" is used twice; names must be unique`},
		{"check names one resource", []any{"checks.inte_gration", map[string]any{"type": "codebuild", "commands": []any{"true"}}},
			`checks.integration: check name "integration" and check "inte_gration" differ only in case, _ and -, and their resources would be one (logical id Checkintegration): rename one`},
		{"check names one resource with hyphens", []any{"checks.he-alth", map[string]any{"type": "http", "url": "https://x.example/"}},
			`checks.health: check name "health" and check "he-alth" differ only in case, _ and -, and their resources would be one (logical id Checkhealth): rename one`},
		{"blackout time", []any{"blackouts[0].from", "2026-12-24"}, `blackouts[0].from: "2026-12-24" is not an RFC 3339 time such as "2026-12-24T00:00:00Z"`},
		{"blackout order", []any{"blackouts[0].to", "2026-12-01T00:00:00Z"}, `blackouts[0].to: 2026-12-01T00:00:00Z is not after from (2026-12-24T00:00:00Z)`},
		{"check type", []any{"checks.health.type", "htp"}, `checks.health.type: "htp" is not a check type (did you mean "http"?); known types: http, codebuild, lambda`},
		{"check field of other type", []any{"checks.health.commands", []any{"x"}}, `checks.health.commands: applies only to codebuild checks, and this check is "http"`},
		{"check url placeholder", []any{"checks.health.url", "https://{stag}.example.com"}, `checks.health.url: "https://{stag}.example.com" holds the unknown placeholder {stag} (did you mean "{stage}"?); known: {stage} {region} {account} {env}`},
		{"check url scheme", []any{"checks.health.url", "ftp://x"}, `checks.health.url: "ftp://x" is not an http or https URL`},
		{"check status", []any{"checks.health.expectStatus", 99}, `checks.health.expectStatus: 99 is not an HTTP status code (100 to 599)`},
		{"check timeout syntax", []any{"checks.health.timeout", "30 seconds"}, `checks.health.timeout: "30 seconds" is not a duration: write it like "90s", "30m" or "1h30m"`},
		{"check timeout range", []any{"checks.canary-synthetics.timeout", "20m"}, `checks.canary-synthetics.timeout: 20m is out of range: it must be between 1s and 15m`},
		{"check retries", []any{"checks.health.retries", 9}, `checks.health.retries: 9 is out of range: it must be between 0 and 5`},
		{"check too long with retries", []any{"checks.load.retries", 1}, `checks.load: can run for 1h12m16s with its retries (each attempt 35m, back-off and service-error retries included); validation must finish within 55m because the CodePipeline action that runs it times out after 1 hour (lower timeout or retries)`},
		// Accepted before: the state machine gives a build 5 more minutes to queue.
		{"build too long with its queue", []any{"checks.load.timeout", "55m"}, `checks.load: can run for 1h2m6s with its retries (each attempt 1h, back-off and service-error retries included); validation must finish within 55m because the CodePipeline action that runs it times out after 1 hour (lower timeout or retries)`},
		{"codebuild minutes", []any{"checks.load.timeout", "330s"}, `checks.load.timeout: 330s is not whole minutes, which CodeBuild timeouts must be`},
		{"codebuild commands", []any{"checks.load.commands", []any{}}, `checks.load.commands: is required: the shell commands the build runs`},
		{"lambda arn", []any{"checks.canary-synthetics.functionArn", "orders-canary"}, `checks.canary-synthetics.functionArn: "orders-canary" is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)`},
		{"check name", []any{"checks.9bad", map[string]any{"type": "http", "url": "https://x"}}, `checks.9bad: check name "9bad" must start with a letter and hold at most 40 letters, digits, _ and -`},
		{"stage name", []any{"stages[0].name", "alfa"}, `stages[0].name: "alfa" is not a stage (did you mean "alpha"?); stages are alpha, beta, gamma, prod, in that order`},
		{"stage order", []any{"stages[1].name", "alpha", "stages[0].name", "beta"}, `stages[1].name: "alpha" comes after "beta"; stages run in the order alpha, beta, gamma, prod`},
		{"stage twice", []any{"stages[1].name", "alpha"}, `stages[1].name: "alpha" is listed twice (first at stages[0])`},
		{"gamma required", []any{"stages[2].name", "beta", "stages[1].name", "alpha", "stages[0]", map[string]any{"name": "alpha", "environments": []any{map[string]any{"name": "a0", "account": "222222222222", "region": "us-east-1"}}}}, `stages: has no "gamma" stage; gamma and prod are required`},
		{"stage check undefined", []any{"stages[2].checks[2]", "loadd"}, `stages[2].checks[2]: "loadd" is not defined under checks (did you mean "load"?)`},
		{"stage check twice", []any{"stages[2].checks[2]", "health"}, `stages[2].checks[2]: "health" is listed twice`},
		{"bake syntax", []any{"stages[2].bake", "half an hour"}, `stages[2].bake: "half an hour" is not a duration: write it like "90s", "30m" or "1h30m"`},
		{"bake too long", []any{"stages[3].waves[1].bake", "48h"}, `stages[3].waves[1].bake: 48h is out of range: it must be between 0 and 23h`},
		{"a bake the action cannot finish", []any{"stages[3].waves[1].bake", "24h"}, `stages[3].waves[1].bake: 24h is out of range: it must be between 0 and 23h`},
		{"bake minutes", []any{"stages[2].bake", "90s"}, `stages[2].bake: 90s is not whole minutes; CodePipeline waits on alarms in minutes`},
		{"waves outside prod", []any{"stages[2].waves", []any{map[string]any{"name": "w", "environments": []any{}}}}, `stages[2].waves: only prod has waves; list this stage's environments under "environments"`},
		{"no environments", []any{"stages[0].environments", []any{}}, `stages[0].environments: is required: at least one environment`},
		{"prod both", []any{"stages[3].environments", []any{map[string]any{"name": "p", "account": "444444444444", "region": "us-east-1"}}}, `stages[3]: has both waves and environments; list environments inside waves, or list them plainly and let handsoff plan the waves`},
		{"prod neither", []any{"stages[3].waves", deleted}, `stages[3]: has no environments: list them under "waves" or "environments"`},
		{"env account", []any{env0 + ".account", "22222222222"}, env0 + `.account: "22222222222" is not a 12-digit AWS account ID`},
		{"env region", []any{env0 + ".region", "us-east-7"}, env0 + `.region: "us-east-7" is not an AWS region (did you mean "us-east-1"?)`},
		{"env region case", []any{env0 + ".region", "US-EAST-1"}, env0 + `.region: "US-EAST-1" is not an AWS region (did you mean "us-east-1"?)`},
		{"env name", []any{env0 + ".name", "alpha_1"}, env0 + `.name: "alpha_1" must start with a letter, hold only letters, digits and hyphens, and be at most 40 characters`},
		{"env name twice", []any{"stages[1].environments[0].name", "alpha"}, `stages[1].environments[0].name: "alpha" is already used by stages[0].environments[0]; environment names must be unique`},
		{"onebox outside prod", []any{env0 + ".onebox", true}, env0 + `.onebox: one-box environments belong to prod; alpha has all its traffic already`},
		{"onebox mixed", []any{"stages[3].waves[2].environments[0].onebox", true}, `stages[3].waves[2]: mixes one-box and full environments; put one-box environments in a wave of their own, first`},
		{"onebox late", []any{"stages[3].waves[1].environments[0].onebox", true, "stages[3].waves[0].environments[0].onebox", false}, `stages[3].waves[1]: holds one-box environments but comes after wave "onebox"; one-box waves go first`},
		{"wave name twice", []any{"stages[3].waves[1].name", "onebox"}, `stages[3].waves[1].name: "onebox" is used twice; names must be unique`},
		{"window zone missing", []any{"freezeWindows[0].timezone", deleted}, `freezeWindows[0].timezone: is required: an IANA time zone such as "Asia/Hong_Kong"`},
		{"window local zone", []any{"freezeWindows[0].timezone", "Local"}, `freezeWindows[0].timezone: "Local" is not an IANA time zone such as "Asia/Hong_Kong" or "UTC"`},
		{"window applies to nothing", []any{"freezeWindows[0].appliesTo", []any{}}, `freezeWindows[0].appliesTo: is required: the stages it applies to, such as ["prod"]`},
		{"blackout missing time", []any{"blackouts[0].to", deleted}, `blackouts[0].to: is required: an RFC 3339 time such as "2026-12-24T00:00:00Z"`},
		{"check type missing", []any{"checks.health.type", deleted}, `checks.health.type: is required: one of http, codebuild, lambda`},
		{"http url missing", []any{"checks.health.url", deleted}, `checks.health.url: is required: the URL to call, such as "https://{stage}.{region}.example.com/health"`},
		{"lambda arn placeholder", []any{"checks.canary-synthetics.functionArn", "arn:aws:lambda:{regoin}:{account}:function:x"}, `checks.canary-synthetics.functionArn: "arn:aws:lambda:{regoin}:{account}:function:x" holds the unknown placeholder {regoin} (did you mean "{region}"?); known: {stage} {region} {account} {env}`},
		{"env account missing", []any{env0 + ".account", deleted}, env0 + `.account: is required: a 12-digit AWS account ID`},
		{"wave environments missing", []any{"stages[3].waves[0].environments", []any{}}, `stages[3].waves[0].environments: is required: at least one environment`},
		{"wave name shape", []any{"stages[3].waves[1].name", "wave 1"}, `stages[3].waves[1].name: "wave 1" must start with a letter and hold only letters, digits and hyphens`},
		{"stage name missing", []any{"stages[0].name", deleted}, `stages[0].name: is required: one of alpha, beta, gamma, prod`},
		{"alarm name", []any{"stages[3].alarms", []any{""}}, `stages[3].alarms[0]: "" is not a CloudWatch alarm name (1 to 255 characters)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(edited(t, tc.edits...), "doc.json")
			if err == nil {
				t.Fatalf("Parse accepted the document; want problem %q", tc.want)
			}
			got := problemStrings(t, err)
			if !slices.Contains(got, tc.want) {
				t.Errorf("problems do not include\n  %s\ngot:\n  %s", tc.want, strings.Join(got, "\n  "))
			}
		})
	}
}

func TestAllProblemsAtOnce(t *testing.T) {
	data := edited(t,
		"stages[1].environments[0].region", "us-east-7",
		"stages[0].environments[0].regoin", "x",
		"checks.health.timeout", "soon",
		"freezeWindows[0].timezone", "Mars/Olympus",
		"stages[3].waves[1].environments[0].account", "44",
		"stages[3].approval", "yes",
	)
	_, err := Parse(data, "planted.json")
	want := []string{
		`stages[0].environments[0].regoin: unknown field (did you mean "region"?); known fields here: account, alarms, name, onebox, region`,
		`stages[3].approval: must be true or false, not the string "yes"`,
		`checks.health.timeout: "soon" is not a duration: write it like "90s", "30m" or "1h30m"`,
		`stages[1].environments[0].region: "us-east-7" is not an AWS region (did you mean "us-east-1"?)`,
		`stages[3].waves[1].environments[0].account: "44" is not a 12-digit AWS account ID`,
		`freezeWindows[0].timezone: "Mars/Olympus" is not an IANA time zone such as "Asia/Hong_Kong" or "UTC"`,
	}
	if diff := cmp.Diff(want, problemStrings(t, err)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(err.Error(), "handsoff: configuration planted.json has 6 problems:\n  - stages[0]") {
		t.Errorf("Error() = %s", err)
	}
}

func TestNotJSON(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"syntax", `{"a":1,}`, `not valid JSON: invalid character '}' looking for beginning of object key string at line 1, column 8`},
		{"truncated", `{"apiVersion": "handsoff/v1", "stages": [`, `not valid JSON: the document ends early (truncated?)`},
		{"trailing data", `{} {}`, `the document ends before line 1, column 4, where more follows ("{}"): a file holds one JSON object`},
		{"not an object", `[1]`, `the document must be a JSON object, not an array`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), "doc.json")
			if diff := cmp.Diff([]string{tc.want}, problemStrings(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
