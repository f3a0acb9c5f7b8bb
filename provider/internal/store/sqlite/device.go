package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO device_codes (hash, user_code_hash, client_id, scope, status, user_id, auth_time, grant_id,
			interval_ms, last_polled_at, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.Hash, d.UserCodeHash, d.ClientID, d.Scope, string(d.Status), nullString(d.UserID), nullMicros(d.AuthTime),
		nullString(d.GrantID), d.Interval.Milliseconds(), nullMicros(d.LastPolledAt),
		micros(d.CreatedAt), micros(d.ExpiresAt))
	return insertErr("create device code", err)
}

// deviceColumns are the columns scanDevice reads, in its order.
const deviceColumns = `hash, user_code_hash, client_id, scope, status, user_id, auth_time, grant_id,
	interval_ms, last_polled_at, created_at, expires_at`

// scanDevice reads the deviceColumns of one row.
func scanDevice(row scanner) (store.DeviceCode, error) {
	var d store.DeviceCode
	var userID, grantID sql.NullString
	var authTime, lastPolledAt sql.NullInt64
	var intervalMS, createdAt, expiresAt int64
	err := row.Scan(&d.Hash, &d.UserCodeHash, &d.ClientID, &d.Scope, &d.Status, &userID, &authTime, &grantID,
		&intervalMS, &lastPolledAt, &createdAt, &expiresAt)
	d.UserID, d.GrantID = userID.String, grantID.String
	d.AuthTime, d.LastPolledAt = fromNullMicros(authTime), fromNullMicros(lastPolledAt)
	d.Interval = time.Duration(intervalMS) * time.Millisecond
	d.CreatedAt, d.ExpiresAt = fromMicros(createdAt), fromMicros(expiresAt)
	return d, err
}

// getDeviceCodeSQL reads a device code by hash: every poll does this.
const getDeviceCodeSQL = `SELECT ` + deviceColumns + ` FROM device_codes WHERE hash = ?`

// GetDeviceCode returns the device code with the given hash, or
// store.ErrNotFound.
func (s *Store) GetDeviceCode(ctx context.Context, hash string) (store.DeviceCode, error) {
	d, err := scanDevice(s.getDeviceCode.QueryRowContext(ctx, hash))
	return d, getErr("get device code", err)
}

// GetDeviceCodeByUserCodeHash returns the device code with the given user code
// hash, or store.ErrNotFound.
func (s *Store) GetDeviceCodeByUserCodeHash(ctx context.Context, userCodeHash string) (store.DeviceCode, error) {
	d, err := scanDevice(s.read.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM device_codes WHERE user_code_hash = ?`, userCodeHash))
	return d, getErr("get device code by user code", err)
}

// recordDevicePollSQL updates the poll state only if nobody polled since
// the caller read it ("IS ?" also matches a NULL, never polled).
const recordDevicePollSQL = `
	UPDATE device_codes SET last_polled_at = ?, interval_ms = ? WHERE hash = ? AND last_polled_at IS ?`

// RecordDevicePoll stores the time of a poll and the interval the client must
// now keep (RFC 8628 Section 3.5: slow_down grows it by 5 seconds), if the
// code was last polled at lastPolledAt; else store.ErrConflict.
func (s *Store) RecordDevicePoll(ctx context.Context, hash string, lastPolledAt, polledAt time.Time, interval time.Duration) error {
	res, err := s.recordDevicePoll.ExecContext(ctx, micros(polledAt), interval.Milliseconds(), hash, nullMicros(lastPolledAt))
	return changedOne("record device poll", res, err, store.ErrConflict)
}

// recordOnTimePollSQL records a poll of a pending, unexpired code of the
// client when its interval less the grace ?4 has passed since the last poll
// (or it was never polled); ?1 is the poll time, in microseconds like every
// stored time, and so is ?4. The poll is recorded at the later of ?1 and
// the last poll plus the interval, the instant it was due; a never polled
// code at ?1 (SQLite's MAX of a NULL is NULL, hence the COALESCE).
const recordOnTimePollSQL = `
	UPDATE device_codes SET last_polled_at = MAX(?1, COALESCE(last_polled_at + interval_ms * 1000, ?1))
	WHERE hash = ?2 AND client_id = ?3 AND status = 'pending' AND expires_at > ?1
		AND (last_polled_at IS NULL OR last_polled_at + interval_ms * 1000 - ?4 <= ?1)`

// RecordOnTimePoll records a poll of the code hash at polledAt if it is
// pending, issued to clientID, unexpired, and its interval less grace has
// passed since the last poll (RFC 8628 Section 3.5); else
// store.ErrConflict. The time recorded is polledAt or, for a poll inside
// the grace, the last poll plus the interval.
func (s *Store) RecordOnTimePoll(ctx context.Context, hash, clientID string, polledAt time.Time, grace time.Duration) error {
	res, err := s.recordOnTimePoll.ExecContext(ctx, micros(polledAt), hash, clientID, grace.Microseconds())
	return changedOne("record on-time device poll", res, err, store.ErrConflict)
}

// ApproveDeviceCode moves the pending code of userCodeHash to approved and
// stores its grant g, in one transaction. Only a pending code changes; a
// decided one is store.ErrNotPending, and its would-be grant is not stored.
func (s *Store) ApproveDeviceCode(ctx context.Context, userCodeHash string, g store.Grant) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := createGrant(ctx, tx.StmtContext(ctx, s.insertGrant.Stmt), g); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE device_codes SET status = 'approved', user_id = ?, auth_time = ?, grant_id = ?
			WHERE user_code_hash = ? AND status = 'pending'`,
			nullString(g.UserID), nullMicros(g.AuthTime), g.ID, userCodeHash)
		return decided(ctx, tx, userCodeHash, changedOne("approve device code", res, err, store.ErrNotPending))
	})
}

