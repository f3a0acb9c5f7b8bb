package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// newRefreshToken returns a refresh token of grant g, issued at t0 for 30 days.
func newRefreshToken(hash string, g store.Grant) store.RefreshToken {
	return store.RefreshToken{
		Hash:      hash,
		GrantID:   g.ID,
		ClientID:  g.ClientID,
		UserID:    g.UserID,
		Scope:     g.Scope,
		DPoPJKT:   "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
		CreatedAt: t0,
		ExpiresAt: at(30 * 24 * time.Hour),
	}
}

// createRefreshToken stores a grant gID and a refresh token of it.
func createRefreshToken(t *testing.T, s store.Store, gID, hash string) store.RefreshToken {
	t.Helper()
	g := newGrant(gID)
	rt := newRefreshToken(hash, g)
	storeRefreshToken(t, s, g, rt)
	return rt
}

// storeRefreshToken stores the grant g with a code, and rt as the refresh
// token the code's redemption issued: how a grant's first refresh token
// is stored.
func storeRefreshToken(tb testing.TB, s store.Store, g store.Grant, rt store.RefreshToken) {
	tb.Helper()
	redeemNewCode(tb, s, g, issuedWith(rt))
}

// redeemNewCode stores the grant g with a code, and redeems the code with
// issued.
func redeemNewCode(tb testing.TB, s store.Store, g store.Grant, issued store.Issued) {
	tb.Helper()
	code := newCode(g.ID+"-redeemed-code", g)
	must(tb, "CreateAuthorizationCode", s.CreateAuthorizationCode(tb.Context(), g, code))
	must(tb, "RedeemAuthorizationCode", s.RedeemAuthorizationCode(tb.Context(), code.Hash, t0, issued))
}

// issuedWith is what a token response that issued rt stores: rt, and its
// grant extended to rt's expiry (the access token issued with it expires
// first).
func issuedWith(rt store.RefreshToken) store.Issued {
	return store.Issued{GrantExpiresAt: rt.ExpiresAt, RefreshToken: &rt}
}

// next returns the token that replaces rt when it is rotated a day later.
func next(rt store.RefreshToken, hash string) store.RefreshToken {
	n := rt
	n.Hash = hash
	n.CreatedAt = rt.CreatedAt.Add(24 * time.Hour)
	n.ExpiresAt = rt.ExpiresAt.Add(24 * time.Hour)
	return n
}

// rotate rotates a refresh token with strict reuse detection (no grace),
// as the provider does by default.
func rotate(t *testing.T, s store.Store, oldHash string, n store.RefreshToken, now time.Time) error {
	graced, err := s.RotateRefreshToken(t.Context(), oldHash, issuedWith(n), now, time.Time{})
	if graced {
		t.Errorf("RotateRefreshToken(%q) without a grace: got graced, want a rotation or an error", oldHash)
	}
	return err
}

