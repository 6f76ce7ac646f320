package configsvc

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// browser starts headless Chromium (Debian's chromium, which scripts/setup
// installs), or skips the test outside CI when there is none.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no chromium: scripts/setup installs it (apt-get install chromium)")
		}
		t.Skip("no chromium: run scripts/setup")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Flag("headless", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// C is a CSS selector.
func C(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// driver is what the browser tests do with a tab: read an element's text,
// and run steps; either fails the test on an error.
func driver(t *testing.T, b context.Context) (text func(sel string) string, do func(steps ...chromedp.Action[chromedp.Void])) {
	text = func(sel string) string {
		t.Helper()
		// A page that is being replaced loses its nodes under the query:
		// try again while the next one loads.
		var err error
		for i := 0; i < 40; i++ {
			var v string
			if v, err = chromedp.Run(b, chromedp.Text(C(sel))); err == nil {
				return v
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("text of %s: %v", sel, err)
		return ""
	}
	do = func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(b, steps...); err != nil {
			t.Fatal(err)
		}
	}
	return text, do
}

var updateShots = flag.Bool("update", false, "rewrite docs/screenshots from the browser tests")

// screenshots takes the page the tab shows at a desktop and a phone width
// as PNG (docs/screenshots/NAME-desktop.png and -phone.png with -update, which
// docs/config-service.md shows; a temporary folder otherwise), then puts the desktop
// width back.
func screenshots(t *testing.T, b context.Context, name string) {
	t.Helper()
	dir := filepath.Join(testenv.Root(), "docs", "screenshots")
	if !*updateShots {
		dir = t.TempDir()
	}
	for _, v := range []struct {
		suffix        string
		width, height int64
	}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(v.width, v.height)); err != nil {
			t.Fatal(err)
		}
		shot, err := chromedp.Run(b, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+v.suffix+".png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPagesInABrowser: a developer logs in with a token, sees the
// pipelines with a broken one marked, where the service runs and its
// stages' states, adds a test environment, sees an invalid one refused
// with the library's problem, and removes the first.
func TestPagesInABrowser(t *testing.T) {
	s := newService(t, newSQLite(t))
	detail, _ := json.Marshal(map[string]string{"action": "Validate-alpha"})
	at := func(ago time.Duration) string { return time.Now().Add(-ago).UTC().Format(eventTime) }
	for _, st := range []Status{
		{ExecutionID: "e-6", Stage: "Source", State: "STARTED", At: at(3 * time.Hour)},
		{ExecutionID: "e-6", Stage: "prod-wave-2", State: "SUCCEEDED", At: at(time.Hour)},
		{ExecutionID: "e-7", Stage: "Build", State: "STARTED", At: at(15 * time.Minute)},
		{ExecutionID: "e-7", Stage: "Build", State: "SUCCEEDED", At: at(12 * time.Minute)},
		{ExecutionID: "e-7", Stage: "orders-alpha", State: "FAILED", At: at(2 * time.Minute), Detail: detail},
		{ExecutionID: "e-7", Stage: "orders-alpha", State: "STARTED", At: at(10 * time.Minute)}, // late
	} {
		if err := s.store.ReportStatus(ctx, "acme/orders", st); err != nil {
			t.Fatal(err)
		}
	}
	b := browser(t)
	text, do := driver(t, b)
	do(chromedp.Navigate(s.URL+"/ui/"), chromedp.WaitVisible(C("#token")))
	screenshots(t, b, "login")
	do(chromedp.SendKeys(C("#token"), s.team), chromedp.Click(C("#login")), chromedp.WaitVisible(C("#pipelines")))
	screenshots(t, b, "pipelines")
	pipelines := text("#pipelines")
	do(chromedp.Click(C(`a[href="/ui/services/acme/orders"]`)), chromedp.WaitVisible(C("#environments")))
	screenshots(t, b, "service")
	envs, status, executions := text("#environments"), text("#status"), text("#executions")
	link, err := chromedp.Run(b, chromedp.AttributeValue(C(`#status a`), "href"))
	if err != nil || link.Value != "https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/orders-pipeline/executions/e-6/timeline?region=us-east-1" {
		t.Errorf("the execution's console link: %q %v", link.Value, err)
	}
	do(chromedp.SendKeys(C("#name"), "alpha-jane"), chromedp.SendKeys(C("#account"), "222222222222"), chromedp.SendKeys(C("#region"), "eu-west-1"),
		chromedp.Click(C("#add-env")), chromedp.WaitVisible(C(`[role="status"]`)))
	message, after := text(`[role="status"]`), text("#environments")
	do(chromedp.SendKeys(C("#name"), "alpha-bad"), chromedp.SendKeys(C("#account"), "222222222222"), chromedp.SendKeys(C("#region"), "us-east-7"),
		chromedp.Click(C("#add-env")), chromedp.WaitVisible(C(`[role="alert"]`)))
	problems := text(`[role="alert"]`)
	checks := []struct{ what, text, want string }{
		{"pipelines", pipelines, "acme/orders"},
		{"the broken pipeline", pipelines, "broken: orders-alpha"},
		{"where it runs", envs, "prod-use1"},
		{"the account's name", envs, "444444444444 (account 444444444444)"},
		{"the stages in order, with what took how long", status, "Build SUCCEEDED 12 minutes ago"},
		{"a stage's duration", status, "3 min 0 s e-7"},
		{"a failure, and how long it took", status, "orders-alpha FAILED 2 minutes ago"},
		{"its duration, the late STARTED counted", status, "8 min 0 s e-7"},
		{"the order", status, "Assets not reported orders-alpha FAILED"},
		{"the newer execution wins", status, "prod-wave-2 SUCCEEDED"},
		{"the history, newest first", executions, "e-7 15 minutes ago"},
		{"in words", executions, "failed at orders-alpha e-6 3 hours ago"},
		{"the older one", executions, "2 h 0 min succeeded"},
		{"the added environment", message, "Added alpha-jane to alpha."},
		{"it is listed", after, "alpha-jane"},
		{"the refusal", problems, `"us-east-7" is not an AWS region`},
	}
	for _, c := range checks {
		if !strings.Contains(strings.Join(strings.Fields(c.text), " "), c.want) {
			t.Errorf("%s: %q lacks %q", c.what, c.text, c.want)
		}
	}
	doc, _ := s.store.Document(ctx, "acme/orders")
	if !strings.Contains(string(doc), "alpha-jane") || strings.Contains(string(doc), "alpha-bad") {
		t.Error("the document does not hold what the pages say")
	}
	// The page is stale once the document changes elsewhere: its remove
	// is refused and nothing changes; the page shown again is current.
	meanwhile, _ := s.store.Service(ctx, "acme/orders")
	meanwhile.Service.Owner = "team-elsewhere"
	s.store.PutService(ctx, "test", "acme/orders", meanwhile, Cond{})
	do(chromedp.Click(C(`form[action="/ui/services/acme/orders/environments/alpha-jane/remove"] button`)), chromedp.WaitVisible(C("#question")))
	screenshots(t, b, "confirm")
	if q := text("#question"); !strings.Contains(q, "Remove the test environment alpha-jane from acme/orders?") {
		t.Errorf("the confirmation asks %q", q)
	}
	if doc, _ := s.store.Document(ctx, "acme/orders"); !strings.Contains(string(doc), "alpha-jane") {
		t.Error("removed before the person said yes")
	}
	do(chromedp.Click(C("#yes")))
	for i := 0; i < 100 && !strings.Contains(text(`[role="alert"]`), "The document changed since this page was shown"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if doc, _ := s.store.Document(ctx, "acme/orders"); !strings.Contains(string(doc), "alpha-jane") {
		t.Error("a stale remove removed the environment")
	}
	do(chromedp.Click(C(`form[action="/ui/services/acme/orders/environments/alpha-jane/remove"] button`)), chromedp.WaitVisible(C("#yes")),
		chromedp.Click(C("#yes")), chromedp.WaitVisible(C(`[role="status"]`)))
	if removed := text(`[role="status"]`); !strings.Contains(removed, "Removed alpha-jane.") {
		t.Errorf("remove: %q", removed)
	}
	// A form posted from another site is refused.
	code, _, _ := s.do(t, "POST", "/ui/services/acme/orders/environments", "", "stage=alpha&name=alpha-x&account=222222222222&region=eu-west-1",
		"Origin", "https://evil.example", "Content-Type", "application/x-www-form-urlencoded", "Cookie", s.session(t, s.team))
	if doc, _ := s.store.Document(ctx, "acme/orders"); code != 403 || strings.Contains(string(doc), "alpha-x") {
		t.Errorf("a cross-site form: %d", code)
	}
}

// TestAdminPagesInABrowser: the platform team edits a service's document
// (an invalid edit is refused with the library's problems and keeps what
// was typed; a valid one is saved) and registers an account.
func TestAdminPagesInABrowser(t *testing.T) {
	s := newService(t, newSQLite(t))
	b := browser(t)
	text, do := driver(t, b)
	own, _ := s.store.Service(ctx, "acme/orders")
	raw, _ := json.MarshalIndent(own, "", "  ")
	invalid := strings.Replace(string(raw), `"owner": "team-orders"`, `"owner": ""`, 1)
	valid := strings.Replace(string(raw), `"owner": "team-orders"`, `"owner": "team-checkout"`, 1)
	do(chromedp.Navigate(s.URL+"/ui/login"), chromedp.WaitVisible(C("#token")), chromedp.SendKeys(C("#token"), s.admin),
		chromedp.Click(C("#login")), chromedp.WaitVisible(C("#pipelines")),
		chromedp.Navigate(s.URL+"/ui/services/acme/orders"), chromedp.WaitVisible(C("#document")),
		chromedp.SetValue(C("#document"), invalid), chromedp.Click(C("#save-document")), chromedp.WaitVisible(C(`[role="alert"]`)))
	if got := text(`[role="alert"]`); !strings.Contains(got, "service.owner [required] is required") {
		t.Errorf("refusal: %q", got)
	}
	if kept, _ := chromedp.Run(b, chromedp.Value(C("#document"))); !strings.Contains(kept, `"owner": ""`) {
		t.Error("the refused edit was not kept for the person to fix")
	}
	do(chromedp.SetValue(C("#document"), valid), chromedp.Click(C("#save-document")), chromedp.WaitVisible(C(`[role="status"]`)))
	if got := text(`[role="status"]`); !strings.Contains(got, "Saved the document of acme/orders.") {
		t.Errorf("save: %q", got)
	}
	if d, _ := s.store.Service(ctx, "acme/orders"); d.Service.Owner != "team-checkout" {
		t.Errorf("owner is %q", d.Service.Owner)
	}
	// A stale save: someone saves while the page is open; the save is
	// refused, shows what they changed, and keeps the text; saved again
	// after that, it goes through.
	do(chromedp.Navigate(s.URL+"/ui/services/acme/orders"), chromedp.WaitVisible(C("#document")))
	shown, err := chromedp.Run(b, chromedp.Value(C("#document")))
	if err != nil {
		t.Fatal(err)
	}
	meanwhile, _ := s.store.Service(ctx, "acme/orders")
	meanwhile.Service.Owner = "team-elsewhere"
	if _, err := s.store.PutService(ctx, "test", "acme/orders", meanwhile, Cond{}); err != nil {
		t.Fatal(err)
	}
	mine := strings.Replace(shown, `"cost-center": "cc-4711"`, `"cost-center": "cc-9999"`, 1)
	do(chromedp.SetValue(C("#document"), mine), chromedp.Click(C("#save-document")), chromedp.WaitVisible(C("#changed")))
	if got := text(`[role="alert"]`); !strings.Contains(got, "Someone saved this document since you opened it, so nothing was saved") {
		t.Errorf("stale save: %q", got)
	}
	screenshots(t, b, "stale-save")
	if got := strings.Join(strings.Fields(text("#changed")), " "); !strings.Contains(got, `- "owner": "team-checkout"`) || !strings.Contains(got, `+ "owner": "team-elsewhere"`) {
		t.Errorf("what changed meanwhile: %q", got)
	}
	if kept, _ := chromedp.Run(b, chromedp.Value(C("#document"))); !strings.Contains(kept, "cc-9999") {
		t.Error("the refused text was not kept")
	}
	if d, _ := s.store.Service(ctx, "acme/orders"); d.Service.Owner != "team-elsewhere" || d.Service.Tags["cost-center"] != "cc-4711" {
		t.Errorf("the stale save changed the document: %+v", d.Service)
	}
	do(chromedp.Click(C("#save-document")), chromedp.WaitVisible(C(`[role="status"]`)))
	if d, _ := s.store.Service(ctx, "acme/orders"); d.Service.Tags["cost-center"] != "cc-9999" {
		t.Errorf("saved again after the diff: %+v", d.Service)
	}
	do(chromedp.Navigate(s.URL+"/ui/admin"), chromedp.WaitVisible(C("#accounts")),
		chromedp.SendKeys(C("#account-id"), "12"), chromedp.SendKeys(C("#account-name"), "bad"), chromedp.Click(C("#save-account")),
		chromedp.WaitVisible(C(`[role="alert"]`)))
	if got := text(`[role="alert"]`); !strings.Contains(got, "is not a 12-digit AWS account ID") {
		t.Errorf("account refusal: %q", got)
	}
	do(chromedp.SendKeys(C("#account-id"), "777777777777"), chromedp.SendKeys(C("#account-name"), "sandbox"),
		chromedp.SetValue(C("#account-kind"), "test"), chromedp.SendKeys(C("#account-teams"), "team-orders, team-payments"), chromedp.Click(C("#save-account")),
		chromedp.WaitVisible(C(`[role="status"]`)))
	if got := strings.Join(strings.Fields(text("#accounts")), " "); !strings.Contains(got, "777777777777 sandbox test team-orders, team-payments") {
		t.Errorf("accounts: %q", got)
	}
	// A platform window: a bad time zone is refused, a good one is served
	// in the document, and it can be removed.
	do(chromedp.SendKeys(C("#calendar-name"), "platform-friday"), chromedp.Click(C(`#add-calendar input[name="days"][value="FRI"]`)),
		chromedp.SendKeys(C("#calendar-start"), "16:00"), chromedp.SendKeys(C("#calendar-end"), "24:00"), chromedp.SendKeys(C("#calendar-timezone"), "Mars/Olympus"),
		chromedp.Click(C(`#add-calendar input[name="appliesTo"][value="prod"]`)),
		chromedp.Click(C("#save-calendar")), chromedp.WaitVisible(C(`[role="alert"]`)))
	if got := text(`[role="alert"]`); !strings.Contains(got, `"Mars/Olympus" is not an IANA time zone`) {
		t.Errorf("window refusal: %q", got)
	}
	// What was typed is kept: only the time zone changes.
	do(chromedp.SetValue(C("#calendar-timezone"), "UTC"), chromedp.Click(C("#save-calendar")), chromedp.WaitVisible(C(`[role="status"]`)))
	if d, _ := s.store.Document(ctx, "acme/orders"); !strings.Contains(string(d), `"name": "platform-friday"`) {
		t.Error("the platform window is not in the document")
	}
	screenshots(t, b, "admin")
	if got := strings.Join(strings.Fields(text("#calendar")), " "); !strings.Contains(got, "platform-friday prod FRI, 16:00 to 24:00 (UTC)") {
		t.Errorf("the calendar in words: %q", got)
	}
	do(chromedp.Click(C(`form[action="/ui/admin/calendar/window/platform-friday/remove"] button`)), chromedp.WaitVisible(C("#yes")), chromedp.Click(C("#yes")))
	for i := 0; i < 100 && !strings.Contains(text(`[role="status"]`), "Removed the platform window platform-friday."); i++ {
		time.Sleep(50 * time.Millisecond) // the old page's status until the new one loads
	}
	if d, _ := s.store.Document(ctx, "acme/orders"); strings.Contains(string(d), `"name": "platform-friday"`) {
		t.Errorf("the removed window is still served (the page says %q)", text(`[role="status"]`))
	}
	// A team token may not open the platform's pages.
	code, _, _ := s.do(t, "GET", "/ui/admin", "", "", "Cookie", s.session(t, s.team))
	if code != 403 {
		t.Errorf("a team on the admin page: %d", code)
	}
}
