package main

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// TestHandWrittenFindings measures what the checkers say about the
// hand-written CDK Pipelines app with 8 environments (N = 3), the
// comparison the handsoff numbers in docs/checkers.md stand against. It
// asserts only that the checkers find something there; the counts are
// logged.
func TestHandWrittenFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes an extra app")
	}
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	nag := cdknag.NewAwsSolutionsChecks(nil)
	awscdk.Aspects_Of(app).Add(nag, nil)
	handWrittenWith(app, 3, []awscdk.IAspect{nag})
	app.Synth(nil)
	byRule := map[string]int{}
	total := 0
	for _, f := range testenv.Annotations(t, dir) {
		if f.Level == "error" && strings.HasPrefix(f.Message, "AwsSolutions-") {
			rule := f.Message[:strings.IndexAny(f.Message, ":[")]
			byRule[rule]++
			total++
		}
	}
	guard := testenv.Guard(t, testenv.TemplateFiles(t, dir), "s3", "identityandaccessmanagement", "keymanagementservice", "codebuild", "stepfunctions")
	var rules []string
	for r, n := range byRule {
		rules = append(rules, fmt.Sprintf("%s ×%d", r, n))
	}
	sort.Strings(rules)
	t.Logf("hand-written app, 8 environments: cdk-nag AwsSolutions %d errors (%s); Control Tower cfn-guard %d failures", total, strings.Join(rules, ", "), len(guard.Failures))
	if total == 0 || len(guard.Failures) == 0 {
		t.Error("the checkers found nothing in the hand-written app; they are not running")
	}
}