// DenyDeviceCode moves the pending code of userCodeHash to denied; a decided
// one is store.ErrNotPending.
func (s *Store) DenyDeviceCode(ctx context.Context, userCodeHash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE device_codes SET status = 'denied' WHERE user_code_hash = ? AND status = 'pending'`, userCodeHash)
		return decided(ctx, tx, userCodeHash, changedOne("deny device code", res, err, store.ErrNotPending))
	})
}

// decided refines err, the result of deciding the code of userCodeHash:
// store.ErrNotPending becomes store.ErrNotFound when no such code exists.
func decided(ctx context.Context, tx *sql.Tx, userCodeHash string, err error) error {
	if !errors.Is(err, store.ErrNotPending) {
		return err
	}
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM device_codes WHERE user_code_hash = ?)`, userCodeHash).Scan(&exists); err != nil {
		return fmt.Errorf("sqlite: decide device code: %w", err)
	}
	if !exists {
		return store.ErrNotFound
	}
	return store.ErrNotPending
}

// RedeemDeviceCode moves the approved code hash to used and stores issued,
// in one transaction (redeem). The UPDATE changes the row only while it is
// approved, so of any number of concurrent pollers exactly one redeems the
// code; the others get store.ErrAlreadyUsed.
func (s *Store) RedeemDeviceCode(ctx context.Context, hash string, issued store.Issued) error {
	return s.redeem(ctx, issued, func(tx *sql.Tx) error { return notApproved(ctx, tx, hash) },
		s.redeemDeviceCode.Stmt, hash)
}

// redeemDeviceCodeSQL marks an approved device code used and returns its
// grant (RedeemDeviceCode: the poll that gets the tokens).
const redeemDeviceCodeSQL = `UPDATE device_codes SET status = 'used' WHERE hash = ? AND status = 'approved' RETURNING grant_id`

// notApproved tells why the device code hash could not be redeemed:
// store.ErrNotFound, or store.DeviceCodeNotRedeemed's answer for its status.
func notApproved(ctx context.Context, tx *sql.Tx, hash string) error {
	var status store.DeviceStatus
	if err := tx.QueryRowContext(ctx, `SELECT status FROM device_codes WHERE hash = ?`, hash).Scan(&status); err != nil {
		return getErr("redeem device code", err)
	}
	return store.DeviceCodeNotRedeemed(status)
}
