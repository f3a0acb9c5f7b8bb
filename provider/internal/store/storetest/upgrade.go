package storetest

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"testing"

	"github.com/oauth-reference/provider/internal/store"
)

// MigrateBefore applies, with apply, the migrations of fsys whose names sort
// before name: the database of a provider from before that migration, which
// an upgrade test fills and then opens with every migration.
func MigrateBefore(t *testing.T, fsys fs.FS, name string, apply func(context.Context, store.Migration) (bool, error)) {
	t.Helper()
	err := store.Migrate(t.Context(), fsys, func(ctx context.Context, m store.Migration) (bool, error) {
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
