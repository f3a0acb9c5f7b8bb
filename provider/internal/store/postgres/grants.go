package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
)

// CreateGrant stores a new grant; an ID in use is store.ErrDuplicate.
func (s *Store) CreateGrant(ctx context.Context, g store.Grant) error {
	return createGrant(ctx, s.pool, g)
}

// createGrant inserts g with db, which may be a transaction.
func createGrant(ctx context.Context, db querier, g store.Grant) error {
	_, err := db.Exec(ctx, `
		INSERT INTO grants (id, client_id, user_id, scope, resources, auth_time, created_at, expires_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		g.ID, g.ClientID, nullString(g.UserID), g.Scope, g.Resources, nullTime(g.AuthTime),
		g.CreatedAt, g.ExpiresAt, nullTime(g.RevokedAt))
	return insertErr("create grant", err)
}

// GetGrant returns the grant with the given ID, or store.ErrNotFound.
func (s *Store) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	var g store.Grant
	var userID *string
	var authTime, revokedAt *time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT id, client_id, user_id, scope, resources, auth_time, created_at, expires_at, revoked_at,
			coalesce(last_rotated_hash, '')
		FROM grants WHERE id = $1`, id).
		Scan(&g.ID, &g.ClientID, &userID, &g.Scope, &g.Resources, &authTime, &g.CreatedAt, &g.ExpiresAt, &revokedAt, &g.LastRotatedHash)
	if err != nil {
		return store.Grant{}, getErr("get grant", err)
	}
	g.UserID = fromNullString(userID)
	g.AuthTime, g.RevokedAt = fromNullTime(authTime), fromNullTime(revokedAt)
	g.CreatedAt, g.ExpiresAt = g.CreatedAt.UTC(), g.ExpiresAt.UTC()
	return g, nil
}

// RevokeGrant marks the grant revoked at now. Revoking it again changes
// nothing (the first revocation's time stays); an unknown ID is
// store.ErrNotFound.
func (s *Store) RevokeGrant(ctx context.Context, id string, now time.Time) error {
	defer s.liveTokens.Forget() // here at once; other processes by notification
	tag, err := s.pool.Exec(ctx, `
		UPDATE grants SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`, now, id)
	return changedOne("revoke grant", tag, err, store.ErrNotFound)
}

// CreateAuthorizationCode stores the grant g and its code c in one
// transaction: both or neither.
func (s *Store) CreateAuthorizationCode(ctx context.Context, g store.Grant, c store.AuthorizationCode) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := createGrant(ctx, tx, g); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO authorization_codes (hash, grant_id, client_id, user_id, redirect_uri, scope, resources,
				code_challenge, nonce, dpop_jkt, auth_time, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			c.Hash, c.GrantID, c.ClientID, c.UserID, c.RedirectURI, c.Scope, c.Resources,
			c.CodeChallenge, c.Nonce, c.DPoPJKT, c.AuthTime, c.CreatedAt, c.ExpiresAt)
		return insertErr("create authorization code", err)
	})
}

// codeColumns are the columns scanCode reads, in its order.
const codeColumns = `hash, grant_id, client_id, user_id, redirect_uri, scope, resources,
	code_challenge, nonce, dpop_jkt, auth_time, created_at, expires_at, used_at`

// scanCode reads the codeColumns of one row.
func scanCode(row pgx.Row) (store.AuthorizationCode, error) {
	var c store.AuthorizationCode
	var usedAt *time.Time
	err := row.Scan(&c.Hash, &c.GrantID, &c.ClientID, &c.UserID, &c.RedirectURI, &c.Scope, &c.Resources,
		&c.CodeChallenge, &c.Nonce, &c.DPoPJKT, &c.AuthTime, &c.CreatedAt, &c.ExpiresAt, &usedAt)
	c.AuthTime, c.CreatedAt, c.ExpiresAt = c.AuthTime.UTC(), c.CreatedAt.UTC(), c.ExpiresAt.UTC()
	c.UsedAt = fromNullTime(usedAt)
	return c, err
}

