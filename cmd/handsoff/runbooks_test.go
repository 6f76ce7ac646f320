package main

import (
	"encoding/json"
	"fmt"
	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/internal/window"
	"github.com/handsoff-cdk/handsoff/stages"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSSM answers the SSM JSON API (X-Amz-Target AmazonSSM.*) as the API
// reference shows: ListDocuments of the service's tagged documents;
// StartAutomationExecution; GetAutomationExecution moving one step at a
// time to the end (a refresh that succeeds, a snapshot that the freeze
// guard refuses).
func fakeSSM(t *testing.T) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var seen []string
	polls := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		target := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSSM.")
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, target+" "+string(body))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		var in map[string]any
		json.Unmarshal(body, &in)
		switch target {
		case "PutParameter":
			fmt.Fprint(w, `{"Version":1,"Tier":"Standard"}`)
		case "ListDocuments":
			fmt.Fprint(w, `{"DocumentIdentifiers":[{"Name":"orders-alpha-refresh-service","DocumentType":"Automation"},{"Name":"orders-alpha-snapshot-database","DocumentType":"Automation"}]}`)
		case "StartAutomationExecution":
			if in["DocumentName"] == "nosuch" {
				w.WriteHeader(400)
				fmt.Fprint(w, `{"__type":"AutomationDefinitionNotFoundException","message":"Automation definition nosuch:$DEFAULT not found."}`)
				return
			}
			fmt.Fprintf(w, `{"AutomationExecutionId":"exec-%s"}`, in["DocumentName"])
		case "GetAutomationExecution":
			id, _ := in["AutomationExecutionId"].(string)
			polls[id]++
			steps := []string{`{"StepName":"FreezeGuard","StepStatus":"InProgress"}`}
			status := "InProgress"
			if strings.Contains(id, "snapshot") && polls[id] > 1 {
				steps = []string{`{"StepName":"FreezeGuard","StepStatus":"Failed","FailureMessage":"refused: freeze window \"sales-demos\" until 2026-11-30 15:00 HKT"}`}
				status = "Failed"
			} else if polls[id] > 1 {
				steps = []string{`{"StepName":"FreezeGuard","StepStatus":"Success"}`, `{"StepName":"ForceNewDeployment","StepStatus":"Success"}`, `{"StepName":"WaitStable","StepStatus":"InProgress"}`}
			}
			if !strings.Contains(id, "snapshot") && polls[id] > 2 {
				steps[2] = `{"StepName":"WaitStable","StepStatus":"Success"}`
				status = "Success"
			}
			fmt.Fprintf(w, `{"AutomationExecution":{"AutomationExecutionId":%q,"AutomationExecutionStatus":%q,"StepExecutions":[%s]}}`, id, status, strings.Join(steps, ","))
		default:
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"__type":"InvalidAction","message":"%s"}`, target)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

// TestRunbooks: the service's runbooks listed with their one-click links,
// started and followed step by step; a refusal exits 1, an unknown runbook
// is AWS's answer no.
func TestRunbooks(t *testing.T) {
	srv, seen := fakeSSM(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config"), []byte("[profile orders-alpha]\nregion = us-east-1\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte("[orders-alpha]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"), 0o600)
	for k, v := range map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL_SSM": srv.URL, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": ""} {
		t.Setenv(k, v)
	}
	pollEvery = time.Millisecond
	t.Cleanup(func() { pollEvery = 5 * time.Second })
	doc := filepath.Join("..", "..", "stages", "example", "acme-orders.json")
	var session strings.Builder
	for _, args := range [][]string{
		{"runbooks", "alpha"},
		{"run", "orders-alpha-refresh-service", "alpha", "--param", "Reason=pick up the new environment variable"},
		{"run", "orders-alpha-snapshot-database", "alpha"},
		{"run", "nosuch", "alpha"},
		{"run", "orders-alpha-refresh-service", "prod-x"},
		{"run", "orders-alpha-refresh-service", "alpha", "--param", "=x"},
		{"runbooks", "prod-use1"},
	} {
		out, errs, code := runCLI(t, append(args, "--config", doc)...)
		session.WriteString(strings.ReplaceAll("$ handsoff "+strings.Join(args, " ")+"\n"+errs+out, dir, "$DIR") + fmt.Sprintf("exit status %d\n\n", code))
	}
	golden(t, "runbooks.golden", session.String(), 0)
	var starts int
	for _, s := range *seen {
		if strings.HasPrefix(s, "StartAutomationExecution") {
			starts++
			if strings.Contains(s, "refresh") && !strings.Contains(s, `"Parameters":{"Reason":["pick up the new environment variable"]}`) {
				t.Errorf("the parameter was not passed: %s", s)
			}
		}
	}
	if starts != 3 {
		t.Errorf("%d starts: %q", starts, *seen)
	}
}

// TestCalendarPush: each stage's calendar goes to its parameter in every
// account and region of the stage's environments (once each), exactly as
// window.EncodeStage writes it; a calendar is valid for --days.
func TestCalendarPush(t *testing.T) {
	srv, seen := fakeSSM(t)
	dir := t.TempDir()
	doc := filepath.Join("..", "..", "stages", "example", "acme-orders.json")
	cfg, err := stages.Load(stages.LoadOptions{Repo: "acme/orders", Path: doc, NoPin: true})
	if err != nil {
		t.Fatal(err)
	}
	var profiles, creds strings.Builder
	for _, p := range profilesOf(cfg) {
		fmt.Fprintf(&profiles, "[profile %s]\nregion = %s\n", p.Name, p.Region)
		fmt.Fprintf(&creds, "[%s]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n", p.Name)
	}
	os.WriteFile(filepath.Join(dir, "config"), []byte(profiles.String()), 0o600)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte(creds.String()), 0o600)
	for k, v := range map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL_SSM": srv.URL, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": ""} {
		t.Setenv(k, v)
	}
	at := time.Date(2026, 11, 28, 5, 0, 0, 0, time.UTC)
	clock = func() time.Time { return at }
	t.Cleanup(func() { clock = time.Now })
	out, errs, code := runCLI(t, "calendar", "push", "--config", doc)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want, _ := window.EncodeStage(checks.NewCalendar(cfg), "prod", at, at.Add(30*24*time.Hour))
	puts := map[string]int{}
	for _, s := range *seen {
		if !strings.HasPrefix(s, "PutParameter ") {
			continue
		}
		var in struct{ Name, Value, Tier string }
		json.Unmarshal([]byte(strings.TrimPrefix(s, "PutParameter ")), &in)
		puts[in.Name]++
		if in.Name == "/handsoff/orders/prod/calendar" && in.Value != want {
			t.Errorf("the prod calendar written is not EncodeStage's:\n%s\nwant\n%s", in.Value, want)
		}
	}
	// alpha and beta share 222222222222 in two regions; gamma two regions;
	// prod four accounts and regions (two environments share one).
	if puts["/handsoff/orders/alpha/calendar"] != 1 || puts["/handsoff/orders/gamma/calendar"] != 2 || puts["/handsoff/orders/prod/calendar"] != 4 {
		t.Errorf("puts %v\n%s", puts, out)
	}
	// One profile without credentials: nothing is written anywhere.
	before := len(*seen)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte(strings.Replace(creds.String(), "[orders-prod-ape1]", "[someone-else]", 1)), 0o600)
	if _, errs, code := runCLI(t, "calendar", "push", "--config", doc); code != exitUnreachable || !strings.Contains(errs, "nothing was written") {
		t.Errorf("a missing profile: exit %d: %s", code, errs)
	}
	for _, s := range (*seen)[before:] {
		if strings.HasPrefix(s, "PutParameter") {
			t.Errorf("written though a profile had no credentials: %s", s[:80])
		}
	}
	for _, args := range [][]string{{"calendar", "push", "--days", "0"}, {"calendar", "push", "nosuch"}} {
		if _, _, code := runCLI(t, append(args, "--config", doc)...); code != exitMisuse {
			t.Errorf("%q: exit %d", args, code)
		}
	}
}
