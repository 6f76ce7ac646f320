package monorepo

import (
	"fmt"
)

// CodePipeline V2's limits on a trigger
// (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GitConfiguration.html,
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-codepipeline-pipeline-gitfilepathfiltercriteria.html):
// one trigger per source action, 1–3 push filters, 1–8 patterns in each
// list. Push filters are ORed, so spreading the patterns over three, each
// with the branch, reaches 24.
const (
	MaxPushFilters       = 3
	MaxPatternsPerFilter = 8
	MaxPatterns          = MaxPushFilters * MaxPatternsPerFilter
)

// PushFilter is one push filter of a trigger: a push to one of Branches
// that changes a file matching one of FilePaths (CodePipeline's globs,
// https://docs.aws.amazon.com/codepipeline/latest/userguide/syntax-glob.html).
type PushFilter struct {
	Branches  []string
	FilePaths []string
}

// Patterns are the file-path globs that start a folder's pipeline: its
// own folder, then every folder it depends on (transitively, sorted),
// each as folder/** ("**" crosses directories), then the dependency file.
func (d *Deps) Patterns(folder string) []string {
	out := []string{folder + "/**"}
	for _, dep := range d.DependsOn(folder) {
		out = append(out, dep+"/**")
	}
	return append(out, File)
}

// Trigger is the push filters of a folder's pipeline on branch: Patterns
// in order, eight to a filter. A folder whose patterns do not fit is
// refused with the count.
func (d *Deps) Trigger(folder, branch string) ([]PushFilter, error) {
	f, ok := d.Folder(folder)
	if !ok {
		return nil, fmt.Errorf("%q is not a folder of %s", folder, File)
	}
	if !f.Deploys() {
		return nil, fmt.Errorf("%q is a %s, which has no pipeline", folder, f.Kind)
	}
	pats := d.Patterns(folder)
	if len(pats) > MaxPatterns {
		return nil, fmt.Errorf("%s depends on %d folders: with its own folder and %s its trigger needs %d file-path patterns, and CodePipeline takes at most %d (%d push filters of %d): merge the folders it depends on into fewer, larger ones (one libs folder for its libraries, say), or depend on fewer",
			folder, len(pats)-2, File, len(pats), MaxPatterns, MaxPushFilters, MaxPatternsPerFilter)
	}
	var out []PushFilter
	for i := 0; i < len(pats); i += MaxPatternsPerFilter {
		out = append(out, PushFilter{Branches: []string{branch}, FilePaths: pats[i:min(i+MaxPatternsPerFilter, len(pats))]})
	}
	return out, nil
}
