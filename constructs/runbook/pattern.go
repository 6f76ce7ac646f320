package runbook

import (
	"fmt"
	"regexp"
	"strings"
)

// allowedPattern is read twice: "The first validation is performed using
// the Java regex library at the API level ... The second validation is
// performed on SSM Agent by using the GO regexp library"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html).
// Which of the two an Automation start meets, and whether Java's is read
// with find() (a match anywhere) or matches() (the whole value), is not
// documented. A pattern must mean the same under every reading, so the
// package takes only the syntax Java's java.util.regex and Go's RE2 read
// alike (https://docs.oracle.com/javase/8/docs/api/java/util/regex/Pattern.html,
// https://pkg.go.dev/regexp/syntax), anchored at both ends:
//
//   - ^ first and $ last, and nowhere else outside a class; no | outside
//     a group (^a|b$ anchors a and b only at one end each): unanchored,
//     Go's reading (a match anywhere) and Java's matches() differ;
//   - groups ( ) and (?: ) only: no flags ((?U) is ungreedy in Go and
//     Unicode classes in Java; (?i) folds Unicode in Go, ASCII in Java),
//     no named groups;
//   - escapes of punctuation, \d \D \w \W (ASCII in both), \t \n \r \f,
//     \xHH; not \s (Java's takes \x0B, Go's does not), \b \B (Unicode in
//     Java's boundaries), \p \P (the names differ), \Q...\E, \v (a class
//     in Java, one character in Go), \A \z \Z (use ^ and $), \1 to \9
//     (a backreference in Java, an octal code in Go), \0;
//   - no . (Go's matches \r, U+0085, U+2028 and U+2029, Java's does not):
//     write the class meant;
//   - in a class, no [ (a nested class in Java, a literal or a POSIX
//     class such as [:alpha:] in Go), no && (intersection in Java, two
//     literals in Go), no ] first;
//   - { only as a repetition, {n}, {n,} or {n,m} (Go reads any other {
//     as a literal, Java refuses it).
//
// One difference no pattern in this syntax closes: Java's $ also matches
// before a final line terminator, so where only Java's check runs a value
// may end in one newline more than the pattern says.
func patternProblems(p string) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	rs := []rune(p)
	if len(rs) < 2 || rs[0] != '^' {
		add("start it with ^: SSM reads it with Java's regex and Go's regexp, and unanchored they differ (Go's matches anywhere in the value, Java's matches() the whole of it)")
	}
	if n := len(rs); n < 2 || rs[n-1] != '$' || escaped(rs, n-1) {
		add("end it with $: SSM reads it with Java's regex and Go's regexp, and unanchored they differ (Go's matches anywhere in the value, Java's matches() the whole of it)")
	}
	depth, inClass, classStart := 0, false, 0
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if c == '\\' && i+1 < len(rs) {
			i++
			e := rs[i]
			switch {
			case strings.ContainsRune(`.\^$|?*+()[]{}/-`, e), strings.ContainsRune("dDwWtnrf", e):
			case e == 'x' && i+2 < len(rs) && isHex(rs[i+1]) && isHex(rs[i+2]):
				i += 2
			case e == 's' || e == 'S':
				add(`\%c: Java's \s takes the vertical tab \x0B, Go's does not; write the class meant, as [ \t]`, e)
			case e == 'b' || e == 'B':
				add(`\%c: Java's word boundaries follow Unicode letters, Go's ASCII ones; write the characters meant`, e)
			case e == 'p' || e == 'P':
				add(`\%c: Unicode class names differ between Java and Go (\p{Greek} is \p{IsGreek} in Java); write the ranges meant`, e)
				if i+1 < len(rs) && rs[i+1] == '{' {
					for i < len(rs) && rs[i] != '}' {
						i++
					}
				}
			case e == 'Q':
				add(`\Q: write each literal character escaped instead of \Q...\E`)
				for i+1 < len(rs) && !(rs[i] == '\\' && rs[i+1] == 'E') {
					i++
				}
				i++
			case e == 'v':
				add(`\v: a class of vertical whitespace in Java, one character in Go; write the characters meant`)
			case e == 'A' || e == 'z' || e == 'Z':
				add(`\%c: anchor with ^ and $`, e)
			case e >= '0' && e <= '9':
				add(`\%c: a backreference or octal code in Java, an octal code or an error in Go; write \xHH`, e)
			default:
				add(`\%c: not an escape Java and Go read alike; escape punctuation, or use \d \w \t \n \r \f \xHH`, e)
			}
			continue
		}
		if inClass {
			switch {
			case c == ']' && i == classStart:
				add("] first in a class: escape it, \\]")
			case c == ']':
				inClass = false
			case c == '[':
				add("[ in a class: a nested class in Java, a literal or a POSIX class ([:alpha:]) in Go; escape it, \\[, or write the ranges meant")
			case c == '&' && i+1 < len(rs) && rs[i+1] == '&':
				add("&& in a class: an intersection in Java, two characters in Go; write the class meant")
				i++
			}
			continue
		}
		switch c {
		case '[':
			inClass = true
			classStart = i + 1
			if classStart < len(rs) && rs[classStart] == '^' {
				classStart++
			}
		case '(':
			if i+1 < len(rs) && rs[i+1] == '?' {
				if i+2 < len(rs) && rs[i+2] == ':' {
					i += 2
				} else {
					add("(? other than (?: : flags and named groups differ between Java and Go ((?U) is ungreedy in Go, Unicode classes in Java)")
				}
			}
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				add("| outside a group: ^a|b$ anchors a at the start and b at the end only; group the alternatives, ^(?:a|b)$")
			}
		case '.':
			add(". matches \\r, U+0085, U+2028 and U+2029 in Go and not in Java; write the class meant, as [^\\n] or [a-z]")
		case '^':
			if i != 0 {
				add("^ after the start: anchor once, at the start")
			}
		case '$':
			if i != len(rs)-1 {
				add("$ before the end: anchor once, at the end")
			}
		case '{':
			if m := repetition.FindString(string(rs[i:])); m == "" || i == 0 {
				add("{ that is not a repetition {n}, {n,} or {n,m}: a literal in Go, an error in Java; escape it, \\{")
			}
		}
	}
	return out
}

var repetition = regexp.MustCompile(`^\{[0-9]+(,[0-9]*)?\}`)

// escaped reports whether rs[i] follows an odd number of backslashes.
func escaped(rs []rune, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && rs[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func isHex(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}
