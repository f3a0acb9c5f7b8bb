package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store/storetest"
)

// floodJTIs is how many expired jtis TestPurgeLetsChangesInBetweenItsBatches
// stores: what half a minute of anonymous token requests, each with a valid
// DPoP proof, leaves (README, "Attempt limits").
const floodJTIs = 100_000

// TestPurgeLetsChangesInBetweenItsBatches: a purge of many expired rows
// deletes them in batches, each its own transaction in its own turn of the
// write pool, so a change made while the purge runs waits for one batch,
// not for the whole purge (a purge of 1.9 million jtis in one transaction
// held every change for 21 s); and it still deletes every expired row and
// no live one. The purge is paused after the first batch that leaves
// expired jtis behind, and goes on once the change is done or has waited
// 30 s.
func TestPurgeLetsChangesInBetweenItsBatches(t *testing.T) {
	s := openFile(t)
	now := time.Now()
	err := s.inTx(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(t.Context(), `
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO seen_jtis (key, expires_at) SELECT 'dpop:expired-' || i, ? FROM n`,
			floodJTIs, micros(now.Add(-time.Second)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		mustRecordJTI(t, s, fmt.Sprintf("dpop:live-%d", i), now.Add(time.Minute))
	}

	errNotMade := errors.New("no change made while the purge ran: no batch left expired jtis behind")
	changed := errNotMade // then RecordJTI's error, nil once done before the purge returned
	n, err := s.purgeExpired(t.Context(), now, func() {
		if changed != errNotMade {
			return
		}
		if left := expiredJTIs(t, s, now); left == 0 || left == floodJTIs {
			return
		}
		done := make(chan error, 1)
		go func() { _, err := s.RecordJTI(t.Context(), "dpop:during", now.Add(time.Minute)); done <- err }()
		select {
		case changed = <-done:
		case <-time.After(30 * time.Second):
			changed = errors.New("the change made while the purge ran still waited 30 s later")
		}
	})
	if err != nil || n != floodJTIs {
		t.Fatalf("PurgeExpired: got %d, %v, want %d rows deleted", n, err, floodJTIs)
	}
	if changed != nil {
		t.Errorf("RecordJTI while the purge ran: %v, want it done before the purge returned", changed)
	}
	if left := expiredJTIs(t, s, now); left != 0 {
		t.Errorf("after the purge: %d expired jtis left, want 0", left)
	}
	for _, key := range []string{"dpop:live-0", "dpop:live-1", "dpop:live-2", "dpop:during"} {
		if first, err := s.RecordJTI(t.Context(), key, now.Add(time.Minute)); err != nil || first {
			t.Errorf("RecordJTI(%s) after the purge: got first use %v, %v, want a replay (kept)", key, first, err)
		}
	}
}

// mustRecordJTI records key until expiresAt, or fails t.
func mustRecordJTI(t *testing.T, s *Store, key string, expiresAt time.Time) {
	t.Helper()
	if _, err := s.RecordJTI(t.Context(), key, expiresAt); err != nil {
		t.Fatal(err)
	}
}

// expiredJTIs counts the jtis expired at now, as a reader sees them: what
// the purge's commits left.
func expiredJTIs(t *testing.T, s *Store, now time.Time) int {
	var n int
	if err := s.read.QueryRowContext(t.Context(), `SELECT count(*) FROM seen_jtis WHERE expires_at < ?`, micros(now)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeletedRowsFindTheirChildrenByIndex: every foreign key that refers to
// a table whose rows are deleted (clients, by RFC 7592 Section 2.3 and by
// the purge; grants, by the purge) has an index that starts with its
// column, so that ON DELETE CASCADE finds a deleted row's children by the
// index. Without one SQLite scans the whole child table for each row
// deleted: a purge batch of 250 clients held every change for 13 s with
// 500,000 grants.
func TestDeletedRowsFindTheirChildrenByIndex(t *testing.T) {
	s := openFile(t)
	rows, err := s.read.QueryContext(t.Context(), `
		SELECT m.name, f."from" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" IN ('clients', 'grants')
		AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) l, pragma_index_info(l.name) c
			WHERE c.seqno = 0 AND c.name = f."from")`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	storetest.ReportUnindexedForeignKeys(t, rows)
}
