package postgres

import (
	"errors"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/storetest"
)

// TestUserCodeHashMigration: 0062_user_code_hash.sql hashes the user codes
// stored in clear before it as oauth.HashSecret does, so a device sign-in
// in progress goes on: its code, as the user types it, finds it.
func TestUserCodeHashMigration(t *testing.T) {
	ctx := t.Context()
	url, pool, apply := newDatabase(t)
	storetest.MigrateBefore(t, migrations, "0062", apply)
	_, err := pool.Exec(ctx, `
		INSERT INTO clients (id, name, type) VALUES ('device-client', 'Device', 'public');
		INSERT INTO device_codes (hash, user_code, client_id, scope, status, interval_ms, created_at, expires_at)
		VALUES ('pending-hash', 'WDJBMJHT', 'device-client', 'read', 'pending', 5000, now(), now() + interval '15 minutes')`)
	if err != nil {
		t.Fatal(err)
	}

	log := storetest.CaptureLog(t)
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("Open after the upgrade: %v", err)
	}
	defer s.Close()
	if !strings.Contains(log.String(), `msg="store migrated" applied="0062_user_code_hash.sql `) {
		t.Errorf("log of the upgrade: got %q, want it to name 0062_user_code_hash.sql first", log.String())
	}
	if d, err := s.GetDeviceCodeByUserCodeHash(ctx, oauth.HashSecret("WDJBMJHT")); err != nil || d.Hash != "pending-hash" {
		t.Errorf("look-up by the hash of the user code: got %q, %v; want the pending request", d.Hash, err)
	}
	if _, err := s.GetDeviceCodeByUserCodeHash(ctx, "WDJBMJHT"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("look-up by the user code in clear: got %v, want ErrNotFound", err)
	}
}
