package postgres_test

import (
	"fmt"
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
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/internal/store/storetest"
)

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
	sc := pgtest.NewSchemas(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, sc.Create(t)) })
}

func TestStoreContractShared(t *testing.T) {
	sc := pgtest.NewSchemas(t)
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		u := sc.Create(t)
		return open(t, u), open(t, u)
	})
}

func TestJTIAcrossProcesses(t *testing.T) {
	u := storetest.ChildDatabase() // in the child: the parent's schema
	if u == "" {
		u = pgtest.NewSchemas(t).Create(t)
	}
	storetest.JTIAcrossProcesses(t, "TestJTIAcrossProcesses", u, func(t *testing.T, u string) store.Store {
		return open(t, u)
	})
}

func TestReopenKeepsData(t *testing.T) {
	u := pgtest.NewSchemas(t).Create(t)
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
	sc := pgtest.NewSchemas(t)
	u := sc.Create(t)
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

// BenchmarkStore runs the hot-path lookups of storetest.Bench on PostgreSQL.
func BenchmarkStore(b *testing.B) {
	sc := pgtest.NewSchemas(b)
	storetest.Bench(b, func(b *testing.B) store.Store { return open(b, sc.Create(b)) })
}

// TestPasswordBesideTheURL: a password in PGPASSWORD reaches the connection
// when DATABASE_URL names none, whatever characters it holds (docker compose
// passes POSTGRES_PASSWORD so; README, "Walkthrough with docker compose"),
// and a password in the URL still wins.
func TestPasswordBesideTheURL(t *testing.T) {
	t.Setenv("PGPASSWORD", "a/b+c=d@e")
	for url, want := range map[string]string{
		"postgres://oauth@postgres:5432/oauth?sslmode=disable":     "a/b+c=d@e",
		"postgres://oauth:own@postgres:5432/oauth?sslmode=disable": "own",
	} {
		config, err := pgxpool.ParseConfig(url)
		if err != nil || config.ConnConfig.Password != want {
			t.Errorf("%s: password %q, err %v; want %q", url, config.ConnConfig.Password, err, want)
		}
	}
}

// TestSigningKeyChangesAreAnnounced: a signing key stored, rotated in or
// deleted by one process is announced to every other's watcher (migration
// 0091 notifies; store.SigningKeyWatcher), so it re-reads its keys at once.
func TestSigningKeyChangesAreAnnounced(t *testing.T) {
	u := pgtest.NewSchemas(t).Create(t)
	writer, watcher := open(t, u), open(t, u)
	announced := make(chan struct{}, 16)
	watcher.WatchSigningKeys(func() { announced <- struct{}{} })
	key := func(id string) store.SigningKey {
		return store.SigningKey{ID: id, Algorithm: "RS256", PrivateKey: []byte("sealed " + id), Encrypted: true, CreatedAt: time.Now()}
	}
	waitForListener(t, writer, announced)
	for _, change := range []struct {
		name  string
		write func() error
	}{
		{"CreateSigningKey", func() error { return writer.CreateSigningKey(t.Context(), key("k1")) }},
		{"RotateSigningKey", func() error { return writer.RotateSigningKey(t.Context(), key("k2"), time.Now().Add(-time.Minute)) }},
		{"DeleteRetiredSigningKeys", func() error { _, err := writer.DeleteRetiredSigningKeys(t.Context(), time.Now()); return err }},
	} {
		drain(announced)
		if err := change.write(); err != nil {
			t.Fatalf("%s: %v", change.name, err)
		}
		select {
		case <-announced:
		case <-time.After(time.Second):
			t.Errorf("%s in one process: not announced to another within a second", change.name)
		}
	}
}

// TestClientChangesAreAnnounced: a client updated, marked used or deleted
// by one process is announced to every other's client watcher with its id
// (migration 0092 notifies; store.ClientWatcher), so it drops its copy at
// once; an id too long for a notification is announced as "". The watcher
// is told whether the listener listens: first not, then, once it does, yes.
func TestClientChangesAreAnnounced(t *testing.T) {
	u := pgtest.NewSchemas(t).Create(t)
	writer, watcher := open(t, u), open(t, u)
	changed, listening := make(chan string, 16), make(chan bool, 16)
	watcher.WatchClients(func(id string) { changed <- id }, func(on bool) { listening <- on })
	keys := make(chan struct{}, 16)
	watcher.WatchSigningKeys(func() { keys <- struct{}{} })
	waitForListener(t, writer, keys)
	if on := lastOf(listening); !on {
		t.Fatal("the listener listens, and the client watcher was not told so")
	}
	long := "https://client.example/" + strings.Repeat("p", 8000)
	client := func(id string) store.Client {
		return store.Client{ID: id, Name: "n", Type: store.Confidential, SecretHash: "h", GrantTypes: []string{"client_credentials"},
			TokenEndpointAuthMethod: "client_secret_basic", IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	}
	for _, id := range []string{"c1", long} {
		if err := writer.CreateClient(t.Context(), client(id)); err != nil {
			t.Fatalf("CreateClient: %v", err)
		}
	}
	updated := client("c1")
	updated.SecretHash = "h2"
	for _, change := range []struct {
		name, want string
		write      func() error
	}{
		{"UpdateClient", "c1", func() error { return writer.UpdateClient(t.Context(), client("c1"), updated) }},
		{"MarkClientUsed", "c1", func() error { return writer.MarkClientUsed(t.Context(), "c1") }},
		{"DeleteClient", "c1", func() error { return writer.DeleteClient(t.Context(), "c1") }},
		{"DeleteClient of an id over 8000 bytes", "", func() error { return writer.DeleteClient(t.Context(), long) }},
	} {
		if err := change.write(); err != nil {
			t.Fatalf("%s: %v", change.name, err)
		}
		select {
		case got := <-changed:
			if got != change.want {
				t.Errorf("%s: announced client %.40q, want %q", change.name, got, change.want)
			}
		case <-time.After(time.Second):
			t.Errorf("%s in one process: not announced to another within a second", change.name)
		}
	}
}

// lastOf returns the last value sent on c so far.
func lastOf(c chan bool) (last bool) {
	for {
		select {
		case last = <-c:
		default:
			return last
		}
	}
}

// waitForListener stores probe keys with writer until the watcher
// announces one: its listener, which starts in the background, is then up.
func waitForListener(t *testing.T, writer *postgres.Store, announced chan struct{}) {
	t.Helper()
	for i := range 50 {
		if err := writer.CreateSigningKey(t.Context(), store.SigningKey{ID: fmt.Sprint("probe-", i), Algorithm: "ES256",
			PrivateKey: []byte("sealed"), Encrypted: true, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-announced:
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatal("no key change announced to the watcher within 5 s: is its listener listening on signing_keys?")
}

// drain empties c.
func drain(c chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// TestOpenRefusesANewerDatabase: a rollback, this version started on a
// database a newer one migrated, is refused at Open, before anything is
// written, and the message names the migration this version lacks.
func TestOpenRefusesANewerDatabase(t *testing.T) {
	u := pgtest.NewSchemas(t).Create(t)
	open(t, u).Close()
	pool, err := pgxpool.New(t.Context(), u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer pool.Close()
	m := storetest.NewerMigration
	if _, err := pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		t.Fatal(err)
	}
	storetest.RefusedAsNewer(t, func() (*postgres.Store, error) { return postgres.Open(t.Context(), u) })
}

// TestClosedConnectionIsUnavailable: a statement on a connection pgx found
// closed (the database went away under the pool) is store.Unavailable, so
// it is answered 503, not 500: one was, when PostgreSQL was stopped under
// load ("postgres: begin: conn closed").
func TestClosedConnectionIsUnavailable(t *testing.T) {
	conn, err := pgx.Connect(t.Context(), pgtest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(t.Context())
	_, err = conn.Begin(t.Context())
	if !store.Unavailable(fmt.Errorf("postgres: begin: %w", err)) {
		t.Errorf("Begin on a closed connection: got %v, which store.Unavailable does not report", err)
	}
}
