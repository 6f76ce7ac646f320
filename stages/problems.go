package stages

import (
	"fmt"
	"slices"
	"strings"

	"github.com/handsoff-cdk/handsoff/internal/editdistance"
)

// Code says what kind of problem a Problem is, for programs and tests to
// match (the message is for people). Modelled on Kubernetes'
// field.ErrorType.
type Code string

const (
	CodeRequired     Code = "required"     // a field that must be set is missing or empty
	CodeInvalid      Code = "invalid"      // a value of the right type that is not allowed
	CodeUnknown      Code = "unknown"      // a field the schema does not have
	CodeType         Code = "type"         // a value of the wrong JSON type
	CodeDuplicate    Code = "duplicate"    // a key, name or entry given twice
	CodeRange        Code = "range"        // a number or duration out of its bounds
	CodeQuota        Code = "quota"        // the pipeline would pass an AWS quota
	CodeNotSupported Code = "notSupported" // a value this library does not read (apiVersion)
	CodeSyntax       Code = "syntax"       // not JSON, or more than one JSON document
	CodeEncoding     Code = "encoding"     // not UTF-8 text (a byte-order mark, UTF-16, bad bytes, HTML)
	CodeTooLarge     Code = "tooLarge"     // over the document size limit
	CodeTooMany      Code = "tooMany"      // the problems not listed past MaxProblems
)

// Problem is one thing wrong with a configuration document: the path of the
// field (as in `stages[3].waves[1].environments[0].region`; a key that is
// not a plain name is quoted, as in `checks["a b"]`), its code, and what is
// wrong with it, including how to fix it where that is not obvious.
type Problem struct {
	Path    string `json:"path"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// MaxProblems is the most problems a ValidationError lists; the rest are
// counted in a last problem of code CodeTooMany.
const MaxProblems = 100

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
	n := len(e.Problems)
	atLeast := ""
	if last := e.Problems[n-1]; last.Code == CodeTooMany {
		var more int
		fmt.Sscan(last.Message, &more)
		n += more - 1
		if strings.Contains(last.Message, " or more ") {
			atLeast = "at least "
		}
	}
	if n == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "handsoff: configuration %s has %s%d %s:", e.Source, atLeast, n, noun)
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects Problems while a document is walked.
type problems struct {
	list    []Problem
	dropped int // past MaxProblems
	// stopped: reading stopped at a full report, so how many problems
	// are not listed is not known.
	stopped bool
	// typeErrors are paths whose value had the wrong JSON type. Later
	// problems at or under them ("is required") would only repeat the news.
	typeErrors map[string]bool
}

func (ps *problems) addf(path, format string, args ...any) {
	ps.addc(CodeInvalid, path, format, args...)
}

// addc adds a problem of a code. It costs the depth of the path, however
// many problems there are.
func (ps *problems) addc(code Code, path, format string, args ...any) {
	for p := path; p != ""; p = parentPath(p) {
		if ps.typeErrors[p] {
			return
		}
	}
	if len(ps.list) >= MaxProblems {
		ps.dropped++
		return
	}
	ps.list = append(ps.list, Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

// addListed adds a problem that skip allowed, at a path skip was not
// asked about (a member of the object it was).
func (ps *problems) addListed(code Code, path, format string, args ...any) {
	ps.list = append(ps.list, Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

// skip reports whether a problem at path would not be listed: under a
// value of the wrong type (not counted), or past MaxProblems (counted).
// Callers use it to spare building a message no one reads.
func (ps *problems) skip(path string) bool {
	for p := path; p != ""; p = parentPath(p) {
		if ps.typeErrors[p] {
			return true
		}
	}
	if len(ps.list) >= MaxProblems {
		ps.dropped++
		return true
	}
	return false
}

func (ps *problems) typeError(path string) {
	if ps.typeErrors == nil {
		ps.typeErrors = map[string]bool{}
	}
	ps.typeErrors[path] = true
}

// parentPath is the path one level up: a.b[2] -> a.b -> a -> "".
//
// A quoted key (["k"], see join) is one segment whatever it holds: a
// quote inside one is escaped, so its start is the last `["`. Reading it
// character by character would make a long key's ancestors as many as
// its dots, and the walk up them quadratic.
func parentPath(p string) string {
	if strings.HasSuffix(p, `"]`) {
		if i := strings.LastIndex(p, `["`); i >= 0 {
			return p[:i]
		}
	}
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndex(p, "["); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndex(p, "."); i >= 0 {
		return p[:i]
	}
	return ""
}

func (ps *problems) err(source string) error {
	if len(ps.list) == 0 {
		return nil
	}
	list := ps.list
	switch {
	case ps.stopped:
		list = append(slices.Clip(list), Problem{Code: CodeTooMany, Message: fmt.Sprintf("%d or more problems are not listed; fix these first", ps.dropped)})
	case ps.dropped > 0:
		list = append(slices.Clip(list), Problem{Code: CodeTooMany, Message: fmt.Sprintf("%d more problems are not listed; fix these first", ps.dropped)})
	}
	return &ValidationError{Source: source, Problems: list}
}

// Suggestions are bounded so that a hostile document cannot make
// validation slow: names longer than maxSuggestLength, and candidates past
// the first maxCandidates, are not compared.
const (
	maxSuggestLength = 64
	maxCandidates    = 256
)

// closest returns the candidate nearest to s by edit distance, if it is close
// enough to be a likely typo; of equally near ones, the first in sort order.
func closest(s string, candidates []string) string {
	if len(s) > maxSuggestLength {
		return ""
	}
	if len(candidates) > maxCandidates {
		candidates = candidates[:maxCandidates]
	}
	limit := 2
	if len(s) > 8 {
		limit = 3
	}
	ls := strings.ToLower(s)
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if len(c) > maxSuggestLength || abs(len(c)-len(s)) > limit {
			continue // the distance is at least the difference in length
		}
		d := editdistance.AtMost(ls, strings.ToLower(c), limit)
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if bestD <= limit && bestD < len(s) {
		return best
	}
	return ""
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func didYouMean(s string, candidates []string) string {
	if c := closest(s, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}
