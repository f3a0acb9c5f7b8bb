package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/oauth-reference/provider/internal/store"
)

// clientColumns are the columns of a client, in the order of clientValues
// and scanClient.
const clientColumns = `id, name, type, secret_hash, redirect_uris, grant_types, scopes, default_scope,
	require_pushed_authorization_requests, dpop_bound_access_tokens,
	token_endpoint_auth_method, jwks, registration_token_hash, issued_at, expires_at,
	id_token_signed_response_alg, token_endpoint_auth_signing_alg, application_type,
	post_logout_redirect_uris, metadata_stale_at`

// clientValues are the stored forms of c's fields, in clientColumns order.
func clientValues(c store.Client) []any {
	return []any{c.ID, c.Name, string(c.Type), c.SecretHash,
		jsonList(c.RedirectURIs), jsonList(c.GrantTypes), jsonList(c.Scopes), c.DefaultScope,
		c.RequirePushedAuthorizationRequests, c.DPoPBoundAccessTokens,
		c.TokenEndpointAuthMethod, c.JWKS, c.RegistrationTokenHash, nullMicros(c.IssuedAt), nullMicros(c.ExpiresAt),
		c.IDTokenSignedResponseAlg, c.TokenEndpointAuthSigningAlg, c.ApplicationType,
		jsonList(c.PostLogoutRedirectURIs), nullMicros(c.MetadataStaleAt)}
}

// UpsertClient creates the client, or replaces every field of the client with
// the same ID but a cleared expiry: a used client stays used.
func (s *Store) UpsertClient(ctx context.Context, c store.Client) error {
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO clients (`+clientColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
		return fmt.Errorf("sqlite: upsert client %q: %w", c.ID, err)
	}
	return nil
}

// CreateClient stores a new client; store.ErrDuplicate if the id is taken.
func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO clients (`+clientColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, clientValues(c)...)
	return insertErr("create client", err)
}

// DeleteClient deletes the client; its grants, and what descends from them,
// go with it (ON DELETE CASCADE).
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	defer s.liveTokens.Forget() // its grants go, their access tokens and its client credentials tokens with them
	res, err := s.write.ExecContext(ctx, `DELETE FROM clients WHERE id = ?`, id)
	return changedOne("delete client", res, err, store.ErrNotFound)
}

// UpdateClient replaces the registered metadata, type and secret hash of
// the client c.ID, if its type and secret hash are still was's; else
// store.ErrConflict, or store.ErrNotFound if it does not exist. An UPDATE
// never inserts, so a client deleted meanwhile stays deleted.
func (s *Store) UpdateClient(ctx context.Context, was, c store.Client) error {
	res, err := s.write.ExecContext(ctx, `
		UPDATE clients SET
			name = ?,
			type = ?,
			secret_hash = ?,
			redirect_uris = ?,
			grant_types = ?,
			scopes = ?,
			default_scope = ?,
			require_pushed_authorization_requests = ?,
			dpop_bound_access_tokens = ?,
			token_endpoint_auth_method = ?,
			jwks = ?,
			id_token_signed_response_alg = ?,
			token_endpoint_auth_signing_alg = ?,
			application_type = ?,
			post_logout_redirect_uris = ?
		WHERE id = ? AND type = ? AND secret_hash = ?`,
		c.Name, string(c.Type), c.SecretHash, jsonList(c.RedirectURIs), jsonList(c.GrantTypes), jsonList(c.Scopes), c.DefaultScope,
		c.RequirePushedAuthorizationRequests, c.DPoPBoundAccessTokens, c.TokenEndpointAuthMethod, c.JWKS,
		c.IDTokenSignedResponseAlg, c.TokenEndpointAuthSigningAlg, c.ApplicationType, jsonList(c.PostLogoutRedirectURIs), c.ID, string(was.Type), was.SecretHash)
	err = changedOne("update client", res, err, store.ErrConflict)
	if errors.Is(err, store.ErrConflict) { // no row changed: find out why
		return store.ClientChangedOrGone(ctx, s, c.ID)
	}
	return err
}

