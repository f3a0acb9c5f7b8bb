package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema's versions, applied in the order of their names:
// 0001_init.sql, 0002_….sql, … A migration, once released, is never edited;
// a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the key of the advisory lock that migrations hold. It is
// arbitrary; it only has to be the same in every provider process.
const migrationLock int64 = 6749_8628

// migrate applies the migrations the database has not seen yet, each in its
// own transaction together with its row in schema_migrations, so a crash
// leaves every migration either applied and recorded or neither. Running it
// again, at every start, does nothing.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	names, err := fs.Glob(migrations, "migrations/*.sql") // sorted by name
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, name := range names {
		if err := applyMigration(ctx, pool, path.Base(name)); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

// applyMigration applies the migration file name unless schema_migrations
// records it. pg_advisory_xact_lock makes processes that start together take
// turns until the transaction ends, so the second one sees the first's row.
func applyMigration(ctx context.Context, pool *pgxpool.Pool, name string) error {
	version, err := migrationVersion(name)
	if err != nil {
		return err
	}
	body, err := migrations.ReadFile("migrations/" + name)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			CREATE TABLE IF NOT EXISTS schema_migrations (
				version    integer PRIMARY KEY, -- the file name's number
				name       text NOT NULL,       -- the file name
				applied_at timestamptz NOT NULL DEFAULT now()
			)`)
		if err != nil {
			return err
		}
		var applied bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version).Scan(&applied)
		if err != nil || applied {
			return err
		}
		// Without arguments pgx sends the file as one simple query, which
		// may hold several statements.
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, version, name)
		return err
	})
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
