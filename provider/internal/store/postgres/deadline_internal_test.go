package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// TestSilentQueryEndsAtItsDeadline: a statement sent on a connection that
// has gone silent (the database's host frozen, a partition dropping
// packets) ends at its context's deadline, the request's time, with an
// error store.Unavailable reports (so a 503), and nothing is left behind:
// pgx closes the connection rather than returning it to the pool with an
// answer still owed, its slot in the pool is free again (once pgx has
// tried to cancel the statement on the server: up to 15 s while the host
// is silent), every slot of the pool serves, and PostgreSQL holds no
// session beyond the pool's and the listener's.
func TestSilentQueryEndsAtItsDeadline(t *testing.T) {
	s, admin, link, name := openSilentStore(t)
	if _, err := s.GetClient(t.Context(), "testclient"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetClient: got %v, want store.ErrNotFound", err)
	}

	link.GoDown() // at once: the connection was used less than a second ago, so it is not pinged first
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := s.GetClient(ctx, "testclient"); !store.Unavailable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GetClient on a silent connection: got %v, want the deadline's error, which store.Unavailable reports", err)
	}

	link.ComeBack()
	waitFor(t, "the pool's slots to be free again", func() bool { return s.pool.Stat().AcquiredConns() == 0 })
	useEverySlot(t, s)
	waitFor(t, "PostgreSQL's sessions to be the pool's and the listener's", func() bool {
		var sessions int32
		err := admin.pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, name).Scan(&sessions)
		return err == nil && sessions == s.pool.Stat().TotalConns()+1
	})
}

// useEverySlot holds every connection the pool may open at once, each
// running a statement, so that a slot lost for good fails the test.
func useEverySlot(t *testing.T, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, s.pool.Config().MaxConns)
	for range s.pool.Config().MaxConns {
		wg.Go(func() {
			_, err := s.pool.Exec(ctx, `SELECT pg_sleep(0.2)`)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a statement on each of the pool's %d connections at once: %v", s.pool.Config().MaxConns, err)
		}
	}
}

// waitFor waits up to 20 s for cond (a pgx connection given up on a silent
// link closes within 15 s).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 20 s", what)
		}
	}
}
