package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// TestFullDiskIsUnavailable: a write refused because the database file
// cannot grow (SQLITE_FULL: the disk is full) is store.Unavailable, so it
// is answered 503 and may be sent again, not 500; once there is room the
// writes succeed again and the database is intact. The file is kept from
// growing with max_page_count, as a full disk would.
func TestFullDiskIsUnavailable(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "provider.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.write.ExecContext(ctx, "PRAGMA max_page_count = 1"); err != nil { // as small as the file is now
		t.Fatal(err)
	}
	expires := time.Now().Add(time.Hour)
	padding := strings.Repeat("x", 1000)
	var full error
	for i := 0; full == nil && i < 10000; i++ {
		full = s.RevokeAccessToken(ctx, fmt.Sprint(i, padding), expires)
	}
	if !store.Unavailable(full) {
		t.Fatalf("a write to a full database: got %v, want an error store.Unavailable reports", full)
	}
	if _, err := s.write.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil { // room again
		t.Fatal(err)
	}
	if err := s.RevokeAccessToken(ctx, "after", expires); err != nil {
		t.Errorf("a write once there is room again: %v", err)
	}
	var check string
	if err := s.write.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: got %q, %v, want ok", check, err)
	}
}
