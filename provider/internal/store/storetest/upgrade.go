package storetest

import (
	"context"
	"io/fs"
	"testing"

	"github.com/oauth-reference/provider/internal/store"
)

// MigrateBefore applies, with apply, the migrations of fsys whose names sort
// before name: the database of a provider from before that migration, which
// an upgrade test fills and then opens with every migration.
func MigrateBefore(t *testing.T, fsys fs.FS, name string, apply func(context.Context, store.Migration) error) {
	t.Helper()
	err := store.Migrate(t.Context(), fsys, func(ctx context.Context, m store.Migration) error {
		if m.Name >= name {
			return nil
		}
		return apply(ctx, m)
	})
	if err != nil {
		t.Fatalf("migrate to before %s: %v", name, err)
	}
}
