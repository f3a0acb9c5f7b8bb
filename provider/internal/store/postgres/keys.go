package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
)

// CreateSigningKey stores a new signing key; a kid in use is
// store.ErrDuplicate.
func (s *Store) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	return createSigningKey(ctx, s.pool, k)
}

// createSigningKey inserts k with db, the pool or a transaction.
func createSigningKey(ctx context.Context, db querier, k store.SigningKey) error {
	_, err := db.Exec(ctx, `
		INSERT INTO signing_keys (id, algorithm, private_key, encrypted, created_at, retire_at, retired_at, keep_after_retirement_us)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		k.ID, k.Algorithm, k.PrivateKey, k.Encrypted, k.CreatedAt, nullTime(k.RetireAt), nullTime(k.RetiredAt), k.KeepAfterRetirement.Microseconds())
	return insertErr("create signing key", err)
}

// ListSigningKeys returns every signing key, newest first.
func (s *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, algorithm, private_key, encrypted, created_at, retire_at, retired_at, keep_after_retirement_us
		FROM signing_keys ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list signing keys: %w", err)
	}
	defer rows.Close()
	var keys []store.SigningKey
	for rows.Next() {
		var k store.SigningKey
		var retireAt, retiredAt *time.Time
		var keepMicros int64
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.Encrypted, &k.CreatedAt, &retireAt, &retiredAt, &keepMicros); err != nil {
			return nil, fmt.Errorf("postgres: list signing keys: %w", err)
		}
		k.CreatedAt, k.RetireAt, k.RetiredAt = k.CreatedAt.UTC(), fromNullTime(retireAt), fromNullTime(retiredAt)
		k.KeepAfterRetirement = time.Duration(keepMicros) * time.Microsecond
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list signing keys: %w", err)
	}
	return keys, nil
}

// RotateSigningKey stores k and retires every other unretired key of its
// algorithm as of k.CreatedAt, or as of the key's own creation if that is
// later (store.Store), until retireAt or its retirement plus its
// keep_after_retirement_us, whichever is later, in one transaction. It first locks the table
// against other writers (readers go on): rotations run one after the
// other, in any process, each seeing the keys the ones before committed,
// so the last leaves its key the only unretired one. Under READ COMMITTED
// without the lock, two rotations could each retire the other's new key.
func (s *Store) RotateSigningKey(ctx context.Context, k store.SigningKey, retireAt time.Time) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("postgres: lock signing keys: %w", err)
		}
		if err := createSigningKey(ctx, tx, k); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE signing_keys
			SET retire_at = greatest($1, greatest($2::timestamptz, created_at) + keep_after_retirement_us * interval '1 microsecond'),
				retired_at = greatest($2::timestamptz, created_at)
			WHERE retire_at IS NULL AND algorithm = $3 AND id <> $4`,
			retireAt, k.CreatedAt, k.Algorithm, k.ID); err != nil {
			return fmt.Errorf("postgres: retire signing keys: %w", err)
		}
		return nil
	})
}

// KeepSigningKey raises keep_after_retirement_us of key id to keep where
// it is lower, and its retire_at, if it has a retired_at, to retired_at+keep
// where that is earlier (greatest ignores a NULL retired_at). A change
// notifies every process (migrations 0091 and 0093), so the caller calls
// it only when the key needs it.
func (s *Store) KeepSigningKey(ctx context.Context, id string, keep time.Duration) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE signing_keys
		SET keep_after_retirement_us = $2, retire_at = greatest(retire_at, retired_at + $2 * interval '1 microsecond')
		WHERE id = $1 AND keep_after_retirement_us < $2`, id, keep.Microseconds())
	if err != nil {
		return fmt.Errorf("postgres: keep signing key: %w", err)
	}
	return nil
}

// DeleteRetiredSigningKeys deletes the keys whose RetireAt is before now and
// returns how many went.
func (s *Store) DeleteRetiredSigningKeys(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM signing_keys WHERE retire_at < $1`, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete retired signing keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

// EraseReplacedSigningKeys moves signing_keys into a new file holding only
// the rows' live versions, so no dead version holding a replaced key is
// left in the table's files: the live rows are copied aside, the table is
// emptied with TRUNCATE, which gives it a new, empty file (the old one is
// emptied at commit), and they are copied back, all in one transaction.
// VACUUM FULL, which did this before, keeps the dead versions that a
// transaction still open anywhere in the database might see, in cleartext
// in the new file too; TRUNCATE keeps nothing for older snapshots (it is
// not MVCC-safe: a transaction that began before it and reads the table
// only after it finds it empty, and the provider reads signing_keys in
// single statements).
func (s *Store) EraseReplacedSigningKeys(ctx context.Context) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for _, statement := range []string{
			// First the lock TRUNCATE would take at its turn: a key that
			// another process stores meanwhile waits for the commit, and is
			// not copied aside too early, then truncated (and two starts
			// that erase at once wait in turn instead of deadlocking).
			`LOCK TABLE signing_keys IN ACCESS EXCLUSIVE MODE`,
			`CREATE TEMPORARY TABLE live_signing_keys ON COMMIT DROP AS SELECT * FROM signing_keys`,
			`TRUNCATE signing_keys`,
			`INSERT INTO signing_keys SELECT * FROM live_signing_keys`,
		} {
			if _, err := tx.Exec(ctx, statement); err != nil {
				return fmt.Errorf("postgres: erase replaced signing keys: %w", err)
			}
		}
		return nil
	})
}

// SealSigningKey replaces a private key that is still was by sealed.
func (s *Store) SealSigningKey(ctx context.Context, id string, was, sealed []byte) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE signing_keys SET private_key = $1, encrypted = true WHERE id = $2 AND private_key = $3`,
		sealed, id, was)
	if err != nil {
		return fmt.Errorf("postgres: seal signing key: %w", err)
	}
	return nil
}
