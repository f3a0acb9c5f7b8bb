package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
)

// CreatePushedRequest stores a pushed authorization request; a hash in use
// is store.ErrDuplicate.
func (s *Store) CreatePushedRequest(ctx context.Context, r store.PushedRequest) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO pushed_requests (hash, client_id, params, created_at, expires_at, opened_at, used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.Hash, r.ClientID, r.Params, r.CreatedAt, r.ExpiresAt, nullTime(r.OpenedAt), nullTime(r.UsedAt))
	return insertErr("create pushed request", err)
}

// GetPushedRequest returns the pushed request with the given hash, or
// store.ErrNotFound.
func (s *Store) GetPushedRequest(ctx context.Context, hash string) (store.PushedRequest, error) {
	var r store.PushedRequest
	var openedAt, usedAt *time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT hash, client_id, params, created_at, expires_at, opened_at, used_at
		FROM pushed_requests WHERE hash = $1`, hash).
		Scan(&r.Hash, &r.ClientID, &r.Params, &r.CreatedAt, &r.ExpiresAt, &openedAt, &usedAt)
	if err != nil {
		return store.PushedRequest{}, getErr("get pushed request", err)
	}
	r.CreatedAt, r.ExpiresAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC()
	r.OpenedAt, r.UsedAt = fromNullTime(openedAt), fromNullTime(usedAt)
	return r, nil
}

// OpenPushedRequest marks the pushed request opened at now, to expire at
// until, and returns it. The UPDATE changes it only while opened_at is NULL
// and it has not expired, so of concurrent openings in any process exactly
// one moves the expiry (a racer's UPDATE waits for the row and then finds
// opened_at set); the others, and every later one, read the window it set.
func (s *Store) OpenPushedRequest(ctx context.Context, hash string, now, until time.Time) (store.PushedRequest, error) {
	_, err := s.pool.Exec(ctx, `
		UPDATE pushed_requests SET opened_at = $1, expires_at = $2
		WHERE hash = $3 AND opened_at IS NULL AND expires_at > $1`, now, until, hash)
	if err != nil {
		return store.PushedRequest{}, fmt.Errorf("postgres: open pushed request: %w", err)
	}
	return s.GetPushedRequest(ctx, hash)
}

// ConsumePushedRequest marks the pushed request used at now. The UPDATE
// changes it only while used_at is NULL, so of concurrent callers in any
// process exactly one succeeds; the others get store.ErrAlreadyUsed.
func (s *Store) ConsumePushedRequest(ctx context.Context, hash string, now time.Time) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE pushed_requests SET used_at = $1 WHERE hash = $2 AND used_at IS NULL`, now, hash)
		err = changedOne("consume pushed request", tag, err, store.ErrAlreadyUsed)
		if errors.Is(err, store.ErrAlreadyUsed) {
			return usedOrUnknown(ctx, tx, "pushed_requests", hash)
		}
		return err
	})
}
