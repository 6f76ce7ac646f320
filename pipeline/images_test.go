package pipeline_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/internal/testenv/oracle"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// imageEvent is an AVAILABLE event of image web, as Image Builder sends
// it (https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-eventbridge.html)
// and the image account's rule forwards it.
func imageEvent(account, name, status string) map[string]any {
	return map[string]any{
		"source": "aws.imagebuilder", "detail-type": pipeline.ImageEvent, "account": account, "region": "us-east-1",
		"resources": []any{"arn:aws:imagebuilder:us-east-1:" + account + ":image/" + name + "/1.0.0/3"},
		"detail":    map[string]any{"state": map[string]any{"status": status}},
	}
}

// TestImagesStartThePipeline: a new image of a golden image the props
// name starts the pipeline, and nothing else does: the event that the
// image account's rule forwards (constructs/goldenami's golden template)
// is the one the pipeline's rule matches; the image account may put
// events on the pipeline account's bus; the rule's role may start this
// pipeline only. With a mono-repo frontend in the same synth, cdk-nag
// finds no error in the pipeline's stacks or the invalidation stacks.
func TestImagesStartThePipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes")
	}
	dir := t.TempDir()
	s := synthesize(dir, pipeline.Props{Repo: "acme/orders", Service: alarmService("Service/Errors"),
		Load:     stages.LoadOptions{Document: withService(smallDocument(t, false), "shop")},
		MonoRepo: &pipeline.MonoRepoProps{Root: monoRoot(t, monoDeps)},
		Images:   []pipeline.Image{{Name: "web", Account: "555555555555", Region: "us-east-1"}}})
	if s.err != nil {
		t.Fatal(s.err)
	}
	for _, a := range testenv.Annotations(t, dir) {
		if a.Level == "error" {
			t.Error(a)
		}
	}
	tmpls := testenv.Templates(t, dir)
	var tmpl map[string]any
	for name, tm := range tmpls {
		if strings.HasSuffix(name, "-pipeline.template.json") {
			tmpl = tm
		}
	}
	var rule, policy map[string]any
	for _, r := range tmpl["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		p, _ := rm["Properties"].(map[string]any)
		switch {
		case rm["Type"] == "AWS::Events::Rule" && strings.Contains(compactJSON(p), "aws.imagebuilder"):
			rule = p
		case rm["Type"] == "AWS::Events::EventBusPolicy":
			policy = p
		}
	}
	if rule == nil || policy == nil {
		t.Fatalf("rule %v, bus policy %v", rule != nil, policy != nil)
	}
	// The forwarding rule of the image account, from goldenami's golden
	// template, and the pipeline's rule, on the same events.
	raw, err := os.ReadFile(filepath.Join(testenv.Root(), "constructs", "goldenami", "testdata", "images.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var images map[string]any
	json.Unmarshal(raw, &images)
	var forward map[string]any
	for _, r := range images["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if rm["Type"] == "AWS::Events::Rule" && strings.Contains(compactJSON(rm), "AVAILABLE") {
			forward = rm["Properties"].(map[string]any)
		}
	}
	sent := imageEvent("111111111111", "web", "AVAILABLE") // the example's image account
	if !oracle.Matches(inAWS(forward["EventPattern"]), sent) {
		t.Errorf("the image account does not forward %v", sent)
	}
	pattern := rule["EventPattern"]
	for _, c := range []struct {
		event map[string]any
		want  bool
	}{
		{imageEvent("555555555555", "web", "AVAILABLE"), true},
		{imageEvent("555555555555", "web", "FAILED"), false},
		{imageEvent("555555555555", "webx", "AVAILABLE"), false},
		{imageEvent("666666666666", "web", "AVAILABLE"), false},
	} {
		if got := oracle.Matches(pattern, c.event); got != c.want {
			t.Errorf("%v: starts the pipeline %v, want %v", c.event, got, c.want)
		}
	}
	st := policy["Statement"].(map[string]any)
	if compactJSON(st["Principal"]) != `{"AWS":"arn:aws:iam::555555555555:root"}` || st["Action"] != "events:PutEvents" || !strings.Contains(compactJSON(st["Condition"]), "aws.imagebuilder") {
		t.Errorf("bus policy %s", compactJSON(policy))
	}
	target := rule["Targets"].([]any)[0].(map[string]any)
	if !strings.Contains(compactJSON(target["Arn"]), "codepipeline") && !strings.Contains(compactJSON(target["Arn"]), "Pipeline") {
		t.Errorf("target %s", compactJSON(target))
	}
}

// TestImagesProblems: bad Images are refused with their paths, all at
// once, before anything is built.
func TestImagesProblems(t *testing.T) {
	_, err := pipeline.Build(nil, pipeline.Props{Repo: "acme/orders", Service: alarmService("Service/Errors"),
		Load:   stages.LoadOptions{Document: smallDocument(t, false)},
		Images: []pipeline.Image{{Name: "Web", Account: "5", Region: "mars"}, {Name: "web", Account: "555555555555", Region: "us-east-1"}, {Name: "web", Account: "555555555555", Region: "us-east-1"}}})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"Props.Images[0].Name", "Props.Images[0].Account", "Props.Images[0].Region", "Props.Images[2]: web from 555555555555 us-east-1 is listed twice"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v lacks %q", err, want)
		}
	}
}

// inAWS resolves the partition in a template value: each
// {"Fn::Join": ["", [...]]} of strings and {"Ref": "AWS::Partition"}
// becomes its string in the aws partition.
func inAWS(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok && len(x) == 1 && len(j) == 2 && j[0] == "" {
			var b strings.Builder
			for _, part := range j[1].([]any) {
				switch p := part.(type) {
				case string:
					b.WriteString(p)
				case map[string]any:
					if p["Ref"] != "AWS::Partition" {
						return v
					}
					b.WriteString("aws")
				}
			}
			return b.String()
		}
		out := map[string]any{}
		for k, y := range x {
			out[k] = inAWS(y)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = inAWS(y)
		}
		return out
	}
	return v
}