// MarkClientUsed clears the client's expiry; it writes only the first time.
func (s *Store) MarkClientUsed(ctx context.Context, id string) error {
	_, err := s.write.ExecContext(ctx, `UPDATE clients SET expires_at = NULL WHERE id = ? AND expires_at IS NOT NULL`, id)
	if err != nil {
		return fmt.Errorf("sqlite: mark client used: %w", err)
	}
	return nil
}

// getClientSQL looks a client up by ID; it runs on every authenticated request.
const getClientSQL = `SELECT ` + clientColumns + ` FROM clients WHERE id = ?`

// GetClient returns the client with the given ID, or store.ErrNotFound.
func (s *Store) GetClient(ctx context.Context, id string) (store.Client, error) {
	var c store.Client
	var redirectURIs, grantTypes, scopes, postLogoutRedirectURIs string
	var issuedAt, expiresAt, metadataStaleAt sql.NullInt64
	err := s.getClient.QueryRowContext(ctx, id).Scan(
		&c.ID, &c.Name, &c.Type, &c.SecretHash, &redirectURIs, &grantTypes, &scopes, &c.DefaultScope,
		&c.RequirePushedAuthorizationRequests, &c.DPoPBoundAccessTokens,
		&c.TokenEndpointAuthMethod, &c.JWKS, &c.RegistrationTokenHash, &issuedAt, &expiresAt,
		&c.IDTokenSignedResponseAlg, &c.TokenEndpointAuthSigningAlg, &c.ApplicationType, &postLogoutRedirectURIs, &metadataStaleAt)
	if err != nil {
		return store.Client{}, getErr("get client", err)
	}
	if c.RedirectURIs, err = parseList(redirectURIs); err != nil {
		return store.Client{}, fmt.Errorf("sqlite: client %q redirect_uris: %w", id, err)
	}
	if c.GrantTypes, err = parseList(grantTypes); err != nil {
		return store.Client{}, fmt.Errorf("sqlite: client %q grant_types: %w", id, err)
	}
	if c.Scopes, err = parseList(scopes); err != nil {
		return store.Client{}, fmt.Errorf("sqlite: client %q scopes: %w", id, err)
	}
	if c.PostLogoutRedirectURIs, err = parseList(postLogoutRedirectURIs); err != nil {
		return store.Client{}, fmt.Errorf("sqlite: client %q post_logout_redirect_uris: %w", id, err)
	}
	c.IssuedAt, c.ExpiresAt = fromNullMicros(issuedAt), fromNullMicros(expiresAt)
	c.MetadataStaleAt = fromNullMicros(metadataStaleAt)
	return c, nil
}

// UpsertUser creates the user, or replaces every field of the user with the
// same ID. A username that another user has is store.ErrDuplicate.
func (s *Store) UpsertUser(ctx context.Context, u store.User) error {
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO users (id, username, password_hash, name, email)
		VALUES (?, ?, ?, ?, ?)
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
	res, err := s.write.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, newHash, id, oldHash)
	return changedOne("replace password hash", res, err, store.ErrNotFound)
}

// userColumns are the columns scanUser reads, in its order.
const userColumns = `id, username, password_hash, name, email`

// scanUser reads the userColumns of one row.
func scanUser(row scanner) (store.User, error) {
	var u store.User
	err := row.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.Name, &u.Email)
	return u, err
}

// getUserSQL finds a user by id (GetUser: each userinfo request).
const getUserSQL = `SELECT ` + userColumns + ` FROM users WHERE id = ?`

// GetUser returns the user with the given ID, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(s.getUser.QueryRowContext(ctx, id))
	return u, getErr("get user", err)
}

// GetUserByUsername returns the user who signs in as username, or
// store.ErrNotFound.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (store.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username))
	return u, getErr("get user by username", err)
}
