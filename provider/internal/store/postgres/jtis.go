package postgres

import (
	"context"
	"fmt"
	"time"
)

// RecordJTI records key in the seen-set until expiresAt and reports whether
// this call recorded it first. "INSERT … ON CONFLICT DO NOTHING" is the
// insert-if-absent: of concurrent inserts of one key, in any process, the
// unique index lets one through and the others wait for it to commit, then
// change nothing.
func (s *Store) RecordJTI(ctx context.Context, key string, expiresAt time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO seen_jtis (key, expires_at) VALUES ($1, $2)
		ON CONFLICT (key) DO NOTHING`, key, expiresAt)
	if err != nil {
		return false, fmt.Errorf("postgres: record jti: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}
