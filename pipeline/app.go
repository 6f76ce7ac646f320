package pipeline

import (
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
// belongs to the app or the project's scripts (see the README, "Which
// Node").
func NewApp() awscdk.App {
	outdir := os.Getenv("CDK_OUTDIR")
	if outdir == "" {
		outdir = "cdk.out"
	}
	fenceOutdir(outdir)
	return awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
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