// refreshTokenTests hold the store to refresh token rotation with reuse
// detection, RFC 9700 Section 4.14.2: the authorization server "issues a new
// refresh token with every access token refresh response", and a used one
// presented again reveals a replay.
var refreshTokenTests = []test{
	{"GetRefreshToken returns the created token, unused", func(t *testing.T, s store.Store) {
		want := createRefreshToken(t, s, "g1", "rt1")
		got, err := s.GetRefreshToken(t.Context(), "rt1")
		must(t, "GetRefreshToken", err)
		checkEqual(t, "GetRefreshToken", got, want)
	}},
	{"a redemption's refresh token extends its grant's ExpiresAt to cover the token", func(t *testing.T, s store.Store) {
		rt := createRefreshToken(t, s, "g1", "rt1") // the grant expired after 1 h
		g, err := s.GetGrant(t.Context(), "g1")
		must(t, "GetGrant", err)
		if !g.ExpiresAt.Equal(rt.ExpiresAt) {
			t.Errorf("grant ExpiresAt: got %v, want the token's %v", g.ExpiresAt, rt.ExpiresAt)
		}
	}},
	{"GetRefreshToken of an unknown hash is ErrNotFound", func(t *testing.T, s store.Store) {
		_, err := s.GetRefreshToken(t.Context(), "no-such-token")
		checkErr(t, "GetRefreshToken(unknown)", err, store.ErrNotFound)
	}},
	{"RotateRefreshToken marks the old token used and stores the next", func(t *testing.T, s store.Store) {
		old := createRefreshToken(t, s, "g1", "rt1")
		nt := next(old, "rt2")
		must(t, "RotateRefreshToken", rotate(t, s, "rt1", nt, nt.CreatedAt))
		got, err := s.GetRefreshToken(t.Context(), "rt1")
		must(t, "GetRefreshToken(old)", err)
		old.UsedAt = nt.CreatedAt
		checkEqual(t, "GetRefreshToken(old)", got, old)
		got, err = s.GetRefreshToken(t.Context(), "rt2")
		must(t, "GetRefreshToken(next)", err)
		checkEqual(t, "GetRefreshToken(next)", got, nt)
	}},
	{"RotateRefreshToken extends the grant's ExpiresAt to the next token's", func(t *testing.T, s store.Store) {
		old := createRefreshToken(t, s, "g1", "rt1")
		nt := next(old, "rt2")
		must(t, "RotateRefreshToken", rotate(t, s, "rt1", nt, nt.CreatedAt))
		g, err := s.GetGrant(t.Context(), "g1")
		must(t, "GetGrant", err)
		if !g.ExpiresAt.Equal(nt.ExpiresAt) {
			t.Errorf("grant ExpiresAt after rotation: got %v, want %v", g.ExpiresAt, nt.ExpiresAt)
		}
	}},
	{"a code redemption keeps the grant, through a purge, until the access token issued with a shorter-lived refresh token expires", func(t *testing.T, s store.Store) {
		g := newGrant("g1")
		issued := issuedWith(newRefreshToken("rt1", g))
		issued.GrantExpiresAt = issued.RefreshToken.ExpiresAt.Add(time.Hour)
		redeemNewCode(t, s, g, issued)
		checkGrantOutlives(t, s, g.ID, issued)
	}},
	{"a code redemption without a refresh token keeps the grant, through a purge, until the access token issued expires", func(t *testing.T, s store.Store) {
		g := newGrant("g1")
		issued := store.Issued{GrantExpiresAt: g.ExpiresAt.Add(time.Hour)}
		redeemNewCode(t, s, g, issued)
		checkGrantOutlives(t, s, g.ID, issued)
	}},
	{"a device code redemption without a refresh token keeps the grant, through a purge, until the access token issued expires", func(t *testing.T, s store.Store) {
		d := approve(t, s, createDeviceCode(t, s, "dc1", "uc1"), "g1")
		issued := store.Issued{GrantExpiresAt: at(2 * time.Hour)}
		must(t, "RedeemDeviceCode", s.RedeemDeviceCode(t.Context(), d.Hash, issued))
		checkGrantOutlives(t, s, d.GrantID, issued)
	}},
	{"a redemption never shortens its grant", func(t *testing.T, s store.Store) {
		g := newGrant("g1")
		redeemNewCode(t, s, g, store.Issued{GrantExpiresAt: g.ExpiresAt.Add(-time.Minute)})
		got, err := s.GetGrant(t.Context(), g.ID)
		must(t, "GetGrant", err)
		if !got.ExpiresAt.Equal(g.ExpiresAt) {
			t.Errorf("grant ExpiresAt: got %v, want it unchanged, %v", got.ExpiresAt, g.ExpiresAt)
		}
	}},
	{"a rotation keeps the grant, through a purge, until the access token issued with a shorter-lived refresh token expires", func(t *testing.T, s store.Store) {
		old := createRefreshToken(t, s, "g1", "rt1")
		issued := issuedWith(next(old, "rt2"))
		issued.GrantExpiresAt = issued.RefreshToken.ExpiresAt.Add(time.Hour)
		_, err := s.RotateRefreshToken(t.Context(), "rt1", issued, issued.RefreshToken.CreatedAt, time.Time{})
		must(t, "RotateRefreshToken", err)
		checkGrantOutlives(t, s, old.GrantID, issued)
	}},
	{"RotateRefreshToken refuses a next token of another grant, stores nothing and leaves the old token unused", func(t *testing.T, s store.Store) {
		old := createRefreshToken(t, s, "g1", "rt1")
		other := newRefreshToken("rt2", createGrant(t, s, "g2"))
		checkRefusal(t, "RotateRefreshToken(next of another grant)", rotate(t, s, "rt1", other, at(time.Hour)))
		got, err := s.GetRefreshToken(t.Context(), "rt1")
		must(t, "GetRefreshToken(old)", err)
		checkEqual(t, "GetRefreshToken(old)", got, old)
		_, err = s.GetRefreshToken(t.Context(), "rt2")
		checkErr(t, "GetRefreshToken of the refused rotation", err, store.ErrNotFound)
	}},
	{"rotating a used refresh token is ErrAlreadyUsed and stores nothing (RFC 9700 Section 4.14.2)", func(t *testing.T, s store.Store) {
		old := createRefreshToken(t, s, "g1", "rt1")
		must(t, "first RotateRefreshToken", rotate(t, s, "rt1", next(old, "rt2"), t0))
		err := rotate(t, s, "rt1", next(old, "rt3"), at(time.Minute))
		checkErr(t, "second RotateRefreshToken", err, store.ErrAlreadyUsed)
		_, err = s.GetRefreshToken(t.Context(), "rt3")
		checkErr(t, "GetRefreshToken(the replay's token)", err, store.ErrNotFound)
		got, err := s.GetRefreshToken(t.Context(), "rt1")
		must(t, "GetRefreshToken(old)", err)
		if !got.UsedAt.Equal(t0) {
			t.Errorf("old token UsedAt: got %v, want the first rotation's %v", got.UsedAt, t0)
		}
	}},
	{"rotating an unused refresh token of a revoked grant is ErrNotFound and stores nothing (the revocation that committed first wins)", func(t *testing.T, s store.Store) {
		old := createRefreshToken(t, s, "g1", "rt1")
		must(t, "RevokeGrant", s.RevokeGrant(t.Context(), "g1", at(time.Minute)))
		err := rotate(t, s, "rt1", next(old, "rt2"), at(2*time.Minute))
		checkErr(t, "RotateRefreshToken(token of a revoked grant)", err, store.ErrNotFound)
		_, err = s.GetRefreshToken(t.Context(), "rt2")
		checkErr(t, "GetRefreshToken of the refused rotation", err, store.ErrNotFound)
		got, err := s.GetRefreshToken(t.Context(), "rt1")
		must(t, "GetRefreshToken(old)", err)
		checkEqual(t, "GetRefreshToken(old)", got, old)
	}},
	{"concurrent rotations of one refresh token: exactly one wins, the losers store nothing", func(t *testing.T, s store.Store) {
		old := createRefreshToken(t, s, "g1", "rt1")
		hash := func(i int) string { return fmt.Sprintf("next-%02d", i) }
		errs := concurrently(contention, func(i int) error {
			return rotate(t, s, "rt1", next(old, hash(i)), t0)
		})
		winner := checkOneWinner(t, "RotateRefreshToken", errs, store.ErrAlreadyUsed)
		for i := range contention {
			_, err := s.GetRefreshToken(t.Context(), hash(i))
			if i == winner {
				checkErr(t, "GetRefreshToken(winner's token)", err, nil)
			} else {
				checkErr(t, "GetRefreshToken(loser's token)", err, store.ErrNotFound)
			}
		}
	}},
	{"RotateRefreshToken of an unknown hash is ErrNotFound and stores nothing", func(t *testing.T, s store.Store) {
		g := createGrant(t, s, "g1")
		err := rotate(t, s, "no-such-token", newRefreshToken("rt2", g), t0)
		checkErr(t, "RotateRefreshToken(unknown)", err, store.ErrNotFound)
		_, err = s.GetRefreshToken(t.Context(), "rt2")
		checkErr(t, "GetRefreshToken(next)", err, store.ErrNotFound)
	}},
}

