package sqlite

import (
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store/storetest"
)

// TestRetiredAtMigration: 0065_signing_key_retired_at.sql leaves a key
// retired before it without a retirement time, so no process raises its
// RetireAt (KeepSigningKey): it goes when it was due to.
func TestRetiredAtMigration(t *testing.T) {
	retireAt := time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC)
	s := openWithKeyStoredBefore(t, "0065", `
		INSERT INTO signing_keys (id, algorithm, private_key, encrypted, created_at, retire_at)
		VALUES ('old', 'RS256', x'00', 1, 0, ?)`, micros(retireAt))
	storetest.CheckRetiredBeforeRetiredAt(t, s, retireAt)
}

// TestKeepAfterRetirementMigration:
// 0066_signing_key_keep_after_retirement.sql gives a key stored before it
// no recorded need (KeepAfterRetirement 0) and leaves its retirement as it
// was.
func TestKeepAfterRetirementMigration(t *testing.T) {
	retiredAt := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	retireAt := retiredAt.Add(time.Hour)
	s := openWithKeyStoredBefore(t, "0066", `
		INSERT INTO signing_keys (id, algorithm, private_key, encrypted, created_at, retire_at, retired_at)
		VALUES ('old', 'RS256', x'00', 1, 0, ?, ?)`, micros(retireAt), micros(retiredAt))
	storetest.CheckStoredBeforeKeepAfterRetirement(t, s, retiredAt, retireAt)
}

// openWithKeyStoredBefore migrates a new database to before migration,
// stores a key there with insert and args, and opens it, which applies the
// rest. The store closes when the test ends.
func openWithKeyStoredBefore(t *testing.T, migration, insert string, args ...any) *Store {
	t.Helper()
	path, db, apply := newDatabase(t)
	storetest.MigrateBefore(t, migrations, migration, apply)
	if _, err := db.ExecContext(t.Context(), insert, args...); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open after the upgrade: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
