package handsofftest_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/examples/orders"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/pipeline/handsofftest"
	"github.com/handsoff-cdk/handsoff/stages"
)

// smallDocument is the example document cut to the two stages a document
// needs (gamma and prod), one environment each: it synthesizes in a
// fraction of the example's time.
var smallDocument = func() []byte {
	var doc map[string]any
	if err := json.Unmarshal(stages.ExampleDocument(), &doc); err != nil {
		panic(err)
	}
	doc["stages"] = []any{
		map[string]any{"name": "gamma", "checks": []any{"health"},
			"environments": []any{map[string]any{"name": "gamma-use1", "account": "333333333333", "region": "us-east-1"}}},
		map[string]any{"name": "prod", "checks": []any{"health"},
			"environments": []any{map[string]any{"name": "prod-use1", "account": "444444444444", "region": "us-east-1"}}},
	}
	out, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return out
}()

// leakyService is a service the guardrails let through and cdk-nag
// rejects: a private bucket without access logs or an SSL-only policy
// (AwsSolutions-S1, AwsSolutions-S10).
func leakyService(stage awscdk.Stage, env pipeline.Environment) {
	stack := awscdk.NewStack(stage, jsii.String("Service"), &awscdk.StackProps{StackName: jsii.String("leaky-" + env.Name)})
	awss3.NewBucket(stack, jsii.String("Leaky"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
	})
}

var leaky = handsofftest.Props{Repo: "acme/orders", Service: leakyService,
	Load: stages.LoadOptions{Document: smallDocument}}

// TestNoNagDoesNotLeak: a Synth without cdk-nag does not turn cdk-nag off
// for a later Synth of the same repository that asks for it, so a
// failing TestCheckers fails.
func TestNoNagDoesNotLeak(t *testing.T) {
	quiet := handsofftest.Synth(t, leaky, handsofftest.Options{NoNag: true})
	if !quiet.NoNag {
		t.Fatal("Synth with NoNag returned an app synthesized with cdk-nag")
	}
	a := handsofftest.Synth(t, leaky)
	if a.NoNag {
		t.Error("Synth without NoNag returned the app an earlier Synth made with NoNag")
	}
	r := &recorder{TB: t}
	a.Check(r)
	if all := strings.Join(r.errors, "\n"); !strings.Contains(all, "cdk-nag: ") || !strings.Contains(all, "AwsSolutions-S10") {
		t.Errorf("Check found no cdk-nag error on a bucket without an SSL-only policy; errors:\n%s", all)
	}
}

// TestSynthMatchesOptions: whatever order tests ask in, the App Synth
// returns was made from what was asked (cdk-nag on or off, this service),
// equal asks share one App and different asks never do.
func TestSynthMatchesOptions(t *testing.T) {
	type ask struct {
		noNag   bool
		service string
	}
	services := map[string]pipeline.ServiceFactory{"orders": orders.Service, "leaky": leakyService}
	seen := map[ask]*handsofftest.App{}
	rapid.Check(t, func(rt *rapid.T) {
		k := ask{noNag: rapid.Bool().Draw(rt, "noNag"), service: rapid.SampledFrom([]string{"orders", "leaky"}).Draw(rt, "service")}
		p := handsofftest.Props{Repo: "acme/orders", Service: services[k.service],
			Load: stages.LoadOptions{Document: slices.Clone(smallDocument)}} // equal, not the same slice
		a := handsofftest.Synth(t, p, handsofftest.Options{NoNag: k.noNag})
		if a.NoNag != k.noNag {
			rt.Fatalf("asked NoNag %v, got an App with NoNag %v", k.noNag, a.NoNag)
		}
		if reports, _ := filepath.Glob(filepath.Join(a.Dir, "AwsSolutions-*-NagReport.csv")); (len(reports) > 0) == k.noNag {
			rt.Fatalf("asked NoNag %v, but the assembly has %d cdk-nag reports", k.noNag, len(reports))
		}
		all := fmt.Sprint(a.Templates(t))
		if leaky, queues := strings.Contains(all, "Leaky"), strings.Contains(all, "AWS::SQS::Queue"); leaky != (k.service == "leaky") || queues != (k.service == "orders") {
			rt.Fatalf("asked service %s, got an App with the leaky bucket %v and queues %v", k.service, leaky, queues)
		}
		if b, ok := seen[k]; ok && b != a {
			rt.Fatalf("%+v synthesized twice", k)
		}
		for other, b := range seen {
			if other != k && b == a {
				rt.Fatalf("%+v returned the App of %+v", k, other)
			}
		}
		seen[k] = a
	})
}

// TestSynthConfig: Synth leaves a Props.Config as it was (pipeline.Build
// replans the Config it is given, setting prod's planned Waves anew), so
// a second Synth of the same Props is the same input and shares the App.
func TestSynthConfig(t *testing.T) {
	cfg, err := stages.Parse(smallDocument, "small document")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := stages.Parse(smallDocument, "small document")
	prod, _ := cfg.Stage("prod")
	if !prod.PlannedWaves {
		t.Fatal("the small document's prod waves are not planned: the test shows nothing")
	}
	waves := &cfg.Stages[len(cfg.Stages)-1].Waves[0] // replanned, an equal plan has new backing
	p := handsofftest.Props{Repo: "acme/orders", Service: leakyService, Config: cfg}
	a := handsofftest.Synth(t, p, handsofftest.Options{NoNag: true})
	if d := cmp.Diff(before, cfg, cmpopts.IgnoreUnexported(time.Location{})); d != "" {
		t.Errorf("Synth changed Props.Config (-before +after):\n%s", d)
	}
	if &cfg.Stages[len(cfg.Stages)-1].Waves[0] != waves {
		t.Error("Synth replanned Props.Config's prod waves")
	}
	if b := handsofftest.Synth(t, p, handsofftest.Options{NoNag: true}); b != a {
		t.Error("a second Synth of the same Props.Config synthesized again")
	}
}
