package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/storetest"
)

// newDatabase makes an empty database file for an upgrade test, and returns
// its path, a connection to it (closed when the test ends), and apply,
// which applies a migration on that connection.
func newDatabase(t *testing.T) (path string, db *sql.DB, apply func(context.Context, store.Migration) (bool, error)) {
	path = filepath.Join(t.TempDir(), "provider.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return path, db, func(ctx context.Context, m store.Migration) (bool, error) { return applyMigration(ctx, db, m) }
}

// TestUpgradeFromTwoFilesOf60: a database migrated when main had two files
// of version 60 records the client metadata documents migration (today's
// 0061) as 0060 and never made ended_login_sessions. Open records that
// migration as 0061, applies 0060_ended_login_sessions.sql, and does not
// apply 0061 again (it would fail: duplicate column).
func TestUpgradeFromTwoFilesOf60(t *testing.T) {
	path, db, apply := newDatabase(t)
	storetest.MigrateWithTwoFilesOf60(t, migrations, apply)

	log := storetest.CaptureLog(t)
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open after the upgrade: %v", err)
	}
	defer s.Close()
	recorded, err := recordedMigrations(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	storetest.UpgradedFromTwoFilesOf60(t, migrations, log.String(), recorded, s)
}

// TestOpenMigratedRefusesAnOlderDatabase: OpenMigrated, which "provider
// keys rotate" uses beside the providers serving the database, refuses a
// database from before 0062 and does not migrate it under them.
func TestOpenMigratedRefusesAnOlderDatabase(t *testing.T) {
	path, db, apply := newDatabase(t)
	storetest.MigrateBefore(t, migrations, "0062", apply)
	storetest.RefusedAsOlder(t,
		func() (*Store, error) { return OpenMigrated(t.Context(), path) },
		func() ([]store.Migration, error) { return recordedMigrations(t.Context(), db) })
}

// TestMigrationWhoseCommitFailsIsNotApplied: a migration whose COMMIT
// fails (here a deferred foreign key it breaks, which SQLite checks only
// at COMMIT; a full disk fails there too) reports an error and not
// applied, so the start's log does not name it among the migrations it
// applied; a later connection sees nothing of it.
func TestMigrationWhoseCommitFailsIsNotApplied(t *testing.T) {
	path, _, apply := newDatabase(t)
	applied, err := apply(t.Context(), store.Migration{Version: 1, Name: "0001_broken.sql", SQL: `
		CREATE TABLE parent (id INTEGER PRIMARY KEY);
		CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
		INSERT INTO child (parent) VALUES (1);`})
	if applied || err == nil {
		t.Fatalf("applyMigration with a COMMIT that fails: got applied %v, err %v; want false and an error", applied, err)
	}
	later, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		t.Fatal(err)
	}
	defer later.Close()
	if recorded, err := recordedMigrations(t.Context(), later); err != nil || len(recorded) != 0 {
		t.Errorf("schema_migrations after the failed COMMIT: got %v, %v; want none", recorded, err)
	}
}
