package sqlite

import (
	"context"
	"time"
)

// RecordJTI records key in the seen-set until expiresAt and reports whether
// this call recorded it first. "INSERT … ON CONFLICT DO NOTHING" is the
// insert-if-absent: the one writer connection, and SQLite's write lock across
// processes, order the inserts, and only the first changes a row.
func (s *Store) RecordJTI(ctx context.Context, key string, expiresAt time.Time) (bool, error) {
	res, err := s.recordJTI.ExecContext(ctx, key, micros(expiresAt))
	return changedAny("record jti", res, err)
}

// recordJTISQL records a proof's or an assertion's jti (RecordJTI: each
// DPoP-bound request, each private_key_jwt authentication).
const recordJTISQL = `INSERT INTO seen_jtis (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`
