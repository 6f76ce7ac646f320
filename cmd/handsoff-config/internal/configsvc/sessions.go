package configsvc

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"net/http"
	"time"
)

// Page sessions. Logging in with a token makes a session: a random ID in
// an HttpOnly, SameSite=Strict cookie, stored only as its SHA-256 with
// the token it stands for and when it ends. The token itself never
// reaches the browser's cookie jar. A session ends at SessionTTL, at
// logout, or when its token is revoked.

// SessionTTL is how long a page session lasts.
var SessionTTL = 12 * time.Hour

const sessionCookie = "handsoff_session"

// NewSession makes a session for a live token's secret and returns its ID.
func (s *Store) NewSession(ctx context.Context, secret string) (string, Token, error) {
	t, err := s.Authenticate(ctx, secret)
	if err != nil {
		return "", Token{}, err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	id := base64.RawURLEncoding.EncodeToString(raw)
	nowT := time.Now().UTC()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE expires_at < ?`), nowT.Format(eventTime)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO sessions (hash, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)`),
			hashToken(id), t.ID, nowT.Format(eventTime), nowT.Add(SessionTTL).Format(eventTime))
		return err
	})
	return id, t, err
}

// SessionToken is the live token of a session that has not ended.
func (s *Store) SessionToken(ctx context.Context, id string) (Token, error) {
	var t Token
	var expires string
	var revoked sql.NullString
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT t.id, t.role, t.repo, t.name, t.created_at, t.revoked_at, x.expires_at
		FROM sessions x JOIN tokens t ON t.id = x.token_id WHERE x.hash = ?`), hashToken(id)).
		Scan(&t.ID, &t.Role, &t.Repo, &t.Name, &t.CreatedAt, &revoked, &expires)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (revoked.Valid || expires < time.Now().UTC().Format(eventTime)) {
		return Token{}, ErrNotFound
	}
	return t, err
}

// EndSession removes a session.
func (s *Store) EndSession(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE hash = ?`), hashToken(id))
		return err
	})
}

// secure reports whether the page was reached over TLS: directly, or
// through a proxy the service was told to trust (TrustProxy), which says
// so in X-Forwarded-Proto.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || s.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https"
}

func (s *Server) sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/ui/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(r)}
}
