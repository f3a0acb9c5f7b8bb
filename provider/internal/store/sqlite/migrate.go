package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// migrations are the schema's versions (see store.Migration).
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies the migrations the database has not seen yet
// (store.Migrate), unless a newer version migrated it.
func migrate(ctx context.Context, db *sql.DB) error {
	recorded, err := recordedMigrations(ctx, db)
	if err != nil {
		return err
	}
	return store.Migrate(ctx, migrations, recorded, func(ctx context.Context, m store.Migration) (bool, error) {
		return applyMigration(ctx, db, m)
	})
}

// checkMigrated refuses a database whose schema is not this version's
// (store.CheckMigrated), changing nothing.
func checkMigrated(ctx context.Context, db *sql.DB) error {
	recorded, err := recordedMigrations(ctx, db)
	if err != nil {
		return err
	}
	return store.CheckMigrated(migrations, recorded)
}

// recordedMigrations reads the versions and names of schema_migrations:
// none before the first start has made the table.
func recordedMigrations(ctx context.Context, db *sql.DB) ([]store.Migration, error) {
	var exists bool
	err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations')`).Scan(&exists)
	if err != nil || !exists {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var recorded []store.Migration
	for rows.Next() {
		var m store.Migration
		if err := rows.Scan(&m.Version, &m.Name); err != nil {
			return nil, err
		}
		recorded = append(recorded, m)
	}
	return recorded, rows.Err()
}

// applyMigration applies m unless schema_migrations records it, and
// reports whether it did: only once its transaction has committed. The transaction begins IMMEDIATE (see dsn): it
// holds the write lock from the start, so processes opening one new
// database take turns, and each sees what the one before it recorded.
func applyMigration(ctx context.Context, db *sql.DB, m store.Migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY, -- the file name's number
			name       TEXT NOT NULL,       -- the file name
			applied_at INTEGER NOT NULL     -- microseconds since the Unix epoch
		) STRICT`)
	if err != nil {
		return false, err
	}
	var recorded bool
	err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.Version).Scan(&recorded)
	if err != nil || recorded {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UnixMicro())
	if err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil { // a full disk fails here: nothing was applied
		return false, err
	}
	return true, nil
}
