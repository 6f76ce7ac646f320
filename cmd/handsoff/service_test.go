package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handsoff-cdk/handsoff/cmd/handsoff-config/configtest"
	"github.com/handsoff-cdk/handsoff/stages"
)

// configService runs the real configuration service on SQLite, seeded with
// the example and the sandbox account 999999999999, and returns its URL,
// the service and a team token of acme/orders.
func configService(t *testing.T) (string, *configtest.Service, string) {
	t.Helper()
	svc := configtest.Start(t)
	svc.AddTestAccount(t, "999999999999", "sandbox", "team-orders")
	return svc.URL, svc, svc.Token(t, configtest.RoleTeam, "acme/orders", "jane")
}

// normalizeURL replaces the test server's address in output.
func normalizeURL(s, url string) string { return strings.ReplaceAll(s, url, "$URL") }

// TestEnvAndWhereis: a developer adds a test environment, finds it with
// whereis, is refused one in prod and one in an unregistered account (every
// problem listed, nothing changed), and removes it.
func TestEnvAndWhereis(t *testing.T) {
	url, st, team := configService(t)
	t.Setenv(stages.TokenEnv, team)
	t.Setenv(stages.ConfigEnv, url)
	var session strings.Builder
	step := func(args ...string) int {
		out, errs, code := runCLI(t, args...)
		session.WriteString("$ handsoff " + strings.Join(args, " ") + "\n" + normalizeURL(errs+out, url) + "exit status " + string(rune('0'+code)) + "\n\n")
		return code
	}
	if step("env", "add", "alpha-jane", "--stage", "alpha", "--account", "999999999999", "--region", "eu-west-1") != 0 {
		t.Fatal(session.String())
	}
	raw := st.Document(t, "acme/orders")
	if !strings.Contains(string(raw), `"alpha-jane"`) {
		t.Errorf("the environment is not in the served document")
	}
	step("whereis", "orders")
	step("whereis", "acme/orders", "--json")
	step("env", "add", "prod-jane", "--stage", "prod", "--account", "12", "--region", "mars-1")
	step("env", "add", "beta-jane", "--stage", "beta", "--account", "123456789012", "--region", "eu-west-1")
	step("env", "add", "alpha", "--stage", "beta", "--account", "999999999999", "--region", "eu-west-1")
	step("env", "remove", "alpha-jane")
	step("env", "remove", "prod-use1")
	step("whereis", "payroll")
	step("whereis")
	t.Setenv(stages.TokenEnv, "hso_wrong")
	step("whereis", "orders")
	t.Setenv(stages.TokenEnv, team)
	step("whereis", "orders", "--url", "http://127.0.0.1:1")
	raw2 := st.Document(t, "acme/orders")
	if strings.Contains(string(raw2), "jane") {
		t.Errorf("a refused or removed environment is in the document:\n%s", raw2)
	}
	golden(t, "env-whereis.golden", session.String(), 0)
}

