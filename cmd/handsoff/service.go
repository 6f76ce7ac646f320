package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/stages"
)

// serviceBase is the configuration service's base URL: the flag, else
// HANDSOFF_CONFIG when it is a URL; "" when neither names one. Never the
// URL the lock file records: the lock is committed, so a pull request can
// change it, and the token goes only where the user or the environment
// says (noService says what the lock records, for the user to decide).
func serviceBase(flagURL, dir string) string {
	if flagURL != "" {
		return flagURL
	}
	if v := os.Getenv(stages.ConfigEnv); isURL(v) {
		return v
	}
	return ""
}

// isURL reports whether v is an http(s) URL, its scheme in any case.
func isURL(v string) bool {
	l := strings.ToLower(strings.TrimSpace(v))
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// noService is the error when no configuration service is named.
func noService(command, dir string) string {
	msg := fmt.Sprintf("%s: no configuration service: pass --url or set %s", command, stages.ConfigEnv)
	if lock, err := stages.ReadLock(filepath.Join(dir, stages.LockFile)); err == nil && lock.URL != "" {
		msg += fmt.Sprintf(" (the lock file records %s; it is not used on its own: the token goes only where you say)", stages.RedactURL(lock.URL))
	}
	return msg
}

// serviceError is an answer of the configuration service that is not a
// success, with its message and problems.
type serviceError struct {
	Status   int
	Message  string
	Problems []stages.Problem
}

func (e *serviceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the configuration service answered %d: %s", e.Status, e.Message)
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  - %s: %s", p.Path, p.Message)
	}
	switch e.Status {
	case http.StatusUnauthorized:
		fmt.Fprintf(&b, "\n  set %s to a token of the configuration service (handsoff-config token create)", stages.TokenEnv)
	case http.StatusForbidden:
		// The service says why; a token of the wrong role or service is
		// the case this hint is for (the service's "may not do this").
		if strings.Contains(e.Message, "may not do this") {
			fmt.Fprintf(&b, "\n  the token in %s is not allowed this: use a team token of this service", stages.TokenEnv)
		}
	}
	return b.String()
}

// callService sends one request to the configuration service with the
// token of HANDSOFF_CONFIG_TOKEN, under the library's rules for it
// (stages.NewRequest): no credentials in the URL, the token only over
// https or to this machine, and redirects only within its origin. It
// prints the request ("# METHOD URL") to stderr first.
func callService(stderr io.Writer, method, base, path string, body, out any) error {
	return callServiceWant(stderr, method, base, path, body, out, 0)
}

// callServiceWant is callService that takes only the status want (any 2xx
// when 0) as success.
func callServiceWant(stderr io.Writer, method, base, path string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, client, err := stages.NewRequest(context.Background(), method, base, path, rd, stages.HTTPOptions{Token: os.Getenv(stages.TokenEnv), Timeout: 15 * time.Second})
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	u := req.URL
	fmt.Fprintf(stderr, "# %s %s\n", method, stages.RedactURL(u.String()))
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return unreachable{fmt.Errorf("the configuration service at %s cannot be reached: %v", u.Host, err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return unreachable{fmt.Errorf("reading the configuration service's answer: %v", err)}
	}
	if resp.StatusCode >= 300 {
		se := &serviceError{Status: resp.StatusCode}
		var eb struct {
			Error    string           `json:"error"`
			Problems []stages.Problem `json:"problems"`
		}
		if json.Unmarshal(raw, &eb) == nil && eb.Error != "" {
			se.Message, se.Problems = eb.Error, eb.Problems
		} else if resp.StatusCode < 400 {
			se.Message = "a redirect to " + resp.Header.Get("Location") + ", which is not followed: set the URL to where the service is"
		} else {
			se.Message = strings.TrimSpace(http.StatusText(resp.StatusCode)) + " (not the configuration service's JSON: is the URL right?)"
		}
		return se
	}
	if want != 0 && resp.StatusCode != want {
		return fmt.Errorf("the configuration service answered %d, not %d: is the URL the configuration service?", resp.StatusCode, want)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("the answer of %s is not the configuration service's JSON: %v", u.Host, err)
		}
	}
	return nil
}
