package pipeline_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/monorepo"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Two frontends of one mono-repo behind one distribution (the shop at
// /shop/*, the admin at /admin/*).
const sharedDistributionDeps = `{
  "folders": [
    {"path": "web/shop", "kind": "frontend", "service": "shop",
     "cloudfront": {"distributions": {"gamma-use1": "E1GAMMAEXAMPLE", "prod-use1": "E2QWRUHAPOMQZL"}, "paths": ["/shop/*"]}},
    {"path": "web/admin", "kind": "frontend", "service": "admin",
     "cloudfront": {"distributions": {"gamma-use1": "E1GAMMAEXAMPLE", "prod-use1": "E2QWRUHAPOMQZL"}, "paths": ["/admin/*", "/admin.html"]}}
  ]
}
`

// callerReference is the prod invalidation's CallerReference.
func callerReference(t *testing.T, dir, service string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "assembly-"+service+"-prod-use1", "*Invalidation*.template.json"))
	if len(matches) != 1 {
		t.Fatalf("%s: invalidation templates %v", service, matches)
	}
	for _, r := range readTemplate(t, matches[0])["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if rm["Type"] != "Custom::AWS" {
			continue
		}
		var call struct {
			Parameters struct {
				InvalidationBatch struct{ CallerReference string }
			} `json:"parameters"`
		}
		if err := json.Unmarshal([]byte(rm["Properties"].(map[string]any)["Create"].(string)), &call); err != nil {
			t.Fatal(err)
		}
		return call.Parameters.InvalidationBatch.CallerReference
	}
	t.Fatal("no Custom::AWS")
	return ""
}

// CloudFront answers a CallerReference it has seen with the earlier
// invalidation when the paths are the same (nothing is invalidated again)
// and with InvalidationBatchAlreadyExists when they differ
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html).
// The reference was the commit alone, so:
//   - two frontends on one distribution, started by one commit (a shared
//     library), sent one reference with different paths: the second
//     deploy failed;
//   - a commit deployed again by a new execution (a release of an earlier
//     commit after a bad one, to undo it) got the earlier invalidation
//     back, and the bad commit's objects stayed in the cache.
func TestHostileInvalidationCallerReference(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, monorepo.File), []byte(sharedDistributionDeps), 0o644)
	for _, f := range []string{"web/shop", "web/admin"} {
		os.MkdirAll(filepath.Join(root, f), 0o755)
	}
	const commit = "0123456789abcdef0123456789abcdef01234567"
	t.Setenv("CODEBUILD_RESOLVED_SOURCE_VERSION", commit)
	t.Setenv("CODEBUILD_BUILD_ID", "shop-pipeline-synth:11111111-1111-1111-1111-111111111111")
	shopDir, _ := synthMono(t, withService(smallDocument(t, true), "shop"), &pipeline.MonoRepoProps{Root: root})
	shop := callerReference(t, shopDir, "shop")
	t.Setenv("CODEBUILD_BUILD_ID", "admin-pipeline-synth:22222222-2222-2222-2222-222222222222")
	adminDir, _ := synthMono(t, withService(smallDocument(t, true), "admin"), &pipeline.MonoRepoProps{Root: root})
	admin := callerReference(t, adminDir, "admin")
	if shop == admin {
		t.Errorf("shop and admin invalidate one distribution with different paths under one CallerReference %q: the second gets InvalidationBatchAlreadyExists", shop)
	}
	t.Setenv("CODEBUILD_BUILD_ID", "shop-pipeline-synth:33333333-3333-3333-3333-333333333333")
	againDir, _ := synthMono(t, withService(smallDocument(t, true), "shop"), &pipeline.MonoRepoProps{Root: root})
	if again := callerReference(t, againDir, "shop"); again == shop {
		t.Errorf("a new execution of commit %s reuses CallerReference %q: CloudFront returns the earlier invalidation and invalidates nothing", commit, again)
	}
	for _, ref := range []string{shop, admin} {
		if !strings.Contains(ref, commit[:12]) {
			t.Errorf("CallerReference %q does not name the commit", ref)
		}
	}
}

// Props.MonoRepo.Folder as a Go program builds it: filepath.Join on
// Windows (services\orders), a ./ prefix, a trailing or doubled slash. It
// names the folder the file lists; "not a folder of the file: add it"
// sent the user to add what is there.
func TestHostileMonoRepoFolderSpellings(t *testing.T) {
	root := monoRoot(t, monoDeps)
	for _, folder := range []string{`services\orders`, "./services/orders", "services/orders/", "services//orders"} {
		dir := t.TempDir()
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
		_, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: alarmService("Service/Errors"),
			Load: stages.LoadOptions{Document: smallDocument(t, true)}, MonoRepo: &pipeline.MonoRepoProps{Root: root, Folder: folder}})
		if err != nil {
			t.Errorf("Folder %q: %v", folder, err)
		}
	}
	// A spelling that is no folder still says which one is meant.
	app := awscdk.NewApp(nil)
	_, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: alarmService("Service/Errors"),
		Load: stages.LoadOptions{Document: smallDocument(t, true)}, MonoRepo: &pipeline.MonoRepoProps{Root: root, Folder: "services/order"}})
	if err == nil || !strings.Contains(err.Error(), `did you mean "services/orders"`) {
		t.Errorf("Folder services/order: %v, want a suggestion", err)
	}
}
