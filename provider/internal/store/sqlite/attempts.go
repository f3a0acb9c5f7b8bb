package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/oauth-reference/provider/internal/store"
)

// ReserveAttempt counts r.Key's failures in r.Window and the window
// before, and its leases not yet ended, and adds a lease when they leave
// room (r.Admits). Counting and adding are one transaction, which holds
// the write lock from its BEGIN (IMMEDIATE), taken by the one writer
// connection and, across processes, by SQLite.
func (s *Store) ReserveAttempt(ctx context.Context, r store.AttemptReservation) (int64, bool, store.AttemptCounts, error) {
	var lease int64
	var c store.AttemptCounts
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			SELECT coalesce((SELECT count FROM attempt_counts WHERE key = ?1 AND window_start = ?2), 0),
				coalesce((SELECT count FROM attempt_counts WHERE key = ?1 AND window_start = ?3), 0),
				(SELECT count(*) FROM attempt_leases WHERE key = ?1 AND lease_until > ?4)`,
			r.Key, micros(r.PreviousWindow()), micros(r.Window), micros(r.Now)).Scan(&c.Previous, &c.Failures, &c.Leases)
		if err != nil || !r.Admits(c) {
			return err
		}
		return tx.QueryRowContext(ctx, `
			INSERT INTO attempt_leases (key, window_start, window_end, lease_until) VALUES (?, ?, ?, ?)
			RETURNING id`,
			r.Key, micros(r.Window), micros(r.WindowEnd), micros(r.LeaseUntil)).Scan(&lease)
	})
	if err != nil {
		return 0, false, c, fmt.Errorf("sqlite: reserve attempt: %w", err)
	}
	return lease, lease != 0, c, nil
}

// ConfirmAttempt adds one to the count of the lease's key and window,
// kept until the end of the next window (window_end plus its length), and
// deletes the lease, in one transaction.
func (s *Store) ConfirmAttempt(ctx context.Context, lease int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO attempt_counts (key, window_start, count, expires_at)
			SELECT key, window_start, 1, 2*window_end - window_start FROM attempt_leases WHERE id = ?
			ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1`, lease)
		if err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM attempt_leases WHERE id = ?`, lease)
		}
		if err != nil {
			return fmt.Errorf("sqlite: confirm attempt: %w", err)
		}
		return nil
	})
}

// ReleaseAttempt deletes the lease.
func (s *Store) ReleaseAttempt(ctx context.Context, lease int64) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM attempt_leases WHERE id = ?`, lease); err != nil {
		return fmt.Errorf("sqlite: release attempt: %w", err)
	}
	return nil
}
