package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one version of a backend's schema: a file of its
// migrations directory, 0001_init.sql, 0002_….sql, … A migration, once
// released, is never edited; a change to the schema is a new file.
type Migration struct {
	Version int    // the number the file name starts with: 1 for "0001_init.sql"
	Name    string // the file name
	SQL     string // the statements
}

// Migrate applies the migrations of fsys (its migrations/*.sql) in the
// order of their names, each with apply, unless the database records one
// that fsys does not have (recorded: the versions and names of its
// schema_migrations as they were): a newer version of the provider migrated
// it, and this one, which does not know that schema, could misread its data
// or fail on it (a rollback); it is refused before anything is applied. A
// database that lacks some of fsys's migrations is older, and Migrate brings
// it up to date. A backend's apply runs one
// migration in its own transaction together with its row in
// schema_migrations, and does nothing when that row exists, so a crash
// leaves every migration either applied and recorded or neither, and
// running Migrate again, at every start, does nothing. apply reports
// whether it applied the migration; those applied are logged in one line,
// so the log of a start after an upgrade says what it changed.
//
// A migration the database records under a version main later moved it
// from (renumberedMigrations) is first recorded under its version today.
//
// Each file's version must be above the one before it: two files of one
// version would be one row in schema_migrations, and the second would never
// run. Nothing is applied unless every file is in order.
//
// The migrations recorded are not handed to apply: a database migrated
// before needs no write lock to be opened again. (apply checks once more,
// in its transaction, for a process that started at the same time.)
func Migrate(ctx context.Context, fsys fs.FS, recorded []Migration, apply func(context.Context, Migration) (bool, error)) error {
	migrations, err := readMigrations(fsys)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := refuseUnknown(migrations, recorded); err != nil {
		return err
	}
	if err := renumber(ctx, migrations, recorded, apply); err != nil {
		return err
	}
	var applied []string
	defer func() {
		if applied != nil {
			slog.Info("store migrated", "applied", strings.Join(applied, " "))
		}
	}()
	for _, m := range pending(migrations, recorded) {
		done, err := apply(ctx, m)
		if done {
			applied = append(applied, m.Name)
		}
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
	}
	return nil
}

// ErrNoSchema is the error of CheckMigrated for a database that records no
// migration: no provider has used it.
var ErrNoSchema = errors.New("the database has no schema: no provider has used it")

// ErrSchemaOlder is the error of CheckMigrated for a database that lacks
// some of the migrations this version has.
var ErrSchemaOlder = errors.New("the database's schema is older than this version")

// CheckMigrated checks, changing nothing, that a database whose
// schema_migrations records recorded has the schema of fsys: it refuses one
// that records nothing (ErrNoSchema), one a newer version migrated (as
// Migrate refuses it), and one that lacks a migration of fsys
// (ErrSchemaOlder). A command that runs beside the providers serving a
// database uses it instead of Migrate: migrating under them would change
// the schema they read.
func CheckMigrated(fsys fs.FS, recorded []Migration) error {
	migrations, err := readMigrations(fsys)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(recorded) == 0 {
		return ErrNoSchema
	}
	if err := refuseUnknown(migrations, recorded); err != nil {
		return err
	}
	var missing []string
	for _, m := range pending(migrations, recorded) {
		missing = append(missing, m.Name)
	}
	if missing != nil {
		return fmt.Errorf("%w (it lacks %s)", ErrSchemaOlder, strings.Join(missing, ", "))
	}
	return nil
}

// pending returns the migrations that recorded does not hold under their
// version and name, in their order. A migration recorded under its version
// with another name was renumbered (renumberedMigrations), and the one that
// has its version today is still pending.
func pending(migrations, recorded []Migration) []Migration {
	var todo []Migration
	for _, m := range migrations {
		if !slices.ContainsFunc(recorded, func(r Migration) bool { return r.Version == m.Version && r.Name == m.Name }) {
			todo = append(todo, m)
		}
	}
	return todo
}

