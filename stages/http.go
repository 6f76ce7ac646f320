package stages

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// TokenEnv names the variable that holds the configuration service's bearer
// token.
const TokenEnv = "HANDSOFF_CONFIG_TOKEN"

// HTTPOptions tune the client of the configuration service. The zero value is
// ready to use.
type HTTPOptions struct {
	// Token is sent as "Authorization: Bearer Token". Default: the value of
	// HANDSOFF_CONFIG_TOKEN; no header when that is empty.
	Token string
	// Timeout bounds each attempt, headers and body. Default: 10s.
	Timeout time.Duration
	// Retries is the number of further attempts after a 5xx answer, a 429, a
	// timeout, a broken connection or a truncated body. Default: 3; set
	// NoRetries for none.
	Retries int
	// NoRetries turns retries off.
	NoRetries bool
	// Backoff is the pause before the first retry; it doubles after each.
	// Default: 500ms.
	Backoff time.Duration
	// MaxBodyBytes caps the document's size. Default: MaxDocumentBytes (1 MiB).
	MaxBodyBytes int64
	// Client is the HTTP client. Default: a client with no overall timeout
	// (Timeout above bounds each attempt).
	Client *http.Client
}

func (o HTTPOptions) withDefaults(getenv func(string) string) HTTPOptions {
	if o.Token == "" && getenv != nil {
		o.Token = getenv(TokenEnv)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.NoRetries {
		o.Retries = 0
	} else if o.Retries <= 0 {
		o.Retries = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = 500 * time.Millisecond
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = MaxDocumentBytes
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	return o
}

// ServiceURL is the address of repo's document under the configuration
// service at base: {base}/v1/services/{owner}/{repo}. A base that already
// ends in that path is returned as it is.
func ServiceURL(base, repo string) string {
	base = strings.TrimRight(base, "/")
	if strings.HasSuffix(base, "/v1/services/"+repo) {
		return base
	}
	return base + "/v1/services/" + repo
}

// FetchError is a failure to get a document from the configuration service.
type FetchError struct {
	URL      string
	Status   int // 0 when no answer came
	Attempts int
	Err      error
}

func (e *FetchError) Error() string {
	msg := fmt.Sprintf("handsoff: cannot fetch configuration from %s", e.URL)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", e.Attempts)
	}
	return msg + ": " + e.Err.Error()
}

func (e *FetchError) Unwrap() error { return e.Err }

type retryable struct{ error }

// Fetch gets repo's document from the configuration service at base, with
// bounded retries and back-off on transient failures. A 4xx answer fails at
// once with a message that says what to check.
func Fetch(ctx context.Context, base, repo string, opts HTTPOptions) ([]byte, error) {
	return fetch(ctx, base, repo, opts.withDefaults(nil))
}

func fetch(ctx context.Context, base, repo string, o HTTPOptions) ([]byte, error) {
	u := ServiceURL(base, repo)
	var last error
	status := 0
	for attempt := 1; ; attempt++ {
		body, st, err := fetchOnce(ctx, u, o)
		status = st
		if err == nil {
			return body, nil
		}
		last = err
		var r retryable
		if !errors.As(err, &r) || attempt > o.Retries || ctx.Err() != nil {
			if errors.As(err, &r) {
				last = r.error
			}
			return nil, &FetchError{URL: u, Status: status, Attempts: attempt, Err: last}
		}
		pause := o.Backoff << (attempt - 1)
		select {
		case <-ctx.Done():
			return nil, &FetchError{URL: u, Status: status, Attempts: attempt, Err: ctx.Err()}
		case <-time.After(pause):
		}
	}
}

func fetchOnce(ctx context.Context, u string, o HTTPOptions) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("bad URL: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "handsoff")
	if o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+o.Token)
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			return nil, 0, retryable{fmt.Errorf("no answer within %s", o.Timeout)}
		}
		return nil, 0, retryable{err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, resp.StatusCode, retryable{fmt.Errorf("the service answered %s", resp.Status)}
	case resp.StatusCode == http.StatusNotFound:
		return nil, resp.StatusCode, fmt.Errorf("the service answered %s: is the repository registered with the configuration service, and spelled owner/name?", resp.Status)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		hint := "set " + TokenEnv + " to a valid token"
		if o.Token != "" {
			hint = "the token in " + TokenEnv + " was refused: is it expired, or for another service?"
		}
		return nil, resp.StatusCode, fmt.Errorf("the service answered %s: %s", resp.Status, hint)
	default:
		return nil, resp.StatusCode, fmt.Errorf("the service answered %s", resp.Status)
	}
	if resp.ContentLength > o.MaxBodyBytes {
		return nil, resp.StatusCode, fmt.Errorf("the document is %d bytes; the limit is %d", resp.ContentLength, o.MaxBodyBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, o.MaxBodyBytes+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, resp.StatusCode, retryable{fmt.Errorf("the body did not arrive within %s", o.Timeout)}
		}
		return nil, resp.StatusCode, retryable{fmt.Errorf("the body was cut short: %w", err)}
	}
	if int64(len(body)) > o.MaxBodyBytes {
		return nil, resp.StatusCode, fmt.Errorf("the document is larger than the limit of %d bytes", o.MaxBodyBytes)
	}
	return body, resp.StatusCode, nil
}
