package token

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// TestVerifyIDTokenHint: an id_token_hint must be an ID Token this provider
// signed for its issuer (OIDC RP-Initiated Logout Section 2), expired or not.
func TestVerifyIDTokenHint(t *testing.T) {
	k, _ := newKeys(t)
	sign := func(c IDTokenClaims) string {
		t.Helper()
		raw, err := k.SignIDToken(c, "")
		if err != nil {
			t.Fatalf("SignIDToken: %v", err)
		}
		return raw
	}
	valid := IDTokenClaims{Issuer: testIssuer, Subject: "user1", Audience: "testclient",
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), AuthTime: t0}
	expired := valid
	expired.IssuedAt, expired.ExpiresAt, expired.AuthTime = t0.Add(-48*time.Hour), t0.Add(-47*time.Hour), t0.Add(-48*time.Hour)
	otherIssuer := valid
	otherIssuer.Issuer = "https://other.example"
	fresh := sign(valid)
	noTyp, _ := json.Marshal(map[string]any{"iss": testIssuer, "sub": "user1", "aud": "testclient", "exp": t0.Unix(), "iat": t0.Unix()})
	noSub, _ := json.Marshal(map[string]any{"iss": testIssuer, "aud": "testclient", "exp": t0.Unix(), "iat": t0.Unix()})
	typJWT := map[jose.HeaderKey]any{jose.HeaderType: "JWT"}

	for _, tc := range []struct {
		name, raw string
		wantSub   string // "" means refused
	}{
		{"an ID token of this issuer is a hint", fresh, "user1"},
		{"an expired one too: the OP SHOULD accept it even when the exp time has passed", sign(expired), "user1"},
		{"another issuer's is refused: the OP MUST validate that it was the issuer", sign(otherIssuer), ""},
		{"a forged signature is refused", fresh[:strings.LastIndex(fresh, ".")+1] + "AAAA", ""},
		{"an access token is not an ID token (typ at+jwt)", mustSignAccessToken(t, k, userClaims()), ""},
		{"a JWT without typ JWT is refused", signRaw(t, jose.RS256, currentPrivateKey(k), currentKID(k), nil, noTyp), ""},
		{"an ID token without sub is refused", signRaw(t, jose.RS256, currentPrivateKey(k), currentKID(k), typJWT, noSub), ""},
		{"a key the provider does not publish is refused", signRaw(t, jose.RS256, currentPrivateKey(k), "unknown-kid", typJWT, noTyp), ""},
		{"garbage is refused", "not.a.jwt", ""},
		{"an oversized value is refused before it is parsed", strings.Repeat("a", maxTokenLength+1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := k.VerifyIDTokenHint(tc.raw, testIssuer)
			switch {
			case tc.wantSub == "" && err == nil:
				t.Errorf("got a valid hint for %q, want an error", got.Subject)
			case tc.wantSub != "" && err != nil:
				t.Errorf("got error %v, want a valid hint", err)
			case tc.wantSub != "" && (got.Subject != tc.wantSub || got.Audience != "testclient"):
				t.Errorf("got sub %q aud %q, want %q and testclient", got.Subject, got.Audience, tc.wantSub)
			}
		})
	}
}
