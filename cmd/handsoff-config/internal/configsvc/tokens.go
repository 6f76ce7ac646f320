package configsvc

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/handsoff-cdk/handsoff/stages"
)

// Roles a token may have.
const (
	RoleAdmin    = "admin"    // the platform team: everything
	RoleTeam     = "team"     // a service team: its service's test environments and status
	RolePipeline = "pipeline" // a pipeline: its document, and reporting its status
)

// Token is a token's record; the secret itself is never stored.
type Token struct {
	ID        string `json:"id"`
	Role      string `json:"role"`
	Repo      string `json:"repo,omitempty"` // team and pipeline tokens: their service
	Name      string `json:"name"`
	CreatedAt string `json:"createdAt"`
	RevokedAt string `json:"revokedAt,omitempty"`
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a token and returns its secret, shown once: only its
// SHA-256 is stored.
func (s *Store) CreateToken(ctx context.Context, actor Actor, role, repo, name string) (Token, string, error) {
	switch role {
	case RoleAdmin:
		if repo != "" {
			return Token{}, "", fmt.Errorf("an admin token is not for one service: drop the repository")
		}
	case RoleTeam, RolePipeline:
		if repo == "" {
			return Token{}, "", fmt.Errorf("a %s token is for one service: name its repository (owner/name)", role)
		}
		if err := stages.ValidRepo(repo); err != nil {
			return Token{}, "", fmt.Errorf("a %s token is for one service: %v", role, err)
		}
	default:
		return Token{}, "", fmt.Errorf("role %q is not one of admin, team, pipeline", role)
	}
	if problems := textProblem("name", name, 100); len(problems) > 0 || strings.TrimSpace(name) == "" {
		return Token{}, "", fmt.Errorf("a token's name says whose it is, on one line, at most 100 characters (%q)", name)
	}
	if repo != "" {
		// One repository, one name: a token for a case variant of a
		// registered one could never be used.
		var other string
		err := s.db.QueryRowContext(ctx, s.rebind(`SELECT repo FROM services WHERE LOWER(repo) = ? AND repo <> ?`), strings.ToLower(repo), repo).Scan(&other)
		if err == nil {
			return Token{}, "", fmt.Errorf("%s is %s in another case, which is registered: make the token for %s", repo, other, other)
		}
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := "hso_" + base64.RawURLEncoding.EncodeToString(raw)
	idRaw := make([]byte, 8)
	rand.Read(idRaw)
	t := Token{ID: hex.EncodeToString(idRaw), Role: role, Repo: repo, Name: name, CreatedAt: now()}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO tokens (id, hash, role, repo, name, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
			t.ID, hashToken(secret), t.Role, t.Repo, t.Name, t.CreatedAt); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "token.create", t.ID, nil, t)
	})
	return t, secret, err
}

// Authenticate finds the live token of a secret.
func (s *Store) Authenticate(ctx context.Context, secret string) (Token, error) {
	gen, err := s.generation(ctx)
	if err != nil {
		return Token{}, err
	}
	hash := hashToken(secret)
	if t, ok := cached(&s.cache, gen, tokensOf, hash); ok {
		return t, nil
	}
	// Requests with one token that miss together (every change empties
	// the cache) wait for one of them to read it.
	v, err := s.shared(ctx, fmt.Sprintf("token %s@%d", hash, gen), func(ctx context.Context) (any, error) {
		t, err := s.authenticate(ctx, hash)
		if err == nil {
			keep(&s.cache, gen, tokensOf, hash, t)
		}
		return t, err
	})
	t, _ := v.(Token)
	return t, err
}

func (s *Store) authenticate(ctx context.Context, hash string) (Token, error) {
	var t Token
	var revoked sql.NullString
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT id, role, repo, name, created_at, revoked_at FROM tokens WHERE hash = ?`), hash).
		Scan(&t.ID, &t.Role, &t.Repo, &t.Name, &t.CreatedAt, &revoked)
	if errors.Is(err, sql.ErrNoRows) || revoked.Valid {
		return Token{}, ErrNotFound
	}
	return t, err
}

// RevokeToken ends a token.
func (s *Store) RevokeToken(ctx context.Context, actor Actor, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), now(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.audit(ctx, tx, actor, "token.revoke", id, nil, nil)
	})
}

// Tokens lists every token, live and revoked.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, role, repo, name, created_at, revoked_at FROM tokens ORDER BY created_at`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var revoked sql.NullString
		if err := rows.Scan(&t.ID, &t.Role, &t.Repo, &t.Name, &t.CreatedAt, &revoked); err != nil {
			return nil, err
		}
		t.RevokedAt = revoked.String
		out = append(out, t)
	}
	return out, rows.Err()
}

// Seed fills an empty database with the example: its accounts and the
// acme/orders service. It does nothing when a service exists.
func (s *Store) Seed(ctx context.Context, doc []byte) error {
	repos, err := s.Repos(ctx)
	if err != nil || len(repos) > 0 {
		return err
	}
	cfg, err := parseDocument(doc)
	if err != nil {
		return err
	}
	// The pipeline's account is a pipeline account; those of the alpha and
	// beta environments test accounts open to the service's team; the
	// rest production.
	kinds := map[string]string{cfg.Pipeline.Account: KindPipeline}
	ids := []string{cfg.Pipeline.Account}
	for _, e := range environmentsOf(cfg) {
		if _, ok := kinds[e.Account]; !ok && slices.Contains(testStages, e.Stage) {
			kinds[e.Account] = KindTest
		}
		ids = append(ids, e.Account)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		a := Account{ID: id, Name: "account " + id, Kind: cmp.Or(kinds[id], KindProduction)}
		if a.Kind == KindTest {
			a.Teams = []string{cfg.Service.Owner}
		}
		if _, err := s.PutAccount(ctx, "seed", a, Cond{}); err != nil {
			return err
		}
	}
	_, err = s.PutService(ctx, "seed", cfg.Service.Repo, cfg, Cond{})
	return err
}
