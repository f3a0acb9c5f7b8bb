package token

import (
	"strings"
	"testing"
)

// FuzzVerifyAccessToken: no input makes verification panic, and whatever
// verifies carries exactly the claims that were signed (no forgery).
func FuzzVerifyAccessToken(f *testing.F) {
	k, _ := newKeys(f)
	good := mustSignAccessToken(f, k, userClaims())
	f.Add(good)
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := k.VerifyAccessToken(raw, t0.Add(1), testIssuer, testAudience)
		if err == nil && (got.JTI != "jti-1" || got.Subject != "user1" || got.Scope != "openid read") {
			t.Fatalf("accepted claims that were never signed: %+v from %q", got, raw)
		}
	})
}
