package testenv

import (
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Shared is an app that a test binary's tests synthesize once, with
// cdk-nag's AwsSolutions pack, in a temporary directory that Close
// removes (call it from TestMain, after m.Run).
type Shared struct {
	prefix string
	build  func(app awscdk.App)
	once   sync.Once
	dir    string
	tmpls  map[string]map[string]any
}

// NewShared is the app build makes; its directory's name starts with
// prefix.
func NewShared(prefix string, build func(app awscdk.App)) *Shared {
	return &Shared{prefix: prefix, build: build}
}

// Get synthesizes the app on the first call and returns its cloud
// assembly directory and templates (by file name). It skips the test
// under -short.
func (s *Shared) Get(t *testing.T) (string, map[string]map[string]any) {
	t.Helper()
	if testing.Short() {
		t.Skip("synthesizes an app")
	}
	s.once.Do(func() {
		dir, err := os.MkdirTemp("", s.prefix)
		if err != nil {
			t.Fatal(err)
		}
		s.dir = dir
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
		s.build(app)
		app.Synth(nil)
		s.tmpls = Templates(t, dir)
	})
	if s.tmpls == nil {
		t.Fatal("the app did not synthesize")
	}
	return s.dir, s.tmpls
}

// Close removes the app's directory.
func (s *Shared) Close() {
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}
