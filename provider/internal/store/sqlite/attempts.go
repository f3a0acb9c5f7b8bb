package sqlite

import (
	"context"
	"fmt"
	"time"
)

// CountAttempt adds one to key's count in the window starting at window,
// unless the count has reached limit, and reports whether it added. The
// upsert's WHERE makes the check and the addition one statement; the one
// writer connection, and SQLite's write lock across processes, order them.
func (s *Store) CountAttempt(ctx context.Context, key string, window time.Time, limit int, expiresAt time.Time) (bool, error) {
	res, err := s.write.ExecContext(ctx, `
		INSERT INTO attempt_counts (key, window_start, count, expires_at) VALUES (?, ?, 1, ?)
		ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1 WHERE count < ?`,
		key, micros(window), micros(expiresAt), limit)
	return changedAny("count attempt", res, err)
}

// UncountAttempt takes one back from key's count in the window starting at
// window, if there is one to take.
func (s *Store) UncountAttempt(ctx context.Context, key string, window time.Time) error {
	_, err := s.write.ExecContext(ctx, `
		UPDATE attempt_counts SET count = count - 1 WHERE key = ? AND window_start = ? AND count > 0`,
		key, micros(window))
	if err != nil {
		return fmt.Errorf("sqlite: uncount attempt: %w", err)
	}
	return nil
}
