package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/storetest"
)

// TestUpgradeFromTwoFilesOf60: a database migrated when main had two files
// of version 60 records the client metadata documents migration (today's
// 0061) as 0060 and never made ended_login_sessions. Open records that
// migration as 0061, applies 0060_ended_login_sessions.sql, and does not
// apply 0061 again (it would fail: duplicate column).
func TestUpgradeFromTwoFilesOf60(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "provider.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.MigrateWithTwoFilesOf60(t, migrations, func(ctx context.Context, m store.Migration) (bool, error) {
		return applyMigration(ctx, db, m)
	})

	log := storetest.CaptureLog(t)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after the upgrade: %v", err)
	}
	defer s.Close()
	for _, want := range []string{
		`msg="store migration renumbered" recorded=0060_client_metadata_documents.sql as=0061_client_metadata_documents.sql`,
		`msg="store migrated" applied="0060_ended_login_sessions.sql `,
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log of the upgrade: got %q, want it to hold %q", log.String(), want)
		}
	}
	recorded, err := recordedMigrations(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	storetest.RecordedOnce(t, migrations, recorded)
	if err := s.EndLoginSession(ctx, "session", time.Now().Add(time.Hour)); err != nil {
		t.Errorf("EndLoginSession after the upgrade: %v", err)
	}
}
