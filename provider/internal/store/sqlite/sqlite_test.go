package sqlite_test

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/sqlite"
	"github.com/oauth-reference/provider/internal/store/storetest"
)

// openPath opens the database at path and closes it when the test ends.
func openPath(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openTemp opens a new database file, in a directory Open must create.
func openTemp(t testing.TB) *sqlite.Store {
	return openPath(t, filepath.Join(t.TempDir(), "data", "provider.db"))
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestStoreContractInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openPath(t, ":memory:") })
}

func TestStoreContractShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		path := filepath.Join(t.TempDir(), "provider.db")
		return openPath(t, path), openPath(t, path)
	})
}

func TestJTIAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "provider.db")
	storetest.JTIAcrossProcesses(t, "TestJTIAcrossProcesses", path, func(t *testing.T, path string) store.Store {
		return openPath(t, path)
	})
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "provider.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	client := store.Client{ID: "testclient", Name: "Test", Type: store.Confidential, RedirectURIs: []string{"http://localhost:3000/callback"}}
	if err := s.UpsertClient(t.Context(), client); err != nil {
		t.Fatalf("UpsertClient: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	got, err := openPath(t, path).GetClient(t.Context(), "testclient")
	if err != nil {
		t.Fatalf("GetClient after reopening: got error %v, want the client", err)
	}
	if diff := cmp.Diff(client, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("GetClient after reopening: got a different client (-want +got):\n%s", diff)
	}
}

func TestCommitSurvivesKill9(t *testing.T) {
	// A provider restart, even kill -9, loses nothing it answered with
	// (README, "What the provider does", Durability).
	if path := os.Getenv("SQLITE_TEST_KILL_DB"); path != "" {
		// The child: commit, then die at once, closing nothing.
		s := openPath(t, path)
		if err := s.UpsertClient(t.Context(), store.Client{ID: "testclient", Type: store.Public}); err != nil {
			t.Fatalf("child UpsertClient: %v", err)
		}
		self, _ := os.FindProcess(os.Getpid())
		self.Kill() // SIGKILL
		select {}
	}
	path := filepath.Join(t.TempDir(), "provider.db")
	child := exec.Command(os.Args[0], "-test.run=^TestCommitSurvivesKill9$")
	child.Env = append(os.Environ(), "SQLITE_TEST_KILL_DB="+path)
	out, err := child.CombinedOutput()
	if child.ProcessState == nil || child.ProcessState.ExitCode() != -1 {
		t.Fatalf("child: got %v, want death by a signal; output:\n%s", err, out)
	}
	s := openPath(t, path)
	if _, err := s.GetClient(t.Context(), "testclient"); err != nil {
		t.Errorf("GetClient after the writer was killed: got error %v, want the client", err)
	}
}

func TestMigrationsRunOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "provider.db")
	for range 3 {
		s, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		s.Close()
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations/*.sql: got %d files (error %v), want some", len(files), err)
	}
	if got := appliedMigrations(t, path); got != len(files) {
		t.Errorf("schema_migrations after opening 3 times: got %d rows, want %d (one per file)", got, len(files))
	}
}

func TestConcurrentOpenOfNewDatabase(t *testing.T) {
	// Several providers starting at once on one new file must not fail
	// each other: migrations take SQLite's write lock in turn.
	path := filepath.Join(t.TempDir(), "provider.db")
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			s, err := sqlite.Open(t.Context(), path)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Open: got error %v, want nil", err)
		}
	}
}

// appliedMigrations counts the rows of schema_migrations in the database at path.
func appliedMigrations(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatalf("count schema_migrations: %v", err)
	}
	return n
}

// BenchmarkStore runs the hot-path lookups of storetest.Bench on SQLite.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store { return openTemp(b) })
}

// TestOpenRefusesANewerDatabase: a rollback, this version started on a
// database a newer one migrated, is refused at Open, before anything is
// written, and the message names the migration this version lacks.
func TestOpenRefusesANewerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "provider.db")
	openPath(t, path).Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	m := storetest.NewerMigration
	_, err = db.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)`, m.Version, m.Name)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	storetest.RefusedAsNewer(t, func() (*sqlite.Store, error) { return sqlite.Open(t.Context(), path) })
}
