package configsvc

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

// Cond is a change's precondition on what it replaces: IfMatch and
// IfNoneMatch as the request's headers give them. The zero Cond always
// holds.
type Cond struct {
	IfMatch, IfNoneMatch string
}

// Given reports whether the request made its write conditional.
func (c Cond) Given() bool { return c.IfMatch != "" || c.IfNoneMatch != "" }

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

// listHas reports whether a header's comma-separated list of entity tags
// holds tag; weak compares without the W/ prefix on either side
// (RFC 9110 §8.8.3.2), strong refuses a weak tag.
func listHas(header, tag string, weak bool) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
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

// notModified reports whether a GET's If-None-Match names the current
// representation: "*", or any tag in its list, compared weakly.
func notModified(header, tag string) bool {
	return strings.TrimSpace(header) == "*" || listHas(header, tag, true)
}
