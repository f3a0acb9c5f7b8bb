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
// (store.Migrate).
func migrate(ctx context.Context, db *sql.DB) error {
	return store.Migrate(ctx, migrations, func(ctx context.Context, m store.Migration) error {
		return applyMigration(ctx, db, m)
	})
}

// applyMigration applies m unless schema_migrations records it. The
// transaction begins IMMEDIATE (see dsn): it holds the write lock from the
// start, so processes opening one new database take turns, and each sees
// what the one before it recorded.
func applyMigration(ctx context.Context, db *sql.DB, m store.Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY, -- the file name's number
			name       TEXT NOT NULL,       -- the file name
			applied_at INTEGER NOT NULL     -- microseconds since the Unix epoch
		) STRICT`)
	if err != nil {
		return err
	}
	var applied bool
	err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.Version).Scan(&applied)
	if err != nil || applied {
		return err
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UnixMicro())
	if err != nil {
		return err
	}
	return tx.Commit()
}