// accessTokenTests hold the store to revocation of JWT access tokens
// (RFC 7009 Section 2.1): by jti, or through the grant they descend from.
var accessTokenTests = []test{
	{"a token of a live grant is not revoked", func(t *testing.T, s store.Store) {
		createGrant(t, s, "g1")
		checkRevoked(t, s, "g1", "jti-1", false)
	}},
	{"a token without a grant and without a revocation is not revoked", func(t *testing.T, s store.Store) {
		checkRevoked(t, s, "", "jti-1", false)
	}},
	{"RevokeAccessToken revokes that jti only, and is idempotent", func(t *testing.T, s store.Store) {
		createGrant(t, s, "g1")
		must(t, "RevokeAccessToken", s.RevokeAccessToken(t.Context(), "jti-1", at(time.Hour)))
		must(t, "RevokeAccessToken again", s.RevokeAccessToken(t.Context(), "jti-1", at(time.Hour)))
		checkRevoked(t, s, "g1", "jti-1", true)
		checkRevoked(t, s, "", "jti-1", true)
		checkRevoked(t, s, "g1", "jti-2", false)
	}},
	{"a token of a revoked grant is revoked", func(t *testing.T, s store.Store) {
		createGrant(t, s, "g1")
		must(t, "RevokeGrant", s.RevokeGrant(t.Context(), "g1", t0))
		checkRevoked(t, s, "g1", "jti-1", true)
	}},
	{"a token of a grant that no longer exists is revoked", func(t *testing.T, s store.Store) {
		checkRevoked(t, s, "no-such-grant", "jti-1", true)
	}},
	{"a token without a grant is revoked with its client (RFC 7592 Section 2.3), and only then", func(t *testing.T, s store.Store) {
		c := registeredClient("machine")
		must(t, "CreateClient", s.CreateClient(t.Context(), c))
		mine := store.AccessTokenRef{JTI: "jti-1", ClientID: c.ID}
		checkTokenRevoked(t, s, mine, false)
		checkTokenRevoked(t, s, mine, false) // asked again: a store may answer from memory
		must(t, "DeleteClient", s.DeleteClient(t.Context(), c.ID))
		checkTokenRevoked(t, s, mine, true)
		checkRevoked(t, s, "", "jti-2", false) // another client's token
		checkTokenRevoked(t, s, store.AccessTokenRef{JTI: "jti-3", ClientID: "no-such-client"}, true)
	}},
	{"a token found live is revoked on the very next lookup after any write that revokes it", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		soon := newGrant("g-purged")
		soon.ExpiresAt = at(time.Minute)
		must(t, "CreateGrant", s.CreateGrant(ctx, soon))
		for _, id := range []string{"g-jti", "g-revoked", "g-client"} {
			createGrant(t, s, id)
		}
		revocations := []struct {
			grantID, jti string
			revoke       func() error
		}{
			{"g-jti", "jti-1", func() error { return s.RevokeAccessToken(ctx, "jti-1", at(time.Hour)) }},
			{"g-revoked", "jti-2", func() error { return s.RevokeGrant(ctx, "g-revoked", t0) }},
			{"g-purged", "jti-3", func() error { _, err := s.PurgeExpired(ctx, at(2*time.Minute)); return err }},
			{"g-client", "jti-4", func() error { return s.DeleteClient(ctx, demoClient.ID) }},
		}
		for _, r := range revocations {
			checkRevoked(t, s, r.grantID, r.jti, false)
			checkRevoked(t, s, r.grantID, r.jti, false) // asked again: a store may answer from memory
			must(t, "revoking "+r.jti, r.revoke())
			checkRevoked(t, s, r.grantID, r.jti, true)
		}
	}},
}

