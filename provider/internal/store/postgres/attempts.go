package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
)

// ReserveAttempt counts r.Key's failures in r.Window and the window
// before, and its leases not yet ended, and adds a lease when they leave
// room (r.Admits). The first statement creates or locks the key's
// attempt_counts rows of both windows, in the order of time, so concurrent
// reservations of a key, in any process, take turns, even on either side
// of a window's start (both lock the window they share); the counting, a
// statement of its own, sees the leases committed before it.
func (s *Store) ReserveAttempt(ctx context.Context, r store.AttemptReservation) (int64, bool, store.AttemptCounts, error) {
	var lease int64
	var c store.AttemptCounts
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO attempt_counts (key, window_start, count, expires_at) VALUES ($1, $2, 0, $4), ($1, $3, 0, $5)
			ON CONFLICT (key, window_start) DO UPDATE SET count = attempt_counts.count`,
			r.Key, r.PreviousWindow(), r.Window, r.WindowEnd, r.KeepUntil())
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `
			SELECT coalesce(sum(count) FILTER (WHERE window_start = $2), 0),
				coalesce(sum(count) FILTER (WHERE window_start = $3), 0),
				(SELECT count(*) FROM attempt_leases WHERE key = $1 AND lease_until > $4)
			FROM attempt_counts WHERE key = $1 AND window_start IN ($2, $3)`,
			r.Key, r.PreviousWindow(), r.Window, r.Now).Scan(&c.Previous, &c.Failures, &c.Leases)
		if err != nil || !r.Admits(c) {
			return err
		}
		return tx.QueryRow(ctx, `
			INSERT INTO attempt_leases (key, window_start, window_end, lease_until) VALUES ($1, $2, $3, $4)
			RETURNING id`,
			r.Key, r.Window, r.WindowEnd, r.LeaseUntil).Scan(&lease)
	})
	if err != nil {
		return 0, false, c, fmt.Errorf("postgres: reserve attempt: %w", err)
	}
	return lease, lease != 0, c, nil
}

// ConfirmAttempt deletes the lease and adds one to the count of its key
// and window, kept until the end of the next window (window_end plus its
// length), in one statement.
func (s *Store) ConfirmAttempt(ctx context.Context, lease int64) error {
	_, err := s.pool.Exec(ctx, `
		WITH confirmed AS (DELETE FROM attempt_leases WHERE id = $1 RETURNING key, window_start, window_end)
		INSERT INTO attempt_counts (key, window_start, count, expires_at)
		SELECT key, window_start, 1, window_end + (window_end - window_start) FROM confirmed
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
