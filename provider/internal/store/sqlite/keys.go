package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// CreateSigningKey stores a new signing key; a kid in use is
// store.ErrDuplicate.
func (s *Store) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	return createSigningKey(ctx, s.write, k)
}

// createSigningKey inserts k with db, which may be a transaction.
func createSigningKey(ctx context.Context, db execer, k store.SigningKey) error {
	_, err := db.ExecContext(ctx, `
		INSERT INTO signing_keys (id, algorithm, private_key, encrypted, created_at, retire_at, retired_at, keep_after_retirement_us)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Algorithm, k.PrivateKey, k.Encrypted, micros(k.CreatedAt), nullMicros(k.RetireAt), nullMicros(k.RetiredAt), k.KeepAfterRetirement.Microseconds())
	return insertErr("create signing key", err)
}

// ListSigningKeys returns every signing key, newest first.
func (s *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := s.read.QueryContext(ctx, `
		SELECT id, algorithm, private_key, encrypted, created_at, retire_at, retired_at, keep_after_retirement_us
		FROM signing_keys ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list signing keys: %w", err)
	}
	defer rows.Close()
	var keys []store.SigningKey
	for rows.Next() {
		var k store.SigningKey
		var createdAt, keepMicros int64
		var retireAt, retiredAt sql.NullInt64
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.Encrypted, &createdAt, &retireAt, &retiredAt, &keepMicros); err != nil {
			return nil, fmt.Errorf("sqlite: list signing keys: %w", err)
		}
		k.CreatedAt, k.RetireAt, k.RetiredAt = fromMicros(createdAt), fromNullMicros(retireAt), fromNullMicros(retiredAt)
		k.KeepAfterRetirement = time.Duration(keepMicros) * time.Microsecond
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list signing keys: %w", err)
	}
	return keys, nil
}

// RotateSigningKey stores k and retires every other unretired key of its
// algorithm as of k.CreatedAt, or as of the key's own creation if that is
// later (store.Store), until retireAt or its retirement plus its
// keep_after_retirement_us, whichever is later, in one transaction. The transaction begins
// IMMEDIATE (see dsn), so rotations run one after the other, in any
// process: the last leaves its key the only unretired one.
func (s *Store) RotateSigningKey(ctx context.Context, k store.SigningKey, retireAt time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := createSigningKey(ctx, tx, k); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE signing_keys SET retire_at = max(?1, max(?2, created_at) + keep_after_retirement_us), retired_at = max(?2, created_at)
			WHERE retire_at IS NULL AND algorithm = ?3 AND id <> ?4`,
			micros(retireAt), micros(k.CreatedAt), k.Algorithm, k.ID); err != nil {
			return fmt.Errorf("sqlite: retire signing keys: %w", err)
		}
		return nil
	})
}

// KeepSigningKey raises keep_after_retirement_us of key id to keep where
// it is lower, and its retire_at, if it has a retired_at, to retired_at+keep
// where that is earlier (a comparison with NULL is not true, so a key
// without retired_at keeps its retire_at).
func (s *Store) KeepSigningKey(ctx context.Context, id string, keep time.Duration) error {
	_, err := s.write.ExecContext(ctx, `
		UPDATE signing_keys SET keep_after_retirement_us = ?2,
			retire_at = CASE WHEN retire_at < retired_at + ?2 THEN retired_at + ?2 ELSE retire_at END
		WHERE id = ?1 AND keep_after_retirement_us < ?2`, id, keep.Microseconds())
	if err != nil {
		return fmt.Errorf("sqlite: keep signing key: %w", err)
	}
	return nil
}

// DeleteRetiredSigningKeys deletes the keys whose RetireAt is before now and
// returns how many went.
func (s *Store) DeleteRetiredSigningKeys(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM signing_keys WHERE retire_at < ?`, micros(now))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete retired signing keys: %w", err)
	}
	return res.RowsAffected()
}

// EraseReplacedSigningKeys rebuilds the database file with VACUUM, which
// leaves no free page holding a replaced key's bytes, then checkpoints the
// write-ahead log into it and truncates the log, whose frames may hold the
// pages as they were before. Both run in one turn of the write pool.
func (s *Store) EraseReplacedSigningKeys(ctx context.Context) error {
	if err := s.write.take(ctx); err != nil {
		return fmt.Errorf("sqlite: vacuum: %w", err)
	}
	defer s.write.give()
	if _, err := s.write.db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("sqlite: vacuum: %w", err)
	}
	var busy, walFrames, checkpointed int
	err := s.write.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &walFrames, &checkpointed)
	if err != nil {
		return fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	if busy != 0 {
		return errors.New("sqlite: checkpoint: another connection is reading the write-ahead log; it was not truncated")
	}
	return nil
}

// SealSigningKey replaces a private key that is still was by sealed.
func (s *Store) SealSigningKey(ctx context.Context, id string, was, sealed []byte) error {
	_, err := s.write.ExecContext(ctx, `
		UPDATE signing_keys SET private_key = ?, encrypted = 1 WHERE id = ? AND private_key = ?`,
		sealed, id, was)
	if err != nil {
		return fmt.Errorf("sqlite: seal signing key: %w", err)
	}
	return nil
}
