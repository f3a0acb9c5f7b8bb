package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// migrations are the schema's versions, applied in the order of their names:
// 0001_init.sql, 0002_….sql, … A migration, once released, is never edited;
// a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies the migrations the database has not seen yet, each in its
// own transaction together with its row in schema_migrations, so a crash
// leaves every migration either applied and recorded or neither. Running it
// again, at every start, does nothing.
func migrate(ctx context.Context, db *sql.DB) error {
	names, err := fs.Glob(migrations, "migrations/*.sql") // sorted by name
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, name := range names {
		if err := applyMigration(ctx, db, path.Base(name)); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

// applyMigration applies the migration file name unless schema_migrations
// records it. The transaction begins IMMEDIATE (see dsn): it holds the write
// lock from the start, so processes opening one new database take turns, and
// each sees what the one before it recorded.
func applyMigration(ctx context.Context, db *sql.DB, name string) error {
	version, err := migrationVersion(name)
	if err != nil {
		return err
	}
	body, err := migrations.ReadFile("migrations/" + name)
	if err != nil {
		return err
	}
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
	err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, version).Scan(&applied)
	if err != nil || applied {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		version, name, time.Now().UnixMicro())
	if err != nil {
		return err
	}
	return tx.Commit()
}

// migrationVersion is the number a migration's file name starts with:
// 1 for "0001_init.sql".
func migrationVersion(name string) (int, error) {
	digits, _, ok := strings.Cut(name, "_")
	version, err := strconv.Atoi(digits)
	if !ok || err != nil || version <= 0 {
		return 0, fmt.Errorf("migration file name %q does not start with a version like 0001_", name)
	}
	return version, nil
}
