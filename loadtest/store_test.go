package main

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
)

// testDatabaseURL is TEST_DATABASE_URL; without it the test skips, except
// in CI, where PostgreSQL must be tested.
func testDatabaseURL(t *testing.T) string {
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TEST_DATABASE_URL must be set in CI")
		}
		t.Skip("TEST_DATABASE_URL is not set")
	}
	return u
}

func TestBackendCPUSeesTheProvidersConnections(t *testing.T) {
	serverURL := testDatabaseURL(t)
	app := "loadtest_probe_" + strings.ToLower(rand.Text()[:8])
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	busy, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busy.SetMaxOpenConns(1)
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := busy.PingContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	probe := backendCPU(admin, app)
	before, err := probe(t.Context())
	if err != nil {
		t.Skipf("the PostgreSQL server does not run on this machine: %v", err)
	}
	var n int64
	// About a fifth of a second of the backend's CPU: several clock ticks.
	if err := busy.QueryRowContext(t.Context(), "SELECT count(*) FROM generate_series(1, 3000000)").Scan(&n); err != nil {
		t.Fatal(err)
	}
	after, err := probe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if spent := spentByBoth(before, after); spent <= 0 {
		t.Errorf("backend CPU: got %v spent by a busy query (%v, then %v); want it to grow", spent, before, after)
	}
	if _, err := backendCPU(admin, app+"_nobody")(t.Context()); err == nil {
		t.Error("a probe of no connection: got no error")
	}
}
