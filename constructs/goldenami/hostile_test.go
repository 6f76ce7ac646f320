package goldenami_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/goldenami"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// synthOne synthesizes one stack of account and region made by make, and
// returns its template and the error annotations of the app.
func synthOne(t *testing.T, account, region string, make func(stack awscdk.Stack)) (map[string]any, []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("synthesizes")
	}
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	env := &awscdk.Environment{Region: jsii.String(region)}
	if account != "" {
		env.Account = jsii.String(account)
	}
	stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: env})
	make(stack)
	app.Synth(nil)
	var errs []string
	for _, a := range testenv.Annotations(t, dir) {
		if a.Level == "error" {
			errs = append(errs, a.Message)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return testenv.Templates(t, dir)["S.template.json"], nil
}

// TestHostileForwardToAtMostFiveTargetsARule: a rule takes at most five
// targets ("Each rule can have up to five (5) targets associated with it
// at one time",
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html);
// seven pipelines' buses still each get every new image.
func TestHostileForwardToAtMostFiveTargetsARule(t *testing.T) {
	var buses []string
	for i := range 7 {
		buses = append(buses, fmt.Sprintf("arn:aws:events:us-east-1:%012d:event-bus/default", 500000000000+i))
	}
	tmpl, errs := synthOne(t, "111111111111", "us-east-1", func(stack awscdk.Stack) {
		goldenami.New(stack, "Web", &goldenami.Props{Name: "web", Targets: []goldenami.Target{{Account: "111111111111", Region: "us-east-1"}}, ForwardTo: buses})
	})
	if errs != nil {
		t.Fatal(errs)
	}
	reached := map[string]bool{}
	for _, r := range resources(tmpl, "AWS::Events::Rule") {
		targets := r["Targets"].([]any)
		if len(targets) > 5 {
			t.Errorf("a rule with %d targets: %s", len(targets), compact(targets))
		}
		if !strings.Contains(compact(r["EventPattern"]), "AVAILABLE") {
			continue
		}
		ids := map[string]bool{}
		for _, tg := range targets {
			m := tg.(map[string]any)
			reached[fmt.Sprint(m["Arn"])] = true
			if ids[fmt.Sprint(m["Id"])] {
				t.Errorf("target id %v twice in a rule", m["Id"])
			}
			ids[fmt.Sprint(m["Id"])] = true
		}
	}
	for _, b := range buses {
		if !reached[b] {
			t.Errorf("no AVAILABLE rule forwards to %s", b)
		}
	}
}

// TestHostileRecipeVersionFollowsEveryContent: the recipe is immutable and
// CloudFormation replaces it on any change, creating the new one first, so
// its version must change with everything in it, the build region's key of
// its volumes included; a fixed version collides with the old recipe.
func TestHostileRecipeVersionFollowsEveryContent(t *testing.T) {
	recipe := func(key string) map[string]any {
		tmpl, errs := synthOne(t, "111111111111", "us-east-1", func(stack awscdk.Stack) {
			goldenami.New(stack, "Web", &goldenami.Props{Name: "web", Targets: []goldenami.Target{{Account: "111111111111", Region: "us-east-1"}},
				KmsKeyArns: map[string]string{"us-east-1": key}})
		})
		if errs != nil {
			t.Fatal(errs)
		}
		return resources(tmpl, "AWS::ImageBuilder::ImageRecipe")[0]
	}
	a := recipe("arn:aws:kms:us-east-1:111111111111:key/aaaa")
	b := recipe("arn:aws:kms:us-east-1:111111111111:key/bbbb")
	if compact(a["BlockDeviceMappings"]) == compact(b["BlockDeviceMappings"]) {
		t.Fatal("the key is not in the recipe")
	}
	if a["Version"] == b["Version"] {
		t.Errorf("two recipes of different volumes share version %v", a["Version"])
	}
}

