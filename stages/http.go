package stages

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
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
// service at base: {base}/v1/services/{owner}/{repo}, with base's query
// kept. A base that already ends in that path is returned as it is. It
// returns an error for a base that is not an absolute http(s) URL, holds
// credentials, or a repo that is not owner/name as GitHub spells them.
func ServiceURL(base, repo string) (string, error) {
	u, err := parseBase(base)
	if err != nil {
		return "", err
	}
	if err := ValidRepo(repo); err != nil {
		return "", err
	}
	owner, name, _ := strings.Cut(repo, "/")
	suffix := "/v1/services/" + owner + "/" + name
	p := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(p, suffix) {
		p += suffix
	}
	u.Path, u.RawPath = p, ""
	return u.String(), nil
}

// parseBase reads a configuration service base URL.
func parseBase(base string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("handsoff: the configuration service URL %q is not an absolute http(s) URL such as https://config.example.com", redact(base))
	}
	if what := credentialsIn(strings.TrimSpace(base)); what != "" {
		return nil, fmt.Errorf("handsoff: the configuration service URL %s holds credentials (%s): remove them, and put the token in %s", redact(base), what, TokenEnv)
	}
	u.Fragment = ""
	return u, nil
}

// reSecretName is a query parameter (or fragment parameter) whose name
// says it carries a credential: access_token, api_key, X-Amz-Signature,
// X-Amz-Credential, X-Amz-Security-Token, password, sig, auth, ...
var reSecretName = regexp.MustCompile(`(?i)token|key|secret|sig|passw|pwd|auth|credential|session|bearer`)

// credentialsIn names what of a URL carries a credential: its userinfo
// (user:password@), or the parameters of its query, fragment or path
// (;name=value) whose names, percent-decoded, say so; "" when none does. A
// URL that does not parse, or has no "//", is taken to hold one when it
// has any place one could hide in (fail closed).
func credentialsIn(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Scheme != "" && u.Host == "" {
		// Not a URL with a host after "//" (https:/u:p@h, https:///u:p@h,
		// https:user:p@h, a bad escape): readers differ on where its
		// userinfo and parameters are, so any place one could be counts.
		if strings.ContainsAny(raw, "@?#;") {
			return "a place for credentials, in what is not a URL with a host after //"
		}
		return ""
	}
	var what []string
	if u.User != nil {
		what = append(what, "user:password@")
	}
	params := []string{u.RawQuery, u.EscapedFragment()}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if _, p, ok := strings.Cut(seg, ";"); ok {
			params = append(params, p)
		}
	}
	for _, part := range params {
		for _, kv := range strings.FieldsFunc(part, func(r rune) bool { return r == '&' || r == ';' }) {
			if name, _, _ := strings.Cut(kv, "="); secretName(name) {
				what = append(what, "the parameter "+strconv.Quote(unescaped(name)))
			}
		}
	}
	return strings.Join(what, ", ")
}

// secretName reports whether a parameter name, percent-decoded, says it
// carries a credential; a name that does not decode might (fail closed).
func secretName(name string) bool {
	n, err := url.QueryUnescape(name)
	return err != nil || reSecretName.MatchString(n)
}

func unescaped(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// redact hides the credentials of a URL that is printed: its userinfo
// and the values of the parameters credentialsIn names. Of a URL that does
// not parse (or has no "//"), only the scheme and host are kept.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Scheme != "" && u.Host == "" {
		// Fail closed: keep what is surely not a credential, the scheme
		// and the host after the last "@" (a password may hold / # ?).
		scheme, rest, ok := strings.Cut(raw, "://")
		if !ok {
			if s, _, ok := strings.Cut(raw, ":"); ok && !strings.ContainsAny(s, "/?#@") {
				return s + ":xxxxx"
			}
			return "xxxxx"
		}
		hidden := ""
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			rest, hidden = rest[at+1:], "xxxxx@"
		}
		host, tail := rest, ""
		if end := strings.IndexAny(rest, "/?#;"); end >= 0 {
			host, tail = rest[:end], rest[end:]
		}
		if i := strings.IndexAny(tail, "?#;"); i >= 0 {
			tail = tail[:i] + "…xxxxx"
		}
		return scheme + "://" + hidden + host + tail
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	hide := func(part, sep string) string {
		kvs := strings.FieldsFunc(part, func(r rune) bool { return r == '&' || r == ';' })
		for i, kv := range kvs {
			if name, _, has := strings.Cut(kv, "="); secretName(name) {
				if has {
					kvs[i] = name + "=xxxxx"
				} else {
					kvs[i] = "xxxxx"
				}
			}
		}
		return strings.Join(kvs, sep)
	}
	u.RawQuery = hide(u.RawQuery, "&")
	if f := u.EscapedFragment(); f != "" && hide(f, "&") != f {
		u.RawFragment, u.Fragment = "", "xxxxx"
	}
	segs := strings.Split(u.EscapedPath(), "/")
	changed := false
	for i, seg := range segs {
		if head, p, ok := strings.Cut(seg, ";"); ok {
			if h := hide(p, ";"); h != p {
				segs[i], changed = head+";"+h, true
			}
		}
	}
	if changed {
		if p, err := url.PathUnescape(strings.Join(segs, "/")); err == nil {
			u.Path, u.RawPath = p, strings.Join(segs, "/")
		}
	}
	return u.String()
}

