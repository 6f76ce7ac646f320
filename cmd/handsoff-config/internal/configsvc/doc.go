// Package configsvc is the configuration service: where every service
// deploys, who may change it, and how its pipelines are doing.
//
// # The model
//
// Accounts (12-digit IDs with names), services (a repository's own part of
// its handsoff/v1 document: service, pipeline, checks, stages with their
// environments, and the service's own freeze windows and blackouts), and
// platform-wide freeze windows and blackouts. The v1 document of a
// repository is a projection of the model: the service's part, plus every
// platform window and blackout that names one of its stages, rendered by
// [Store.Document] exactly as GET /v1/services/{owner}/{repo} serves it.
//
// Every change is checked before it is committed: inside the transaction
// that makes it, every document it affects (one service, or every service
// for a platform window or an account) is projected again and run through
// stages.Parse, the library's own validation; an environment must name a
// registered account. A change that would make any document invalid is
// refused with the library's problems (codes and paths), and changes
// nothing.
//
// # Storage
//
// SQLite by default (modernc.org/sqlite, pure Go: the binary needs no C
// toolchain), in WAL mode with synchronous FULL, so that an acknowledged
// write survives a crash; PostgreSQL through a DSN (pgx) for a platform that
// runs several instances. Versioned schema migrations are applied at start.
//
// # Concurrent changes
//
// No acknowledged change is lost, and what the service answers is what
// some one-at-a-time order of the requests would answer (linearizable,
// checked with porcupine in TestLinearizable, with the service killed and
// started again in the middle). Every change is a read-validate-write in
// one transaction, and those transactions are serializable: one at a time
// in an instance; on SQLite, BEGIN IMMEDIATE (the write lock before the
// first read); on PostgreSQL, SERIALIZABLE with a bounded retry on
// serialization failures, chosen over row locks because the validation
// reads every document a change touches (a platform window or an
// account, all of them), and a row lock that a new validation rule forgot
// would lose updates silently, where SERIALIZABLE fails safe. A change
// that cannot get its turn within a few seconds is answered 503 with
// Retry-After and changes nothing. See Store.tx.
//
// Reads are served from a cache while the database's generation (a count
// of changes, one row) is unchanged; every request reads it, so a change
// acknowledged by any instance counts from the next request to every
// instance. TestLinearizable runs two instances on one database.
//
// # Who may do what
//
// Tokens carry a role: admin (everything), team (read its own service,
// add and remove its own test environments, read its status), pipeline
// (read its service's document, report its status). They are random,
// shown once when created, and stored as SHA-256 hashes. Every change is
// written to the audit log (who, when, what, before, after) in the
// transaction that makes it. TestAccessTable walks every endpoint with
// every role.
//
// Inside the door a team meets a fence: accounts have a kind (pipeline,
// test, production) and a test account the teams (service owners) it is
// open to; a team adds test environments only there, and removes only
// those it added itself (team_environments), never the platform's.
//
// # Versions
//
// Everything a client may change has a strong entity tag, a hash of its
// stored form; every write answers with the new one and honours If-Match
// and If-None-Match inside its transaction (etag.go). The pages carry the
// version they showed in every form, and never save over a change they
// did not show.
//
// # Pages
//
// Server-rendered HTML without JavaScript (pages.go, view.go, ui/). A
// login makes a server-side session (sessions.go); the cookie never holds
// the token.
//
// # Pipeline status
//
// Reports are ordered by the event's own time and by execution, bounded,
// and pruned (status.go).
package configsvc
