package storetest

import (
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// grantTests hold the store to grants: the authorization every code and token
// descends from, and the unit of revocation.
var grantTests = []test{
	{"GetGrant returns the created grant", func(t *testing.T, s store.Store) {
		want := createGrant(t, s, "g1")
		got, err := s.GetGrant(t.Context(), "g1")
		must(t, "GetGrant", err)
		checkEqual(t, "GetGrant", got, want)
		if got.Revoked() {
			t.Errorf("GetGrant: got Revoked() true, want false")
		}
	}},
	{"a grant without a user (client credentials) round-trips", func(t *testing.T, s store.Store) {
		want := newGrant("g1")
		want.UserID, want.AuthTime = "", time.Time{}
		must(t, "CreateGrant", s.CreateGrant(t.Context(), want))
		got, err := s.GetGrant(t.Context(), "g1")
		must(t, "GetGrant", err)
		checkEqual(t, "GetGrant", got, want)
	}},
	{"times come back in UTC", func(t *testing.T, s store.Store) {
		createGrant(t, s, "g1")
		got, err := s.GetGrant(t.Context(), "g1")
		must(t, "GetGrant", err)
		for name, tm := range map[string]time.Time{"AuthTime": got.AuthTime, "CreatedAt": got.CreatedAt, "ExpiresAt": got.ExpiresAt} {
			if tm.Location() != time.UTC {
				t.Errorf("GetGrant: got %s in %v, want UTC", name, tm.Location())
			}
		}
	}},
	{"CreateGrant with an id in use is ErrDuplicate", func(t *testing.T, s store.Store) {
		createGrant(t, s, "g1")
		err := s.CreateGrant(t.Context(), newGrant("g1"))
		checkErr(t, "CreateGrant(same id)", err, store.ErrDuplicate)
	}},
	{"GetGrant of an unknown id is ErrNotFound", func(t *testing.T, s store.Store) {
		_, err := s.GetGrant(t.Context(), "no-such-grant")
		checkErr(t, "GetGrant(unknown)", err, store.ErrNotFound)
	}},
	{"RevokeGrant marks the grant revoked and is idempotent", func(t *testing.T, s store.Store) {
		want := createGrant(t, s, "g1")
		must(t, "RevokeGrant", s.RevokeGrant(t.Context(), "g1", at(time.Minute)))
		must(t, "RevokeGrant again", s.RevokeGrant(t.Context(), "g1", at(2*time.Minute)))
		got, err := s.GetGrant(t.Context(), "g1")
		must(t, "GetGrant", err)
		want.RevokedAt = at(time.Minute) // the first revocation counts
		checkEqual(t, "GetGrant after RevokeGrant twice", got, want)
		if !got.Revoked() {
			t.Errorf("GetGrant: got Revoked() false, want true")
		}
	}},
	{"RevokeGrant of an unknown id is ErrNotFound", func(t *testing.T, s store.Store) {
		err := s.RevokeGrant(t.Context(), "no-such-grant", t0)
		checkErr(t, "RevokeGrant(unknown)", err, store.ErrNotFound)
	}},
}

// newCode returns an authorization code of grant g, issued at t0 for 10
// minutes (RFC 6749 Section 4.1.2 recommends at most 10).
func newCode(hash string, g store.Grant) store.AuthorizationCode {
	return store.AuthorizationCode{
		Hash:          hash,
		GrantID:       g.ID,
		ClientID:      g.ClientID,
		UserID:        g.UserID,
		RedirectURI:   demoClient.RedirectURIs[0],
		Scope:         g.Scope,
		Resources:     g.Resources,
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		Nonce:         "n-0S6_WzA2Mj",
		DPoPJKT:       "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
		AuthTime:      g.AuthTime,
		CreatedAt:     t0,
		ExpiresAt:     at(10 * time.Minute),
	}
}

// createCode stores a new grant gID with its code hash, and returns the code.
func createCode(t *testing.T, s store.Store, gID, hash string) store.AuthorizationCode {
	t.Helper()
	g := newGrant(gID)
	c := newCode(hash, g)
	must(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), g, c))
	return c
}

