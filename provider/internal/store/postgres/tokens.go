package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
)

// storeIssued stores issued.RefreshToken, if any, and extends grantID,
// the grant of what was redeemed, to issued.GrantExpiresAt, within tx; a
// rotation also records rotatedHash as the grant's most recently
// rotated-out refresh token ("" leaves it as it is). The caller holds the
// grant's lock, so the grant is there; a refresh token of another grant is
// refused (store.Issued.OfGrant).
func storeIssued(ctx context.Context, tx pgx.Tx, grantID string, issued store.Issued, rotatedHash string) error {
	if err := issued.OfGrant(grantID); err != nil {
		return err
	}
	if t := issued.RefreshToken; t != nil {
		_, err := tx.Exec(ctx, `
			INSERT INTO refresh_tokens (hash, grant_id, client_id, user_id, scope, dpop_jkt, created_at, expires_at, used_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			t.Hash, t.GrantID, t.ClientID, t.UserID, t.Scope, t.DPoPJKT, t.CreatedAt, t.ExpiresAt, nullTime(t.UsedAt))
		if err != nil {
			return insertErr("create refresh token", err)
		}
	}
	_, err := tx.Exec(ctx, `
		UPDATE grants SET expires_at = greatest(expires_at, $1), last_rotated_hash = coalesce($2, last_rotated_hash)
		WHERE id = $3`, issued.GrantExpiresAt, nullString(rotatedHash), grantID)
	if err != nil {
		return fmt.Errorf("postgres: extend grant: %w", err)
	}
	return nil
}

// redeem runs query, an UPDATE that marks the single-use record hash of
// table (a code; a table name of this package, never input) used if it
// still may be, and stores issued, what was issued from the record's
// grant, in one transaction: both or neither. A concurrent redemption's
// UPDATE waits for the row, then finds it used (READ COMMITTED re-reads a
// row changed meanwhile) and changes nothing: refused tells why, and
// nothing is stored. A grant that is gone (DeleteClient, PurgeExpired) is
// store.ErrNotFound, and the record stays as it was: redeem finds it when
// it locks the grant, before the UPDATE, because the grant's lock must come
// before the record's, the order of RotateRefreshToken and of
// DeleteClient's cascade (client, grant, then its codes), so it cannot
// deadlock with them.
func (s *Store) redeem(ctx context.Context, table, hash string, issued store.Issued, refused func(tx pgx.Tx) error, query string, args ...any) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var grantID *string // NULL: a device code not approved
		err := tx.QueryRow(ctx, `SELECT grant_id FROM `+table+` WHERE hash = $1`, hash).Scan(&grantID)
		switch {
		case errors.Is(err, pgx.ErrNoRows) || err == nil && grantID == nil:
			return refused(tx)
		case err != nil:
			return fmt.Errorf("postgres: redeem: %w", err)
		}
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM grants WHERE id = $1 FOR UPDATE`, *grantID).Scan(&one); err != nil {
			return getErr("redeem", err)
		}
		tag, err := tx.Exec(ctx, query, args...)
		switch {
		case err != nil:
			return fmt.Errorf("postgres: redeem: %w", err)
		case tag.RowsAffected() == 0:
			return refused(tx)
		}
		return storeIssued(ctx, tx, *grantID, issued, "")
	})
}

