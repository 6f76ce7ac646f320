package stages

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/handsoff-cdk/handsoff/internal/atomicfile"
)

// Names of the variables and files that choose a document.
const (
	// ConfigEnv holds a path to a document, or the http(s) base URL of the
	// configuration service.
	ConfigEnv = "HANDSOFF_CONFIG"
	// RefreshEnv, set to 1 or true, fetches a new document from the
	// configuration service even when a lock file pins one.
	RefreshEnv = "HANDSOFF_CONFIG_REFRESH"
	// LocalFile is the document read from the working directory.
	LocalFile = "handsoff.json"
	// LockFile pins the document fetched from the service, next to cdk.json.
	LockFile = "handsoff.lock.json"
)

//go:embed example/acme-orders.json
var exampleDocument []byte

// ExampleDocument returns the embedded example document (repository
// acme/orders), the same as the platform's v1 example.
func ExampleDocument() []byte { return bytes.Clone(exampleDocument) }

// ExampleRepo is the repository the embedded example document describes.
const ExampleRepo = "acme/orders"

// LoadOptions choose where a document comes from. Only Repo is required.
//
// The first of these that is set wins: Document, Path, URL (explicit, in
// code); then HANDSOFF_CONFIG (a path, or an http(s) URL of the service);
// then the lock file (handsoff.lock.json next to cdk.json), whenever it
// exists, so that the pipeline's own build, which has no HANDSOFF_CONFIG,
// reads the pinned document; then handsoff.json in Dir; then the embedded
// example, which describes acme/orders only. Config.Origin says which won.
type LoadOptions struct {
	// Repo is the service's repository as owner/name. The document must
	// describe the same repository.
	Repo string
	// Document is the document itself. Default: none.
	Document []byte
	// Path is a document file. Relative paths are from Dir. Default: none.
	Path string
	// URL is the base URL of the configuration service; the document is at
	// {URL}/v1/services/{owner}/{repo}. Default: none.
	URL string
	// Refresh fetches from the service even when the lock file pins a
	// document. Default: false, or true when HANDSOFF_CONFIG_REFRESH is 1.
	Refresh bool
	// NoPin reads a document fetched from the service without pinning it
	// in the lock file (handsoff validate: validating is not pinning).
	// Default: false.
	NoPin bool
	// LockDir is where the lock file lives. Default: the nearest directory at
	// or above Dir that holds cdk.json, else Dir.
	LockDir string
	// Dir is the working directory. Default: the process's.
	Dir string
	// Capacity sizes the planned waves. Default: a service of one stack.
	Capacity Capacity
	// HTTP tunes the service client. Default: see HTTPOptions.
	HTTP HTTPOptions
	// Getenv reads the environment. Default: os.Getenv.
	Getenv func(string) string
	// Context bounds fetching. Default: context.Background().
	Context context.Context
}

// Load finds, reads and validates the document for opts.Repo.
func Load(opts LoadOptions) (*Config, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	if opts.Dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("handsoff: %w", err)
		}
		opts.Dir = wd
	}
	if err := ValidRepo(opts.Repo); err != nil {
		return nil, fmt.Errorf("%w (LoadOptions.Repo)", err)
	}
	if v := strings.ToLower(opts.Getenv(RefreshEnv)); v == "1" || v == "true" {
		opts.Refresh = true
	}
	data, origin, err := opts.read()
	if err != nil {
		return nil, err
	}
	cfg, err := ParseWith(data, origin, opts.Capacity)
	if err != nil {
		return nil, err
	}
	if cfg.Service.Repo != opts.Repo {
		hint := ""
		if origin == exampleOrigin {
			hint = fmt.Sprintf("; no document for %s was found: set %s to a file or the configuration service URL, or put %s in %s", opts.Repo, ConfigEnv, LocalFile, opts.Dir)
		}
		return nil, fmt.Errorf("handsoff: configuration %s describes %s, not %s%s", origin, cfg.Service.Repo, opts.Repo, hint)
	}
	return cfg, nil
}

const exampleOrigin = "embedded example (acme/orders)"

