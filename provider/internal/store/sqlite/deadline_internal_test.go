package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// TestTransactionPastItsDeadlineIsUnavailable: a write transaction whose
// context ends before its commit (the request's time ran out) reports the
// context's error, which store.Unavailable reports (so a 503), not
// database/sql's ErrTxDone, which it does not (a 500): database/sql rolls
// the transaction back as the context ends, and Commit then says only
// that it is done.
func TestTransactionPastItsDeadlineIsUnavailable(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "provider.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// The time runs out once the statements are done; database/sql rolls back.
		<-ctx.Done()
		for !errors.Is(txDone(tx), sql.ErrTxDone) {
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	if !store.Unavailable(err) {
		t.Errorf("a commit after the deadline: got %v, want an error store.Unavailable reports", err)
	}
	if err := s.RevokeAccessToken(t.Context(), "after", time.Now().Add(time.Hour)); err != nil {
		t.Errorf("the next write: %v", err)
	}
}

// txDone is the error of a statement on tx: sql.ErrTxDone once it was
// rolled back.
func txDone(tx *sql.Tx) error {
	_, err := tx.ExecContext(context.Background(), "SELECT 1")
	return err
}

// TestHotStatementsWatchTheirContextOnlyNearItsDeadline: the statements
// of a hot path run on their own (hotStmt: a device poll's, a user's
// lookup) leave a context with time to spare unwatched, as the driver
// would watch it from a goroutine per statement (shortStatementContext),
// and watch one whose deadline is within the busy timeout, so that a wait
// for a lock ends with it.
func TestHotStatementsWatchTheirContextOnlyNearItsDeadline(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "provider.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, tt := range []struct {
		left        time.Duration
		wantWatched bool
	}{{10 * time.Second, false}, {deadlineNear - time.Second, true}} {
		ctx, cancel := context.WithTimeout(t.Context(), tt.left)
		defer cancel()
		watch := &doneCounter{Context: ctx}
		now := time.Now()
		_, err := s.GetDeviceCode(watch, "no such code")
		checkStatementErr(t, "GetDeviceCode", err, store.ErrNotFound)
		err = s.RecordOnTimePoll(watch, "no such code", "client", now, 0)
		checkStatementErr(t, "RecordOnTimePoll", err, store.ErrConflict)
		err = s.RecordDevicePoll(watch, "no such code", time.Time{}, now, 5*time.Second)
		checkStatementErr(t, "RecordDevicePoll", err, store.ErrConflict)
		_, err = s.GetUser(watch, "nobody")
		checkStatementErr(t, "GetUser", err, store.ErrNotFound)
		if watched := watch.calls.Load() > 0; watched != tt.wantWatched {
			t.Errorf("%v before the deadline: the context watched %v, want %v", tt.left, watched, tt.wantWatched)
		}
	}
}

// doneCounter is a context that counts the calls of Done: a watcher of
// the context calls it.
type doneCounter struct {
	context.Context
	calls atomic.Int64
}

// Done counts the call and returns the context's Done.
func (c *doneCounter) Done() <-chan struct{} {
	c.calls.Add(1)
	return c.Context.Done()
}

// checkStatementErr fails t unless err is want.
func checkStatementErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", what, err, want)
	}
}

// TestChangeWaitsForItsTurnNoLongerThanItsContext: a change on a hot path
// (a DPoP proof's jti), which runs its statement with the request's
// context without its end (shortStatementContext), still waits for the
// write connection no longer than the request's deadline, far as it was:
// while a transaction holds the connection, it ends at its deadline with
// the deadline's error (a 503), instead of waiting for the transaction,
// however long (a purge in one transaction held such writes for 21 s).
func TestChangeWaitsForItsTurnNoLongerThanItsContext(t *testing.T) {
	t.Parallel()
	s := openFile(t)
	ctx, cancel := context.WithTimeout(t.Context(), deadlineNear+500*time.Millisecond) // the statement runs unwatched
	defer cancel()
	var err error
	held := s.inTx(t.Context(), func(*sql.Tx) error {
		done := make(chan error, 1)
		go func() { _, err := s.RecordJTI(ctx, "dpop:waiting", time.Now().Add(time.Minute)); done <- err }()
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			err = errors.New("still waiting for the transaction 30 s later")
		}
		return nil
	})
	if held != nil {
		t.Fatal(held)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !store.Unavailable(err) {
		t.Errorf("RecordJTI while a transaction holds the write connection: got %v, want its deadline's error, which store.Unavailable reports", err)
	}
}

// openFile opens a Store on a new database file, closed when t ends.
func openFile(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "provider.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
