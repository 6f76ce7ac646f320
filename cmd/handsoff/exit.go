package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"

	"github.com/handsoff-cdk/handsoff/stages"
)

// Exit statuses, the same for every command (docs/cli.md, "Exit status").
const (
	exitOK          = 0 // done; for a check, nothing to report
	exitFailed      = 1 // the command ran and the answer is no: an invalid document, a finding, a refusal, a failed synthesis or deploy
	exitMisuse      = 2 // the command line is wrong: an unknown command, flag or argument, a bad flag value
	exitUnreachable = 3 // a service did not answer or refused: the configuration service, AWS, or missing credentials
)

// exitCodes is the table help and docs/cli.md print.
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

// unreachable is an error of a service that did not answer.
type unreachable struct{ error }

func (u unreachable) Unwrap() error { return u.error }

// exitFor is the exit status of an error: a service that did not answer
// or refused us is exitUnreachable; an answer of no (an invalid document,
// a refused change, a missing document) is exitFailed.
func exitFor(err error) int {
	var fe *stages.FetchError
	var se *serviceError
	var u unreachable
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &u):
		return exitUnreachable
	case errors.As(err, &fe):
		return statusExit(fe.Status)
	case errors.As(err, &se):
		return statusExit(se.Status)
	}
	return exitFailed
}

// statusExit: no answer, no valid credentials (401), or a failing service
// is exitUnreachable; any other answer, a 403 included (the caller may not
// do this, whoever signs in), is the service's no.
func statusExit(status int) int {
	switch {
	case status == 0, status == http.StatusUnauthorized,
		status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		return exitUnreachable
	}
	return exitFailed
}

// docError prints why the configuration document could not be loaded and
// returns the exit status: a --config file that cannot be opened is a
// wrong command line; a service that did not answer is exitUnreachable;
// an invalid or missing document is exitFailed.
func docError(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, err)
	var ce configFlagError
	if errors.As(err, &ce) && errors.Is(err, fs.ErrNotExist) {
		return exitMisuse
	}
	return exitFor(err)
}

// configFlagError is an error reading the file --config names.
type configFlagError struct{ error }

func (c configFlagError) Unwrap() error { return c.error }
