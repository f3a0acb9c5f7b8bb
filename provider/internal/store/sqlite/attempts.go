package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/oauth-reference/provider/internal/store"
)

// ReserveAttempt adds a lease for r.Key in r.Window unless the window's
// failures and leases not yet ended have reached r.Limit, and reports
// whether it added one. The INSERT's WHERE makes the check and the addition
// one statement; a writing statement holds the write lock from its start,
// taken by the one writer connection and, across processes, by SQLite.
func (s *Store) ReserveAttempt(ctx context.Context, r store.AttemptReservation) (int64, bool, error) {
	var lease int64
	err := s.write.QueryRowContext(ctx, `
		INSERT INTO attempt_leases (key, window_start, window_end, lease_until)
		SELECT ?1, ?2, ?3, ?4
		WHERE (SELECT count(*) FROM attempt_leases WHERE key = ?1 AND window_start = ?2 AND lease_until > ?5)
			+ coalesce((SELECT count FROM attempt_counts WHERE key = ?1 AND window_start = ?2), 0) < ?6
		RETURNING id`,
		r.Key, micros(r.Window), micros(r.WindowEnd), micros(r.LeaseUntil), micros(r.Now), r.Limit).Scan(&lease)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("sqlite: reserve attempt: %w", err)
	}
	return lease, true, nil
}

// ConfirmAttempt adds one to the count of the lease's key and window and
// deletes the lease, in one transaction.
func (s *Store) ConfirmAttempt(ctx context.Context, lease int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO attempt_counts (key, window_start, count, expires_at)
			SELECT key, window_start, 1, window_end FROM attempt_leases WHERE id = ?
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
