package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
)

// clientColumns are the columns of a client, in the order of clientValues
// and GetClient's scan.
const clientColumns = `id, name, type, secret_hash, redirect_uris, grant_types, scopes, default_scope,
	require_pushed_authorization_requests, dpop_bound_access_tokens,
	token_endpoint_auth_method, jwks, registration_token_hash, issued_at, expires_at,
	id_token_signed_response_alg, token_endpoint_auth_signing_alg, application_type,
	post_logout_redirect_uris, metadata_stale_at`

// clientValues are the stored forms of c's fields, in clientColumns order.
func clientValues(c store.Client) []any {
	return []any{c.ID, c.Name, string(c.Type), c.SecretHash,
		list(c.RedirectURIs), list(c.GrantTypes), list(c.Scopes), c.DefaultScope,
		c.RequirePushedAuthorizationRequests, c.DPoPBoundAccessTokens,
		c.TokenEndpointAuthMethod, c.JWKS, c.RegistrationTokenHash, nullTime(c.IssuedAt), nullTime(c.ExpiresAt),
		c.IDTokenSignedResponseAlg, c.TokenEndpointAuthSigningAlg, c.ApplicationType,
		list(c.PostLogoutRedirectURIs), nullTime(c.MetadataStaleAt)}
}

// UpsertClient creates the client, or replaces every field of the client with
// the same ID but a cleared expiry: a used client stays used.
func (s *Store) UpsertClient(ctx context.Context, c store.Client) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO clients (`+clientColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name,
			type = excluded.type,
			secret_hash = excluded.secret_hash,
			redirect_uris = excluded.redirect_uris,
			grant_types = excluded.grant_types,
			scopes = excluded.scopes,
			default_scope = excluded.default_scope,
			require_pushed_authorization_requests = excluded.require_pushed_authorization_requests,
			dpop_bound_access_tokens = excluded.dpop_bound_access_tokens,
			token_endpoint_auth_method = excluded.token_endpoint_auth_method,
			jwks = excluded.jwks,
			registration_token_hash = excluded.registration_token_hash,
			issued_at = excluded.issued_at,
			expires_at = CASE WHEN clients.expires_at IS NULL THEN NULL ELSE excluded.expires_at END,
			id_token_signed_response_alg = excluded.id_token_signed_response_alg,
			token_endpoint_auth_signing_alg = excluded.token_endpoint_auth_signing_alg,
			application_type = excluded.application_type,
			post_logout_redirect_uris = excluded.post_logout_redirect_uris,
			metadata_stale_at = excluded.metadata_stale_at`,
		clientValues(c)...)
	if err != nil {
		return fmt.Errorf("postgres: upsert client %q: %w", c.ID, err)
	}
	return nil
}

// CreateClient stores a new client; store.ErrDuplicate if the id is taken.
func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO clients (`+clientColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`, clientValues(c)...)
	return insertErr("create client", err)
}

// DeleteClient deletes the client; its grants, and what descends from them,
// go with it (ON DELETE CASCADE). Other processes hear of it by the
// notification of 0093_notify_only_changes.sql: a client deleted notifies
// access_token_revocations even when it had no grant, so they stop
// accepting its client credentials tokens too.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	defer s.liveTokens.Forget() // its grants go, their access tokens and its client credentials tokens with them
	tag, err := s.pool.Exec(ctx, `DELETE FROM clients WHERE id = $1`, id)
	return changedOne("delete client", tag, err, store.ErrNotFound)
}

// UpdateClient replaces the registered metadata, type and secret hash of
// the client c.ID, if its type and secret hash are still was's; else
// store.ErrConflict, or store.ErrNotFound if it does not exist. An UPDATE
// never inserts, so a client deleted meanwhile stays deleted.
func (s *Store) UpdateClient(ctx context.Context, was, c store.Client) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE clients SET
			name = $1,
			type = $2,
			secret_hash = $3,
			redirect_uris = $4,
			grant_types = $5,
			scopes = $6,
			default_scope = $7,
			require_pushed_authorization_requests = $8,
			dpop_bound_access_tokens = $9,
			token_endpoint_auth_method = $10,
			jwks = $11,
			id_token_signed_response_alg = $12,
			token_endpoint_auth_signing_alg = $13,
			application_type = $14,
			post_logout_redirect_uris = $15
		WHERE id = $16 AND type = $17 AND secret_hash = $18`,
		c.Name, string(c.Type), c.SecretHash, list(c.RedirectURIs), list(c.GrantTypes), list(c.Scopes), c.DefaultScope,
		c.RequirePushedAuthorizationRequests, c.DPoPBoundAccessTokens, c.TokenEndpointAuthMethod, c.JWKS,
		c.IDTokenSignedResponseAlg, c.TokenEndpointAuthSigningAlg, c.ApplicationType, list(c.PostLogoutRedirectURIs), c.ID, string(was.Type), was.SecretHash)
	err = changedOne("update client", tag, err, store.ErrConflict)
	if errors.Is(err, store.ErrConflict) { // no row changed: find out why
		return store.ClientChangedOrGone(ctx, s, c.ID)
	}
	return err
}

// MarkClientUsed clears the client's expiry; it writes only the first time.
func (s *Store) MarkClientUsed(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `UPDATE clients SET expires_at = NULL WHERE id = $1 AND expires_at IS NOT NULL`, id)
	if err != nil {
		return fmt.Errorf("postgres: mark client used: %w", err)
	}
	return nil
}

// GetClient returns the client with the given ID, or store.ErrNotFound. It
// runs on every authenticated request.
func (s *Store) GetClient(ctx context.Context, id string) (store.Client, error) {
	var c store.Client
	var clientType string
	var issuedAt, expiresAt, metadataStaleAt *time.Time
	err := s.pool.QueryRow(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = $1`, id).
		Scan(&c.ID, &c.Name, &clientType, &c.SecretHash, &c.RedirectURIs, &c.GrantTypes, &c.Scopes, &c.DefaultScope,
			&c.RequirePushedAuthorizationRequests, &c.DPoPBoundAccessTokens,
			&c.TokenEndpointAuthMethod, &c.JWKS, &c.RegistrationTokenHash, &issuedAt, &expiresAt,
			&c.IDTokenSignedResponseAlg, &c.TokenEndpointAuthSigningAlg, &c.ApplicationType, &c.PostLogoutRedirectURIs, &metadataStaleAt)
	if err != nil {
		return store.Client{}, getErr("get client", err)
	}
	c.Type = store.ClientType(clientType)
	c.RedirectURIs, c.GrantTypes, c.Scopes = fromList(c.RedirectURIs), fromList(c.GrantTypes), fromList(c.Scopes)
	c.IssuedAt, c.ExpiresAt = fromNullTime(issuedAt), fromNullTime(expiresAt)
	c.MetadataStaleAt = fromNullTime(metadataStaleAt)
	c.PostLogoutRedirectURIs = fromList(c.PostLogoutRedirectURIs)
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

// ReplacePasswordHash sets the password hash of user id to newHash if it
// is still oldHash, or returns store.ErrNotFound.
func (s *Store) ReplacePasswordHash(ctx context.Context, id, oldHash, newHash string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3`, newHash, id, oldHash)
	return changedOne("replace password hash", tag, err, store.ErrNotFound)
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
