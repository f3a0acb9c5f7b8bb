package store_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/oauth-reference/provider/internal/store"
)

func TestMigrateAppliesInOrderOfNames(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0010_later.sql": {Data: []byte("SELECT 10;")},
		"migrations/0002_next.sql":  {Data: []byte("SELECT 2;")},
		"migrations/0001_init.sql":  {Data: []byte("SELECT 1;")},
		"migrations/README":         {Data: []byte("not a migration")},
	}
	var got []store.Migration
	err := store.Migrate(context.Background(), fsys, func(_ context.Context, m store.Migration) error {
		got = append(got, m)
		return nil
	})
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	want := []store.Migration{{1, "0001_init.sql", "SELECT 1;"}, {2, "0002_next.sql", "SELECT 2;"}, {10, "0010_later.sql", "SELECT 10;"}}
	if len(got) != len(want) {
		t.Fatalf("applied %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("migration %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestMigrateRefusesAFileWithoutVersion(t *testing.T) {
	for _, name := range []string{"init.sql", "0000_zero.sql", "x1_init.sql"} {
		fsys := fstest.MapFS{"migrations/" + name: {Data: []byte("SELECT 1;")}}
		applied := false
		err := store.Migrate(context.Background(), fsys, func(context.Context, store.Migration) error {
			applied = true
			return nil
		})
		if err == nil || applied {
			t.Errorf("%s: got err %v, applied %v; want an error and nothing applied", name, err, applied)
		}
	}
}

// TestMigrateRefusesTwoFilesOfOneVersion: the second file of a version would
// never run (schema_migrations has one row per version), so Migrate refuses
// the set before applying anything.
func TestMigrateRefusesTwoFilesOfOneVersion(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0001_init.sql":      {Data: []byte("SELECT 1;")},
		"migrations/0060_sessions.sql":  {Data: []byte("SELECT 60;")},
		"migrations/0060_documents.sql": {Data: []byte("SELECT 60;")},
	}
	applied := 0
	err := store.Migrate(context.Background(), fsys, func(context.Context, store.Migration) error {
		applied++
		return nil
	})
	if err == nil || applied != 0 {
		t.Errorf("two files of version 60: got err %v, %d applied; want an error and nothing applied", err, applied)
	}
}