// checkGrantOutlives checks that storing issued from grantID, whose access
// token expires after the grant would have, made the grant last until
// issued.GrantExpiresAt, so that a purge just before then leaves the access
// token unrevoked.
func checkGrantOutlives(t *testing.T, s store.Store, grantID string, issued store.Issued) {
	t.Helper()
	g, err := s.GetGrant(t.Context(), grantID)
	must(t, "GetGrant", err)
	if !g.ExpiresAt.Equal(issued.GrantExpiresAt) {
		t.Errorf("grant ExpiresAt: got %v, want the access token's %v", g.ExpiresAt, issued.GrantExpiresAt)
	}
	_, err = s.PurgeExpired(t.Context(), issued.GrantExpiresAt.Add(-time.Second))
	must(t, "PurgeExpired", err)
	checkRevoked(t, s, grantID, "jti-live", false)
}

// checkRevoked checks what AccessTokenRevoked answers for the token jti of
// demoClient issued from grantID ("" for none).
func checkRevoked(t *testing.T, s store.Store, grantID, jti string, want bool) {
	t.Helper()
	checkTokenRevoked(t, s, store.AccessTokenRef{JTI: jti, GrantID: grantID, ClientID: demoClient.ID}, want)
}

// checkTokenRevoked checks what AccessTokenRevoked answers for tok.
func checkTokenRevoked(t *testing.T, s store.Store, tok store.AccessTokenRef, want bool) {
	t.Helper()
	got, err := s.AccessTokenRevoked(t.Context(), tok)
	must(t, "AccessTokenRevoked", err)
	if got != want {
		t.Errorf("AccessTokenRevoked(%+v): got %v, want %v", tok, got, want)
	}
}
