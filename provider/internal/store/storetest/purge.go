package storetest

import (
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// purgeTests hold the store to forgetting what can no longer be used, and
// nothing else.
var purgeTests = []test{
	{"PurgeExpired deletes the rows whose lifetime ended and keeps the live ones", func(t *testing.T, s store.Store) {
		expired := at(-time.Second)
		live := createGrant(t, s, "live")
		old := newGrant("old")
		old.ExpiresAt = expired
		oldCode := newCode("old-grant-code", old)
		oldCode.ExpiresAt = expired
		mustNot(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(ctx(t), old, oldCode))

		deadCodeGrant := newGrant("dead-code-grant")
		deadCode := newCode("dead-code", deadCodeGrant)
		deadCode.ExpiresAt = expired
		mustNot(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(ctx(t), deadCodeGrant, deadCode))
		liveCodeGrant := newGrant("live-code-grant")
		mustNot(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(ctx(t), liveCodeGrant, newCode("live-code", liveCodeGrant)))

		deadToken := newRefreshToken("dead-token", live)
		deadToken.ExpiresAt = expired
		mustNot(t, "CreateRefreshToken", s.CreateRefreshToken(ctx(t), deadToken))
		mustNot(t, "CreateRefreshToken", s.CreateRefreshToken(ctx(t), newRefreshToken("live-token", live)))

		deadDevice := newDeviceCode("dead-device", "BCDFGHJK")
		deadDevice.ExpiresAt = expired
		mustNot(t, "CreateDeviceCode", s.CreateDeviceCode(ctx(t), deadDevice))
		createDeviceCode(t, s, "live-device", "WDJBMJHT")

		mustNot(t, "RevokeAccessToken", s.RevokeAccessToken(ctx(t), "dead-jti", expired))
		mustNot(t, "RevokeAccessToken", s.RevokeAccessToken(ctx(t), "live-jti", at(time.Hour)))

		n, err := s.PurgeExpired(ctx(t), t0)
		mustNot(t, "PurgeExpired", err)
		// The old grant and its code, the dead code, token, device code and revocation.
		if n != 6 {
			t.Errorf("PurgeExpired: got %d rows deleted, want 6", n)
		}
		n, err = s.PurgeExpired(ctx(t), t0)
		mustNot(t, "second PurgeExpired", err)
		if n != 0 {
			t.Errorf("second PurgeExpired: got %d rows deleted, want 0", n)
		}

		_, err = s.GetGrant(ctx(t), "old")
		checkErr(t, "GetGrant(expired)", err, store.ErrNotFound)
		_, err = s.ConsumeAuthorizationCode(ctx(t), "old-grant-code", t0)
		checkErr(t, "ConsumeAuthorizationCode(expired grant's code)", err, store.ErrNotFound)
		_, err = s.ConsumeAuthorizationCode(ctx(t), "dead-code", t0)
		checkErr(t, "ConsumeAuthorizationCode(expired)", err, store.ErrNotFound)
		_, err = s.GetRefreshToken(ctx(t), "dead-token")
		checkErr(t, "GetRefreshToken(expired)", err, store.ErrNotFound)
		_, err = s.GetDeviceCode(ctx(t), "dead-device")
		checkErr(t, "GetDeviceCode(expired)", err, store.ErrNotFound)
		checkRevoked(t, s, "", "dead-jti", false)

		_, err = s.GetGrant(ctx(t), "live")
		checkErr(t, "GetGrant(live)", err, nil)
		_, err = s.ConsumeAuthorizationCode(ctx(t), "live-code", t0)
		checkErr(t, "ConsumeAuthorizationCode(live)", err, nil)
		_, err = s.GetRefreshToken(ctx(t), "live-token")
		checkErr(t, "GetRefreshToken(live)", err, nil)
		_, err = s.GetDeviceCode(ctx(t), "live-device")
		checkErr(t, "GetDeviceCode(live)", err, nil)
		checkRevoked(t, s, "", "live-jti", true)
	}},
}
