package postgres

import (
	"context"
	"embed"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oauth-reference/provider/internal/store"
)

// migrations are the schema's versions (see store.Migration).
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the key of the advisory lock that migrations hold. It is
// arbitrary; it only has to be the same in every provider process.
const migrationLock int64 = 6749_8628

// migrate applies the migrations the database has not seen yet
// (store.Migrate), unless a newer version migrated it.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	recorded, err := recordedMigrations(ctx, pool)
	if err != nil {
		return err
	}
	return store.Migrate(ctx, migrations, recorded, func(ctx context.Context, m store.Migration) (bool, error) {
		return applyMigration(ctx, pool, m)
	})
}

// checkMigrated refuses a database whose schema is not this version's
// (store.CheckMigrated), changing nothing.
func checkMigrated(ctx context.Context, pool *pgxpool.Pool) error {
	recorded, err := recordedMigrations(ctx, pool)
	if err != nil {
		return err
	}
	return store.CheckMigrated(migrations, recorded)
}

// recordedMigrations reads the versions and names of schema_migrations:
// none before the first start has made the table.
func recordedMigrations(ctx context.Context, pool *pgxpool.Pool) ([]store.Migration, error) {
	var exists bool
	err := pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists)
	if err != nil || !exists {
		return nil, err
	}
	rows, err := pool.Query(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Migration, error) {
		var m store.Migration
		err := row.Scan(&m.Version, &m.Name)
		return m, err
	})
}

// applyMigration applies m unless schema_migrations records it, and
// reports whether it did. pg_advisory_xact_lock makes processes that start
// together take turns until the transaction ends, so the second one sees
// the first's row.
func applyMigration(ctx context.Context, pool *pgxpool.Pool, m store.Migration) (bool, error) {
	applied := false
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
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
		var recorded bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&recorded)
		if err != nil || recorded {
			return err
		}
		// Without arguments pgx sends the file as one simple query, which
		// may hold several statements.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
		applied = err == nil
		return err
	})
	return applied && err == nil, err
}
