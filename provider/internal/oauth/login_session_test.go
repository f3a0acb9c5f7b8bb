package oauth

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/internal/store/sqlite"
)

// TestLoginSessionEndsAsItsCookieSays: a session lives until the earlier of
// the end its cookie carries and SESSION_TTL after its sign-in, so neither
// a longer SESSION_TTL set since nor a cookie's claim past today's
// SESSION_TTL lengthens it; a cookie without an end keeps SESSION_TTL.
func TestLoginSessionEndsAsItsCookieSays(t *testing.T) {
	signedIn := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name       string
		sessionTTL time.Duration
		ends       time.Time
		want       time.Time
	}{
		{"a longer SESSION_TTL since the sign-in", 24 * time.Hour, signedIn.Add(time.Hour), signedIn.Add(time.Hour)},
		{"a shorter SESSION_TTL since the sign-in", time.Hour, signedIn.Add(24 * time.Hour), signedIn.Add(time.Hour)},
		{"a cookie from before cookies carried their end", 12 * time.Hour, time.Time{}, signedIn.Add(12 * time.Hour)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Provider{Config: config.Config{SessionTTL: c.sessionTTL}}
			if got := p.loginSessionEnd(signedIn, c.ends); !got.Equal(c.want) {
				t.Errorf("loginSessionEnd: got %v, want %v", got, c.want)
			}
		})
	}
}

// TestEndedLoginSessionKeptUntilItsEnd: a logout's record of the session
// it ended stays in the store until the session's own end, when no
// provider takes the session for live whatever its SESSION_TTL, and no
// longer; only a session whose cookie has no end is kept the longest
// SESSION_TTL. On SQLite and PostgreSQL.
func TestEndedLoginSessionKeptUntilItsEnd(t *testing.T) {
	for _, backend := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"sqlite", func(t *testing.T) store.Store {
			st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "sessions.db"))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
		{"postgres", func(t *testing.T) store.Store {
			st, err := postgres.Open(t.Context(), pgtest.NewSchemas(t).Create(t))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
	} {
		t.Run(backend.name, func(t *testing.T) {
			st := backend.open(t)
			t.Cleanup(func() { st.Close() })
			signedIn := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			now := signedIn
			p := &Provider{Store: st, Config: config.Config{SessionTTL: time.Hour}, Clock: func() time.Time { return now }}
			ends := p.NewLoginSessionEnd(signedIn)
			for id, end := range map[string]time.Time{"with-end": ends, "without-end": {}} {
				if err := p.EndLoginSession(t.Context(), id, signedIn, end); err != nil {
					t.Fatalf("EndLoginSession(%s): %v", id, err)
				}
			}
			ended := func(id string) bool {
				t.Helper()
				ended, err := st.LoginSessionEnded(t.Context(), HashSecret(id))
				if err != nil {
					t.Fatalf("LoginSessionEnded(%s): %v", id, err)
				}
				return ended
			}
			purgeAt := func(at time.Time) {
				t.Helper()
				now = at
				if _, err := p.PurgeExpired(t.Context()); err != nil {
					t.Fatalf("PurgeExpired: %v", err)
				}
			}
			purgeAt(ends.Add(-time.Second))
			if !ended("with-end") {
				t.Error("a second before the session's end: the record of its logout is gone")
			}
			purgeAt(ends.Add(time.Second))
			if ended("with-end") {
				t.Error("past the session's end: its record is still stored, want it purged")
			}
			if !ended("without-end") {
				t.Error("a session without an end in its cookie: its record is gone before the longest SESSION_TTL")
			}
			purgeAt(signedIn.Add(config.MaxSessionTTL + time.Second))
			if ended("without-end") {
				t.Error("past the longest SESSION_TTL: a session's record is still stored")
			}
		})
	}
}
