package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// storeIssued stores issued.RefreshToken, if any, and extends grantID,
// the grant of what was redeemed, to issued.GrantExpiresAt, within tx; a
// rotation also records rotatedHash as the grant's most recently
// rotated-out refresh token ("" leaves it as it is). A grant that is gone
// is store.ErrNotFound; a refresh token of another grant is refused
// (store.Issued.OfGrant).
func (s *Store) storeIssued(ctx context.Context, tx *sql.Tx, grantID string, issued store.Issued, rotatedHash string) error {
	if err := issued.OfGrant(grantID); err != nil {
		return err
	}
	if t := issued.RefreshToken; t != nil {
		_, err := tx.StmtContext(ctx, s.insertRefreshToken.Stmt).ExecContext(ctx,
			t.Hash, t.GrantID, t.ClientID, t.UserID, t.Scope, t.DPoPJKT,
			micros(t.CreatedAt), micros(t.ExpiresAt), nullMicros(t.UsedAt))
		if err != nil {
			return insertErr("create refresh token", err)
		}
	}
	res, err := tx.StmtContext(ctx, s.extendGrant.Stmt).ExecContext(ctx, micros(issued.GrantExpiresAt), nullString(rotatedHash), grantID)
	switch changed, err := changedAny("extend grant", res, err); {
	case err != nil:
		return err
	case !changed: // the grant is gone (DeleteClient, PurgeExpired)
		return store.ErrNotFound
	}
	return nil
}

// insertRefreshTokenSQL stores a refresh token (storeIssued: each code
// exchange and refresh that issues one).
const insertRefreshTokenSQL = `
	INSERT INTO refresh_tokens (hash, grant_id, client_id, user_id, scope, dpop_jkt, created_at, expires_at, used_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

// extendGrantSQL makes a grant last at least as long as the tokens just
// issued from it (store.Issued's GrantExpiresAt) and, given one, records
// the rotated-out token (storeIssued).
const extendGrantSQL = `
	UPDATE grants SET expires_at = max(expires_at, ?), last_rotated_hash = coalesce(?, last_rotated_hash)
	WHERE id = ?`

// redeem runs markUsed, a prepared UPDATE … RETURNING grant_id that marks
// a single-use record (a code) used if it still may be, with args, and
// stores issued, what was issued from the record's grant, in one
// transaction: both or neither. The transaction begins IMMEDIATE (see
// dsn), so concurrent redemptions, in any process, run one at a time and
// the UPDATE of all but the first changes no row; then refused tells why,
// and nothing is stored. A grant that is gone (DeleteClient, PurgeExpired)
// is store.ErrNotFound, with or without a refresh token issued, and the
// record stays as it was: storeIssued finds it when extending the grant
// changes no row, as the write lock, held from the start, lets nothing
// delete it in between.
func (s *Store) redeem(ctx context.Context, issued store.Issued, refused func(tx *sql.Tx) error, markUsed *sql.Stmt, args ...any) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var grantID string
		err := tx.StmtContext(ctx, markUsed).QueryRowContext(ctx, args...).Scan(&grantID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return refused(tx)
		case err != nil:
			return fmt.Errorf("sqlite: redeem: %w", err)
		}
		return s.storeIssued(ctx, tx, grantID, issued, "")
	})
}

// getRefreshTokenSQL reads a refresh token by hash (GetRefreshToken: each
// refresh).
const getRefreshTokenSQL = `
	SELECT hash, grant_id, client_id, user_id, scope, dpop_jkt, created_at, expires_at, used_at
	FROM refresh_tokens WHERE hash = ?`

// GetRefreshToken returns the refresh token with the given hash, or
// store.ErrNotFound.
func (s *Store) GetRefreshToken(ctx context.Context, hash string) (store.RefreshToken, error) {
	var t store.RefreshToken
	var createdAt, expiresAt int64
	var usedAt sql.NullInt64
	err := s.getRefreshToken.QueryRowContext(ctx, hash).
		Scan(&t.Hash, &t.GrantID, &t.ClientID, &t.UserID, &t.Scope, &t.DPoPJKT, &createdAt, &expiresAt, &usedAt)
	if err != nil {
		return store.RefreshToken{}, getErr("get refresh token", err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromMicros(createdAt), fromMicros(expiresAt), fromNullMicros(usedAt)
	return t, nil
}

// RotateRefreshToken marks oldHash used at now and stores next, in one
// transaction, extending the grant's ExpiresAt to next.GrantExpiresAt
// (RFC 9700 Section 4.14.2, refresh token rotation). The transaction begins
// IMMEDIATE (see dsn), so it reads the old token and decides with the write
// lock held: exactly one of any number of concurrent callers, in any
// process, rotates it; the others get store.ErrAlreadyUsed, the sign of a
// replayed refresh token, or, within the reuse grace
// (store.RefreshGraceApplies), a sibling. An unused token whose grant a
// revocation committed before the transaction began is store.ErrNotFound:
// a revocation has one winner too.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, next store.Issued, now, graceFrom time.Time) (graced bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var grantID, lastRotated string
		var usedAt sql.NullInt64
		var revoked bool
		err := tx.StmtContext(ctx, s.refreshTokenToRotate.Stmt).QueryRowContext(ctx, oldHash).
			Scan(&grantID, &usedAt, &lastRotated, &revoked)
		if err != nil {
			return getErr("rotate refresh token", err)
		}
		if usedAt.Valid {
			if !store.RefreshGraceApplies(fromNullMicros(usedAt), graceFrom, lastRotated == oldHash, revoked) {
				return store.ErrAlreadyUsed
			}
			graced = true
			return s.storeIssued(ctx, tx, grantID, next, "")
		}
		if revoked { // since the caller checked it: nothing of it is issued any more
			return store.ErrNotFound
		}
		if err := s.retireLiveRefreshTokens(ctx, tx, grantID, now); err != nil {
			return err
		}
		return s.storeIssued(ctx, tx, grantID, next, oldHash)
	})
	return graced, err
}

// refreshTokenToRotateSQL reads what RotateRefreshToken decides on: the old
// token's grant and use, the grant's last rotated-out token and whether it
// was revoked.
const refreshTokenToRotateSQL = `
	SELECT t.grant_id, t.used_at, coalesce(g.last_rotated_hash, ''), g.revoked_at IS NOT NULL
	FROM refresh_tokens t JOIN grants g ON g.id = t.grant_id
	WHERE t.hash = ?`

// retireLiveRefreshTokens marks every unused refresh token of the grant used
// at now: the rotated one and any sibling from a reuse grace (the partial
// index refresh_tokens_live finds them without visiting used ones).
func (s *Store) retireLiveRefreshTokens(ctx context.Context, tx *sql.Tx, grantID string, now time.Time) error {
	if _, err := tx.StmtContext(ctx, s.markLiveRefreshTokensUsed.Stmt).ExecContext(ctx, micros(now), grantID); err != nil {
		return fmt.Errorf("sqlite: rotate refresh token: %w", err)
	}
	return nil
}

// markLiveRefreshTokensUsedSQL marks a grant's unused refresh tokens used
// (retireLiveRefreshTokens: each rotation).
const markLiveRefreshTokensUsedSQL = `UPDATE refresh_tokens SET used_at = ? WHERE grant_id = ? AND used_at IS NULL`

// usedOrUnknown tells why the single-use record hash of table (a table
// name of this package, never input) could not be marked used:
// store.ErrAlreadyUsed, or store.ErrNotFound if there is no such record.
func usedOrUnknown(ctx context.Context, tx *sql.Tx, table, hash string) error {
	var exists bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE hash = ?)`, hash).Scan(&exists)
	switch {
	case err != nil:
		return fmt.Errorf("sqlite: mark %s used: %w", table, err)
	case !exists:
		return store.ErrNotFound
	default:
		return store.ErrAlreadyUsed
	}
}

