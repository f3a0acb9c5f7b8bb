package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/oauth-reference/provider/internal/store"
)

// ofClient returns grant g moved to client id.
func ofClient(g store.Grant, id string) store.Grant {
	g.ClientID = id
	return g
}

// goneGrant creates a registered client and a grant of it, calls create
// to store a record of the grant (a code, a device code), then deletes the
// client, and with it the grant, and returns the grant.
func goneGrant(t *testing.T, s store.Store, create func(g store.Grant)) store.Grant {
	t.Helper()
	c := registeredClient("gone-client")
	must(t, "CreateClient", s.CreateClient(t.Context(), c))
	g := ofClient(newGrant("gone-grant"), c.ID)
	create(g)
	must(t, "DeleteClient", s.DeleteClient(t.Context(), c.ID))
	return g
}

// deletedClientTests hold the store to writes that lose a race with
// DeleteClient (RFC 7592 Section 2.3): a record whose client or grant is
// gone is refused with ErrNotFound and nothing of it is stored, so the
// protocol layer can answer the request that lost with a protocol error.
var deletedClientTests = []test{
	{"records of a deleted client or grant are ErrNotFound and not stored", func(t *testing.T, s store.Store) {
		c := registeredClient("gone-client")
		must(t, "CreateClient", s.CreateClient(t.Context(), c))
		g := ofClient(newGrant("gone-grant"), c.ID)
		rt := newRefreshToken("gone-rt", g)
		storeRefreshToken(t, s, g, rt)
		gc := ofClient(newGrant("gone-code-grant"), c.ID)
		must(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), gc, newCode("gone-code", gc)))
		d := newDeviceCode("gone-device", "gone-uc")
		d.ClientID = c.ID
		must(t, "CreateDeviceCode", s.CreateDeviceCode(t.Context(), d))
		must(t, "ApproveDeviceCode", s.ApproveDeviceCode(t.Context(), d.UserCodeHash, ofClient(newGrant("gone-device-grant"), c.ID)))
		must(t, "DeleteClient", s.DeleteClient(t.Context(), c.ID))

		g2 := ofClient(newGrant("late-grant"), c.ID)
		checkErr(t, "CreateGrant", s.CreateGrant(t.Context(), g2), store.ErrNotFound)
		g3 := ofClient(newGrant("late-code-grant"), c.ID)
		checkErr(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), g3, newCode("late-code", g3)), store.ErrNotFound)
		lateRT := newRefreshToken("late-rt", gc)
		checkErr(t, "RedeemAuthorizationCode", s.RedeemAuthorizationCode(t.Context(), "gone-code", at(1), issuedWith(lateRT)), store.ErrNotFound)
		lateDeviceRT := newRefreshToken("late-device-rt", ofClient(newGrant("gone-device-grant"), c.ID))
		checkErr(t, "RedeemDeviceCode", s.RedeemDeviceCode(t.Context(), d.Hash, issuedWith(lateDeviceRT)), store.ErrNotFound)
		_, err := s.RotateRefreshToken(t.Context(), rt.Hash, issuedWith(next(rt, "late-next")), at(1), at(-1))
		checkErr(t, "RotateRefreshToken", err, store.ErrNotFound)
		late := newDeviceCode("late-device", "late-uc")
		late.ClientID = c.ID
		checkErr(t, "CreateDeviceCode", s.CreateDeviceCode(t.Context(), late), store.ErrNotFound)
		g4 := ofClient(newGrant("late-device-grant"), c.ID)
		checkErr(t, "ApproveDeviceCode", s.ApproveDeviceCode(t.Context(), d.UserCodeHash, g4), store.ErrNotFound)
		pr := newPushedRequest("late-par")
		pr.ClientID = c.ID
		checkErr(t, "CreatePushedRequest", s.CreatePushedRequest(t.Context(), pr), store.ErrNotFound)

		for _, id := range []string{g2.ID, g3.ID, g4.ID} {
			_, err := s.GetGrant(t.Context(), id)
			checkErr(t, "GetGrant("+id+")", err, store.ErrNotFound)
		}
		for _, hash := range []string{"late-rt", "late-device-rt", "late-next"} {
			_, err := s.GetRefreshToken(t.Context(), hash)
			checkErr(t, "GetRefreshToken("+hash+")", err, store.ErrNotFound)
		}
		_, err = s.GetDeviceCode(t.Context(), late.Hash)
		checkErr(t, "GetDeviceCode", err, store.ErrNotFound)
		_, err = s.GetPushedRequest(t.Context(), pr.Hash)
		checkErr(t, "GetPushedRequest", err, store.ErrNotFound)
	}},
	{"DeleteClient racing rotations and code redemptions of its grants: each is done or ErrNotFound, and nothing is left", func(t *testing.T, s store.Store) {
		c := registeredClient("racing-client")
		must(t, "CreateClient", s.CreateClient(t.Context(), c))
		var tokens []store.RefreshToken
		var codeGrants []store.Grant
		for i := range contention {
			g := ofClient(newGrant(fmt.Sprint("racing-grant-", i)), c.ID)
			rt := newRefreshToken(fmt.Sprint("racing-rt-", i), g)
			storeRefreshToken(t, s, g, rt)
			tokens = append(tokens, rt)
			gc := ofClient(newGrant(fmt.Sprint("racing-code-grant-", i)), c.ID)
			must(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), gc, newCode(fmt.Sprint("racing-code-", i), gc)))
			codeGrants = append(codeGrants, gc)
		}
		errs := concurrently(2*contention+1, func(i int) error {
			switch rt, gc := tokens[i%contention], codeGrants[i%contention]; {
			case i == 2*contention:
				return s.DeleteClient(t.Context(), c.ID)
			case i < contention:
				return rotate(t, s, rt.Hash, next(rt, rt.Hash+"-next"), at(1))
			default:
				sibling := newRefreshToken(rt.Hash+"-sibling", gc)
				return s.RedeemAuthorizationCode(t.Context(), fmt.Sprint("racing-code-", i%contention), at(1), issuedWith(sibling))
			}
		})
		checkErr(t, "DeleteClient", errs[2*contention], nil)
		for i, err := range errs[:2*contention] {
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("write #%d racing DeleteClient: got %v, want nil or %v", i, err, store.ErrNotFound)
			}
		}
		for _, rt := range tokens {
			for _, hash := range []string{rt.Hash, rt.Hash + "-next", rt.Hash + "-sibling"} {
				_, err := s.GetRefreshToken(t.Context(), hash)
				checkErr(t, "GetRefreshToken("+hash+") after DeleteClient", err, store.ErrNotFound)
			}
			_, err := s.GetGrant(t.Context(), rt.GrantID)
			checkErr(t, "GetGrant after DeleteClient", err, store.ErrNotFound)
		}
		for _, gc := range codeGrants {
			_, err := s.GetGrant(t.Context(), gc.ID)
			checkErr(t, "GetGrant of a redeemed code after DeleteClient", err, store.ErrNotFound)
		}
	}},
}
