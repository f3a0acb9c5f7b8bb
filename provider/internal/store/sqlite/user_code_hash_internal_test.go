package sqlite

import (
	"errors"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/storetest"
)

// TestUserCodeHashMigration: 0062_user_code_hash.sql leaves no user code in
// clear. SQLite cannot hash the codes stored before, so a pending request is
// deleted (its device asks for a new code), and a decided one keeps its
// device code's hash in place of its user code's, so its device still gets
// its tokens.
func TestUserCodeHashMigration(t *testing.T) {
	ctx := t.Context()
	path, db, apply := newDatabase(t)
	storetest.MigrateBefore(t, migrations, "0062", apply)
	_, err := db.ExecContext(ctx, `
		INSERT INTO clients (id, name, type) VALUES ('device-client', 'Device', 'public');
		INSERT INTO device_codes (hash, user_code, client_id, scope, status, interval_ms, created_at, expires_at) VALUES
			('pending-hash', 'WDJBMJHT', 'device-client', 'read', 'pending', 5000, 0, 1),
			('approved-hash', 'BCDFGHJK', 'device-client', 'read', 'approved', 5000, 0, 1)`)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	log := storetest.CaptureLog(t)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after the upgrade: %v", err)
	}
	defer s.Close()
	if !strings.Contains(log.String(), `msg="store migrated" applied="0062_user_code_hash.sql `) {
		t.Errorf("log of the upgrade: got %q, want it to name 0062_user_code_hash.sql first", log.String())
	}
	if _, err := s.GetDeviceCode(ctx, "pending-hash"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the pending request: got %v, want ErrNotFound (deleted)", err)
	}
	d, err := s.GetDeviceCode(ctx, "approved-hash")
	if err != nil || d.Status != store.DeviceApproved || d.UserCodeHash != "approved-hash" {
		t.Errorf("the approved request: got %s with user code hash %q, %v; want approved, %q", d.Status, d.UserCodeHash, err, "approved-hash")
	}
}