func (o LoadOptions) read() ([]byte, string, error) {
	switch {
	case o.Document != nil:
		return o.Document, "given in code", nil
	case o.Path != "":
		return o.readFile(o.Path)
	case o.URL != "":
		return o.readService(o.URL)
	}
	if v := strings.TrimSpace(o.Getenv(ConfigEnv)); v != "" {
		if l := strings.ToLower(strings.TrimSpace(v)); strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
			return o.readService(v)
		}
		return o.readFile(v)
	}
	// A committed lock file pins the document wherever the app runs, above
	// all in the pipeline's own build, where no HANDSOFF_CONFIG is set.
	if data, origin, err := o.readLock(); err == nil {
		return data, origin, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", err
	}
	local := filepath.Join(o.Dir, LocalFile)
	if _, err := os.Stat(local); err == nil {
		return o.readFile(local)
	}
	return ExampleDocument(), exampleOrigin, nil
}

func (o LoadOptions) readFile(path string) ([]byte, string, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(o.Dir, path)
	}
	data, err := readLimited(path, MaxDocumentBytes)
	if err != nil {
		// A path can be a URL given by mistake: never print its secrets.
		return nil, "", errors.New(redactText(fmt.Sprintf("handsoff: cannot read configuration: %v", err)))
	}
	return data, path, nil
}

// pipeWait is how long a FIFO or pipe named as a document or lock file may
// take to deliver it, all of it, before the read gives up.
var pipeWait = 10 * time.Second

// ReadFile reads a document file as Load does: at most MaxDocumentBytes,
// through the read itself, never waiting on a FIFO or a device (see
// readLimited). Tools that take a document's path use it, so that
// /dev/zero or a FIFO is an error, not a hang or an out-of-memory crash.
func ReadFile(path string) ([]byte, error) { return readLimited(path, MaxDocumentBytes) }

// readLimited reads at most limit bytes of a file, through the read itself
// rather than its reported size, which a FIFO or a device does not have.
// Nothing can make it wait: it opens without blocking (a FIFO with no
// writer would block the open itself), reads a FIFO or pipe under a
// deadline of pipeWait (no writer, or a writer that stalls, ends in an
// error), and refuses anything else that is not a regular file (a
// terminal, a socket, a device), which could wait forever.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch mode := st.Mode(); {
	case mode.IsDir():
		return nil, fmt.Errorf("%s is a directory", path)
	case mode.IsRegular():
		// Some "regular" files can be waited on (/proc/kmsg): bounded
		// too. A plain file cannot take a deadline, and never waits.
		_ = f.SetReadDeadline(time.Now().Add(pipeWait))
	case mode&os.ModeNamedPipe != 0:
		if err := f.SetReadDeadline(time.Now().Add(pipeWait)); err != nil {
			return nil, fmt.Errorf("%s is a pipe that cannot be read with a time limit: %v", path, err)
		}
	default:
		return nil, fmt.Errorf("%s is not a regular file or a pipe (%s): name the file that holds the document", path, mode.Type())
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if st.Mode()&os.ModeNamedPipe != 0 {
		// Opened without blocking, a FIFO whose writer has not opened it
		// yet reads as empty: wait for one, up to the deadline.
		for deadline := time.Now().Add(pipeWait); err == nil && len(data) == 0; {
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("%s is a pipe with no writer: nothing was written to it in %s", path, pipeWait)
			}
			time.Sleep(20 * time.Millisecond)
			data, err = io.ReadAll(io.LimitReader(f, limit+1))
		}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) && st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s delivered %d bytes and then nothing more for %s: it is not a file that holds a document", path, len(data), pipeWait)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) && len(data) == 0 {
		return nil, fmt.Errorf("%s is a pipe with no writer: nothing was written to it in %s", path, pipeWait)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, fmt.Errorf("%s is a pipe that delivered %d bytes and then nothing more for %s: is its writer stuck?", path, len(data), pipeWait)
	}
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than the limit of %d bytes", path, limit)
	}
	return data, nil
}

// maxLockBytes bounds a lock file: a document and a few lines about it.
const maxLockBytes = MaxDocumentBytes + 64<<10

// Lock is the content of the lock file: the document last fetched from the
// configuration service for a repository, pinned so that synthesis is
// deterministic and works offline. Commit it next to cdk.json, the way CDK
// pins context lookups in cdk.context.json.
type Lock struct {
	Version   int             `json:"version"`
	Repo      string          `json:"repo"`
	URL       string          `json:"url"`
	FetchedAt time.Time       `json:"fetchedAt"`
	SHA256    string          `json:"sha256"`
	Document  json.RawMessage `json:"document"`
}

