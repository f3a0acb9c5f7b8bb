package postgres

import (
	"context"
	"fmt"
	"time"
)

// CountAttempt adds one to key's count in the window starting at window,
// unless the count has reached limit, and reports whether it added. The
// upsert's WHERE makes the check and the addition one statement: concurrent
// callers in any process wait for the row lock and see each other's counts.
func (s *Store) CountAttempt(ctx context.Context, key string, window time.Time, limit int, expiresAt time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO attempt_counts (key, window_start, count, expires_at) VALUES ($1, $2, 1, $3)
		ON CONFLICT (key, window_start) DO UPDATE SET count = attempt_counts.count + 1
		WHERE attempt_counts.count < $4`,
		key, window, expiresAt, limit)
	if err != nil {
		return false, fmt.Errorf("postgres: count attempt: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UncountAttempt takes one back from key's count in the window starting at
// window, if there is one to take.
func (s *Store) UncountAttempt(ctx context.Context, key string, window time.Time) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE attempt_counts SET count = count - 1 WHERE key = $1 AND window_start = $2 AND count > 0`,
		key, window)
	if err != nil {
		return fmt.Errorf("postgres: uncount attempt: %w", err)
	}
	return nil
}
