package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// CreatePushedRequest stores a pushed authorization request; a hash in use
// is store.ErrDuplicate.
func (s *Store) CreatePushedRequest(ctx context.Context, r store.PushedRequest) error {
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO pushed_requests (hash, client_id, params, created_at, expires_at, opened_at, used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.Hash, r.ClientID, r.Params, micros(r.CreatedAt), micros(r.ExpiresAt), nullMicros(r.OpenedAt), nullMicros(r.UsedAt))
	return insertErr("create pushed request", err)
}

// GetPushedRequest returns the pushed request with the given hash, or
// store.ErrNotFound.
func (s *Store) GetPushedRequest(ctx context.Context, hash string) (store.PushedRequest, error) {
	var r store.PushedRequest
	var createdAt, expiresAt int64
	var openedAt, usedAt sql.NullInt64
	err := s.read.QueryRowContext(ctx, `
		SELECT hash, client_id, params, created_at, expires_at, opened_at, used_at
		FROM pushed_requests WHERE hash = ?`, hash).
		Scan(&r.Hash, &r.ClientID, &r.Params, &createdAt, &expiresAt, &openedAt, &usedAt)
	if err != nil {
		return store.PushedRequest{}, getErr("get pushed request", err)
	}
	r.CreatedAt, r.ExpiresAt = fromMicros(createdAt), fromMicros(expiresAt)
	r.OpenedAt, r.UsedAt = fromNullMicros(openedAt), fromNullMicros(usedAt)
	return r, nil
}

// OpenPushedRequest marks the pushed request opened at now, to expire at
// until, and returns it. The UPDATE changes it only while opened_at is NULL
// and it has not expired, so of concurrent openings exactly one moves the
// expiry; the others, and every later one, read the window it set.
func (s *Store) OpenPushedRequest(ctx context.Context, hash string, now, until time.Time) (store.PushedRequest, error) {
	_, err := s.write.ExecContext(ctx, `
		UPDATE pushed_requests SET opened_at = ?, expires_at = ?
		WHERE hash = ? AND opened_at IS NULL AND expires_at > ?`, micros(now), micros(until), hash, micros(now))
	if err != nil {
		return store.PushedRequest{}, fmt.Errorf("sqlite: open pushed request: %w", err)
	}
	return s.GetPushedRequest(ctx, hash)
}

// ConsumePushedRequest marks the pushed request used at now. The UPDATE
// changes it only while used_at is NULL, so of concurrent callers exactly one
// succeeds; the others get store.ErrAlreadyUsed.
func (s *Store) ConsumePushedRequest(ctx context.Context, hash string, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE pushed_requests SET used_at = ? WHERE hash = ? AND used_at IS NULL`, micros(now), hash)
		err = changedOne("consume pushed request", res, err, store.ErrAlreadyUsed)
		if errors.Is(err, store.ErrAlreadyUsed) {
			return usedOrUnknown(ctx, tx, "pushed_requests", hash)
		}
		return err
	})
}