// RevokeAccessToken remembers the access token jti as revoked until
// expiresAt, when the token expires anyway. Revoking it again changes nothing.
func (s *Store) RevokeAccessToken(ctx context.Context, jti string, expiresAt time.Time) error {
	res, err := s.revokeAccessToken.ExecContext(ctx, jti, micros(expiresAt))
	revoked, err := changedAny("revoke access token", res, err)
	if revoked || err != nil { // a jti revoked before changes nothing the memory holds
		s.liveTokens.Forget()
	}
	return err
}

// revokeAccessTokenSQL records a revoked jti unless it is already
// (RevokeAccessToken: each revocation of an access token).
const revokeAccessTokenSQL = `
	INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)
	ON CONFLICT (jti) DO NOTHING`

// accessTokenRevokedSQL answers AccessTokenRevoked in one query: the jti
// was revoked, or the token has a grant (?2 <> ”) that is not in force,
// because it was revoked or no longer exists, or it has none and its
// client (?3) no longer exists.
const accessTokenRevokedSQL = `
	SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = ?1)
		OR (?2 <> '' AND NOT EXISTS (SELECT 1 FROM grants WHERE id = ?2 AND revoked_at IS NULL))
		OR (?2 = '' AND NOT EXISTS (SELECT 1 FROM clients WHERE id = ?3))`

// AccessTokenRevoked reports whether the access token tok was revoked,
// directly or through its grant; a grant that no longer exists counts as
// revoked, and so does the client of a token without a grant. It runs on
// every request that carries a token, hence one prepared query, and none
// at all for a token found live before when nothing was revoked since
// (store.LiveTokens).
func (s *Store) AccessTokenRevoked(ctx context.Context, tok store.AccessTokenRef) (bool, error) {
	return s.liveTokens.Revoked(tok, func() (revoked bool, err error) {
		if err = s.accessTokenRevoked.QueryRowContext(ctx, tok.JTI, tok.GrantID, tok.ClientID).Scan(&revoked); err != nil {
			err = fmt.Errorf("sqlite: access token revoked: %w", err)
		}
		return revoked, err
	})
}
