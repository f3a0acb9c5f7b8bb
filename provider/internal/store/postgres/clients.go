package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
)

// UpsertClient creates the client, or replaces every field of the client with
// the same ID.
func (s *Store) UpsertClient(ctx context.Context, c store.Client) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO clients (id, name, type, secret_hash, redirect_uris, grant_types, scopes, default_scope,
			require_pushed_authorization_requests, dpop_bound_access_tokens)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name,
			type = excluded.type,
			secret_hash = excluded.secret_hash,
			redirect_uris = excluded.redirect_uris,
			grant_types = excluded.grant_types,
			scopes = excluded.scopes,
			default_scope = excluded.default_scope,
			require_pushed_authorization_requests = excluded.require_pushed_authorization_requests,
			dpop_bound_access_tokens = excluded.dpop_bound_access_tokens`,
		c.ID, c.Name, string(c.Type), c.SecretHash,
		list(c.RedirectURIs), list(c.GrantTypes), list(c.Scopes), c.DefaultScope,
		c.RequirePushedAuthorizationRequests, c.DPoPBoundAccessTokens)
	if err != nil {
		return fmt.Errorf("postgres: upsert client %q: %w", c.ID, err)
	}
	return nil
}

// GetClient returns the client with the given ID, or store.ErrNotFound. It
// runs on every authenticated request.
func (s *Store) GetClient(ctx context.Context, id string) (store.Client, error) {
	var c store.Client
	var clientType string
	err := s.pool.QueryRow(ctx, `
		SELECT id, name, type, secret_hash, redirect_uris, grant_types, scopes, default_scope,
			require_pushed_authorization_requests, dpop_bound_access_tokens
		FROM clients WHERE id = $1`, id).
		Scan(&c.ID, &c.Name, &clientType, &c.SecretHash, &c.RedirectURIs, &c.GrantTypes, &c.Scopes, &c.DefaultScope,
			&c.RequirePushedAuthorizationRequests, &c.DPoPBoundAccessTokens)
	if err != nil {
		return store.Client{}, getErr("get client", err)
	}
	c.Type = store.ClientType(clientType)
	c.RedirectURIs, c.GrantTypes, c.Scopes = fromList(c.RedirectURIs), fromList(c.GrantTypes), fromList(c.Scopes)
	return c, nil
}

// UpsertUser creates the user, or replaces every field of the user with the
// same ID. A username that another user has is store.ErrDuplicate.
func (s *Store) UpsertUser(ctx context.Context, u store.User) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO users (id, username, password_hash, name, email)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET
			username = excluded.username,
			password_hash = excluded.password_hash,
			name = excluded.name,
			email = excluded.email`,
		u.ID, u.Username, u.PasswordHash, u.Name, u.Email)
	return insertErr("upsert user", err)
}

// userColumns are the columns scanUser reads, in its order.
const userColumns = `id, username, password_hash, name, email`

// scanUser reads the userColumns of one row.
func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	err := row.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.Name, &u.Email)
	return u, err
}

// GetUser returns the user with the given ID, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	return u, getErr("get user", err)
}

// GetUserByUsername returns the user who signs in as username, or
// store.ErrNotFound.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
	return u, getErr("get user by username", err)
}
