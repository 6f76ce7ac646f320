package configsvc

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// Entity tags and preconditions (RFC 9110 §8.8.3 and §13.1): every thing a
// client may change (a service's document and its own part, an account, a
// platform window or blackout) has a strong entity tag, a hash of its
// stored form; every write answers with the new tag, and honours If-Match
// and If-None-Match, checked inside the change's transaction so that no
// other change comes between the check and the write.

// tagOf is the strong entity tag of a stored form.
func tagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// Cond is a change's precondition on what it replaces: the request's
// If-Match and If-None-Match, each every line of its header as one list
// (RFC 9110 §5.3). The zero Cond always holds.
type Cond struct {
	IfMatch, IfNoneMatch string
}

// Given reports whether the request names the version it changes: an
// If-Match, or If-None-Match: * (create only). A weak or listed
// If-None-Match on a write names no version.
func (c Cond) Given() bool { return c.IfMatch != "" || strings.TrimSpace(c.IfNoneMatch) == "*" }

// condOf reads a request's preconditions. A header that is there but is
// not "*" or a list of entity tags (empty, "*" among tags, a bare word)
// is an error: read loosely, it could turn a conditional write into an
// unconditional one.
func condOf(h http.Header) (Cond, error) {
	var c Cond
	for _, f := range []struct {
		name string
		to   *string
	}{{"If-Match", &c.IfMatch}, {"If-None-Match", &c.IfNoneMatch}} {
		lines, there := h[f.name]
		if !there {
			continue
		}
		v := strings.Join(lines, ", ")
		if strings.TrimSpace(v) != "*" {
			if _, err := entityTags(v); err != nil {
				return Cond{}, fmt.Errorf("%s: %w", f.name, err)
			}
		}
		*f.to = v
	}
	return c, nil
}

// entityTags parses a list of entity tags (RFC 9110 §8.8.3): each
// "opaque" or W/"opaque", separated by commas and optional white space.
func entityTags(v string) ([]string, error) {
	var tags []string
	i := 0
	for {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == ',') {
			i++
		}
		if i == len(v) {
			break
		}
		start := i
		if strings.HasPrefix(v[i:], "W/") {
			i += 2
		}
		if i >= len(v) || v[i] != '"' {
			return nil, fmt.Errorf("%.60q is not \"*\" or a list of entity tags (\"...\" or W/\"...\")", v)
		}
		end := strings.IndexByte(v[i+1:], '"')
		if end < 0 {
			return nil, fmt.Errorf("%.60q has an entity tag without its closing quote", v)
		}
		i += end + 2
		tags = append(tags, v[start:i])
		if i < len(v) && v[i] != ',' && v[i] != ' ' && v[i] != '\t' {
			return nil, fmt.Errorf("%.60q is not \"*\" or a list of entity tags", v)
		}
	}
	if len(tags) == 0 {
		return nil, fmt.Errorf("is empty: name a version (\"...\") or \"*\"")
	}
	return tags, nil
}

// PreconditionError is a change refused because what it replaces is not
// what the client said it was: 412, with the current tag (Current is ""
// when the thing does not exist).
type PreconditionError struct {
	What    string // what was to change, e.g. "the document of acme/orders"
	Current string
}

func (e *PreconditionError) Error() string {
	if e.Current == "" {
		return fmt.Sprintf("%s does not exist; nothing was changed", e.What)
	}
	return fmt.Sprintf("%s is not the version the request names (it is %s now); nothing was changed: read it again, make the change on what you read, and send it with If-Match: %s", e.What, e.Current, e.Current)
}

// check holds the condition against the current tag ("" when the thing
// does not exist). If-Match compares strongly (a weak tag never matches);
// If-None-Match weakly, and on a write "*" means "create only".
func (c Cond) check(what, current string) error {
	if c.IfMatch != "" {
		ok := current != "" && (strings.TrimSpace(c.IfMatch) == "*" || listHas(c.IfMatch, current, false))
		if !ok {
			return &PreconditionError{What: what, Current: current}
		}
	}
	if c.IfNoneMatch != "" && current != "" {
		if strings.TrimSpace(c.IfNoneMatch) == "*" || listHas(c.IfNoneMatch, current, true) {
			return &PreconditionError{What: what + " already exists, and the request said If-None-Match: " + c.IfNoneMatch + ";", Current: current}
		}
	}
	return nil
}

// listHas reports whether a header's list of entity tags holds tag; weak
// compares without the W/ prefix on either side (RFC 9110 §8.8.3.2),
// strong refuses a weak tag. A list that is not one holds nothing.
func listHas(header, tag string, weak bool) bool {
	tags, _ := entityTags(header)
	for _, t := range tags {
		if w, ok := strings.CutPrefix(t, "W/"); ok {
			if !weak {
				continue
			}
			t = w
		}
		if t == strings.TrimPrefix(tag, "W/") {
			return true
		}
	}
	return false
}

// notModified reports whether a GET's If-None-Match (every line of it)
// names the current representation: "*", or any tag in its list, compared
// weakly.
func notModified(h http.Header, tag string) bool {
	v := strings.Join(h.Values("If-None-Match"), ", ")
	return strings.TrimSpace(v) == "*" || listHas(v, tag, true)
}
