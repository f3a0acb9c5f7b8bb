package storetest

import (
	"fmt"
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
		checkCode(t, s, c)
	}},
	{"CreateAuthorizationCode stores nothing when the code cannot be stored", func(t *testing.T, s store.Store) {
		createCode(t, s, "g1", "code-hash")
		g2 := newGrant("g2")
		err := s.CreateAuthorizationCode(t.Context(), g2, newCode("code-hash", g2))
		checkErr(t, "CreateAuthorizationCode(hash in use)", err, store.ErrDuplicate)
		_, err = s.GetGrant(t.Context(), "g2")
		checkErr(t, "GetGrant of the failed code's grant", err, store.ErrNotFound)
	}},
	{"a code is redeemed once, with its refresh token; again it is ErrAlreadyUsed and stores nothing (RFC 6749 Section 4.1.2)", func(t *testing.T, s store.Store) {
		want := createCode(t, s, "g1", "code-hash")
		rt := newRefreshToken("rt1", newGrant("g1"))
		must(t, "first RedeemAuthorizationCode", s.RedeemAuthorizationCode(t.Context(), "code-hash", at(time.Second), issuedWith(rt)))
		want.UsedAt = at(time.Second)
		checkCode(t, s, want)
		got, err := s.GetRefreshToken(t.Context(), "rt1")
		must(t, "GetRefreshToken", err)
		checkEqual(t, "GetRefreshToken", got, rt)
		again := next(rt, "rt2")
		err = s.RedeemAuthorizationCode(t.Context(), "code-hash", at(2*time.Second), issuedWith(again))
		checkErr(t, "second RedeemAuthorizationCode", err, store.ErrAlreadyUsed)
		checkCode(t, s, want)
		_, err = s.GetRefreshToken(t.Context(), "rt2")
		checkErr(t, "GetRefreshToken of the second redemption", err, store.ErrNotFound)
	}},
	{"RedeemAuthorizationCode without a refresh token for a grant that is gone (its client deleted) is ErrNotFound", func(t *testing.T, s store.Store) {
		g := goneGrant(t, s, func(g store.Grant) {
			must(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), g, newCode("code-hash", g)))
		})
		err := s.RedeemAuthorizationCode(t.Context(), "code-hash", at(time.Second), store.Issued{GrantExpiresAt: at(time.Hour)})
		checkErr(t, "RedeemAuthorizationCode(grant gone, no refresh token)", err, store.ErrNotFound)
		_, err = s.GetGrant(t.Context(), g.ID)
		checkErr(t, "GetGrant after the redemption", err, store.ErrNotFound)
	}},
	{"RedeemAuthorizationCode refuses a refresh token of another grant than the code's, stores nothing and leaves the code unused", func(t *testing.T, s store.Store) {
		want := createCode(t, s, "g1", "code-hash")
		err := s.RedeemAuthorizationCode(t.Context(), "code-hash", at(time.Second), issuedWith(newRefreshToken("rt1", createGrant(t, s, "g2"))))
		checkRefusal(t, "RedeemAuthorizationCode(refresh token of another grant)", err)
		checkCode(t, s, want)
		_, err = s.GetRefreshToken(t.Context(), "rt1")
		checkErr(t, "GetRefreshToken of the refused redemption", err, store.ErrNotFound)
	}},
	{"RedeemAuthorizationCode without a refresh token only marks the code used", func(t *testing.T, s store.Store) {
		want := createCode(t, s, "g1", "code-hash")
		must(t, "RedeemAuthorizationCode", s.RedeemAuthorizationCode(t.Context(), "code-hash", at(time.Second), store.Issued{}))
		want.UsedAt = at(time.Second)
		checkCode(t, s, want)
		err := s.RedeemAuthorizationCode(t.Context(), "code-hash", at(2*time.Second), store.Issued{})
		checkErr(t, "second RedeemAuthorizationCode", err, store.ErrAlreadyUsed)
	}},
	{"concurrent redemptions of one code: exactly one wins and stores its refresh token, the rest get ErrAlreadyUsed", func(t *testing.T, s store.Store) {
		createCode(t, s, "g1", "code-hash")
		errs := concurrently(contention, func(i int) error {
			rt := newRefreshToken(fmt.Sprintf("rt%02d", i), newGrant("g1"))
			return s.RedeemAuthorizationCode(t.Context(), "code-hash", at(time.Second), issuedWith(rt))
		})
		checkOnlyWinnerStored(t, s, "RedeemAuthorizationCode", errs)
	}},
	{"a redemption whose refresh token cannot be stored leaves the code unused, and a retry redeems it", func(t *testing.T, s store.Store) {
		want := createCode(t, s, "g1", "code-hash")
		taken := createRefreshToken(t, s, "g2", "taken")
		rt := newRefreshToken(taken.Hash, newGrant("g1"))
		checkErr(t, "RedeemAuthorizationCode(hash in use)", s.RedeemAuthorizationCode(t.Context(), "code-hash", at(time.Second), issuedWith(rt)), store.ErrDuplicate)
		checkCode(t, s, want)
		rt = newRefreshToken("rt1", newGrant("g1"))
		must(t, "the retry's RedeemAuthorizationCode", s.RedeemAuthorizationCode(t.Context(), "code-hash", at(2*time.Second), issuedWith(rt)))
	}},
	{"an unknown code is ErrNotFound", func(t *testing.T, s store.Store) {
		_, err := s.GetAuthorizationCode(t.Context(), "no-such-code")
		checkErr(t, "GetAuthorizationCode(unknown)", err, store.ErrNotFound)
		err = s.RedeemAuthorizationCode(t.Context(), "no-such-code", t0, store.Issued{})
		checkErr(t, "RedeemAuthorizationCode(unknown)", err, store.ErrNotFound)
		rt := newRefreshToken("rt1", createGrant(t, s, "g1"))
		err = s.RedeemAuthorizationCode(t.Context(), "no-such-code", t0, issuedWith(rt))
		checkErr(t, "RedeemAuthorizationCode(unknown, with a refresh token)", err, store.ErrNotFound)
		_, err = s.GetRefreshToken(t.Context(), "rt1")
		checkErr(t, "GetRefreshToken of a refused redemption", err, store.ErrNotFound)
	}},
}

// checkCode checks the code stored under want.Hash, used or not.
func checkCode(t *testing.T, s store.Store, want store.AuthorizationCode) {
	t.Helper()
	got, err := s.GetAuthorizationCode(t.Context(), want.Hash)
	must(t, "GetAuthorizationCode", err)
	checkEqual(t, "GetAuthorizationCode", got, want)
}

// checkOnlyWinnerStored checks that of concurrent redemptions, each with
// the refresh token rtNN (NN its index), exactly one won, the others got
// ErrAlreadyUsed, and only the winner's refresh token was stored.
func checkOnlyWinnerStored(t *testing.T, s store.Store, what string, errs []error) {
	t.Helper()
	winner := checkOneWinner(t, what, errs, store.ErrAlreadyUsed)
	for i := range errs {
		_, err := s.GetRefreshToken(t.Context(), fmt.Sprintf("rt%02d", i))
		if i == winner {
			checkErr(t, "GetRefreshToken of the winner", err, nil)
		} else {
			checkErr(t, "GetRefreshToken of a loser", err, store.ErrNotFound)
		}
	}
}
