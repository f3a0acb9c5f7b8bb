// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema on the server TEST_DATABASE_URL names, dropped when the test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DatabaseURL is the server the tests use, from TEST_DATABASE_URL. Without
// it the tests skip, except in CI (CI set), where PostgreSQL must be tested.
func DatabaseURL(t testing.TB) string {
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

// Schemas creates a fresh schema per test, so tests don't see each other's
// rows, and returns the URL that puts it first on the search_path.
type Schemas struct {
	url   string
	admin *pgxpool.Pool
}

// NewSchemas connects to the test server.
func NewSchemas(t testing.TB) *Schemas {
	u := DatabaseURL(t)
	admin, err := pgxpool.New(t.Context(), u)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(admin.Close)
	return &Schemas{url: u, admin: admin}
}

// Create makes a new empty schema, dropped with all it holds when t ends, and
// returns the URL of the database with that schema as its search_path.
func (sc *Schemas) Create(t testing.TB) string {
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