func (o LoadOptions) lockPath() string {
	if o.LockDir != "" {
		return filepath.Join(o.LockDir, LockFile)
	}
	for dir := o.Dir; ; {
		if _, err := os.Stat(filepath.Join(dir, "cdk.json")); err == nil {
			return filepath.Join(dir, LockFile)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return filepath.Join(o.Dir, LockFile)
		}
		dir = parent
	}
}

// readLock reads the lock file when no source was named. With Refresh set,
// the document is fetched again from the URL the lock records.
func (o LoadOptions) readLock() ([]byte, string, error) {
	path := o.lockPath()
	lock, err := ReadLock(path)
	if err != nil {
		return nil, "", err
	}
	if lock.Repo != o.Repo {
		return nil, "", fmt.Errorf("handsoff: %s pins the document of %s, but this app is %s: delete the lock file, or set %s to the configuration service and %s=1 to pin this repository's document",
			path, lock.Repo, o.Repo, ConfigEnv, RefreshEnv)
	}
	if o.Refresh {
		// The lock is committed, so a pull request can change its url:
		// the token goes only to a service the environment or the code
		// names, never to one the lock names.
		return nil, "", fmt.Errorf("handsoff: %s asks to fetch the document again, but no configuration service is named: set %s to its URL (the lock's url is not used: the lock is committed, and a change to it must not decide where the token goes)",
			RefreshEnv, ConfigEnv)
	}
	return lock.Document, pinnedOrigin(lock, path), nil
}

func pinnedOrigin(lock *Lock, path string) string {
	return fmt.Sprintf("%s (pinned by %s, fetched %s)", redact(lock.URL), path, lock.FetchedAt.Format(time.RFC3339))
}

func (o LoadOptions) readService(base string) ([]byte, string, error) {
	u, err := ServiceURL(base, o.Repo)
	if err != nil {
		return nil, "", err
	}
	path := o.lockPath()
	if !o.Refresh {
		lock, err := ReadLock(path)
		switch {
		case err == nil && lock.Repo == o.Repo && lock.URL == u:
			return lock.Document, pinnedOrigin(lock, path), nil
		case err == nil:
			return nil, "", fmt.Errorf("handsoff: %s pins %s from %s, but this app asks for %s from %s: set %s=1 once to fetch and pin the new document",
				path, lock.Repo, redact(lock.URL), o.Repo, u, RefreshEnv)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, "", err
		}
	}
	data, err := fetch(o.Context, base, o.Repo, o.HTTP.withDefaults(o.Getenv))
	if err != nil {
		return nil, "", err
	}
	// Never pin a document that does not validate, nor one of another
	// repository: every later run would read it.
	cfg, err := ParseWith(data, u, o.Capacity)
	if err != nil {
		return nil, "", err
	}
	if cfg.Service.Repo != o.Repo {
		return nil, "", fmt.Errorf("handsoff: %s serves the document of %s, not %s: nothing was pinned; check the configuration service URL and the repository", u, cfg.Service.Repo, o.Repo)
	}
	if o.NoPin {
		return data, fmt.Sprintf("%s (fetched, not pinned)", u), nil
	}
	if err := WriteLock(path, Lock{Repo: o.Repo, URL: u, FetchedAt: time.Now().UTC(), Document: data}); err != nil {
		return nil, "", err
	}
	return data, fmt.Sprintf("%s (fetched, pinned in %s)", u, path), nil
}

// ReadLock reads and verifies a lock file.
func ReadLock(path string) (*Lock, error) {
	data, err := readLimited(path, maxLockBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("handsoff: lock file %s: %w", path, err)
	}
	return parseLock(data, path)
}

