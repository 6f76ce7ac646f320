package pipeline

import (
	"fmt"
	"strings"
)

// catch runs f and turns a panic into a message: a mistake in a team's
// stacks (an invalid bucket name, a construct that fails validation) reaches
// Go from jsii as a panic, and the user should read what went wrong and
// where, not a stack trace.
func catch(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = firstLines(fmt.Sprint(r), 3)
		}
	}()
	f()
	return ""
}

// firstLines keeps the message, not the JavaScript stack under it.
func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var keep []string
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "at ") || len(keep) == n {
			break
		}
		keep = append(keep, strings.TrimSpace(l))
	}
	return strings.Join(keep, " ")
}
