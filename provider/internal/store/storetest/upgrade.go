package storetest

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

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
