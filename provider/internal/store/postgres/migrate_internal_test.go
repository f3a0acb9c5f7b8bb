package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/internal/store/storetest"
)

// newDatabase makes an empty schema for an upgrade test, and returns its
// URL, a pool on it (closed when the test ends), and apply, which applies a
// migration through that pool.
func newDatabase(t *testing.T) (url string, pool *pgxpool.Pool, apply func(context.Context, store.Migration) (bool, error)) {
	url = pgtest.NewSchemas(t).Create(t)
	pool, err := pgxpool.New(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return url, pool, func(ctx context.Context, m store.Migration) (bool, error) { return applyMigration(ctx, pool, m) }
}

// TestOpenMigratedRefusesAnOlderDatabase: OpenMigrated, which "provider
// keys rotate" uses beside the providers serving the database, refuses a
// database from before 0062 and does not migrate it under them.
func TestOpenMigratedRefusesAnOlderDatabase(t *testing.T) {
	url, pool, apply := newDatabase(t)
	storetest.MigrateBefore(t, migrations, "0062", apply)
	storetest.RefusedAsOlder(t,
		func() (*Store, error) { return OpenMigrated(t.Context(), url) },
		func() ([]store.Migration, error) { return recordedMigrations(t.Context(), pool) })
}

// TestUpgradeFromTwoFilesOf60: a database migrated when main had two files
// of version 60 records the client metadata documents migration (today's
// 0061) as 0060 and never made ended_login_sessions. Open records that
// migration as 0061, applies 0060_ended_login_sessions.sql, and does not
// apply 0061 again (it would fail: the column already exists).
func TestUpgradeFromTwoFilesOf60(t *testing.T) {
	url, pool, apply := newDatabase(t)
	storetest.MigrateWithTwoFilesOf60(t, migrations, apply)

	log := storetest.CaptureLog(t)
	s, err := Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open after the upgrade: %v", err)
	}
	defer s.Close()
	recorded, err := recordedMigrations(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	storetest.UpgradedFromTwoFilesOf60(t, migrations, log.String(), recorded, s)
}
