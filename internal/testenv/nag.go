package testenv

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cloudformationinclude"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// NagTemplates runs cdk-nag AwsSolutions on CloudFormation templates that
// no CDK construct made (the gates stacks, written in Go): each is
// included, with its logical ids and metadata, in a stack of its own, as
// the CDK's typed L1 resources cdk-nag's rules look at. It returns the
// error and warning annotations.
func NagTemplates(t testing.TB, files map[string]string) []Finding {
	t.Helper()
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		stack := awscdk.NewStack(app, jsii.String(fmt.Sprintf("Included%d", i)), nil)
		cloudformationinclude.NewCfnInclude(stack, jsii.String("Template"), &cloudformationinclude.CfnIncludeProps{
			TemplateFile: jsii.String(files[name]),
		})
	}
	app.Synth(nil)
	out := Annotations(t, dir)
	for i := range out {
		for j, name := range names { // "/Included3/Template/Role" → "{name}: Role"
			if p := fmt.Sprintf("/Included%d/Template/", j); strings.HasPrefix(out[i].Path, p) {
				out[i].Path = filepath.ToSlash(name) + ": " + strings.TrimPrefix(out[i].Path, p)
			}
		}
	}
	return out
}
