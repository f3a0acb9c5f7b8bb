package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// checkEnded reports whether LoginSessionEnded answers want for hash.
func checkEnded(t *testing.T, s store.Store, hash string, want bool) {
	t.Helper()
	ended, err := s.LoginSessionEnded(t.Context(), hash)
	must(t, "LoginSessionEnded", err)
	if ended != want {
		t.Errorf("LoginSessionEnded(%q): got %v, want %v", hash, ended, want)
	}
}

// loginSessionTests hold the store to remembering the login sessions a
// logout ended (OIDC RP-Initiated Logout Section 2), until they would have
// ended anyway.
var loginSessionTests = []test{
	{"EndLoginSession: the session is ended, another one is not", func(t *testing.T, s store.Store) {
		checkEnded(t, s, "session-a", false)
		must(t, "EndLoginSession", s.EndLoginSession(t.Context(), "session-a", at(time.Hour)))
		checkEnded(t, s, "session-a", true)
		checkEnded(t, s, "session-b", false)
	}},
	{"concurrent EndLoginSession of one session: every call succeeds, the session is ended", func(t *testing.T, s store.Store) {
		errs := concurrently(contention, func(int) error {
			return s.EndLoginSession(t.Context(), "session-raced", at(time.Hour))
		})
		for i, err := range errs {
			checkErr(t, fmt.Sprintf("EndLoginSession #%d", i), err, nil)
		}
		checkEnded(t, s, "session-raced", true)
	}},
	{"PurgeExpired forgets ended sessions past their end and keeps the others", func(t *testing.T, s store.Store) {
		must(t, "EndLoginSession", s.EndLoginSession(t.Context(), "session-old", at(-time.Second)))
		must(t, "EndLoginSession", s.EndLoginSession(t.Context(), "session-live", at(time.Hour)))
		n, err := s.PurgeExpired(t.Context(), t0)
		must(t, "PurgeExpired", err)
		if n != 1 {
			t.Errorf("PurgeExpired: got %d rows deleted, want 1 (the ended session past its end)", n)
		}
		checkEnded(t, s, "session-old", false)
		checkEnded(t, s, "session-live", true)
	}},
}