// parseLock reads and verifies the bytes of a lock file.
func parseLock(data []byte, path string) (*Lock, error) {
	// Read by the document's own rules: no key twice (a second
	// "document" could hide behind the first's digest), no key in
	// another case, nothing unknown.
	var wire lockWire
	if err := DecodeStrict(data, "lock file "+path, &wire); err != nil {
		return nil, fmt.Errorf("%w\nhandsoff: the lock file is damaged: delete it, or set %s to the configuration service and %s=1 to fetch again", err, ConfigEnv, RefreshEnv)
	}
	at, err := time.Parse(time.RFC3339Nano, wire.FetchedAt)
	if err != nil {
		return nil, fmt.Errorf("handsoff: lock file %s: fetchedAt %q is not a time (RFC 3339): delete it, or set %s to the configuration service and %s=1 to fetch again", path, wire.FetchedAt, ConfigEnv, RefreshEnv)
	}
	// The url is only shown, never fetched; what is shown is a URL, on
	// one line, without credentials.
	if u, err := url.Parse(wire.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.ContainsFunc(wire.URL, unicode.IsControl) || credentialsIn(wire.URL) != "" {
		return nil, fmt.Errorf("handsoff: lock file %s: its url %s is not an http(s) URL without credentials: delete the lock, or set %s to the configuration service and %s=1 to fetch again",
			path, strconv.Quote(redact(wire.URL)), ConfigEnv, RefreshEnv)
	}
	if err := ValidRepo(wire.Repo); err != nil {
		return nil, fmt.Errorf("handsoff: lock file %s: %w", path, err)
	}
	lock := Lock{Version: wire.Version, Repo: wire.Repo, URL: wire.URL, FetchedAt: at, SHA256: wire.SHA256, Document: wire.Document}
	var want string
	switch lock.Version {
	case 1:
		// Version 1 hashed the document alone; its url is only shown.
		want = digest(lock.Document)
	case lockVersion:
		want = lock.digest()
	default:
		return nil, fmt.Errorf("handsoff: lock file %s has version %d; this library reads versions 1 and %d", path, lock.Version, lockVersion)
	}
	if want != lock.SHA256 {
		return nil, fmt.Errorf("handsoff: lock file %s was edited by hand (sha256 %s, recorded %s): set %s to the configuration service and %s=1 to fetch the document again", path, want, lock.SHA256, ConfigEnv, RefreshEnv)
	}
	return &lock, nil
}

// lockVersion is the version WriteLock writes: its digest covers every
// field the lock asserts, not the document alone (version 1).
const lockVersion = 2

// lockWire is a lock file as written: the time as text, read strictly.
type lockWire struct {
	Version   int             `json:"version"`
	Repo      string          `json:"repo"`
	URL       string          `json:"url"`
	FetchedAt string          `json:"fetchedAt"`
	SHA256    string          `json:"sha256"`
	Document  json.RawMessage `json:"document"`
}

// digest is a version 2 lock's: the SHA-256 of its version, repository,
// URL and time, each on a line, then its compact document.
func (l Lock) digest() string {
	return digestAfter(fmt.Sprintf("handsoff.lock/v%d\n%s\n%s\n%s\n", lockVersion, l.Repo, l.URL, l.FetchedAt.UTC().Format(time.RFC3339Nano)), l.Document)
}

// WriteLock writes a lock file atomically; the digest is computed here.
func WriteLock(path string, lock Lock) error {
	data, err := lockBytes(lock)
	if err != nil {
		return err
	}
	// 0600, as os.CreateTemp has always left it.
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("handsoff: cannot write lock file: %w", err)
	}
	return nil
}

// lockBytes is what WriteLock writes.
func lockBytes(lock Lock) ([]byte, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, lock.Document); err != nil {
		return nil, fmt.Errorf("handsoff: cannot pin a document that is not JSON: %w", err)
	}
	lock.Version = lockVersion
	lock.Document = compact.Bytes()
	lock.URL = redact(lock.URL)
	lock.FetchedAt = lock.FetchedAt.UTC()
	lock.SHA256 = lock.digest()
	// The encoder must not escape <, > and & (nor U+2028, U+2029) inside
	// the document: the digest covers the document as written, and
	// ReadLock hashes the bytes it reads back.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(lock); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// digest hashes the compact form of a JSON document, so that indentation
// added by MarshalIndent does not change it.
func digest(doc []byte) string { return digestAfter("", doc) }

// digestAfter hashes head, then the compact form of doc.
func digestAfter(head string, doc []byte) string {
	compact := bytes.NewBufferString(head)
	if err := json.Compact(compact, doc); err != nil {
		compact.Truncate(len(head))
		compact.Write(doc)
	}
	sum := sha256.Sum256(compact.Bytes())
	return hex.EncodeToString(sum[:])
}
