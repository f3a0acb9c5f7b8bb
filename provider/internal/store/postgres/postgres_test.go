package postgres_test

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres"
	"github.com/oauth-reference/provider/internal/store/storetest"
)

// databaseURL is the server the tests use, from TEST_DATABASE_URL. Without
// it the tests skip, except in CI (CI set), where PostgreSQL must be tested.
func databaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		const how = "TEST_DATABASE_URL is not set; start a throwaway server with: TEST_DATABASE_URL=$(bash .ci/postgres.sh) go test ./internal/store/..."
		if os.Getenv("CI") != "" {
			t.Fatal(how)
		}
		t.Skip(how)
	}
	return u
}

// schemas creates a fresh schema per test, so tests don't see each other's
// rows, and returns the URL that puts it first on the search_path.
type schemas struct {
	url   string
	admin *pgxpool.Pool
}

// newSchemas connects to the test server.
func newSchemas(t testing.TB) *schemas {
	u := databaseURL(t)
	admin, err := pgxpool.New(t.Context(), u)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(admin.Close)
	return &schemas{url: u, admin: admin}
}

// create makes a new empty schema, dropped with all it holds when t ends, and
// returns the URL of the database with that schema as its search_path.
func (sc *schemas) create(t testing.TB) string {
	t.Helper()
	name := "storetest_" + strings.ToLower(rand.Text()[:16]) // lower case: search_path folds it
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := sc.admin.Exec(t.Context(), "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := sc.admin.Exec(context.Background(), "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(sc.url)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name) // pgx sends it to the server as a run-time parameter
	if !q.Has("pool_max_conns") {
		q.Set("pool_max_conns", "4") // parallel tests × pools stay under max_connections
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// open opens a Store on u and closes it when t ends.
func open(t testing.TB, u string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreContract(t *testing.T) {
	sc := newSchemas(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, sc.create(t)) })
}

func TestReopenKeepsData(t *testing.T) {
	u := newSchemas(t).create(t)
	s := open(t, u)
	client := store.Client{ID: "testclient", Name: "Test", Type: store.Confidential, RedirectURIs: []string{"http://localhost:3000/callback"}}
	if err := s.UpsertClient(t.Context(), client); err != nil {
		t.Fatalf("UpsertClient: %v", err)
	}
	s.Close()

	got, err := open(t, u).GetClient(t.Context(), "testclient")
	if err != nil {
		t.Fatalf("GetClient after reopening: got error %v, want the client", err)
	}
	if diff := cmp.Diff(client, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("GetClient after reopening: got a different client (-want +got):\n%s", diff)
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	// Several providers starting at once on one new database must not fail
	// each other, and each migration must be applied once.
	sc := newSchemas(t)
	u := sc.create(t)
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			s, err := postgres.Open(t.Context(), u)
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
	open(t, u).Close() // and once more, later

	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations/*.sql: got %d files (error %v), want some", len(files), err)
	}
	pool, err := pgxpool.New(t.Context(), u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer pool.Close()
	var got int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&got); err != nil {
		t.Fatalf("count schema_migrations: %v", err)
	}
	if got != len(files) {
		t.Errorf("schema_migrations after %d opens: got %d rows, want %d (one per file)", n+1, got, len(files))
	}
}

// benchStore is a store in a fresh schema holding a client and one live grant.
func benchStore(b *testing.B) *postgres.Store {
	sc := newSchemas(b)
	s := open(b, sc.create(b))
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
