package oracle

import (
	"fmt"
	"regexp"
	"strings"
)

// The rules of CodePipeline V2 triggers on a CodeStarSourceConnection
// source, as the documentation states them; a test evaluates a
// synthesized pipeline's trigger against changed files with them, there
// being no repository to push to.
//
//   - Only one trigger configuration per source action; 1–3 push
//     filters; each list 1–8 patterns; file paths need branches
//     (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GitConfiguration.html,
//     https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-filter.html).
//   - Push filters are ORed, the criteria inside one ANDed; excludes win
//     over includes
//     (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-filter-cli.html).
//   - A filtered trigger turns the action's own change detection off
//     (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-triggers.html).
//   - Globs: * within a directory level, ** across, ? one character,
//     [ ] a set, { , } alternatives, \ escapes
//     (https://docs.aws.amazon.com/codepipeline/latest/userguide/syntax-glob.html).

// GlobMatch reports whether name matches a CodePipeline glob pattern.
func GlobMatch(pattern, name string) bool {
	re, err := globRegexp(pattern)
	if err != nil {
		return false
	}
	return re.MatchString(name)
}

func globRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	depth := 0 // inside { }
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			i++
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		case c == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
			i++
			b.WriteString(".*")
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(pattern[i+1:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", pattern)
			}
			set := pattern[i+1 : i+1+j]
			if strings.HasPrefix(set, "!") {
				set = "^" + set[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(set, `\`, `\\`) + "]")
			i += j + 1
		case c == '{':
			depth++
			b.WriteString("(?:")
		case c == '}' && depth > 0:
			depth--
			b.WriteString(")")
		case c == ',' && depth > 0:
			b.WriteString("|")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if depth > 0 {
		return nil, fmt.Errorf("unclosed { in %q", pattern)
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// Push is a push of commits to a branch that changed files.
type Push struct {
	Branch string
	Files  []string
}

// Starts reports whether a push starts the pipeline (the Properties of an
// AWS::CodePipeline::Pipeline) through its CodeStarSourceConnection
// source action: by the action's trigger when it has one, else by the
// action's own change detection on its branch.
func Starts(props map[string]any, push Push) (bool, error) {
	actions := sourceActions(props)
	if len(actions) == 0 {
		return false, fmt.Errorf("the pipeline has no CodeStarSourceConnection source action")
	}
	triggers, _ := props["Triggers"].([]any)
	for _, a := range actions {
		var trig map[string]any
		for _, t := range triggers {
			tm, _ := t.(map[string]any)
			gc, _ := tm["GitConfiguration"].(map[string]any)
			if gc["SourceActionName"] == a.name {
				trig = gc
			}
		}
		if trig == nil {
			if a.detect && GlobMatch(a.branch, push.Branch) {
				return true, nil
			}
			continue
		}
		pushes, _ := trig["Push"].([]any)
		for _, f := range pushes {
			fm, _ := f.(map[string]any)
			if filterMatches(fm, push) {
				return true, nil
			}
		}
	}
	return false, nil
}

func filterMatches(f map[string]any, push Push) bool {
	if br, ok := f["Branches"].(map[string]any); ok {
		if !criteria(br, push.Branch) {
			return false
		}
	} else {
		return false // a push filter without branches is a tags filter
	}
	fp, ok := f["FilePaths"].(map[string]any)
	if !ok {
		return true
	}
	for _, file := range push.Files {
		if criteria(fp, file) {
			return true
		}
	}
	return false
}

// criteria: a value matches when an include matches and no exclude does.
func criteria(c map[string]any, v string) bool {
	for _, e := range strs(c["Excludes"]) {
		if GlobMatch(e, v) {
			return false
		}
	}
	inc := strs(c["Includes"])
	if inc == nil {
		return true
	}
	for _, i := range inc {
		if GlobMatch(i, v) {
			return true
		}
	}
	return false
}

func strs(v any) []string {
	l, ok := v.([]any)
	if !ok {
		return nil
	}
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

type sourceAction struct {
	name, branch string
	detect       bool
}

func sourceActions(props map[string]any) []sourceAction {
	var out []sourceAction
	st, _ := props["Stages"].([]any)
	for _, s := range st {
		sm, _ := s.(map[string]any)
		acts, _ := sm["Actions"].([]any)
		for _, a := range acts {
			am, _ := a.(map[string]any)
			id, _ := am["ActionTypeId"].(map[string]any)
			if id["Provider"] != "CodeStarSourceConnection" {
				continue
			}
			cfg, _ := am["Configuration"].(map[string]any)
			name, _ := am["Name"].(string)
			branch, _ := cfg["BranchName"].(string)
			detect := true // the documented default
			if d, ok := cfg["DetectChanges"].(bool); ok {
				detect = d
			}
			out = append(out, sourceAction{name: name, branch: branch, detect: detect})
		}
	}
	return out
}

// TriggerProblems lists what CodePipeline would refuse, or what would
// not do what the template says, in a pipeline's triggers: more than one
// trigger for a source action, one for an action that is not a
// CodeStarSourceConnection source, filter counts and list lengths out of
// bounds, file paths without branches, and an action whose DetectChanges
// is true beside a filtered trigger (CodePipeline turns it off: the
// template would say one thing and the pipeline do another).
func TriggerProblems(props map[string]any) []string {
	var out []string
	byName := map[string]sourceAction{}
	for _, a := range sourceActions(props) {
		byName[a.name] = a
	}
	seen := map[string]bool{}
	triggers, _ := props["Triggers"].([]any)
	for i, t := range triggers {
		tm, _ := t.(map[string]any)
		if tm["ProviderType"] != "CodeStarSourceConnection" {
			out = append(out, fmt.Sprintf("Triggers[%d]: ProviderType %v, not CodeStarSourceConnection", i, tm["ProviderType"]))
		}
		gc, _ := tm["GitConfiguration"].(map[string]any)
		name, _ := gc["SourceActionName"].(string)
		a, ok := byName[name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("Triggers[%d]: source action %q is not a CodeStarSourceConnection action of the pipeline", i, name))
		case seen[name]:
			out = append(out, fmt.Sprintf("Triggers[%d]: a second trigger for source action %q", i, name))
		}
		seen[name] = true
		pushes, _ := gc["Push"].([]any)
		if len(pushes) < 1 || len(pushes) > 3 {
			out = append(out, fmt.Sprintf("Triggers[%d]: %d push filters, not 1–3", i, len(pushes)))
		}
		filtered := false
		for j, f := range pushes {
			fm, _ := f.(map[string]any)
			for _, k := range []string{"Branches", "FilePaths", "Tags"} {
				c, ok := fm[k].(map[string]any)
				if !ok {
					continue
				}
				filtered = true
				for _, l := range []string{"Includes", "Excludes"} {
					if v, ok := c[l]; ok {
						if n := len(strs(v)); n < 1 || n > 8 {
							out = append(out, fmt.Sprintf("Triggers[%d].Push[%d].%s.%s: %d patterns, not 1–8", i, j, k, l, n))
						}
					}
				}
			}
			_, br := fm["Branches"]
			_, fp := fm["FilePaths"]
			_, tg := fm["Tags"]
			if fp && !br {
				out = append(out, fmt.Sprintf("Triggers[%d].Push[%d]: file paths without branches", i, j))
			}
			if tg && (br || fp) {
				out = append(out, fmt.Sprintf("Triggers[%d].Push[%d]: tags with branches or file paths", i, j))
			}
		}
		if filtered && ok && a.detect {
			out = append(out, fmt.Sprintf("source action %q has DetectChanges true beside a filtered trigger, which turns it off", name))
		}
	}
	return out
}
