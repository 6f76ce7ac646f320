package goldenami

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"pgregory.net/rapid"
)

// TestDistributionsReachEveryTarget: for any targets and build account,
// each target's region has one distribution, holding one parameter for
// each of its accounts (AmiAccountId set exactly for the accounts other
// than the build's, which AWS requires to be target accounts of the
// region), and the other accounts, and only they, get a copy. The oracle
// reads the targets directly.
func TestDistributionsReachEveryTarget(t *testing.T) {
	accounts := []string{"111111111111", "222222222222", "333333333333", "444444444444"}
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"}
	rapid.Check(t, func(t *rapid.T) {
		home := rapid.SampledFrom(append([]string{""}, accounts...)).Draw(t, "home")
		var targets []Target
		seen := map[Target]bool{}
		for range rapid.IntRange(1, 10).Draw(t, "n") {
			tg := Target{Account: rapid.SampledFrom(accounts).Draw(t, "account"), Region: rapid.SampledFrom(regions).Draw(t, "region")}
			if !seen[tg] {
				seen[tg] = true
				targets = append(targets, tg)
			}
		}
		got := distributions(Props{Name: "web", Targets: targets}, home)
		byRegion := map[string]bool{}
		for _, d := range got {
			dp := d.(*awsimagebuilder.CfnDistributionConfiguration_DistributionProperty)
			r := *dp.Region
			if byRegion[r] {
				t.Fatalf("two distributions for %s", r)
			}
			byRegion[r] = true
			var params []string
			for _, p := range dp.SsmParameterConfigurations.([]any) {
				pc := p.(*awsimagebuilder.CfnDistributionConfiguration_SsmParameterConfigurationProperty)
				if *pc.ParameterName != "/handsoff/ami/web/latest" || *pc.DataType != "aws:ec2:image" {
					t.Fatalf("parameter %v", pc)
				}
				owner := home
				if pc.AmiAccountId != nil {
					owner = *pc.AmiAccountId
					if owner == home {
						t.Fatalf("AmiAccountId set for the build's own account")
					}
				}
				params = append(params, owner)
			}
			var want, copies []string
			for _, tg := range targets {
				if tg.Region == r {
					want = append(want, tg.Account)
					if tg.Account != home {
						copies = append(copies, tg.Account)
					}
				}
			}
			slices.Sort(want)
			slices.Sort(params)
			slices.Sort(copies)
			if !slices.Equal(params, want) {
				t.Fatalf("%s: parameters for %v, targets %v", r, params, want)
			}
			ami := dp.AmiDistributionConfiguration.(map[string]any)
			gotCopies, _ := ami["TargetAccountIds"].([]*string)
			var gc []string
			for _, a := range gotCopies {
				gc = append(gc, *a)
			}
			if !slices.Equal(gc, copies) {
				t.Fatalf("%s: copies to %v, want %v", r, gc, copies)
			}
		}
		for _, tg := range targets {
			if !byRegion[tg.Region] {
				t.Fatalf("no distribution for %s", tg.Region)
			}
		}
		if len(byRegion) != len(got) {
			t.Fatalf("%d distributions for %d regions", len(got), len(byRegion))
		}
	})
}

// TestVersionFollowsContent: a recipe's or component's version is the
// same for the same content and differs for different content, so that
// CloudFormation's replacement never collides with the old one.
func TestVersionFollowsContent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.SliceOfN(rapid.String(), 1, 4).Draw(t, "a")
		b := rapid.SliceOfN(rapid.String(), 1, 4).Draw(t, "b")
		va, vb := version(a...), version(b...)
		if version(a...) != va {
			t.Fatal("not deterministic")
		}
		var major, minor, patch int
		if n, _ := fmt.Sscanf(va, "%d.%d.%d", &major, &minor, &patch); n != 3 || patch >= 1<<30 {
			t.Fatalf("version %s", va)
		}
		if strings.Join(a, "\x00") != strings.Join(b, "\x00") && va == vb {
			t.Fatalf("%q and %q share version %s", a, b, va)
		}
	})
}

// TestKeyRequiredExactlyForForeignTargets: check asks for a region's key
// exactly when the region has a target outside the build's account.
func TestKeyRequiredExactlyForForeignTargets(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		home := rapid.SampledFrom([]string{"", "111111111111"}).Draw(t, "home")
		p := Props{Name: "web", KmsKeyArns: map[string]string{}}
		foreign := map[string]bool{}
		for i := range rapid.IntRange(1, 6).Draw(t, "n") {
			tg := Target{Account: rapid.SampledFrom([]string{"111111111111", "222222222222"}).Draw(t, "a"), Region: rapid.SampledFrom([]string{"us-east-1", "eu-west-1"}).Draw(t, "r")}
			if slices.Contains(p.Targets, tg) {
				continue
			}
			p.Targets = append(p.Targets, tg)
			if tg.Account != home {
				foreign[tg.Region] = true
			}
			_ = i
		}
		for _, r := range []string{"us-east-1", "eu-west-1"} {
			if rapid.Bool().Draw(t, "key "+r) {
				p.KmsKeyArns[r] = "arn:aws:kms:" + r + ":111111111111:key/k"
			}
		}
		problems := strings.Join(p.check(home), "\n")
		for _, r := range []string{"us-east-1", "eu-west-1"} {
			asked := strings.Contains(problems, fmt.Sprintf("KmsKeyArns[%q] is required", r))
			if want := foreign[r] && p.KmsKeyArns[r] == ""; asked != want {
				t.Fatalf("%s: asked %v, want %v (%s)", r, asked, want, problems)
			}
		}
	})
}
