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
	SELECT id, client_id, user_id, scope, resources, auth_time, created_at, expires_at, revoked_at,
		coalesce(last_rotated_hash, '')
	FROM grants WHERE id = ?`

// GetGrant returns the grant with the given ID, or store.ErrNotFound.
func (s *Store) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	var g store.Grant
	var userID sql.NullString
	var authTime, revokedAt sql.NullInt64
	var createdAt, expiresAt int64
	err := s.getGrant.QueryRowContext(ctx, id).
		Scan(&g.ID, &g.ClientID, &userID, &g.Scope, &g.Resources, &authTime, &createdAt, &expiresAt, &revokedAt, &g.LastRotatedHash)
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
func (s *Store) RedeemAuthorizationCode(ctx context.Context, hash string, now time.Time, issued store.Issued) error {
	return s.redeem(ctx, issued, func(tx *sql.Tx) error { return usedOrUnknown(ctx, tx, "authorization_codes", hash) },
		s.redeemAuthorizationCode.Stmt, micros(now), hash)
}

// redeemAuthorizationCodeSQL marks a code used if it is not yet and
// returns its grant (RedeemAuthorizationCode: each code exchange).
const redeemAuthorizationCodeSQL = `UPDATE authorization_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL RETURNING grant_id`

// PurgeExpired deletes the codes, pushed requests, device codes, refresh
// tokens, access token revocations, seen JTIs, ended login sessions,
// attempt counts and leases, and grants whose lifetime ended before now,
// and returns how many rows went. An expired device code is kept for as
// long again as it lived (store.Store). A grant outlives its codes and
// tokens (storing a refresh token extends it), so they are gone when it
// goes; should one outlive it, ON DELETE CASCADE deletes it with the
// grant, uncounted.
//
// Each table is purged in batches of at most purgeBatch rows, each batch
// its own transaction in its own turn of the write pool, so a change
// waits for one batch at most, not for the whole purge: a million expired
// jtis (anyone can leave some, "Attempt limits" in README) took 10 µs a
// row, 10 s in one transaction, and held every change that long.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	return s.purgeExpired(ctx, now, func() {})
}

// purgeBatch is how many rows one transaction of PurgeExpired deletes at
// most: how long a change may wait for the purge. Measured on a file of
// 200,000 expired seen_jtis, whose random keys scatter each batch's
// deletes over the primary key's index (median CPU per batch, its commit
// included): 100 rows 1.3 ms, 250 rows 3.1 ms, 500 rows 9.6 ms, 1,000
// rows 21 ms. Past about 250 a row costs more (12 µs, then 19 and 21),
// as the pages a batch changes outgrow SQLite's page cache (2 MB) and
// spill before the commit; so 250: a few ms per batch, at the best cost
// per row.
const purgeBatch = 250

// expiredRows are the tables PurgeExpired empties, in its order, each with
// its rows' condition to go, ?1 being now. An expired device code stays
// as long again as it lived, so a device polling late still gets
// expired_token (RFC 8628 Section 3.5); its first condition, implied by
// the second, lets the expires_at index find the candidates. Grants come
// after their codes and tokens, registered clients never used last.
var expiredRows = []struct {
	table, expired string
	revokes        bool // a row gone revokes access tokens (AccessTokenRevoked)
}{
	{"authorization_codes", "expires_at < ?1", false},
	{"pushed_requests", "expires_at < ?1", false},
	{"refresh_tokens", "expires_at < ?1", false},
	{"device_codes", "expires_at < ?1 AND expires_at + (expires_at - created_at) < ?1", false},
	{"revoked_access_tokens", "expires_at < ?1", false},
	{"seen_jtis", "expires_at < ?1", false},
	{"ended_login_sessions", "expires_at < ?1", false},
	{"attempt_counts", "expires_at < ?1", false},
	{"attempt_leases", "lease_until < ?1", false},
	{"grants", "expires_at < ?1", true},
	{"clients", "expires_at < ?1", true}, // registered, never used
}

// purgeExpired is PurgeExpired, calling batchDone after each batch's
// commit (tests pause there).
func (s *Store) purgeExpired(ctx context.Context, now time.Time, batchDone func()) (int64, error) {
	var total int64
	for _, t := range expiredRows {
		// Every table here has a rowid (none is WITHOUT ROWID), the
		// cheapest key to name the batch's rows by.
		query := `DELETE FROM ` + t.table + ` WHERE rowid IN (SELECT rowid FROM ` + t.table +
			` WHERE ` + t.expired + ` LIMIT ?2)`
		for n := int64(purgeBatch); n == purgeBatch; {
			var err error
			if n, err = s.purgeOneBatch(ctx, query, now); err != nil {
				return total, err
			}
			total += n
			if t.revokes && n > 0 {
				s.liveTokens.Forget() // once the batch committed (store.LiveTokens)
			}
			batchDone()
		}
	}
	return total, nil
}

// purgeOneBatch runs query, which deletes at most purgeBatch expired rows,
// in a transaction of its own, and returns how many rows went.
func (s *Store) purgeOneBatch(ctx context.Context, query string, now time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, micros(now), purgeBatch)
		if err != nil {
			return fmt.Errorf("sqlite: purge expired: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
