package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
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
