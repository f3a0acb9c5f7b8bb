package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// purgeTests hold the store to forgetting what can no longer be used, and
// nothing else.
var purgeTests = []test{
	{"PurgeExpired deletes the rows whose lifetime ended and keeps the live ones", func(t *testing.T, s store.Store) {
		expired := at(-time.Second)
		live := newGrant("live")
		old := newGrant("old")
		old.ExpiresAt = expired
		oldCode := newCode("old-grant-code", old)
		oldCode.ExpiresAt = expired
		must(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), old, oldCode))

		deadCodeGrant := newGrant("dead-code-grant")
		deadCode := newCode("dead-code", deadCodeGrant)
		deadCode.ExpiresAt = expired
		must(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), deadCodeGrant, deadCode))
		liveCodeGrant := newGrant("live-code-grant")
		must(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), liveCodeGrant, newCode("live-code", liveCodeGrant)))

		deadToken := newRefreshToken("dead-token", live)
		deadToken.ExpiresAt = expired
		storeRefreshToken(t, s, live, deadToken)
		liveTokenGrant := newGrant("live-token-grant")
		storeRefreshToken(t, s, liveTokenGrant, newRefreshToken("live-token", liveTokenGrant))

		deadDevice := newDeviceCode("dead-device", "uc2") // lived 15 min, expired 16 min ago
		deadDevice.CreatedAt, deadDevice.ExpiresAt = at(-31*time.Minute), at(-16*time.Minute)
		must(t, "CreateDeviceCode", s.CreateDeviceCode(t.Context(), deadDevice))
		createDeviceCode(t, s, "live-device", "uc1")

		must(t, "RevokeAccessToken", s.RevokeAccessToken(t.Context(), "dead-jti", expired))
		must(t, "RevokeAccessToken", s.RevokeAccessToken(t.Context(), "live-jti", at(time.Hour)))

		n, err := s.PurgeExpired(t.Context(), t0)
		must(t, "PurgeExpired", err)
		// The old grant and its code, the dead code, token, device code and revocation.
		if n != 6 {
			t.Errorf("PurgeExpired: got %d rows deleted, want 6", n)
		}
		n, err = s.PurgeExpired(t.Context(), t0)
		must(t, "second PurgeExpired", err)
		if n != 0 {
			t.Errorf("second PurgeExpired: got %d rows deleted, want 0", n)
		}

		_, err = s.GetGrant(t.Context(), "old")
		checkErr(t, "GetGrant(expired)", err, store.ErrNotFound)
		_, err = s.GetAuthorizationCode(t.Context(), "old-grant-code")
		checkErr(t, "GetAuthorizationCode(expired grant's code)", err, store.ErrNotFound)
		_, err = s.GetAuthorizationCode(t.Context(), "dead-code")
		checkErr(t, "GetAuthorizationCode(expired)", err, store.ErrNotFound)
		_, err = s.GetRefreshToken(t.Context(), "dead-token")
		checkErr(t, "GetRefreshToken(expired)", err, store.ErrNotFound)
		_, err = s.GetDeviceCode(t.Context(), "dead-device")
		checkErr(t, "GetDeviceCode(expired)", err, store.ErrNotFound)
		checkRevoked(t, s, "", "dead-jti", false)

		_, err = s.GetGrant(t.Context(), "live")
		checkErr(t, "GetGrant(live)", err, nil)
		_, err = s.GetAuthorizationCode(t.Context(), "live-code")
		checkErr(t, "GetAuthorizationCode(live)", err, nil)
		_, err = s.GetRefreshToken(t.Context(), "live-token")
		checkErr(t, "GetRefreshToken(live)", err, nil)
		_, err = s.GetDeviceCode(t.Context(), "live-device")
		checkErr(t, "GetDeviceCode(live)", err, nil)
		checkRevoked(t, s, "", "live-jti", true)
	}},
	{"PurgeExpired keeps an expired device code as long again as it lived, so a late poll learns expired_token (RFC 8628 Section 3.5)", func(t *testing.T, s store.Store) {
		createDeviceCode(t, s, "expired-device", "uc1") // lives from t0 to t0+15 min
		for _, now := range []time.Time{at(15*time.Minute + time.Second), at(30 * time.Minute)} {
			n, err := s.PurgeExpired(t.Context(), now)
			must(t, "PurgeExpired", err)
			if n != 0 {
				t.Errorf("PurgeExpired at %s: got %d rows deleted, want 0", now.Sub(t0), n)
			}
			_, err = s.GetDeviceCode(t.Context(), "expired-device")
			checkErr(t, "GetDeviceCode(expired, within the grace)", err, nil)
		}
		n, err := s.PurgeExpired(t.Context(), at(30*time.Minute+time.Second))
		must(t, "PurgeExpired", err)
		if n != 1 {
			t.Errorf("PurgeExpired past the grace: got %d rows deleted, want 1", n)
		}
		_, err = s.GetDeviceCode(t.Context(), "expired-device")
		checkErr(t, "GetDeviceCode(past the grace)", err, store.ErrNotFound)
	}},
	{"PurgeExpired deleting no grant or client keeps the memory of live tokens; deleting a grant empties it", func(t *testing.T, s store.Store) {
		live := createGrant(t, s, "live")
		tok := store.AccessTokenRef{JTI: "live-jti", GrantID: live.ID, ClientID: demoClient.ID}
		waitUntilRemembered(t, s, tok)
		_, err := s.PurgeExpired(t.Context(), t0)
		must(t, "PurgeExpired", err)
		if !remembered(s, tok) {
			t.Error("a live token after a purge that deleted no grant: asked the database, want its answer from memory")
		}
		_, err = s.PurgeExpired(t.Context(), at(90*time.Minute)) // the grant went
		must(t, "PurgeExpired", err)
		if remembered(s, tok) {
			t.Error("a token of a grant the purge deleted: answered from memory, want the database asked")
		}
	}},
}

// waitUntilRemembered asks for tok until s answers it from memory, for up
// to 5 s: a PostgreSQL store remembers nothing until its listener listens.
func waitUntilRemembered(t *testing.T, s store.Store, tok store.AccessTokenRef) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !remembered(s, tok); time.Sleep(10 * time.Millisecond) {
		checkTokenRevoked(t, s, tok, false)
		if time.Now().After(deadline) {
			t.Fatalf("AccessTokenRevoked(%+v): never answered from memory", tok)
		}
	}
}

// remembered reports whether s answers that tok is live from its memory:
// with a context already canceled, asking the database fails.
func remembered(s store.Store, tok store.AccessTokenRef) bool {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	revoked, err := s.AccessTokenRevoked(canceled, tok)
	return err == nil && !revoked
}

// Rows are the rows of a query, as database/sql and pgx both give them.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ReportUnindexedForeignKeys fails t for each (table, column) row of rows:
// a foreign key into a table whose rows are deleted (clients, grants) that
// no index starts with, so that ON DELETE CASCADE would scan the whole
// table for each row deleted. Each store's test makes the query on its own
// catalogue.
func ReportUnindexedForeignKeys(t *testing.T, rows Rows) {
	t.Helper()
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s.%s refers to a table whose rows are deleted, and no index starts with it", table, column)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
