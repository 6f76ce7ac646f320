package pipeline

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// NewApp returns a CDK App that synthesizes into CDK_OUTDIR when it is set
// (as the cdk CLI sets it) and into ./cdk.out otherwise, so that `go run` of
// an app leaves its cloud assembly where `cdk deploy` looks for it.
//
// jsii runs Node.js: the one on PATH, or the one JSII_NODE names. This
// package does not choose it and changes no environment variable: that
// belongs to the app or the project's scripts (see docs/service-teams.md,
// "Which Node").
//
// Run by the cdk CLI, the App gets cdk.json's context (feature flags
// included) from the CLI. Run directly (`go run`), it reads the context of
// the nearest cdk.json itself, so that both ways synthesize the same
// templates.
func NewApp() awscdk.App {
	outdir := os.Getenv("CDK_OUTDIR")
	if outdir == "" {
		outdir = "cdk.out"
	}
	fenceOutdir(outdir)
	props := &awscdk.AppProps{Outdir: jsii.String(outdir)}
	if os.Getenv("CDK_CONTEXT_JSON") == "" && os.Getenv("CONTEXT_OVERFLOW_LOCATION_ENV") == "" {
		if ctx := CDKContext("."); len(ctx) > 0 {
			props.Context = &ctx
		}
	}
	return awscdk.NewApp(props)
}

// CDKContext is the "context" of the nearest cdk.json at dir or above, or
// nil when there is none (or it is not JSON).
func CDKContext(dir string) map[string]any {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	for {
		raw, err := os.ReadFile(filepath.Join(abs, "cdk.json"))
		if err == nil {
			var f struct {
				Context map[string]any `json:"context"`
			}
			if json.Unmarshal(raw, &f) != nil {
				return nil
			}
			return f.Context
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return nil
		}
		abs = parent
	}
}

// fenceOutdir puts a go.mod in the output directory. Assets staged there
// (the source uploaded for codebuild checks) hold copies of the app's Go
// files, which `go test ./...` and `go vet ./...` would otherwise build as
// packages of the app's module.
func fenceOutdir(dir string) {
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	_ = os.WriteFile(filepath.Join(dir, "go.mod"), []byte("// Written by handsoff: keeps Go tools out of the cloud assembly.\nmodule cdk.out\n"), 0o644)
}
