package signin

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// urlValuesLink builds the link the plain way, with url.Values, which is
// right for real values and would break CDK tokens.
func urlValuesLink(startURL, roleName, account, region, document string) string {
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

// TestRunbookLinkIsURLValues: for every real account, region, document
// name and permission set, the link is the one url.Values builds.
func TestRunbookLinkIsURLValues(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		start := rapid.SampledFrom([]string{"", "https://acme.awsapps.com/start", "https://acme.awsapps.com/start/"}).Draw(t, "start")
		role := rapid.StringMatching(`(|[A-Za-z0-9+=,.@_-]{1,32})`).Draw(t, "role")
		account := rapid.StringMatching(`[0-9]{12}`).Draw(t, "account")
		region := rapid.SampledFrom([]string{"us-east-1", "eu-west-1", "ap-southeast-2"}).Draw(t, "region")
		doc := rapid.StringMatching(`[a-zA-Z0-9_.-]{3,40}`).Draw(t, "document")
		if got, want := RunbookLink(start, role, account, region, doc), urlValuesLink(start, role, account, region, doc); got != want {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
