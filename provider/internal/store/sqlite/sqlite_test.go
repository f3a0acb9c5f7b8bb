package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/sqlite"
	"github.com/oauth-reference/provider/internal/store/storetest"
)

// openTemp opens a new database file in the test's temporary directory and
// closes it when the test ends.
func openTemp(t testing.TB, name string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "data", name))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t, "provider.db") })
}

func TestStoreContractInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), ":memory:")
		if err != nil {
			t.Fatalf("Open(:memory:): %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
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

	s, err = sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer s.Close()
	got, err := s.GetClient(t.Context(), "testclient")
	if err != nil {
		t.Fatalf("GetClient after reopening: got error %v, want the client", err)
	}
	if got.Name != client.Name || len(got.RedirectURIs) != 1 {
		t.Errorf("GetClient after reopening: got %+v, want %+v", got, client)
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

// benchStore is a store holding the demo client and one live grant.
func benchStore(b *testing.B) *sqlite.Store {
	s := openTemp(b, "bench.db")
	ctx := b.Context()
	client := store.Client{
		ID: "testclient", Name: "Test", Type: store.Confidential, SecretHash: "x",
		RedirectURIs: []string{"http://localhost:3000/callback"},
		GrantTypes:   []string{"authorization_code", "refresh_token", "client_credentials"},
		Scopes:       []string{"openid", "profile", "email", "read", "write"},
	}
	now := time.Now()
	grant := store.Grant{ID: "g1", ClientID: "testclient", Scope: "read", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.UpsertClient(ctx, client); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateGrant(ctx, grant); err != nil {
		b.Fatal(err)
	}
	if err := s.RevokeAccessToken(ctx, "revoked-jti", now.Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkGetClient(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := s.GetClient(b.Context(), "testclient"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAccessTokenRevoked(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if revoked, err := s.AccessTokenRevoked(b.Context(), "g1", "live-jti"); err != nil || revoked {
			b.Fatalf("AccessTokenRevoked: got %v, %v; want false, nil", revoked, err)
		}
	}
}

func BenchmarkAccessTokenRevokedParallel(b *testing.B) {
	s := benchStore(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.AccessTokenRevoked(context.Background(), "g1", "live-jti"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
