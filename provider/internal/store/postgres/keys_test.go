package postgres_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/internal/store/storetest"
	"github.com/oauth-reference/provider/internal/token"
)

// TestSealingErasesCleartextKeys: the keys an older version stored in
// cleartext are sealed at the next start, and then the table's files hold
// no version of their rows from before, so a copy of the data directory
// cannot sign. Before, the replaced rows stayed as dead versions in the
// table's file until a vacuum. The test reads the files through the server
// (pg_read_binary_file, which needs a superuser, as .ci/postgres.sh gives),
// after a CHECKPOINT has written every page to them. Another transaction
// stays open meanwhile, with a snapshot from before the sealing, as any
// session of the database might (a VACUUM FULL kept the versions it could
// still see, cleartext included, in the table's new file).
func TestSealingErasesCleartextKeys(t *testing.T) {
	u := pgtest.NewSchemas(t).Create(t)
	pool, err := pgxpool.New(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	old := open(t, u)
	secrets := storetest.StoreCleartextKeys(t, old)
	old.Close()
	before := tableFile(t, pool)
	reader, err := pool.BeginTx(t.Context(), pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Rollback(t.Context())
	if _, err := reader.Exec(t.Context(), `SELECT 1`); err != nil { // its snapshot, taken now; it locks no table
		t.Fatal(err)
	}

	kek, err := token.NewKEK(bytes.Repeat([]byte{'k'}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := token.LoadKeys(t.Context(), open(t, u), kek, token.RS256, time.Hour, time.Now()); err != nil {
		t.Fatalf("LoadKeys: %v", err)
	}
	after := tableFile(t, pool)
	if after == before {
		t.Errorf("signing_keys's file after sealing: got %s, the one from before; want a new one", after)
	}
	if _, err := pool.Exec(t.Context(), `CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{before, after} {
		var data []byte
		err := pool.QueryRow(t.Context(), `SELECT pg_read_binary_file($1, 0, 1 << 26, true)`, name).Scan(&data)
		if err != nil {
			t.Fatalf("read %s (the test needs a superuser): %v", name, err)
		}
		storetest.HoldsNoSecret(t, name, data, secrets)
	}
}

// tableFile returns the path of signing_keys's file in the data directory.
func tableFile(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var name string
	if err := pool.QueryRow(t.Context(), `SELECT pg_relation_filepath('signing_keys')`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestEraseKeepsAKeyStoredMeanwhile: a key another process stores while
// EraseReplacedSigningKeys runs is still there after it. The erase takes
// the table's lock first, so the key's insert, begun before it, commits
// before the live rows are copied aside, and is copied with them; copied
// first, it was missing from the copy and then truncated, and tokens it
// signed stopped verifying everywhere. PostgreSQL only: SQLite writes
// through one connection at a time, so its erase (VACUUM) cannot overlap a
// write.
func TestEraseKeepsAKeyStoredMeanwhile(t *testing.T) {
	u := pgtest.NewSchemas(t).Create(t)
	s := open(t, u)
	pool, err := pgxpool.New(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	other, err := pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(t.Context())
	if _, err := other.Exec(t.Context(), `INSERT INTO signing_keys (id, algorithm, private_key, encrypted, created_at)
		VALUES ('meanwhile', 'RS256', '\x00', true, now())`); err != nil {
		t.Fatal(err)
	}
	erased := make(chan error, 1)
	go func() { erased <- s.EraseReplacedSigningKeys(t.Context()) }()
	waitForLockWait(t, pool)
	if err := other.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-erased; err != nil {
		t.Fatalf("EraseReplacedSigningKeys: %v", err)
	}
	keys, err := s.ListSigningKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(keys, func(k store.SigningKey) bool { return k.ID == "meanwhile" }) {
		t.Errorf("after the erase: got %d keys without the one stored meanwhile, want it kept", len(keys))
	}
}

// waitForLockWait returns once some session waits for a lock on
// signing_keys (the erase, behind the other transaction's insert).
func waitForLockWait(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var waiting bool
		err := pool.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_locks
			WHERE NOT granted AND relation = 'signing_keys'::regclass)`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
	}
	t.Fatal("the erase never waited for the table's lock")
}