// GetRefreshToken returns the refresh token with the given hash, or
// store.ErrNotFound.
func (s *Store) GetRefreshToken(ctx context.Context, hash string) (store.RefreshToken, error) {
	var t store.RefreshToken
	var usedAt *time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT hash, grant_id, client_id, user_id, scope, dpop_jkt, created_at, expires_at, used_at
		FROM refresh_tokens WHERE hash = $1`, hash).
		Scan(&t.Hash, &t.GrantID, &t.ClientID, &t.UserID, &t.Scope, &t.DPoPJKT, &t.CreatedAt, &t.ExpiresAt, &usedAt)
	if err != nil {
		return store.RefreshToken{}, getErr("get refresh token", err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), fromNullTime(usedAt)
	return t, nil
}

// RotateRefreshToken marks oldHash used at now and stores next, in one
// transaction, extending the grant's ExpiresAt to next.GrantExpiresAt
// (RFC 9700 Section 4.14.2, refresh token rotation). It locks the grant's
// row first, so the rotations of one grant run one at a time, in any
// process; each then reads the old token as the last one committed it (READ
// COMMITTED takes a fresh snapshot per statement). Exactly one of any
// number of concurrent callers rotates it; the others get
// store.ErrAlreadyUsed, the sign of a replayed refresh token, or, within
// the reuse grace (store.RefreshGraceApplies), a sibling. An unused token
// whose grant a revocation committed before the lock was taken is
// store.ErrNotFound: a revocation has one winner too.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, next store.Issued, now, graceFrom time.Time) (graced bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var grantID, lastRotated string
		var revoked bool
		err := tx.QueryRow(ctx, `
			SELECT id, coalesce(last_rotated_hash, ''), revoked_at IS NOT NULL FROM grants
			WHERE id = (SELECT grant_id FROM refresh_tokens WHERE hash = $1)
			FOR UPDATE`, oldHash).Scan(&grantID, &lastRotated, &revoked)
		if err != nil {
			return getErr("rotate refresh token", err)
		}
		var usedAt *time.Time
		if err := tx.QueryRow(ctx, `SELECT used_at FROM refresh_tokens WHERE hash = $1`, oldHash).Scan(&usedAt); err != nil {
			return getErr("rotate refresh token", err)
		}
		if usedAt != nil {
			if !store.RefreshGraceApplies(*usedAt, graceFrom, lastRotated == oldHash, revoked) {
				return store.ErrAlreadyUsed
			}
			graced = true
			return storeIssued(ctx, tx, grantID, next, "")
		}
		if revoked { // since the caller checked it: nothing of it is issued any more
			return store.ErrNotFound
		}
		if err := retireLiveRefreshTokens(ctx, tx, grantID, now); err != nil {
			return err
		}
		return storeIssued(ctx, tx, grantID, next, oldHash)
	})
	return graced, err
}

// retireLiveRefreshTokens marks every unused refresh token of the grant used
// at now: the rotated one and any sibling from a reuse grace (the partial
// index refresh_tokens_live finds them without visiting used ones).
func retireLiveRefreshTokens(ctx context.Context, tx pgx.Tx, grantID string, now time.Time) error {
	if _, err := tx.Exec(ctx, `
		UPDATE refresh_tokens SET used_at = $1 WHERE grant_id = $2 AND used_at IS NULL`, now, grantID); err != nil {
		return fmt.Errorf("postgres: rotate refresh token: %w", err)
	}
	return nil
}

// usedOrUnknown tells why the single-use record hash of table (a table
// name of this package, never input) could not be marked used:
// store.ErrAlreadyUsed, or store.ErrNotFound if there is no such record.
func usedOrUnknown(ctx context.Context, tx pgx.Tx, table, hash string) error {
	var exists bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE hash = $1)`, hash).Scan(&exists)
	switch {
	case err != nil:
		return fmt.Errorf("postgres: mark %s used: %w", table, err)
	case !exists:
		return store.ErrNotFound
	default:
		return store.ErrAlreadyUsed
	}
}

// RevokeAccessToken remembers the access token jti as revoked until
// expiresAt, when the token expires anyway. Revoking it again changes nothing.
func (s *Store) RevokeAccessToken(ctx context.Context, jti string, expiresAt time.Time) error {
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2)
		ON CONFLICT (jti) DO NOTHING`, jti, expiresAt)
	// Here at once, other processes by notification; a jti revoked before
	// changes nothing the memory holds (an error may hide a commit).
	if tag.RowsAffected() > 0 || err != nil {
		s.liveTokens.Forget()
	}
	if err != nil {
		return fmt.Errorf("postgres: revoke access token: %w", err)
	}
	return nil
}

// AccessTokenRevoked reports whether the access token tok was revoked,
// directly or through its grant; a grant that no longer exists counts as
// revoked, and so does the client of a token without a grant. It runs on
// every request that carries a token, hence one query: the jti was
// revoked, or the token has a grant ($2 <> ”) that is not in force, or
// none and its client ($3) is gone; and none at all for a token found live
// before when nothing was revoked since (store.LiveTokens, emptied by
// listenForRevocations).
func (s *Store) AccessTokenRevoked(ctx context.Context, tok store.AccessTokenRef) (bool, error) {
	return s.liveTokens.Revoked(tok, func() (revoked bool, err error) {
		err = s.pool.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1)
				OR ($2 <> '' AND NOT EXISTS (SELECT 1 FROM grants WHERE id = $2 AND revoked_at IS NULL))
				OR ($2 = '' AND NOT EXISTS (SELECT 1 FROM clients WHERE id = $3))`,
			tok.JTI, tok.GrantID, tok.ClientID).Scan(&revoked)
		if err != nil {
			err = fmt.Errorf("postgres: access token revoked: %w", err)
		}
		return revoked, err
	})
}
