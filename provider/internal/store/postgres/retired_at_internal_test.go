package postgres

import (
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store/storetest"
)

// TestRetiredAtMigration: 0065_signing_key_retired_at.sql leaves a key
// retired before it without a retirement time, so no process raises its
// RetireAt (KeepRetiredSigningKeys): it goes when it was due to.
func TestRetiredAtMigration(t *testing.T) {
	ctx := t.Context()
	url, pool, apply := newDatabase(t)
	storetest.MigrateBefore(t, migrations, "0065", apply)
	retireAt := time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC)
	_, err := pool.Exec(ctx, `
		INSERT INTO signing_keys (id, algorithm, private_key, encrypted, created_at, retire_at)
		VALUES ('old', 'RS256', '\x00', true, now(), $1)`, retireAt)
	if err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("Open after the upgrade: %v", err)
	}
	defer s.Close()
	storetest.CheckRetiredBeforeRetiredAt(t, s, retireAt)
}
