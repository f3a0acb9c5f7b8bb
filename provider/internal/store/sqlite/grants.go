package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// CreateGrant stores a new grant; an ID in use is store.ErrDuplicate.
func (s *Store) CreateGrant(ctx context.Context, g store.Grant) error {
	return createGrant(ctx, s.insertGrant, g)
}

// insertGrantSQL stores a grant (createGrant: each approved authorization
// request and device code).
const insertGrantSQL = `
	INSERT INTO grants (id, client_id, user_id, scope, resources, auth_time, created_at, expires_at, revoked_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

// createGrant inserts g with insert, Store.insertGrant or, in a
// transaction, tx.StmtContext's copy of it.
func createGrant(ctx context.Context, insert interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
}, g store.Grant) error {
	_, err := insert.ExecContext(ctx,
		g.ID, g.ClientID, nullString(g.UserID), g.Scope, g.Resources, nullMicros(g.AuthTime),
		micros(g.CreatedAt), micros(g.ExpiresAt), nullMicros(g.RevokedAt))
	return insertErr("create grant", err)
}

// getGrantSQL reads a grant by ID (GetGrant: each refresh).
const getGrantSQL = `
	SELECT id, client_id, user_id, scope, resources, auth_time, created_at, expires_at, revoked_at
	FROM grants WHERE id = ?`

// GetGrant returns the grant with the given ID, or store.ErrNotFound.
func (s *Store) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	var g store.Grant
	var userID sql.NullString
	var authTime, revokedAt sql.NullInt64
	var createdAt, expiresAt int64
	err := s.getGrant.QueryRowContext(ctx, id).
		Scan(&g.ID, &g.ClientID, &userID, &g.Scope, &g.Resources, &authTime, &createdAt, &expiresAt, &revokedAt)
	if err != nil {
		return store.Grant{}, getErr("get grant", err)
	}
	g.UserID = userID.String
	g.AuthTime, g.RevokedAt = fromNullMicros(authTime), fromNullMicros(revokedAt)
	g.CreatedAt, g.ExpiresAt = fromMicros(createdAt), fromMicros(expiresAt)
	return g, nil
}

// RevokeGrant marks the grant revoked at now. Revoking it again changes
// nothing (the first revocation's time stays); an unknown ID is
// store.ErrNotFound.
func (s *Store) RevokeGrant(ctx context.Context, id string, now time.Time) error {
	defer s.liveTokens.Forget()
	res, err := s.write.ExecContext(ctx, `
		UPDATE grants SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, micros(now), id)
	return changedOne("revoke grant", res, err, store.ErrNotFound)
}

// CreateAuthorizationCode stores the grant g and its code c in one
// transaction: both or neither.
func (s *Store) CreateAuthorizationCode(ctx context.Context, g store.Grant, c store.AuthorizationCode) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := createGrant(ctx, tx.StmtContext(ctx, s.insertGrant.Stmt), g); err != nil {
			return err
		}
		_, err := tx.StmtContext(ctx, s.insertAuthorizationCode.Stmt).ExecContext(ctx,
			c.Hash, c.GrantID, c.ClientID, c.UserID, c.RedirectURI, c.Scope, c.Resources,
			c.CodeChallenge, c.Nonce, c.DPoPJKT, micros(c.AuthTime), micros(c.CreatedAt), micros(c.ExpiresAt))
		return insertErr("create authorization code", err)
	})
}