// TestDeploy: diff and deploy run cdk with the environment's stacks and
// profile; deploy refuses prod and a freeze window, and a forced deploy is
// recorded in the service's audit log before cdk runs, or does not run.
func TestDeploy(t *testing.T) {
	url, st, team := configService(t)
	dir, calls, doc := cdkApp(t)
	t.Setenv(stages.TokenEnv, team)
	t.Setenv(stages.ConfigEnv, "")
	const monday1pmHK, saturday = "2026-11-30T05:00:00Z", "2026-11-28T05:00:00Z"
	var session strings.Builder
	step := func(now string, args ...string) int {
		at, err := time.Parse(time.RFC3339, now)
		if err != nil {
			t.Fatal(err)
		}
		clock = func() time.Time { return at }
		os.Remove(calls)
		args = append(args, "--config", doc)
		out, errs, code := runCLI(t, args...)
		ran, _ := os.ReadFile(calls)
		session.WriteString(normalizeURL("# the clock: "+now+"\n$ "+nowVar()+"handsoff "+strings.Join(args[:len(args)-2], " ")+"\n"+errs+out, url) +
			"exit status " + string(rune('0'+code)) + "; cdk ran: " + strings.TrimSpace(string(ran)) + "\n\n")
		return code
	}
	// No credentials for the profile (an empty AWS config): said first,
	// with the sign-in command, and cdk does not run.
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(v, "")
	}
	step(saturday, "diff", "alpha")
	signedIn := credentials
	credentials = func(string) error { return nil }
	t.Cleanup(func() { credentials = signedIn; clock = time.Now })
	step(saturday, "diff", "prod-use1")
	step(saturday, "diff", "prod-use1", "--reason", "diff forces nothing, so it takes no reason")
	step(saturday, "deploy", "alpha")
	step(saturday, "deploy", "prod-use1")
	step(monday1pmHK, "deploy", "gamma-use1")
	step(saturday, "deploy", "gamma-use1")
	step(monday1pmHK, "deploy", "prod-use1", "--reason", "hotfix")
	step(monday1pmHK, "deploy", "prod-use1", "--reason", "Hotfix for the checkout outage INC-42.", "--url", url)
	t.Setenv(stages.TokenEnv, "")
	step(monday1pmHK, "deploy", "prod-use1", "--reason", "Hotfix for the checkout outage INC-43.", "--url", url)
	step(saturday, "deploy", "prod-use1", "--reason", "Hotfix for the checkout outage INC-44.")
	step(saturday, "deploy", "prod-use1", "--reason", "Hotfix for the checkout outage INC-45.", "--unrecorded")
	// HANDSOFF_NOW only asks: it never deploys, refused or not.
	t.Setenv(NowEnv, saturday)
	step(monday1pmHK, "deploy", "alpha")
	t.Setenv(NowEnv, monday1pmHK)
	step(saturday, "deploy", "gamma-use1")
	t.Setenv(NowEnv, "")
	step(saturday, "deploy", "prod-x")
	step(saturday, "deploy")
	golden(t, "deploy.golden", session.String(), 0)
	forced := st.Audited(t, "acme/orders", "deploy.manual")
	if len(forced) != 1 || !strings.Contains(forced[0], "INC-42") || !strings.Contains(forced[0], "freeze window") {
		t.Errorf("audit log: %q", forced)
	}
	// No cdk at all: a clear message.
	t.Setenv("PATH", t.TempDir())
	if _, errs, code := runCLI(t, "diff", "alpha", "--config", doc); code != 1 || !strings.Contains(errs, "the AWS CDK CLI is not installed") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// TestValidateAndDiffSendTheToken: validate URL, validate of the default
// sources and config diff read from a service that requires a token, with
// HANDSOFF_CONFIG_TOKEN; validating pins nothing.
func TestValidateAndDiffSendTheToken(t *testing.T) {
	url, _, team := configService(t)
	t.Setenv(stages.TokenEnv, team)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{}`), 0o644)
	t.Chdir(dir)
	cases := []struct {
		args []string
		env  string // HANDSOFF_CONFIG
		want string
	}{
		{[]string{"validate", url, "--repo", "acme/orders"}, "", "valid (acme/orders"},
		{[]string{"validate", "--repo", "acme/orders"}, url, "(fetched, not pinned): valid"},
		{[]string{"config", "diff", "--repo", "acme/orders", "--url", url}, "", "a pull would pin acme/orders"},
	}
	for _, c := range cases {
		t.Setenv(stages.ConfigEnv, c.env)
		out, errs, code := runCLI(t, c.args...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("handsoff %s: exit %d\n%s%s", strings.Join(c.args, " "), code, errs, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, stages.LockFile)); err == nil {
		t.Error("validate wrote a lock file")
	}
}

// nowVar shows HANDSOFF_NOW in a session when it is set.
func nowVar() string {
	if v := os.Getenv(NowEnv); v != "" {
		return NowEnv + "=" + v + " "
	}
	return ""
}

// cdkApp makes a team's app directory (go.mod, cdk.json) the working
// directory, with a fake cdk on PATH that appends its arguments to calls,
// and returns the example document's absolute path.
func cdkApp(t *testing.T) (dir, calls, doc string) {
	t.Helper()
	doc, _ = filepath.Abs(filepath.Join("..", "..", "stages", "example", "acme-orders.json"))
	dir = t.TempDir()
	calls = filepath.Join(dir, "calls")
	fakeTools(t, map[string]string{"cdk": `echo "cdk $*" >> ` + calls})
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/app\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{"app": "go run ."}`), 0o644)
	t.Chdir(dir)
	return dir, calls, doc
}