// authorizationCodeTests hold the store to single-use codes,
// RFC 6749 Section 4.1.2: "The client MUST NOT use the authorization code more
// than once."
var authorizationCodeTests = []test{
	{"CreateAuthorizationCode stores the grant and the code", func(t *testing.T, s store.Store) {
		g := newGrant("g1")
		g.ExpiresAt = at(30 * 24 * time.Hour)
		c := newCode("code-hash", g)
		c.RedirectURI, c.CodeChallenge, c.Nonce = "", "", "" // optional parameters omitted
		must(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), g, c))
		gotGrant, err := s.GetGrant(t.Context(), "g1")
		must(t, "GetGrant", err)
		checkEqual(t, "GetGrant", gotGrant, g)
		gotCode, err := s.ConsumeAuthorizationCode(t.Context(), "code-hash", demoClient.ID, t0)
		must(t, "ConsumeAuthorizationCode", err)
		checkEqual(t, "ConsumeAuthorizationCode", gotCode, c)
	}},
	{"CreateAuthorizationCode stores nothing when the code cannot be stored", func(t *testing.T, s store.Store) {
		createCode(t, s, "g1", "code-hash")
		g2 := newGrant("g2")
		err := s.CreateAuthorizationCode(t.Context(), g2, newCode("code-hash", g2))
		checkErr(t, "CreateAuthorizationCode(hash in use)", err, store.ErrDuplicate)
		_, err = s.GetGrant(t.Context(), "g2")
		checkErr(t, "GetGrant of the failed code's grant", err, store.ErrNotFound)
	}},
	{"a code is consumed once, then ErrAlreadyUsed with the code (RFC 6749 Section 4.1.2)", func(t *testing.T, s store.Store) {
		want := createCode(t, s, "g1", "code-hash")
		got, err := s.ConsumeAuthorizationCode(t.Context(), "code-hash", demoClient.ID, at(time.Second))
		must(t, "first ConsumeAuthorizationCode", err)
		checkEqual(t, "first ConsumeAuthorizationCode", got, want)
		got, err = s.ConsumeAuthorizationCode(t.Context(), "code-hash", demoClient.ID, at(2*time.Second))
		checkErr(t, "second ConsumeAuthorizationCode", err, store.ErrAlreadyUsed)
		// The caller needs the code's grant to revoke what the first use issued.
		checkEqual(t, "second ConsumeAuthorizationCode", got, want)
	}},
	{"concurrent consumers of one code: exactly one wins, the rest get ErrAlreadyUsed and the code", func(t *testing.T, s store.Store) {
		want := createCode(t, s, "g1", "code-hash")
		got := make([]store.AuthorizationCode, contention)
		errs := concurrently(contention, func(i int) error {
			var err error
			got[i], err = s.ConsumeAuthorizationCode(t.Context(), "code-hash", demoClient.ID, at(time.Second))
			return err
		})
		checkOneWinner(t, "ConsumeAuthorizationCode", errs, store.ErrAlreadyUsed)
		for i := range got {
			checkEqual(t, "concurrent ConsumeAuthorizationCode", got[i], want)
		}
	}},
	{"a code presented by another client is ErrOtherClient, without the code, and stays unused (RFC 6749 Section 4.1.3)", func(t *testing.T, s store.Store) {
		g := newGrant("g1")
		c := newCode("code-hash", g)
		must(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), g, c))
		got, err := s.ConsumeAuthorizationCode(t.Context(), "code-hash", "another-client", t0)
		checkErr(t, "ConsumeAuthorizationCode(another client)", err, store.ErrOtherClient)
		checkEqual(t, "ConsumeAuthorizationCode(another client)", got, store.AuthorizationCode{})
		_, err = s.ConsumeAuthorizationCode(t.Context(), "code-hash", demoClient.ID, t0)
		checkErr(t, "ConsumeAuthorizationCode(its client)", err, nil)
		_, err = s.ConsumeAuthorizationCode(t.Context(), "code-hash", "another-client", t0)
		checkErr(t, "ConsumeAuthorizationCode(another client, once used)", err, store.ErrOtherClient)
	}},
	{"ConsumeAuthorizationCode of an unknown code is ErrNotFound", func(t *testing.T, s store.Store) {
		_, err := s.ConsumeAuthorizationCode(t.Context(), "no-such-code", demoClient.ID, t0)
		checkErr(t, "ConsumeAuthorizationCode(unknown)", err, store.ErrNotFound)
	}},
}
