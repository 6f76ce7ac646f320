package docs

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/handsoff-cdk/handsoff/internal/editdistance"
)

// A Problem is one link that does not resolve.
type Problem struct {
	File   string // the page holding the link, relative to the root, with '/'
	Line   int    // 1-based
	Target string // the link's target as written
	Detail string // what is wrong
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Target, p.Detail)
}

// Pages returns the pages Check reads under root: README.md and every
// docs/*.md, relative to root with '/'.
func Pages(root string) ([]string, error) {
	pages := []string{"README.md"}
	more, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	for _, m := range more {
		rel, err := filepath.Rel(root, m)
		if err != nil {
			return nil, err
		}
		pages = append(pages, filepath.ToSlash(rel))
	}
	sort.Strings(pages[1:])
	return pages, nil
}

// Check reports every relative link of the given pages (paths relative to
// root, with '/') that does not resolve: its file or directory does not
// exist, or it has a fragment and its target is a .md page without a
// heading of that anchor. A link with a scheme (https:, mailto:) is not
// checked; a link that is only a fragment is checked against its own page.
func Check(root string, pages []string) ([]Problem, error) {
	anchors := map[string]map[string]bool{} // page (slash, relative to root) -> its anchors
	pageAnchors := func(page string) (map[string]bool, error) {
		if a, ok := anchors[page]; ok {
			return a, nil
		}
		raw, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(page)))
		if err != nil {
			return nil, err
		}
		a := map[string]bool{}
		for _, h := range Headings(string(raw)) {
			a[h] = true
		}
		anchors[page] = a
		return a, nil
	}
	var problems []Problem
	for _, page := range pages {
		raw, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(page)))
		if err != nil {
			return nil, err
		}
		for _, l := range Links(string(raw)) {
			if d := resolve(root, page, l.Target, pageAnchors); d != "" {
				problems = append(problems, Problem{File: page, Line: l.Line, Target: l.Target, Detail: d})
			}
		}
	}
	return problems, nil
}

// resolve returns what is wrong with target, a link on page, or "".
func resolve(root, page, target string, pageAnchors func(string) (map[string]bool, error)) string {
	if hasScheme.MatchString(target) || strings.HasPrefix(target, "//") {
		return ""
	}
	path, frag, _ := strings.Cut(target, "#")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	p, err := url.PathUnescape(path)
	if err != nil {
		return "not a valid path: " + err.Error()
	}
	dest := page // a fragment alone names its own page
	if p != "" {
		if strings.HasPrefix(p, "/") {
			dest = strings.TrimPrefix(p, "/") // GitHub resolves /x from the repository's root
		} else {
			dest = filepath.ToSlash(filepath.Join(filepath.Dir(filepath.FromSlash(page)), filepath.FromSlash(p)))
		}
		if dest == ".." || strings.HasPrefix(dest, "../") {
			return "points outside the repository"
		}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(dest))); err != nil {
			return fmt.Sprintf("%s does not exist", dest)
		}
	}
	if frag == "" || !strings.HasSuffix(strings.ToLower(dest), ".md") {
		return ""
	}
	want, err := url.PathUnescape(frag)
	if err != nil {
		return "not a valid fragment: " + err.Error()
	}
	a, err := pageAnchors(dest)
	if err != nil {
		return err.Error()
	}
	if !a[want] {
		return fmt.Sprintf("%s has no heading with the anchor #%s%s", dest, want, nearest(want, a))
	}
	return ""
}

// nearest names the page's anchor closest to want, as a hint.
func nearest(want string, anchors map[string]bool) string {
	best, bestD := "", len(want)/2+1
	for a := range anchors {
		if d := editdistance.AtMost(want, a, len(want)/2); d < bestD || d == bestD && a < best {
			best, bestD = a, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean #%s?)", best)
}

var hasScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// A Link is one link target on a page.
type Link struct {
	Line   int
	Target string
}

var (
	inlineLink = regexp.MustCompile(`\]\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)`)
	refDef     = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	htmlSrc    = regexp.MustCompile(`(?i)<(?:img|a|source)\b[^>]*?\s(?:src|href)\s*=\s*("[^"]*"|'[^']*')`)
)

// Links returns the link targets of a Markdown page: inline links and
// images, reference definitions, and src and href of <img>, <a> and
// <source>, outside fenced code blocks and code spans.
func Links(md string) []Link {
	var links []Link
	fence := ""
	for i, line := range strings.Split(md, "\n") {
		if inCode(&fence, line) {
			continue
		}
		line = stripCode(line)
		add := func(t string) {
			t = strings.TrimSuffix(strings.TrimPrefix(t, "<"), ">")
			t = strings.Trim(t, `"'`)
			if t != "" {
				links = append(links, Link{Line: i + 1, Target: t})
			}
		}
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			add(m[1])
		}
		if m := refDef.FindStringSubmatch(line); m != nil {
			add(m[1])
		}
		for _, m := range htmlSrc.FindAllStringSubmatch(line, -1) {
			add(m[1])
		}
	}
	return links
}

// inCode reports whether line is a fence or inside a fenced code block,
// given the fence open before it ("" when none), which it updates. A block
// opens with ``` or ~~~ (or longer) indented at most three spaces, and
// closes with a line of at least as many of the same character alone.
func inCode(fence *string, line string) bool {
	t := strings.TrimLeft(line, " ")
	f := ""
	if len(line)-len(t) <= 3 {
		for _, c := range []string{"`", "~"} {
			if n := len(t) - len(strings.TrimLeft(t, c)); n >= 3 {
				f = t[:n]
			}
		}
	}
	switch {
	case *fence == "" && f != "":
		*fence = f
		return true
	case *fence == "":
		return false
	case f != "" && f[0] == (*fence)[0] && len(f) >= len(*fence) && strings.TrimSpace(t[len(f):]) == "":
		*fence = ""
	}
	return true
}

// stripCode removes the code spans of a line, so that `[a](b)` in code is
// no link. A span closes at the next run of exactly as many backticks; a
// run that never closes is literal text.
func stripCode(line string) string {
	run := func(i int) int {
		n := 0
		for i+n < len(line) && line[i+n] == '`' {
			n++
		}
		return n
	}
	var b strings.Builder
	for i := 0; i < len(line); {
		if line[i] != '`' {
			b.WriteByte(line[i])
			i++
			continue
		}
		n, closed := run(i), -1
		for j := i + n; j < len(line); {
			if line[j] != '`' {
				j++
				continue
			}
			m := run(j)
			if m == n {
				closed = j + m
				break
			}
			j += m
		}
		if closed < 0 {
			b.WriteString(line[i : i+n])
			i += n
			continue
		}
		i = closed
	}
	return b.String()
}

var (
	atxHeading = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	linkInText = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	htmlTag    = regexp.MustCompile(`<[^>]+>`)
)

// Headings returns the anchors of a page's ATX headings (outside fenced
// code blocks) in order, numbered as GitHub numbers repeats.
func Headings(md string) []string {
	var out []string
	seen := map[string]int{}
	fence := ""
	for _, line := range strings.Split(md, "\n") {
		if inCode(&fence, line) {
			continue
		}
		m := atxHeading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		a := Anchor(m[2])
		if n := seen[a]; n > 0 {
			seen[a] = n + 1
			a = fmt.Sprintf("%s-%d", a, n)
		} else {
			seen[a] = 1
		}
		out = append(out, a)
	}
	return out
}

// Anchor returns the anchor GitHub gives a heading of the given text.
func Anchor(heading string) string {
	heading = linkInText.ReplaceAllString(heading, "$1")
	heading = htmlTag.ReplaceAllString(heading, "")
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
