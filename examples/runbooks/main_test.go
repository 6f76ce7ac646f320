package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// TestSynth runs the example's main as `cdk synth` would (CDK_OUTDIR set)
// and reads what it left: one stack with the three runbooks in YAML, each
// with its role, log group, rule and link, the developer policy, and no
// error.
func TestSynth(t *testing.T) {
	out := t.TempDir()
	t.Setenv("CDK_OUTDIR", out)
	main()

	for _, f := range testenv.Annotations(t, out) {
		if f.Level == "error" {
			t.Error(f)
		}
	}
	raw, err := os.ReadFile(filepath.Join(out, "Runbooks.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
		Outputs map[string]struct{ Value any }
	}
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	var docs []string
	for _, r := range tmpl.Resources {
		count[r.Type]++
		if r.Type == "AWS::SSM::Document" {
			docs = append(docs, r.Properties["Name"].(string))
			if r.Properties["DocumentFormat"] != "YAML" {
				t.Errorf("%v is not YAML", r.Properties["Name"])
			}
		}
	}
	for typ, n := range map[string]int{
		"AWS::SSM::Document": 3, "AWS::IAM::Role": 3, "AWS::IAM::Policy": 3, "AWS::Logs::LogGroup": 3, "AWS::Events::Rule": 3,
		"AWS::IAM::ManagedPolicy": 1, "AWS::KMS::Key": 1, "AWS::Logs::ResourcePolicy": 1,
	} {
		if count[typ] != n {
			t.Errorf("%d %s, want %d", count[typ], typ, n)
		}
	}
	if len(tmpl.Outputs) != 3 {
		t.Errorf("%d outputs, want a link per runbook", len(tmpl.Outputs))
	}
	for _, o := range tmpl.Outputs {
		link, _ := o.Value.(string)
		if !strings.HasPrefix(link, "https://acme.awsapps.com/start/#/console?account_id=444444444444&destination=https%3A%2F%2Fus-east-1.console.aws.amazon.com%2Fsystems-manager%2Fautomation%2Fexecute%2Forders-") {
			t.Errorf("link %v", o.Value)
		}
	}
	t.Logf("documents %v", docs)
}