// insertAuthorizationCodeSQL stores a code (CreateAuthorizationCode: each
// approved authorization request).
const insertAuthorizationCodeSQL = `
	INSERT INTO authorization_codes (hash, grant_id, client_id, user_id, redirect_uri, scope, resources,
		code_challenge, nonce, dpop_jkt, auth_time, created_at, expires_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// codeColumns are the columns scanCode reads, in its order.
const codeColumns = `hash, grant_id, client_id, user_id, redirect_uri, scope, resources,
	code_challenge, nonce, dpop_jkt, auth_time, created_at, expires_at, used_at`

// scanCode reads the codeColumns of one row.
func scanCode(row scanner) (store.AuthorizationCode, error) {
	var c store.AuthorizationCode
	var authTime, createdAt, expiresAt int64
	var usedAt sql.NullInt64
	err := row.Scan(&c.Hash, &c.GrantID, &c.ClientID, &c.UserID, &c.RedirectURI, &c.Scope, &c.Resources,
		&c.CodeChallenge, &c.Nonce, &c.DPoPJKT, &authTime, &createdAt, &expiresAt, &usedAt)
	c.AuthTime, c.CreatedAt, c.ExpiresAt = fromMicros(authTime), fromMicros(createdAt), fromMicros(expiresAt)
	c.UsedAt = fromNullMicros(usedAt)
	return c, err
}

// getAuthorizationCodeSQL reads a code by hash (GetAuthorizationCode: each
// code exchange).
const getAuthorizationCodeSQL = `SELECT ` + codeColumns + ` FROM authorization_codes WHERE hash = ?`

// GetAuthorizationCode returns the code with the given hash, used or not,
// or store.ErrNotFound.
func (s *Store) GetAuthorizationCode(ctx context.Context, hash string) (store.AuthorizationCode, error) {
	c, err := scanCode(s.getAuthorizationCode.QueryRowContext(ctx, hash))
	if err != nil {
		return store.AuthorizationCode{}, getErr("get authorization code", err)
	}
	return c, nil
}

// RedeemAuthorizationCode marks the code hash used at now and stores
// issued, in one transaction (redeem). The UPDATE changes the row only
// while used_at is NULL, so of any number of concurrent callers exactly one
// redeems the code (RFC 6749 Section 4.1.2: "The client MUST NOT use the
// authorization code more than once"); the others get store.ErrAlreadyUsed.
// An unknown hash is store.ErrNotFound.
func (s *Store) RedeemAuthorizationCode(ctx context.Context, hash string, now time.Time, issued *store.RefreshToken) error {
	return s.redeem(ctx, issued, func(tx *sql.Tx) error { return usedOrUnknown(ctx, tx, "authorization_codes", hash) },
		s.redeemAuthorizationCode.Stmt, micros(now), hash)
}

// redeemAuthorizationCodeSQL marks a code used if it is not yet
// (RedeemAuthorizationCode: each code exchange).
const redeemAuthorizationCodeSQL = `UPDATE authorization_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL`

// PurgeExpired deletes, in one transaction, the codes, pushed requests, device codes, refresh
// tokens, access token revocations, seen JTIs, ended login sessions, attempt counts and leases, and grants whose lifetime ended before
// now, and returns how many rows went. An expired device code is kept for
// as long again as it lived (store.Store). A grant outlives its codes and
// tokens (storing a refresh token extends it), so they are
// gone when it goes; should one outlive it, ON DELETE CASCADE deletes it with
// the grant, uncounted.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	defer s.liveTokens.Forget() // a grant deleted revokes its access tokens
	var total int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, query := range []string{
			`DELETE FROM authorization_codes WHERE expires_at < ?`,
			`DELETE FROM pushed_requests WHERE expires_at < ?`,
			`DELETE FROM refresh_tokens WHERE expires_at < ?`,
			// An expired device code stays as long again as it lived, so a device
			// polling late still gets expired_token (RFC 8628 Section 3.5). The
			// first condition, implied by the second, lets the expires_at index
			// find the candidates.
			`DELETE FROM device_codes WHERE expires_at < ?1 AND expires_at + (expires_at - created_at) < ?1`,
			`DELETE FROM revoked_access_tokens WHERE expires_at < ?`,
			`DELETE FROM seen_jtis WHERE expires_at < ?`,
			`DELETE FROM ended_login_sessions WHERE expires_at < ?`,
			`DELETE FROM attempt_counts WHERE expires_at < ?`,
			`DELETE FROM attempt_leases WHERE lease_until < ?`,
			`DELETE FROM grants WHERE expires_at < ?`,
			`DELETE FROM clients WHERE expires_at < ?`, // registered, never used
		} {
			res, err := tx.ExecContext(ctx, query, micros(now))
			if err != nil {
				return fmt.Errorf("sqlite: purge expired: %w", err)
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	return total, err
}
