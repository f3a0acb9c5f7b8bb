package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
)

// ReserveAttempt adds a lease for r.Key in r.Window unless the window's
// failures and leases not yet ended have reached r.Limit, and reports
// whether it added one. The first statement creates or locks the key's
// attempt_counts row and reads its failures, so concurrent reservations of
// a key, in any process, take turns; each one's count of leases, a
// statement of its own, sees the leases committed before it.
func (s *Store) ReserveAttempt(ctx context.Context, r store.AttemptReservation) (int64, bool, error) {
	var lease int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var failures int
		err := tx.QueryRow(ctx, `
			INSERT INTO attempt_counts (key, window_start, count, expires_at) VALUES ($1, $2, 0, $3)
			ON CONFLICT (key, window_start) DO UPDATE SET count = attempt_counts.count
			RETURNING count`,
			r.Key, r.Window, r.WindowEnd).Scan(&failures)
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
			INSERT INTO attempt_leases (key, window_start, window_end, lease_until)
			SELECT $1, $2, $3, $4
			WHERE $5 + (SELECT count(*) FROM attempt_leases WHERE key = $1 AND window_start = $2 AND lease_until > $6) < $7
			RETURNING id`,
			r.Key, r.Window, r.WindowEnd, r.LeaseUntil, failures, r.Now, r.Limit).Scan(&lease)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("postgres: reserve attempt: %w", err)
	}
	return lease, true, nil
}

// ConfirmAttempt deletes the lease and adds one to the count of its key
// and window, in one statement.
func (s *Store) ConfirmAttempt(ctx context.Context, lease int64) error {
	_, err := s.pool.Exec(ctx, `
		WITH confirmed AS (DELETE FROM attempt_leases WHERE id = $1 RETURNING key, window_start, window_end)
		INSERT INTO attempt_counts (key, window_start, count, expires_at)
		SELECT key, window_start, 1, window_end FROM confirmed
		ON CONFLICT (key, window_start) DO UPDATE SET count = attempt_counts.count + 1`, lease)
	if err != nil {
		return fmt.Errorf("postgres: confirm attempt: %w", err)
	}
	return nil
}

// ReleaseAttempt deletes the lease.
func (s *Store) ReleaseAttempt(ctx context.Context, lease int64) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM attempt_leases WHERE id = $1`, lease); err != nil {
		return fmt.Errorf("postgres: release attempt: %w", err)
	}
	return nil
}