// RedactText is s with the credentials of every URL in it hidden, for
// text that is printed or written (an origin, an error): anything of the
// form scheme:… that holds an "@", "?", "#" or ";", or scheme://….
func RedactText(s string) string { return redactText(s) }

func redactText(s string) string {
	return reURLInText.ReplaceAllStringFunc(s, redact)
}

var reURLInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*:/*[^\s"]*[@?#;][^\s"]*|[A-Za-z][A-Za-z0-9+.-]*://[^\s"]+`)

// Repository names as GitHub allows them: an owner of 1 to 39 letters,
// digits and single hyphens, not at either end; a name of 1 to 100 letters,
// digits, '.', '-' and '_', other than "." and "..".
var (
	reOwner    = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}$`)
	reRepoName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// ValidRepo reports whether repo is owner/name as GitHub spells them.
func ValidRepo(repo string) error {
	owner, name, ok := strings.Cut(repo, "/")
	switch {
	case !ok || strings.Contains(name, "/"):
		return fmt.Errorf("handsoff: repository %q is not owner/name, such as \"acme/orders\"", repo)
	case !reOwner.MatchString(owner):
		return fmt.Errorf("handsoff: repository %q: the owner %q must be 1 to 39 letters, digits or single hyphens, not starting or ending with one", repo, owner)
	case !reRepoName.MatchString(name) || name == "." || name == "..":
		return fmt.Errorf("handsoff: repository %q: the name %q must be 1 to 100 letters, digits, '.', '-' or '_', and not \".\" or \"..\"", repo, name)
	}
	return nil
}

// FetchError is a failure to get a document from the configuration service.
type FetchError struct {
	URL      string
	Status   int // 0 when no answer came
	Attempts int
	Err      error
}

func (e *FetchError) Error() string {
	msg := fmt.Sprintf("handsoff: cannot fetch configuration from %s", redact(e.URL))
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", e.Attempts)
	}
	return msg + ": " + redactText(e.Err.Error())
}

func (e *FetchError) Unwrap() error { return e.Err }

type retryable struct{ error }

// Fetch gets repo's document from the configuration service at base, with
// bounded retries and back-off on transient failures. A 4xx answer and a
// permanent failure (a certificate, an unknown host, a refused redirect)
// fail at once with a message that says what to check.
//
// The token goes only to base's own origin: a redirect to another scheme,
// host or port is refused while a token is set, a redirect from https to
// http always, and with a token a plain http base is refused unless it is on
// this machine (loopback).
func Fetch(ctx context.Context, base, repo string, opts HTTPOptions) ([]byte, error) {
	return fetch(ctx, base, repo, opts.withDefaults(os.Getenv))
}

// maxRetryAfter bounds how long a Retry-After answer may make Fetch wait.
const maxRetryAfter = 2 * time.Minute

func fetch(ctx context.Context, base, repo string, o HTTPOptions) ([]byte, error) {
	u, err := ServiceURL(base, repo)
	if err != nil {
		return nil, err
	}
	target, _ := url.Parse(u)
	if err := checkToken(o.Token, target); err != nil {
		return nil, &FetchError{URL: u, Err: err}
	}
	client := guardRedirects(o.Client, target, o.Token != "")
	var last error
	status := 0
	for attempt := 1; ; attempt++ {
		body, st, wait, err := fetchOnce(ctx, client, u, o)
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
		if wait > 0 {
			pause = min(wait, maxRetryAfter)
		}
		select {
		case <-ctx.Done():
			return nil, &FetchError{URL: u, Status: status, Attempts: attempt, Err: ctx.Err()}
		case <-time.After(pause):
		}
	}
}

// checkToken refuses a token that no HTTP header can carry, and a token
// sent in the clear to another machine.
func checkToken(token string, target *url.URL) error {
	if token == "" {
		return nil
	}
	for _, c := range token {
		if c < 0x21 || c > 0x7e {
			return fmt.Errorf("%s holds a character a bearer token cannot have (%q): copy the token again, without spaces or line breaks", TokenEnv, c)
		}
	}
	if target.Scheme == "http" && !loopback(target.Hostname()) {
		return fmt.Errorf("refusing to send %s over plain http to %s: use https (plain http is allowed only to this machine)", TokenEnv, target.Host)
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// errRedirect marks a redirect handsoff refused; it is never retried.
type errRedirect struct{ msg string }

func (e *errRedirect) Error() string { return e.msg }

// guardRedirects is client with a redirect policy that keeps the token at
// its origin: no redirect from https to http, and with a token none to
// another origin. Go's own client keeps the Authorization header on a
// redirect to another port of the same host.
func guardRedirects(c *http.Client, target *url.URL, token bool) *http.Client {
	copy := *c
	inner := c.CheckRedirect
	copy.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return &errRedirect{fmt.Sprintf("redirected %d times (a redirect loop?); last to %s", len(via), redact(req.URL.String()))}
		}
		if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
			return &errRedirect{"refusing a redirect from https to " + redact(req.URL.String()) + ": the document must come over https"}
		}
		if token && (req.URL.Scheme != target.Scheme || req.URL.Host != target.Host) {
			return &errRedirect{fmt.Sprintf("refusing a redirect to %s: %s is sent only to %s://%s; set the configuration service URL to where the document is", redact(req.URL.String()), TokenEnv, target.Scheme, target.Host)}
		}
		if inner != nil {
			return inner(req, via)
		}
		return nil
	}
	return &copy
}

// permanent reports whether a transport error will not go away by trying
// again: a certificate, an unknown host, a refused redirect.
func permanent(err error) bool {
	var red *errRedirect
	var cert *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var dns *net.DNSError
	switch {
	case errors.As(err, &red), errors.As(err, &cert), errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid):
		return true
	case errors.As(err, &dns):
		return dns.IsNotFound
	}
	return false
}

func fetchOnce(ctx context.Context, client *http.Client, u string, o HTTPOptions) ([]byte, int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("bad URL: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "handsoff")
	if o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+o.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ne net.Error
		switch {
		case permanent(err):
			var red *errRedirect
			if errors.As(err, &red) {
				return nil, 0, 0, red
			}
			return nil, 0, 0, err
		case errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded):
			return nil, 0, 0, retryable{fmt.Errorf("no answer within %s", o.Timeout)}
		}
		return nil, 0, 0, retryable{err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, resp.StatusCode, retryAfter(resp.Header.Get("Retry-After")), retryable{fmt.Errorf("the service answered %s", resp.Status)}
	case resp.StatusCode == http.StatusNotFound:
		return nil, resp.StatusCode, 0, fmt.Errorf("the service answered %s: is the repository registered with the configuration service, and spelled owner/name?", resp.Status)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		hint := "set " + TokenEnv + " to a valid token"
		if o.Token != "" {
			hint = "the token in " + TokenEnv + " was refused: is it expired, or for another service?"
		}
		return nil, resp.StatusCode, 0, fmt.Errorf("the service answered %s: %s", resp.Status, hint)
	default:
		return nil, resp.StatusCode, 0, fmt.Errorf("the service answered %s", resp.Status)
	}
	if resp.ContentLength > o.MaxBodyBytes {
		return nil, resp.StatusCode, 0, fmt.Errorf("the document is %d bytes; the limit is %d", resp.ContentLength, o.MaxBodyBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, o.MaxBodyBytes+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, resp.StatusCode, 0, retryable{fmt.Errorf("the body did not arrive within %s", o.Timeout)}
		}
		return nil, resp.StatusCode, 0, retryable{fmt.Errorf("the body was cut short: %w", err)}
	}
	if int64(len(body)) > o.MaxBodyBytes {
		return nil, resp.StatusCode, 0, fmt.Errorf("the document is larger than the limit of %d bytes", o.MaxBodyBytes)
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(strings.ToLower(ct), "text/html") {
		return nil, resp.StatusCode, 0, fmt.Errorf("the service answered 200 with an HTML page (%s), not a JSON document: a login page, a proxy, or the wrong URL?", ct)
	}
	return body, resp.StatusCode, 0, nil
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
// https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
func retryAfter(h string) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// NewRequest makes a request to the configuration service at base for path
// (below the base, such as "/v1/locations?service=orders"), under Fetch's
// rules for the token: none in the URL, only over https or to this machine,
// and a client whose redirects keep it at base's origin. The token is
// opts.Token (the caller reads HANDSOFF_CONFIG_TOKEN); each attempt is
// bounded by opts.Timeout (default 10s). NewRequest does not retry: the
// requests it is for change things.
func NewRequest(ctx context.Context, method, base, path string, body io.Reader, opts HTTPOptions) (*http.Request, *http.Client, error) {
	o := opts.withDefaults(nil)
	u, err := parseBase(base)
	if err != nil {
		return nil, nil, err
	}
	target, err := url.Parse(strings.TrimRight(u.String(), "/") + path)
	if err != nil {
		return nil, nil, fmt.Errorf("handsoff: %q is not a path of the configuration service: %v", path, err)
	}
	if err := checkToken(o.Token, target); err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+o.Token)
	}
	client := guardRedirects(o.Client, target, o.Token != "")
	client.Timeout = o.Timeout
	return req, client, nil
}

// RedactURL is raw with its credentials hidden (user:password@, and the
// values of query, fragment and path parameters whose names say token,
// key, secret, signature, password, auth, credential or session), for a
// URL that is printed. A URL that does not parse loses everything after
// its host.
func RedactURL(raw string) string { return redact(raw) }
