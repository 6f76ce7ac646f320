package monorepo

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/handsoff-cdk/handsoff/internal/editdistance"
	"github.com/handsoff-cdk/handsoff/stages"
)

// File is the dependency file's name, at the repository root.
const File = "handsoff.deps.json"

// Kind is what a folder is.
type Kind string

const (
	Service  Kind = "service"  // deployed by its own pipeline
	Library  Kind = "library"  // deployed by nobody: built into what depends on it
	Frontend Kind = "frontend" // a service whose pipeline also invalidates its CloudFront distribution
)

// Deps is a dependency file.
type Deps struct {
	// Folders are the repository's folders that something deploys or
	// depends on. Files outside them start no pipeline.
	Folders []Folder `json:"folders"`

	byPath map[string]int
}

// Folder is one entry of the file.
type Folder struct {
	// Path is the folder, relative to the repository root, with "/".
	Path string `json:"path"`
	Kind Kind   `json:"kind"`
	// DependsOn are the folders whose changes this folder's pipeline (or
	// its dependents' pipelines) must deploy.
	DependsOn []string `json:"dependsOn,omitempty"`
	// Service is the handsoff service (its document's service.name) whose
	// pipeline deploys the folder: required for services and frontends,
	// refused for libraries.
	Service string `json:"service,omitempty"`
	// CloudFront is what a frontend invalidates after each environment
	// deploys: required for frontends, refused otherwise.
	CloudFront *CloudFront `json:"cloudfront,omitempty"`
}

// CloudFront is a frontend's invalidation.
type CloudFront struct {
	// Distributions are the distribution IDs by environment name (of the
	// frontend's handsoff document); every environment needs one.
	Distributions map[string]string `json:"distributions"`
	// Paths are invalidated, as CloudFront reads them: each begins with
	// "/", and "*" only at the end.
	Paths []string `json:"paths"`
}

// Deploys reports whether the folder has a pipeline.
func (f Folder) Deploys() bool { return f.Kind == Service || f.Kind == Frontend }

// Limits of CloudFront's CreateInvalidation
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/InvalidationLimits.html,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html).
const (
	MaxWildcardPaths   = 15   // wildcard paths in progress per distribution
	MaxFilePaths       = 3000 // individual file paths in progress per distribution
	MaxInvalidationLen = 4000 // characters of one path
)

var (
	reService      = regexp.MustCompile(`^[a-z][a-z0-9-]{0,29}$`) // as stages reads service.name
	reDistribution = regexp.MustCompile(`^[A-Z0-9]{1,32}$`)
	// reSegment is one folder name: no glob character (the folder becomes
	// a CodePipeline glob, https://docs.aws.amazon.com/codepipeline/latest/userguide/syntax-glob.html),
	// no space or control character.
	reSegment = regexp.MustCompile(`^[A-Za-z0-9._@+=-]+$`)
	// reURLPath: RFC 3986 unreserved, sub-delims, ':' '@' '/' and '%'
	// escapes; others must be URL-encoded.
	reURLPath = regexp.MustCompile(`^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$`)
)

// Parse decodes and validates a dependency file, reporting every problem
// at once as a *stages.ValidationError of source.
func Parse(data []byte, source string) (*Deps, error) {
	var d Deps
	if err := stages.DecodeStrict(data, source, &d); err != nil {
		return nil, err
	}
	if ps := d.validate(); len(ps) > 0 {
		return nil, &stages.ValidationError{Source: source, Problems: ps}
	}
	return &d, nil
}

