package main

import (
	"fmt"
	"strings"
)

// Exit statuses, the same for every command (README, "Exit status").
const (
	exitOK          = 0 // done; for a check, nothing to report
	exitFailed      = 1 // the command ran and the answer is no: an invalid document, a finding, a refusal, a failed synthesis or deploy
	exitMisuse      = 2 // the command line is wrong: an unknown command, flag or argument, a bad flag value
	exitUnreachable = 3 // a service did not answer or refused: the configuration service, AWS, or missing credentials
)

// exitCodes is the table help and the README print.
var exitCodes = []struct {
	code int
	what string
}{
	{exitOK, "done; for a check, nothing to report"},
	{exitFailed, "the command ran and the answer is no: an invalid document, an upgrade that loses data, a refused deploy, an app that does not synthesize"},
	{exitMisuse, "the command line is wrong: an unknown command, flag or argument, or a bad flag value (nothing was done)"},
	{exitUnreachable, "a service did not answer or refused: the configuration service, AWS, or missing credentials (sign in, or try again)"},
}

// exitTable renders exitCodes as a Markdown table.
func exitTable() string {
	var b strings.Builder
	b.WriteString("| Status | Meaning |\n|---|---|\n")
	for _, e := range exitCodes {
		fmt.Fprintf(&b, "| %d | %s |\n", e.code, e.what)
	}
	return b.String()
}
