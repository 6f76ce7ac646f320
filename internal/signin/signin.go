// Package signin builds the links that sign a developer in through IAM
// Identity Center and open a console page, for the runbook constructs
// (their Link output) and the CLI (handsoff runbooks), which must print the
// same link.
package signin

import (
	"net/url"
	"strings"
)

// RunbookLink is the one-click link to a runbook: the IAM Identity Center
// start URL with the account, the permission set and the console's page for
// starting the document as destination
// (https://docs.aws.amazon.com/singlesignon/latest/userguide/createshortcutlink.html);
// without a start URL, the console page alone.
//
// account, region and document go in as they are, unescaped: an account ID,
// a region and a document name ([a-zA-Z0-9_.-]) need no escaping, and each
// may be a CDK token, which escaping would break. For real values the link
// is the one url.Values would build (TestRunbookLinkIsURLValues).
func RunbookLink(startURL, roleName, account, region, document string) string {
	console := "https://" + region + ".console.aws.amazon.com/systems-manager/automation/execute/" + document + "?region=" + region
	if startURL == "" {
		return console
	}
	// url.Values.Encode sorts: account_id, destination, role_name.
	l := strings.TrimSuffix(startURL, "/") + "/#/console?account_id=" + account +
		"&destination=" + url.QueryEscape("https://") + region + url.QueryEscape(".console.aws.amazon.com/systems-manager/automation/execute/") +
		document + url.QueryEscape("?region=") + region
	if roleName != "" {
		l += "&role_name=" + url.QueryEscape(roleName)
	}
	return l
}