// ReadFile reads and parses the dependency file at path.
func ReadFile(path string) (*Deps, error) {
	data, err := stages.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Folder returns the entry of a folder.
func (d *Deps) Folder(path string) (Folder, bool) {
	i, ok := d.byPath[path]
	if !ok {
		return Folder{}, false
	}
	return d.Folders[i], true
}

// CleanFolder is a folder as the file lists it, from a spelling a program
// may build: \ as /, no ./, no doubled or trailing /.
func CleanFolder(p string) string {
	if p == "" {
		return p
	}
	return path.Clean(strings.ReplaceAll(p, `\`, "/"))
}

// DidYouMean is " (did you mean "folder"?)" for the folder nearest to
// name, or "".
func (d *Deps) DidYouMean(name string) string { return didYouMean(name, d.paths()) }

// ByService returns the folder a service's pipeline deploys.
func (d *Deps) ByService(service string) (Folder, bool) {
	for _, f := range d.Folders {
		if f.Deploys() && f.Service == service {
			return f, true
		}
	}
	return Folder{}, false
}

// Services lists the services and frontends, in file order.
func (d *Deps) Services() []Folder {
	var out []Folder
	for _, f := range d.Folders {
		if f.Deploys() {
			out = append(out, f)
		}
	}
	return out
}

func (d *Deps) paths() []string {
	out := make([]string, len(d.Folders))
	for i, f := range d.Folders {
		out[i] = f.Path
	}
	return out
}

// validate checks everything but the folders' existence.
func (d *Deps) validate() []stages.Problem {
	var ps []stages.Problem
	add := func(code stages.Code, path, format string, args ...any) {
		ps = append(ps, stages.Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	d.byPath = map[string]int{}
	if len(d.Folders) == 0 {
		add(stages.CodeRequired, "folders", "lists no folder: list each service, library and frontend folder of the repository")
	}
	services := map[string]string{}
	for i, f := range d.Folders {
		at := fmt.Sprintf("folders[%d]", i)
		if msg := checkFolder(f.Path); msg != "" {
			add(stages.CodeInvalid, at+".path", "%q %s", f.Path, msg)
		} else if j, dup := d.byPath[f.Path]; dup {
			add(stages.CodeDuplicate, at+".path", "%q is folders[%d] too: merge the two entries", f.Path, j)
		} else {
			d.byPath[f.Path] = i
		}
		switch f.Kind {
		case Service, Frontend:
			switch {
			case f.Service == "":
				add(stages.CodeRequired, at+".service", "a %s needs its pipeline: the service.name of the handsoff document whose pipeline deploys %s", f.Kind, f.Path)
			case !reService.MatchString(f.Service):
				add(stages.CodeInvalid, at+".service", "%q is not a handsoff service name (lower-case letters, digits and '-', starting with a letter, at most 30)", f.Service)
			default:
				if other, dup := services[f.Service]; dup {
					add(stages.CodeDuplicate, at+".service", "%q deploys %s already: one pipeline deploys one folder; give each its own service", f.Service, other)
				} else {
					services[f.Service] = f.Path
				}
			}
		case Library:
			if f.Service != "" {
				add(stages.CodeInvalid, at+".service", "a library has no pipeline (it is built into what depends on it): remove service, or make the kind \"service\"")
			}
		case "":
			add(stages.CodeRequired, at+".kind", "is required: \"service\", \"library\" or \"frontend\"")
		default:
			add(stages.CodeInvalid, at+".kind", "%q is not a kind: \"service\", \"library\" or \"frontend\"", f.Kind)
		}
		if f.Kind == Frontend {
			if f.CloudFront == nil {
				add(stages.CodeRequired, at+".cloudfront", "a frontend names the distribution it invalidates in each environment and the paths: {\"distributions\": {\"ENV\": \"ID\"}, \"paths\": [\"/*\"]}")
			} else {
				ps = append(ps, checkCloudFront(at+".cloudfront", *f.CloudFront)...)
			}
		} else if f.CloudFront != nil && f.Kind != "" {
			add(stages.CodeInvalid, at+".cloudfront", "only a frontend is invalidated: make the kind \"frontend\", or remove cloudfront")
		}
	}
	// Nested folders: a file would belong to both, and the outer one's
	// trigger (outer/**) would start on the inner one's changes.
	// Each folder's ancestors are looked up, not its neighbours in sorted
	// order: "a-b" and "a.x" sort between "a" and "a/b".
	sorted := slices.Clone(d.paths())
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	for _, p := range sorted {
		i, ok := d.byPath[p]
		if !ok {
			continue
		}
		for k := strings.LastIndexByte(p, '/'); k > 0; k = strings.LastIndexByte(p[:k], '/') {
			if j, outer := d.byPath[p[:k]]; outer {
				add(stages.CodeInvalid, fmt.Sprintf("folders[%d].path", i), "%q is inside %q (folders[%d]): folders may not nest; list the inner one's siblings instead, or merge them", p, p[:k], j)
				break
			}
		}
	}
	known := &suggester{candidates: d.paths()}
	for i, f := range d.Folders {
		seen := map[string]bool{}
		for k, dep := range f.DependsOn {
			at := fmt.Sprintf("folders[%d].dependsOn[%d]", i, k)
			switch _, ok := d.byPath[dep]; {
			case seen[dep]:
				add(stages.CodeDuplicate, at, "%q is listed twice", dep)
			case dep == f.Path:
				add(stages.CodeInvalid, at, "%q is the folder itself: remove it", dep)
			case !ok:
				add(stages.CodeInvalid, at, "%q is not a folder of the file%s: add it to folders, or fix the name", dep, known.didYouMean(dep))
			}
			seen[dep] = true
		}
	}
	for _, cycle := range d.cycles() {
		add(stages.CodeInvalid, fmt.Sprintf("folders[%d].dependsOn", d.byPath[cycle[0]]), "a cycle: %s; a folder cannot depend on what depends on it: move what both need into a library", strings.Join(cycle, " → "))
	}
	return ps
}

// checkFolder says what is wrong with a folder path, or "".
func checkFolder(p string) string {
	switch {
	case p == "" || p == ".":
		return "is the repository root: name a folder inside it (a root that deploys is not a mono-repo)"
	case strings.HasPrefix(p, "/") || filepath.IsAbs(p) || (len(p) > 1 && p[1] == ':'):
		return "is absolute: give the folder relative to the repository root, as services/orders"
	case strings.Contains(p, `\`):
		return "uses \\: separate folders with /, as git does"
	case strings.HasSuffix(p, "/"):
		return "ends in /: drop it"
	case p == File:
		return "is the dependency file"
	case len(p) > 240:
		// A trigger's file-path pattern is folder + "/**"; patterns are
		// at most 255 characters.
		return fmt.Sprintf("is %d characters; a trigger's file-path pattern holds at most 255 with its /**: use a shorter path", len(p))
	}
	for _, seg := range strings.Split(p, "/") {
		switch {
		case seg == "":
			return "has an empty segment (//): drop it"
		case seg == "." || seg == "..":
			return fmt.Sprintf("holds %q: give the folder as git lists it, with no . or .. segment", seg)
		case !reSegment.MatchString(seg):
			return fmt.Sprintf("segment %q holds a character CodePipeline's globs read specially, or a space: the folder becomes a trigger pattern; use letters, digits and . _ @ + = -", seg)
		}
	}
	return ""
}

// checkCloudFront checks a frontend's invalidation against CloudFront's
// rules, so that the first deploy does not find them.
func checkCloudFront(at string, c CloudFront) []stages.Problem {
	var ps []stages.Problem
	add := func(code stages.Code, path, format string, args ...any) {
		ps = append(ps, stages.Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if len(c.Distributions) == 0 {
		add(stages.CodeRequired, at+".distributions", "names no distribution: give each environment's distribution ID, as {\"prod-use1\": \"E2QWRUHAPOMQZL\"}")
	}
	for _, env := range slices.Sorted(maps.Keys(c.Distributions)) {
		if id := c.Distributions[env]; !reDistribution.MatchString(id) {
			add(stages.CodeInvalid, fmt.Sprintf("%s.distributions[%q]", at, env), "%q is not a CloudFront distribution ID (upper-case letters and digits, as E2QWRUHAPOMQZL; not the domain name or the ARN)", id)
		}
	}
	if len(c.Paths) == 0 {
		add(stages.CodeRequired, at+".paths", "names no path: give the paths to invalidate, as [\"/*\"] for everything")
	}
	wild, files := 0, 0
	seen := map[string]bool{}
	for i, p := range c.Paths {
		pp := fmt.Sprintf("%s.paths[%d]", at, i)
		switch {
		case !strings.HasPrefix(p, "/"):
			add(stages.CodeInvalid, pp, "%q does not begin with /: CloudFront's paths do, as /index.html or /*", p)
		case len(p) > MaxInvalidationLen:
			add(stages.CodeRange, pp, "is %d characters; CloudFront takes at most %d", len(p), MaxInvalidationLen)
		case strings.Contains(strings.TrimSuffix(p, "*"), "*"):
			add(stages.CodeInvalid, pp, "%q has a * before its end, which CloudFront reads as a literal asterisk: put * only last (/images/*), or write a literal one as %%2A", p)
		case !reURLPath.MatchString(p):
			add(stages.CodeInvalid, pp, "%q holds a character CloudFront needs URL-encoded (a space, non-ASCII, or one of RFC 1738's unsafe characters): encode it, as %%20 for a space", p)
		case seen[p]:
			add(stages.CodeDuplicate, pp, "%q is listed twice (each path costs)", p)
		}
		seen[p] = true
		if strings.HasSuffix(p, "*") {
			wild++
		} else {
			files++
		}
	}
	if wild > MaxWildcardPaths {
		add(stages.CodeQuota, at+".paths", "has %d wildcard paths; CloudFront allows %d in progress per distribution: use a common prefix (/assets/*)", wild, MaxWildcardPaths)
	}
	if files > MaxFilePaths {
		add(stages.CodeQuota, at+".paths", "has %d file paths; CloudFront allows %d in progress per distribution: use a wildcard", files, MaxFilePaths)
	}
	return ps
}

// CheckFolders reports the folders that are not directories under root,
// a checkout of the repository.
func (d *Deps) CheckFolders(root, source string) error {
	var ps []stages.Problem
	for i, f := range d.Folders {
		// Each segment is looked at itself (Lstat): git records a
		// symbolic link as one file and lists the files behind it under
		// the target's path, so folder/** would never match them.
		// A segment holding .git is a submodule (or a nested clone): git
		// records it as one entry, its commit, at its own path, and
		// lists no change under it.
		var st os.FileInfo
		var err error
		link, submodule := "", ""
		segs := strings.Split(f.Path, "/")
		for k := range segs {
			p := strings.Join(segs[:k+1], "/")
			if st, err = os.Lstat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
				break
			}
			if st.Mode()&os.ModeSymlink != 0 {
				link = p
				break
			}
			if _, gerr := os.Lstat(filepath.Join(root, filepath.FromSlash(p), ".git")); gerr == nil {
				submodule = p
				break
			}
		}
		switch {
		case submodule != "":
			ps = append(ps, stages.Problem{Path: fmt.Sprintf("folders[%d].path", i), Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is a git submodule (it holds .git)%s: the repository records it as one entry, its commit, so no change is ever listed under it and the pipeline would never start; make it an ordinary folder of the repository, or build it as a dependency of its own", submodule, map[bool]string{true: "", false: fmt.Sprintf(", around %q", f.Path)}[submodule == f.Path])})
		case link != "":
			target, _ := os.Readlink(filepath.Join(root, filepath.FromSlash(link)))
			ps = append(ps, stages.Problem{Path: fmt.Sprintf("folders[%d].path", i), Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is a symbolic link (to %q)%s: git lists the files behind it under the target's path, so a change there would not start the pipeline; give the target's path instead", link, target, map[bool]string{true: "", false: fmt.Sprintf(", on the way to %q", f.Path)}[link == f.Path])})
		case err != nil:
			ps = append(ps, stages.Problem{Path: fmt.Sprintf("folders[%d].path", i), Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is not in the repository (%s): create it, or remove the entry and what depends on it", f.Path, root)})
		case !st.IsDir():
			ps = append(ps, stages.Problem{Path: fmt.Sprintf("folders[%d].path", i), Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is a file, not a folder", f.Path)})
		}
	}
	if len(ps) > 0 {
		return &stages.ValidationError{Source: source, Problems: ps}
	}
	return nil
}

// maxSuggestions bounds the "did you mean" searches of one file: each
// compares a name with every folder, and a hostile file of long names
// would otherwise take minutes to refuse.
const maxSuggestions = 50

// suggester suggests the nearest candidate by edit distance, for the
// first maxSuggestions names it is asked about.
type suggester struct {
	candidates []string
	asked      int
}

func (s *suggester) didYouMean(name string) string {
	if s.asked >= maxSuggestions {
		return ""
	}
	s.asked++
	return didYouMean(name, s.candidates)
}

// didYouMean suggests the nearest candidate within an edit distance of 3.
func didYouMean(s string, candidates []string) string {
	const k = 3
	best, bestD := "", k+1
	for _, c := range candidates {
		if abs(len(s)-len(c)) > k {
			continue
		}
		if d := editdistance.AtMost(s, c, k); d < bestD || (d == bestD && d <= k && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" || bestD >= len(s) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