// retiredMigrations are migrations that main carried for a while and then
// took back with the change that needed them, by version. A database that
// records one ran that version of main, not a newer one, and is not
// refused; what the migration added is left in place, unused. Their versions
// are never given to another migration: a database that records one would
// never apply it.
var retiredMigrations = map[int]string{
	70: "0070_pushed_request_opened.sql", // a nullable column of pushed_requests
}

// renumberedMigrations are migrations that main released under one version
// and later moved to the next free one, by the name a database records for
// them, with the name of their file today. For a while main had two files
// of version 60: a database migrated then records
// 0060_client_metadata_documents.sql, today's 0061, under version 60, and
// never ran 0060_ended_login_sessions.sql (schema_migrations has one row
// per version). Migrate records such a migration under its version today
// before applying anything, so the one that now has its old version is
// applied, and it is not applied a second time.
var renumberedMigrations = map[string]string{
	"0060_client_metadata_documents.sql": "0061_client_metadata_documents.sql",
}

// renumber records under its version today each recorded migration that
// main renumbered (renumberedMigrations). The move is itself applied by
// apply, as a migration of the new version and name whose statement deletes
// the old row: so it is one transaction, and however many processes start
// together it is made once.
func renumber(ctx context.Context, migrations, recorded []Migration, apply func(context.Context, Migration) (bool, error)) error {
	for _, old := range recorded {
		name, ok := renumberedMigrations[old.Name]
		if !ok {
			continue
		}
		i := slices.IndexFunc(migrations, func(m Migration) bool { return m.Name == name })
		if i < 0 {
			return fmt.Errorf("migrate: %s, recorded, is now %s, which is missing", old.Name, name)
		}
		move := Migration{
			Version: migrations[i].Version,
			Name:    name,
			SQL:     fmt.Sprintf("DELETE FROM schema_migrations WHERE version = %d AND name = '%s'", old.Version, old.Name),
		}
		done, err := apply(ctx, move)
		if err != nil {
			return fmt.Errorf("migrate: record %s as %s: %w", old.Name, name, err)
		}
		if done {
			slog.Info("store migration renumbered", "recorded", old.Name, "as", name)
		}
	}
	return nil
}

// refuseUnknown names the recorded migrations that are neither among
// migrations nor retired, if any.
func refuseUnknown(migrations, recorded []Migration) error {
	known := make(map[int]bool, len(migrations))
	for _, m := range migrations {
		known[m.Version] = true
	}
	var unknown []string
	for _, m := range recorded {
		if !known[m.Version] && retiredMigrations[m.Version] != m.Name {
			unknown = append(unknown, m.Name)
		}
	}
	if unknown == nil {
		return nil
	}
	return fmt.Errorf("the database was migrated by a newer version of the provider (it records %s, which this version does not have): run that version or a later one, or restore the database backed up before the upgrade", strings.Join(unknown, ", "))
}

// readMigrations reads every migration of fsys, in the order of their names,
// and checks that their versions rise and that none is a retired one's.
func readMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql") // sorted by name
	if err != nil {
		return nil, err
	}
	migrations := make([]Migration, 0, len(names))
	for _, name := range names {
		m, err := readMigration(fsys, name)
		if err != nil {
			return nil, err
		}
		if retired, ok := retiredMigrations[m.Version]; ok {
			return nil, fmt.Errorf("migration %s has version %d, which %s had before it was taken back: give it the next free number", m.Name, m.Version, retired)
		}
		if n := len(migrations); n > 0 && m.Version <= migrations[n-1].Version {
			return nil, fmt.Errorf("migration %s has version %d, not above %s's: give it the next free number", m.Name, m.Version, migrations[n-1].Name)
		}
		migrations = append(migrations, m)
	}
	return migrations, nil
}

// readMigration reads the migration file at name in fsys.
func readMigration(fsys fs.FS, name string) (Migration, error) {
	m := Migration{Name: path.Base(name)}
	digits, _, ok := strings.Cut(m.Name, "_")
	version, err := strconv.Atoi(digits)
	if !ok || err != nil || version <= 0 {
		return Migration{}, fmt.Errorf("migration file name %q does not start with a version like 0001_", m.Name)
	}
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Migration{}, err
	}
	m.Version, m.SQL = version, string(body)
	return m, nil
}
