package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// createPushedRequestSQL stores a pushed authorization request
// (CreatePushedRequest: each request to the PAR endpoint).
const createPushedRequestSQL = `
	INSERT INTO pushed_requests (hash, client_id, params, created_at, expires_at, used_at)
	VALUES (?, ?, ?, ?, ?, ?)`

// CreatePushedRequest stores a pushed authorization request; a hash in use
// is store.ErrDuplicate.
func (s *Store) CreatePushedRequest(ctx context.Context, r store.PushedRequest) error {
	_, err := s.createPushedRequest.ExecContext(ctx,
		r.Hash, r.ClientID, r.Params, micros(r.CreatedAt), micros(r.ExpiresAt), nullMicros(r.UsedAt))
	return insertErr("create pushed request", err)
}

// getPushedRequestSQL reads a pushed request by hash (GetPushedRequest:
// each authorization request that names one by its request_uri).
const getPushedRequestSQL = `
	SELECT hash, client_id, params, created_at, expires_at, used_at
	FROM pushed_requests WHERE hash = ?`

// GetPushedRequest returns the pushed request with the given hash, or
// store.ErrNotFound.
func (s *Store) GetPushedRequest(ctx context.Context, hash string) (store.PushedRequest, error) {
	var r store.PushedRequest
	var createdAt, expiresAt int64
	var usedAt sql.NullInt64
	err := s.getPushedRequest.QueryRowContext(ctx, hash).
		Scan(&r.Hash, &r.ClientID, &r.Params, &createdAt, &expiresAt, &usedAt)
	if err != nil {
		return store.PushedRequest{}, getErr("get pushed request", err)
	}
	r.CreatedAt, r.ExpiresAt, r.UsedAt = fromMicros(createdAt), fromMicros(expiresAt), fromNullMicros(usedAt)
	return r, nil
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
