package token

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"

	"github.com/oauth-reference/provider/jwttest"
)

// hostileText is a claim value encoding/json must escape or repair: a
// quote, a backslash, control characters, HTML's <, > and &, U+2028 and
// U+2029 (line ends to JavaScript) and two bytes that are not UTF-8.
const hostileText = "a\"b\\c/\x00\x1f\t\n<>&\u2028\u2029\xffd\xfe"

// hostileTextRead is hostileText as a JSON parser reads it back: each byte
// that is not UTF-8 became U+FFFD, as encoding/json writes it.
const hostileTextRead = "a\"b\\c/\x00\x1f\t\n<>&\u2028\u2029\ufffdd\ufffd"

// hostile is name followed by hostileText; hostileRead is what a JSON
// parser reads back of it.
func hostile(name string) string     { return name + " " + hostileText }
func hostileRead(name string) string { return name + " " + hostileTextRead }

// hostileAccessTokenClaims are userClaims with hostileText in every string
// the token endpoint copies from a request or a record.
func hostileAccessTokenClaims() AccessTokenClaims {
	c := userClaims()
	c.Subject, c.ClientID, c.Scope, c.GrantID, c.JTI, c.JKT = hostile("sub"), hostile("client_id"),
		hostile("scope"), hostile("gid"), hostile("jti"), hostile("jkt")
	return c
}

// TestIssuedAccessTokenClaimsAreGoJoses: SignAccessToken writes its claims
// from plain strings and integers (issuedAccessTokenJSON); the bytes must be
// those go-jose's types write for the same claims (accessTokenJSON, the form
// VerifyAccessToken reads), hostile strings included, so the two structs
// cannot drift apart.
func TestIssuedAccessTokenClaimsAreGoJoses(t *testing.T) {
	k, _ := newKeys(t)
	bound := userClaims()
	bound.JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
	for _, tc := range []struct {
		name   string
		claims AccessTokenClaims
	}{
		{"user token", userClaims()},
		{"client credentials token: no gid, no auth_time", clientCredentialsClaims()},
		{"DPoP-bound token: cnf.jkt (RFC 9449 Section 6.1)", bound},
		{"sub-second times: whole seconds (RFC 7519 Section 2)", func() AccessTokenClaims {
			c := userClaims()
			c.IssuedAt, c.ExpiresAt, c.AuthTime = c.IssuedAt.Add(999*time.Millisecond), c.ExpiresAt.Add(time.Millisecond), c.AuthTime.Add(500*time.Millisecond)
			return c
		}()},
		{"strings JSON must escape or repair", hostileAccessTokenClaims()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.claims
			want, err := json.Marshal(accessTokenJSON{
				Issuer: c.Issuer, Subject: c.Subject, Audience: jwt.Audience{c.Audience},
				ExpiresAt: jwt.NewNumericDate(c.ExpiresAt), IssuedAt: jwt.NewNumericDate(c.IssuedAt),
				JTI: c.JTI, ClientID: c.ClientID, Scope: c.Scope, GrantID: c.GrantID,
				AuthTime: jwt.NewNumericDate(c.AuthTime), Cnf: confirmation(c.JKT),
			})
			if err != nil {
				t.Fatal(err)
			}
			var got json.RawMessage
			jwttest.Decode(t, mustSignAccessToken(t, k, c), jwttest.Claims, &got)
			if string(got) != string(want) {
				t.Errorf("got claims\n%s\nwant go-jose's\n%s", got, want)
			}
		})
	}
}

// TestHostileClaimsVerify: a token whose strings JSON must escape verifies
// with go-jose and with VerifyAccessToken, and reads back the same text
// (bytes that are not UTF-8 repaired to U+FFFD).
func TestHostileClaimsVerify(t *testing.T) {
	k, _ := newKeys(t)
	pub := &currentPrivateKey(k).PublicKey

	t.Run("access token", func(t *testing.T) {
		raw := mustSignAccessToken(t, k, hostileAccessTokenClaims())
		var viaGoJose struct {
			Subject  string        `json:"sub"`
			ClientID string        `json:"client_id"`
			Scope    string        `json:"scope"`
			GrantID  string        `json:"gid"`
			JTI      string        `json:"jti"`
			Cnf      *Confirmation `json:"cnf"`
		}
		parseAndVerify(t, raw, pub, &viaGoJose)
		got, err := k.VerifyAccessToken(raw, t0.Add(time.Minute), testIssuer, testAudience)
		if err != nil {
			t.Fatalf("VerifyAccessToken: %v", err)
		}
		want := []string{hostileRead("sub"), hostileRead("client_id"), hostileRead("scope"), hostileRead("gid"), hostileRead("jti"), hostileRead("jkt")}
		if diff := cmp.Diff(want, []string{viaGoJose.Subject, viaGoJose.ClientID, viaGoJose.Scope, viaGoJose.GrantID, viaGoJose.JTI, viaGoJose.Cnf.JKT}); diff != "" {
			t.Errorf("go-jose read (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, []string{got.Subject, got.ClientID, got.Scope, got.GrantID, got.JTI, got.JKT}); diff != "" {
			t.Errorf("VerifyAccessToken read (-want +got):\n%s", diff)
		}
	})
	t.Run("ID token", func(t *testing.T) {
		c := IDTokenClaims{
			Issuer: testIssuer, Subject: hostile("sub"), Audience: testAudience,
			IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), AuthTime: t0,
			Nonce: hostile("nonce"), Name: hostile("name"), Email: hostile("email"),
		}
		raw, err := k.SignIDToken(c, "")
		if err != nil {
			t.Fatalf("SignIDToken: %v", err)
		}
		var viaGoJose struct {
			Subject string `json:"sub"`
			Nonce   string `json:"nonce"`
			Name    string `json:"name"`
			Email   string `json:"email"`
		}
		parseAndVerify(t, raw, pub, &viaGoJose)
		want := []string{hostileRead("sub"), hostileRead("nonce"), hostileRead("name"), hostileRead("email")}
		if diff := cmp.Diff(want, []string{viaGoJose.Subject, viaGoJose.Nonce, viaGoJose.Name, viaGoJose.Email}); diff != "" {
			t.Errorf("go-jose read (-want +got):\n%s", diff)
		}
		hint, err := k.VerifyIDTokenHint(raw, testIssuer)
		if err != nil || hint.Subject != want[0] {
			t.Errorf("VerifyIDTokenHint: got sub %q (%v), want %q", hint.Subject, err, want[0])
		}
	})
}

// parseAndVerify checks raw's RS256 signature with go-jose and decodes its
// claims into v.
func parseAndVerify(t *testing.T, raw string, pub any, v any) {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("go-jose parse: %v", err)
	}
	if err := tok.Claims(pub, v); err != nil {
		t.Fatalf("go-jose verify: %v", err)
	}
}
