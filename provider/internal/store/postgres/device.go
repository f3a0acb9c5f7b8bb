package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
)

// CreateDeviceCode stores a new device authorization request
// (RFC 8628 Section 3.2); a Status of "" means store.DevicePending. A
// user code hash (or device code hash) in use is store.ErrDuplicate: the
// caller draws another user code.
func (s *Store) CreateDeviceCode(ctx context.Context, d store.DeviceCode) error {
	if d.Status == "" {
		d.Status = store.DevicePending
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO device_codes (hash, user_code_hash, client_id, scope, status, user_id, auth_time, grant_id,
			interval_ms, last_polled_at, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		d.Hash, d.UserCodeHash, d.ClientID, d.Scope, string(d.Status), nullString(d.UserID), nullTime(d.AuthTime),
		nullString(d.GrantID), d.Interval.Milliseconds(), nullTime(d.LastPolledAt), d.CreatedAt, d.ExpiresAt)
	return insertErr("create device code", err)
}

// deviceColumns are the columns scanDevice reads, in its order.
const deviceColumns = `hash, user_code_hash, client_id, scope, status, user_id, auth_time, grant_id,
	interval_ms, last_polled_at, created_at, expires_at`

// scanDevice reads the deviceColumns of one row.
func scanDevice(row pgx.Row) (store.DeviceCode, error) {
	var d store.DeviceCode
	var status string
	var userID, grantID *string
	var authTime, lastPolledAt *time.Time
	var intervalMS int64
	err := row.Scan(&d.Hash, &d.UserCodeHash, &d.ClientID, &d.Scope, &status, &userID, &authTime, &grantID,
		&intervalMS, &lastPolledAt, &d.CreatedAt, &d.ExpiresAt)
	d.Status = store.DeviceStatus(status)
	d.UserID, d.GrantID = fromNullString(userID), fromNullString(grantID)
	d.AuthTime, d.LastPolledAt = fromNullTime(authTime), fromNullTime(lastPolledAt)
	d.Interval = time.Duration(intervalMS) * time.Millisecond
	d.CreatedAt, d.ExpiresAt = d.CreatedAt.UTC(), d.ExpiresAt.UTC()
	return d, err
}

// GetDeviceCode returns the device code with the given hash, or
// store.ErrNotFound.
func (s *Store) GetDeviceCode(ctx context.Context, hash string) (store.DeviceCode, error) {
	d, err := scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceColumns+` FROM device_codes WHERE hash = $1`, hash))
	return d, getErr("get device code", err)
}

// GetDeviceCodeByUserCodeHash returns the device code with the given user code
// hash, or store.ErrNotFound.
func (s *Store) GetDeviceCodeByUserCodeHash(ctx context.Context, userCodeHash string) (store.DeviceCode, error) {
	d, err := scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceColumns+` FROM device_codes WHERE user_code_hash = $1`, userCodeHash))
	return d, getErr("get device code by user code", err)
}

// RecordDevicePoll stores the time of a poll and the interval the client must
// now keep (RFC 8628 Section 3.5: slow_down grows it by 5 seconds), if the
// code was last polled at lastPolledAt; else store.ErrConflict.
func (s *Store) RecordDevicePoll(ctx context.Context, hash string, lastPolledAt, polledAt time.Time, interval time.Duration) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE device_codes SET last_polled_at = $1, interval_ms = $2
		WHERE hash = $3 AND last_polled_at IS NOT DISTINCT FROM $4`,
		polledAt, interval.Milliseconds(), hash, nullTime(lastPolledAt))
	return changedOne("record device poll", tag, err, store.ErrConflict)
}

// RecordOnTimePoll records a poll of the code hash at polledAt if it is
// pending, issued to clientID, unexpired, and its interval less grace has
// passed since the last poll (RFC 8628 Section 3.5); else
// store.ErrConflict. The time recorded is polledAt or, for a poll inside
// the grace, the last poll plus the interval (GREATEST skips the NULL of
// a never polled code). A concurrent poll's update makes PostgreSQL check the
// WHERE clause again on the row it wrote, so of two polls at most one is
// recorded.
func (s *Store) RecordOnTimePoll(ctx context.Context, hash, clientID string, polledAt time.Time, grace time.Duration) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE device_codes SET last_polled_at = GREATEST($1, last_polled_at + interval_ms * interval '1 millisecond')
		WHERE hash = $2 AND client_id = $3 AND status = 'pending' AND expires_at > $1
			AND (last_polled_at IS NULL
				OR last_polled_at + interval_ms * interval '1 millisecond' - $4 * interval '1 microsecond' <= $1)`,
		polledAt, hash, clientID, grace.Microseconds())
	return changedOne("record on-time device poll", tag, err, store.ErrConflict)
}

// ApproveDeviceCode moves the pending code of userCodeHash to approved and
// stores its grant g, in one transaction. Only a pending code changes; a
// decided one is store.ErrNotPending, and its would-be grant is not stored.
func (s *Store) ApproveDeviceCode(ctx context.Context, userCodeHash string, g store.Grant) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := createGrant(ctx, tx, g); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			UPDATE device_codes SET status = 'approved', user_id = $1, auth_time = $2, grant_id = $3
			WHERE user_code_hash = $4 AND status = 'pending'`,
			nullString(g.UserID), nullTime(g.AuthTime), g.ID, userCodeHash)
		return decided(ctx, tx, userCodeHash, changedOne("approve device code", tag, err, store.ErrNotPending))
	})
}

// DenyDeviceCode moves the pending code of userCodeHash to denied; a decided
// one is store.ErrNotPending.
func (s *Store) DenyDeviceCode(ctx context.Context, userCodeHash string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE device_codes SET status = 'denied' WHERE user_code_hash = $1 AND status = 'pending'`, userCodeHash)
		return decided(ctx, tx, userCodeHash, changedOne("deny device code", tag, err, store.ErrNotPending))
	})
}

// decided refines err, the result of deciding the code of userCodeHash:
// store.ErrNotPending becomes store.ErrNotFound when no such code exists.
func decided(ctx context.Context, tx pgx.Tx, userCodeHash string, err error) error {
	if !errors.Is(err, store.ErrNotPending) {
		return err
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM device_codes WHERE user_code_hash = $1)`, userCodeHash).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: decide device code: %w", err)
	}
	if !exists {
		return store.ErrNotFound
	}
	return store.ErrNotPending
}

// RedeemDeviceCode moves the approved code hash to used and stores issued,
// in one transaction (redeem). The UPDATE changes the row only while it is
// approved, so of any number of concurrent pollers, in any process, exactly
// one redeems the code; the others get store.ErrAlreadyUsed.
func (s *Store) RedeemDeviceCode(ctx context.Context, hash string, issued store.Issued) error {
	return s.redeem(ctx, "device_codes", hash, issued, func(tx pgx.Tx) error { return notApproved(ctx, tx, hash) },
		`UPDATE device_codes SET status = 'used' WHERE hash = $1 AND status = 'approved'`, hash)
}

// notApproved tells why the device code hash could not be redeemed:
// store.ErrNotFound, or store.DeviceCodeNotRedeemed's answer for its status.
func notApproved(ctx context.Context, tx pgx.Tx, hash string) error {
	var status store.DeviceStatus
	if err := tx.QueryRow(ctx, `SELECT status FROM device_codes WHERE hash = $1`, hash).Scan(&status); err != nil {
		return getErr("redeem device code", err)
	}
	return store.DeviceCodeNotRedeemed(status)
}
