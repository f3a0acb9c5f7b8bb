package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/storetest"
)

func TestMigrateAppliesInOrderOfNames(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0010_later.sql": {Data: []byte("SELECT 10;")},
		"migrations/0002_next.sql":  {Data: []byte("SELECT 2;")},
		"migrations/0001_init.sql":  {Data: []byte("SELECT 1;")},
		"migrations/README":         {Data: []byte("not a migration")},
	}
	var got []store.Migration
	err := store.Migrate(context.Background(), fsys, nil, func(_ context.Context, m store.Migration) (bool, error) {
		got = append(got, m)
		return true, nil
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

// TestMigrateRefusesARetiredVersion: a database that ran a migration main
// later took back records its version, and would never apply another
// migration given that version.
func TestMigrateRefusesARetiredVersion(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0001_init.sql":  {Data: []byte("SELECT 1;")},
		"migrations/0070_again.sql": {Data: []byte("SELECT 70;")},
	}
	applied := false
	err := store.Migrate(context.Background(), fsys, nil, func(context.Context, store.Migration) (bool, error) {
		applied = true
		return true, nil
	})
	if err == nil || applied || !strings.Contains(err.Error(), "0070_pushed_request_opened.sql") {
		t.Errorf("got err %v, applied %v; want an error naming the retired migration and nothing applied", err, applied)
	}
}

func TestMigrateRefusesAFileWithoutVersion(t *testing.T) {
	for _, name := range []string{"init.sql", "0000_zero.sql", "x1_init.sql"} {
		fsys := fstest.MapFS{"migrations/" + name: {Data: []byte("SELECT 1;")}}
		applied := false
		err := store.Migrate(context.Background(), fsys, nil, func(context.Context, store.Migration) (bool, error) {
			applied = true
			return true, nil
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
	err := store.Migrate(context.Background(), fsys, nil, func(context.Context, store.Migration) (bool, error) {
		applied++
		return true, nil
	})
	if err == nil || applied != 0 {
		t.Errorf("two files of version 60: got err %v, %d applied; want an error and nothing applied", err, applied)
	}
}

// TestMigrateRefusesANewerDatabase: a database that records a migration
// this version does not have was migrated by a newer provider, whose schema
// this one does not know (a rollback); it is refused with the names of
// those migrations, and nothing is applied. A database that lacks some of
// this version's migrations is an older one, which Migrate brings up to
// date: only the migrations it lacks are handed to apply, so a database
// migrated before is opened without a write lock per migration.
func TestMigrateRefusesANewerDatabase(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0001_init.sql":     {Data: []byte("SELECT 1;")},
		"migrations/0002_next.sql":     {Data: []byte("SELECT 2;")},
		"migrations/0010_sessions.sql": {Data: []byte("SELECT 10;")},
	}
	for _, tc := range []struct {
		name     string
		recorded []store.Migration
		refused  []string // names the error must give
		applies  int      // migrations handed to apply
	}{
		{"a new database", nil, nil, 3},
		{"an older database", []store.Migration{{Version: 1, Name: "0001_init.sql"}}, nil, 2},
		{"this version's", []store.Migration{{Version: 1, Name: "0001_init.sql"}, {Version: 2, Name: "0002_next.sql"}, {Version: 10, Name: "0010_sessions.sql"}}, nil, 0},
		{"a newer database", []store.Migration{{Version: 1, Name: "0001_init.sql"}, {Version: 11, Name: "0011_later.sql"}, {Version: 12, Name: "0012_latest.sql"}}, []string{"0011_later.sql", "0012_latest.sql"}, 0},
		{"one in between", []store.Migration{{Version: 1, Name: "0001_init.sql"}, {Version: 5, Name: "0005_between.sql"}}, []string{"0005_between.sql"}, 0},
		{"one main took back", []store.Migration{{Version: 1, Name: "0001_init.sql"}, {Version: 70, Name: "0070_pushed_request_opened.sql"}}, nil, 2},
		{"another of a retired version", []store.Migration{{Version: 1, Name: "0001_init.sql"}, {Version: 70, Name: "0070_other.sql"}}, []string{"0070_other.sql"}, 0},
	} {
		applied := 0
		err := store.Migrate(t.Context(), fsys, tc.recorded, func(context.Context, store.Migration) (bool, error) {
			applied++
			return true, nil
		})
		if (err != nil) != (tc.refused != nil) || applied != tc.applies {
			t.Errorf("%s: got %v and %d applied, want refused %v and %d applied", tc.name, err, applied, tc.refused != nil, tc.applies)
			continue
		}
		for _, name := range tc.refused {
			if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "newer") {
				t.Errorf("%s: got %q, want it to name %s and say the database is newer", tc.name, err, name)
			}
		}
	}
}

// TestMigrateLogsWhatItApplied: the start after an upgrade logs, in one
// line, the migrations it applied (those apply reports), and a start that
// applied none logs nothing.
func TestMigrateLogsWhatItApplied(t *testing.T) {
	log := storetest.CaptureLog(t)
	fsys := fstest.MapFS{
		"migrations/0001_init.sql":  {Data: []byte("SELECT 1;")},
		"migrations/0062_codes.sql": {Data: []byte("SELECT 62;")},
		"migrations/0063_lease.sql": {Data: []byte("SELECT 63;")},
	}
	upgrade := func(_ context.Context, m store.Migration) (bool, error) { return m.Version > 1, nil }
	if err := store.Migrate(t.Context(), fsys, nil, upgrade); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	want := `level=INFO msg="store migrated" applied="0062_codes.sql 0063_lease.sql"` + "\n"
	if got := log.String(); !strings.HasSuffix(got, want) || strings.Count(got, "\n") != 1 {
		t.Errorf("log of an upgrade: got %q, want one line ending %q", got, want)
	}
	log.Reset()
	none := func(context.Context, store.Migration) (bool, error) { return false, nil }
	if err := store.Migrate(t.Context(), fsys, nil, none); err != nil || log.Len() != 0 {
		t.Errorf("a start with nothing to apply: got error %v and log %q, want neither", err, log.String())
	}
}

// TestCheckMigrated: CheckMigrated, which changes nothing, passes a
// database with every migration of this version, and refuses one with none
// (store.ErrNoSchema), an older one, naming the migrations it lacks
// (store.ErrSchemaOlder), and a newer one, as Migrate refuses it.
func TestCheckMigrated(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0001_init.sql": {Data: []byte("SELECT 1;")},
		"migrations/0002_next.sql": {Data: []byte("SELECT 2;")},
	}
	current := []store.Migration{{Version: 1, Name: "0001_init.sql"}, {Version: 2, Name: "0002_next.sql"}}
	for _, tc := range []struct {
		name     string
		recorded []store.Migration
		want     error  // nil: passed
		names    string // what the error must name
	}{
		{"this version's", current, nil, ""},
		{"a new database", nil, store.ErrNoSchema, ""},
		{"an older database", current[:1], store.ErrSchemaOlder, "0002_next.sql"},
		{"a newer database", append(current, store.Migration{Version: 3, Name: "0003_later.sql"}), nil, "0003_later.sql"},
	} {
		err := store.CheckMigrated(fsys, tc.recorded)
		if (tc.names == "" && tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) || (err != nil && !strings.Contains(err.Error(), tc.names)) {
			t.Errorf("%s: got %v, want %v naming %q", tc.name, err, tc.want, tc.names)
		}
	}
}
