package stages

import (
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a configuration document: the path of the
// field (as in `stages[3].waves[1].environments[0].region`) and what is wrong
// with it, including how to fix it where that is not obvious.
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ValidationError lists every problem found in a document, so that a user
// fixes them all in one round trip. It is returned by [Parse] and [Load].
type ValidationError struct {
	// Source names the document (a file path, a URL, "embedded example").
	Source   string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "handsoff: configuration %s has %d %s:", e.Source, len(e.Problems), noun)
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects Problems while a document is walked.
type problems struct {
	list []Problem
	// typeErrors are paths whose value had the wrong JSON type. Later
	// problems at or under them ("is required") would only repeat the news.
	typeErrors []string
}

func (ps *problems) addf(path, format string, args ...any) {
	for _, te := range ps.typeErrors {
		if path == te || strings.HasPrefix(path, te+".") || strings.HasPrefix(path, te+"[") {
			return
		}
	}
	ps.list = append(ps.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) err(source string) error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ValidationError{Source: source, Problems: ps.list}
}

// closest returns the candidate nearest to s by edit distance, if it is close
// enough to be a likely typo.
func closest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range slices.Sorted(slices.Values(candidates)) {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(s) > 8 {
		limit = 3
	}
	if bestD <= limit && bestD < len(s) {
		return best
	}
	return ""
}

func didYouMean(s string, candidates []string) string {
	if c := closest(s, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
