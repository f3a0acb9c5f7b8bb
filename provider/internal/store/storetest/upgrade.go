package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// MigrateBefore applies, with apply, the migrations of fsys whose names sort
// before name: the database of a provider from before that migration, which
// an upgrade test fills and then opens with every migration.
func MigrateBefore(t *testing.T, fsys fs.FS, name string, apply func(context.Context, store.Migration) (bool, error)) {
	t.Helper()
	err := store.Migrate(t.Context(), fsys, nil, func(ctx context.Context, m store.Migration) (bool, error) {
		if m.Name >= name {
			return false, nil
		}
		return apply(ctx, m)
	})
	if err != nil {
		t.Fatalf("migrate to before %s: %v", name, err)
	}
}

// CaptureLog sends what slog's default logger writes, as text, to the
// buffer it returns, until the test ends: where a migration's line goes.
func CaptureLog(t *testing.T) *bytes.Buffer {
	var log bytes.Buffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, nil)))
	t.Cleanup(func() { slog.SetDefault(previous) })
	return &log
}

// NewerMigration is a migration of a newer version of the provider: a
// rollback test records it in schema_migrations, as that version would
// have, and checks with RefusedAsNewer that Open refuses the database.
var NewerMigration = store.Migration{Version: 9999, Name: "9999_from_a_newer_version.sql"}

// RefusedAsNewer checks that open fails on a database that records
// NewerMigration, and that the error names it.
func RefusedAsNewer[S interface{ Close() error }](t *testing.T, open func() (S, error)) {
	t.Helper()
	s, err := open()
	if err == nil {
		s.Close()
	}
	if err == nil || !strings.Contains(err.Error(), NewerMigration.Name) {
		t.Errorf("Open of a database a newer version migrated: got %v, want an error naming %s", err, NewerMigration.Name)
	}
}

// RefusedAsOlder checks that openMigrated (a backend's OpenMigrated) fails
// with store.ErrSchemaOlder on a database that lacks some of this version's
// migrations (made with MigrateBefore), and that the database's
// schema_migrations, read with recorded, is left as it was.
func RefusedAsOlder[S interface{ Close() error }](t *testing.T, openMigrated func() (S, error), recorded func() ([]store.Migration, error)) {
	t.Helper()
	before, err := recorded()
	if err != nil {
		t.Fatal(err)
	}
	s, err := openMigrated()
	if err == nil {
		s.Close()
	}
	if !errors.Is(err, store.ErrSchemaOlder) {
		t.Errorf("OpenMigrated of an older database: got %v, want store.ErrSchemaOlder", err)
	}
	if after, err := recorded(); err != nil || !slices.Equal(after, before) {
		t.Errorf("schema_migrations after OpenMigrated refused: got %v (%v), want %v, as before", after, err, before)
	}
}

// MigrateWithTwoFilesOf60 makes, with apply, the database of a provider
// from the time main had two files of version 60: migrated up to 0060, then
// the client metadata documents migration (today's 0061) applied and
// recorded as 0060_client_metadata_documents.sql, and
// 0060_ended_login_sessions.sql never applied.
func MigrateWithTwoFilesOf60(t *testing.T, fsys fs.FS, apply func(context.Context, store.Migration) (bool, error)) {
	t.Helper()
	MigrateBefore(t, fsys, "0060", apply)
	sql, err := fs.ReadFile(fsys, "migrations/0061_client_metadata_documents.sql")
	if err != nil {
		t.Fatal(err)
	}
	m := store.Migration{Version: 60, Name: "0060_client_metadata_documents.sql", SQL: string(sql)}
	if _, err := apply(t.Context(), m); err != nil {
		t.Fatalf("apply %s: %v", m.Name, err)
	}
}

// UpgradedFromTwoFilesOf60 checks s, opened on the database
// MigrateWithTwoFilesOf60 made: the start's log says it renumbered the
// migration and applied 0060_ended_login_sessions.sql first, recorded (what
// schema_migrations then holds) is every migration of fsys once, under its
// version and name, and a logout can be recorded.
func UpgradedFromTwoFilesOf60(t *testing.T, fsys fs.FS, log string, recorded []store.Migration, s store.Store) {
	t.Helper()
	for _, want := range []string{
		`msg="store migration renumbered" recorded=0060_client_metadata_documents.sql as=0061_client_metadata_documents.sql`,
		`msg="store migrated" applied="0060_ended_login_sessions.sql `,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log of the upgrade: got %q, want it to hold %q", log, want)
		}
	}
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, m := range recorded {
		got = append(got, fmt.Sprintf("%04d %s", m.Version, m.Name))
	}
	for _, name := range names {
		name = path.Base(name)
		want = append(want, name[:4]+" "+name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("schema_migrations: got %q, want %q (every file once)", got, want)
	}
	if err := s.EndLoginSession(t.Context(), "session", time.Now().Add(time.Hour)); err != nil {
		t.Errorf("EndLoginSession after the upgrade: %v", err)
	}
}