// GetAuthorizationCode returns the code with the given hash, used or not,
// or store.ErrNotFound.
func (s *Store) GetAuthorizationCode(ctx context.Context, hash string) (store.AuthorizationCode, error) {
	c, err := scanCode(s.pool.QueryRow(ctx, `SELECT `+codeColumns+` FROM authorization_codes WHERE hash = $1`, hash))
	if err != nil {
		return store.AuthorizationCode{}, getErr("get authorization code", err)
	}
	return c, nil
}

// RedeemAuthorizationCode marks the code hash used at now and stores
// issued, in one transaction (redeem). The UPDATE changes the row only
// while used_at is NULL, so of any number of concurrent callers, in any
// process, exactly one redeems the code (RFC 6749 Section 4.1.2: "The
// client MUST NOT use the authorization code more than once"); the others
// get store.ErrAlreadyUsed. An unknown hash is store.ErrNotFound.
func (s *Store) RedeemAuthorizationCode(ctx context.Context, hash string, now time.Time, issued store.Issued) error {
	return s.redeem(ctx, "authorization_codes", hash, issued, func(tx pgx.Tx) error { return usedOrUnknown(ctx, tx, "authorization_codes", hash) },
		`UPDATE authorization_codes SET used_at = $1 WHERE hash = $2 AND used_at IS NULL`, now, hash)
}

// expiredRows are the statements PurgeExpired runs, in its order, each
// deleting a table's rows whose lifetime ended before $1. An expired
// device code stays as long again as it lived, so a device polling late
// still gets expired_token (RFC 8628 Section 3.5); its first condition,
// implied by the second, lets the expires_at index find the candidates.
var expiredRows = []struct {
	query   string
	revokes bool // a row gone revokes access tokens (AccessTokenRevoked)
}{
	{`DELETE FROM authorization_codes WHERE expires_at < $1`, false},
	{`DELETE FROM pushed_requests WHERE expires_at < $1`, false},
	{`DELETE FROM refresh_tokens WHERE expires_at < $1`, false},
	{`DELETE FROM device_codes WHERE expires_at < $1 AND expires_at + (expires_at - created_at) < $1`, false},
	{`DELETE FROM revoked_access_tokens WHERE expires_at < $1`, false},
	{`DELETE FROM seen_jtis WHERE expires_at < $1`, false},
	{`DELETE FROM ended_login_sessions WHERE expires_at < $1`, false},
	{`DELETE FROM attempt_counts WHERE expires_at < $1`, false},
	{`DELETE FROM attempt_leases WHERE lease_until < $1`, false},
	{`DELETE FROM grants WHERE expires_at < $1`, true},
	{`DELETE FROM clients WHERE expires_at < $1`, true}, // registered, never used
}

// PurgeExpired deletes, in one transaction, the codes, pushed requests, device codes, refresh
// tokens, access token revocations, seen JTIs, ended login sessions, attempt counts and leases, and grants whose lifetime ended before
// now, and returns how many rows went. An expired device code is kept for
// as long again as it lived (store.Store). A grant outlives its codes and
// tokens (storing a refresh token extends it), so they are
// gone when it goes; should one outlive it, ON DELETE CASCADE deletes it with
// the grant, uncounted. A purge that deletes no grant or client keeps the
// memory of live tokens, here and, as it notifies nothing (migration
// 0093), in every other process.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	var total, revoking int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for _, rows := range expiredRows {
			tag, err := tx.Exec(ctx, rows.query, now)
			if err != nil {
				return fmt.Errorf("postgres: purge expired: %w", err)
			}
			total += tag.RowsAffected()
			if rows.revokes {
				revoking += tag.RowsAffected()
			}
		}
		return nil
	})
	// Here at once, other processes by notification (an error may hide a
	// commit).
	if revoking > 0 || err != nil {
		s.liveTokens.Forget()
	}
	return total, err
}