// TestHostilePartitions: in the China and GovCloud partitions, the ARN
// of AWS's CloudWatch agent component is of that partition
// (arn:aws-cn:..., arn:aws-us-gov:...), not arn:aws.
func TestHostilePartitions(t *testing.T) {
	for region, partition := range map[string]string{"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "us-east-1": "aws"} {
		tmpl, errs := synthOne(t, "111111111111", region, func(stack awscdk.Stack) {
			goldenami.New(stack, "Web", &goldenami.Props{Name: "web", Targets: []goldenami.Target{{Account: "111111111111", Region: region}}})
		})
		if errs != nil {
			t.Fatal(errs)
		}
		comps := compact(resources(tmpl, "AWS::ImageBuilder::ImageRecipe")[0]["Components"])
		want := fmt.Sprintf(`"arn:%s:imagebuilder:%s:aws:component/amazon-cloudwatch-agent-linux/x.x.x"`, partition, region)
		if !strings.Contains(comps, want) {
			t.Errorf("%s: components %s, want %s", region, comps, want)
		}
	}
}

// TestHostileOtherPartitionsRefused: Image Builder distributes within the
// build's partition only (its regions are the partition's), and a key,
// component or bus ARN of another partition names nothing there.
func TestHostileOtherPartitionsRefused(t *testing.T) {
	_, errs := synthOne(t, "111111111111", "us-east-1", func(stack awscdk.Stack) {
		goldenami.New(stack, "Web", &goldenami.Props{Name: "web",
			Targets:    []goldenami.Target{{Account: "222222222222", Region: "cn-north-1"}, {Account: "222222222222", Region: "us-east-1"}},
			KmsKeyArns: map[string]string{"cn-north-1": "arn:aws-cn:kms:cn-north-1:222222222222:key/k", "us-east-1": "arn:aws-cn:kms:us-east-1:111111111111:key/k"},
			Components: []string{"arn:aws-us-gov:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"},
			ForwardTo:  []string{"arn:aws-cn:events:us-east-1:222222222222:event-bus/default"},
		})
	})
	all := strings.Join(errs, "\n")
	for _, want := range []string{`Targets[0].Region "cn-north-1"`, `KmsKeyArns["us-east-1"]`, "Components[0]", "ForwardTo[0]"} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem says %q:\n%s", want, all)
		}
	}
}

// TestHostileDistributionRoleKeyAliases: an alias ARN in an IAM policy's
// Resource is the alias, not its key ("When an alias is the value of a
// resource element, the policy applies to the alias resource, not to any
// KMS key that might be associated with it",
// https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html):
// the role would be refused the key, and the copies would fail. Refused.
func TestHostileDistributionRoleKeyAliases(t *testing.T) {
	_, errs := synthOne(t, "444444444444", "us-east-1", func(stack awscdk.Stack) {
		goldenami.NewDistributionRole(stack, "Dist", &goldenami.DistributionRoleProps{BuildAccount: "111111111111", ImageNames: []string{"web"},
			KmsKeyArns: []string{"arn:aws:kms:us-east-1:444444444444:alias/golden"}})
	})
	if !strings.Contains(strings.Join(errs, "\n"), `KmsKeyArns[0] "arn:aws:kms:us-east-1:444444444444:alias/golden"`) {
		t.Errorf("an alias ARN was taken for a key: %v", errs)
	}
}

// TestHostileSchedules: Image Builder's cron has six required fields,
// one space apart, and of day and day of the week exactly one is "?"
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/cron-expressions.html);
// anything else fails at deploy, not at synth.
func TestHostileSchedules(t *testing.T) {
	for schedule, ok := range map[string]bool{
		goldenami.DefaultSchedule:  true,
		"cron(0 3 1 * ? *)":        true,
		"cron(0 3 * * MON *)":      false,
		"cron(0 3 ? * ? *)":        false,
		"cron(0 3 * *)":            false,
		"cron( 0 3 ? * MON *)":     false,
		"cron(0 3 ? * MON * 1)":    false,
		"cron(0 3 ? * MON *);rm x": false,
	} {
		_, errs := synthOne(t, "111111111111", "us-east-1", func(stack awscdk.Stack) {
			goldenami.New(stack, "Web", &goldenami.Props{Name: "web", Schedule: schedule, Targets: []goldenami.Target{{Account: "111111111111", Region: "us-east-1"}}})
		})
		if got := !strings.Contains(strings.Join(errs, "\n"), "Schedule"); got != ok {
			t.Errorf("%q: accepted %v, want %v (%v)", schedule, got, ok, errs)
		}
	}
}
