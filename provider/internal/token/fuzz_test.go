package token

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
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

// FuzzVerifyIDTokenHint: no id_token_hint (of the authorization and
// end-session requests) makes verification panic, and whatever verifies
// carries the claims this provider signed: not an access token, not a
// token with alg none.
func FuzzVerifyIDTokenHint(f *testing.F) {
	k, _ := newKeys(f)
	c := IDTokenClaims{Issuer: testIssuer, Subject: "user1", Audience: "testclient", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), AuthTime: t0, Nonce: "n", AccessToken: "at"}
	for _, alg := range []Algorithm{"", RS256, ES256, EdDSA} {
		if raw, err := k.SignIDToken(c, alg); err == nil {
			f.Add(raw)
			f.Add(strings.Replace(raw, ".", "..", 1))
		}
	}
	f.Add(mustSignAccessToken(f, k, userClaims()))
	f.Add("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30.")
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := k.VerifyIDTokenHint(raw, testIssuer)
		if err == nil && (got.Subject != "user1" || got.Audience != "testclient" || got.Issuer != testIssuer) {
			t.Fatalf("accepted claims that were never signed: %+v from %q", got, raw)
		}
	})
}

// FuzzParseKEK: a KEY_ENCRYPTION_KEY accepted is base64, in one of its
// four alphabets, of exactly kekSize bytes.
func FuzzParseKEK(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString(make([]byte, kekSize)))
	f.Add(base64.RawURLEncoding.EncodeToString(make([]byte, kekSize)) + "\n")
	f.Add("not base64")
	f.Add(base64.StdEncoding.EncodeToString(make([]byte, kekSize-1)))
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseKEK(s); err != nil {
			return
		}
		s = strings.TrimSpace(s)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				if len(b) != kekSize {
					t.Fatalf("ParseKEK(%q) accepted a key of %d bytes", s, len(b))
				}
				return
			}
		}
		t.Fatalf("ParseKEK(%q) accepted what no base64 alphabet decodes", s)
	})
}
