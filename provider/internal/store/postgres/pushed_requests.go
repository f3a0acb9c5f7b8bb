package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
)

// CreatePushedRequest stores a pushed authorization request; a hash in use
// is store.ErrDuplicate.
func (s *Store) CreatePushedRequest(ctx context.Context, r store.PushedRequest) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO pushed_requests (hash, client_id, params, created_at, expires_at, used_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		r.Hash, r.ClientID, r.Params, r.CreatedAt, r.ExpiresAt, nullTime(r.UsedAt))
	return insertErr("create pushed request", err)
}

// GetPushedRequest returns the pushed request with the given hash, or
// store.ErrNotFound.
func (s *Store) GetPushedRequest(ctx context.Context, hash string) (store.PushedRequest, error) {
	var r store.PushedRequest
	var usedAt *time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT hash, client_id, params, created_at, expires_at, used_at
		FROM pushed_requests WHERE hash = $1`, hash).
		Scan(&r.Hash, &r.ClientID, &r.Params, &r.CreatedAt, &r.ExpiresAt, &usedAt)
	if err != nil {
		return store.PushedRequest{}, getErr("get pushed request", err)
	}
	r.CreatedAt, r.ExpiresAt, r.UsedAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC(), fromNullTime(usedAt)
	return r, nil
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
