package oauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/dpoptest"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// The DPoP proofs of RFC 9449 Figure 2 (at the token endpoint) and Figure 13
// (at a resource, with ath), signed by the RFC's example key.
const (
	rfc9449Figure2 = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19" +
		".eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ" +
		".2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg"
	rfc9449Figure13 = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19" +
		".eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9" +
		".2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA"
	// rfc9449JKT is the example key's thumbprint (RFC 9449 Figure 9) and
	// rfc9449Token the access token of Figure 6 that Figure 13's ath hashes.
	rfc9449JKT   = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
	rfc9449Token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
)

// newDPoPProvider is the real provider (SQLite in a temp dir) on a fake clock.
func newDPoPProvider(t testing.TB, start time.Time) (*oauth.Provider, *clocktest.Clock) {
	t.Helper()
	clock := clocktest.New(start)
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(t.TempDir(), "provider.db")
	return providertest.NewProvider(t, cfg, clock.Now), clock
}

func TestDPoPProofRFC9449Examples(t *testing.T) {
	p, clock := newDPoPProvider(t, time.Unix(1562262616, 0))
	proof, err := p.CheckDPoPProof(context.Background(), oauth.DPoPRequest{
		Proofs: []string{rfc9449Figure2}, Method: "POST", URI: "https://server.example.com/token"})
	if err != nil {
		t.Fatalf("RFC 9449 Figure 2 at the token endpoint: %v", err)
	}
	if proof.JKT != rfc9449JKT {
		t.Errorf("jkt of the example key (RFC 9449 Section 6.1): got %s, want %s", proof.JKT, rfc9449JKT)
	}
	_, err = p.CheckDPoPProof(context.Background(), oauth.DPoPRequest{
		Proofs: []string{rfc9449Figure2}, Method: "POST", URI: "https://server.example.com/token"})
	wantDPoPError(t, "Figure 2 replayed (RFC 9449 Section 11.1)", err, oauth.ErrInvalidDPoPProof)

	clock.Advance(2 * time.Second)
	resource := oauth.DPoPRequest{Proofs: []string{rfc9449Figure13}, Method: "GET",
		URI: "https://resource.example.org/protectedresource", AccessToken: rfc9449Token, BoundJKT: rfc9449JKT}
	if _, err := p.CheckDPoPProof(context.Background(), resource); err != nil {
		t.Fatalf("RFC 9449 Figure 13 at the resource: %v", err)
	}
}

// wantDPoPError checks that err has the code want.
func wantDPoPError(t *testing.T, name string, err *oauth.Error, want oauth.ErrorCode) {
	t.Helper()
	if err == nil || err.Code != want {
		t.Errorf("%s: got %v, want %s", name, err, want)
	}
}

// TestDPoPProofRules checks each rule of RFC 9449 Section 4.3 with a proof
// that breaks only that rule.
func TestDPoPProofRules(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	p, _ := newDPoPProvider(t, now)
	const uri = "http://localhost:8080/oauth/token"
	key := dpoptest.NewKey(t, jose.ES256)
	other := dpoptest.NewKey(t, jose.ES256)
	rsaKey := dpoptest.NewKey(t, jose.RS256)
	edDSAKey := dpoptest.NewKey(t, jose.EdDSA)
	ed25519Key := dpoptest.NewKey(t, oauth.AlgEd25519)
	largeExponent := dpoptest.NewRSAKey(t, 1<<31-1) // the largest e Go verifies with
	smallExponent := dpoptest.NewRSAKey(t, 3)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	shortRSA := jose.JSONWebKey{Key: &rsa1024.PublicKey}
	token := "eyJ.access.token"
	privateJWK := jose.JSONWebKey{Key: key.Private}
	ecWithoutY := json.RawMessage(`{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs"}`)
	longRSA := jose.JSONWebKey{Key: &rsa.PublicKey{N: new(big.Int).SetBit(big.NewInt(1), 4607, 1), E: 65537}} // 4608 bits
	good := func(c dpoptest.Claims) dpoptest.Claims {
		if c.HTM == "" {
			c.HTM = "POST"
		}
		if c.HTU == "" {
			c.HTU = uri
		}
		return c
	}
	tests := []struct {
		name    string
		proofs  []string
		token   string // at a resource
		bound   string
		want    oauth.ErrorCode // "" = accepted
		rule    string          // the rule the trace must end with, failed
		wantJKT string
	}{
		{name: "a proof that keeps every rule is accepted, with its key's thumbprint", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{})}, wantJKT: key.JKT()},
		{name: "RS256 is accepted too", proofs: []string{rsaKey.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{})}, wantJKT: rsaKey.JKT()},
		{name: "EdDSA is accepted", proofs: []string{edDSAKey.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{})}, wantJKT: edDSAKey.JKT()},
		{name: "Ed25519, EdDSA's fully specified name (RFC 9864 Section 2.2), is accepted", proofs: []string{ed25519Key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{})}, wantJKT: ed25519Key.JKT()},
		{name: "Ed25519 at a resource, ath and key matching", proofs: []string{ed25519Key.Proof(t, now, good(dpoptest.Claims{ATH: dpoptest.ATH(token)}), dpoptest.Options{})}, token: token, bound: ed25519Key.JKT(), wantJKT: ed25519Key.JKT()},
		{name: "1. not more than one DPoP header", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{}), key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{})}, want: oauth.ErrInvalidDPoPProof, rule: "not more than one DPoP header"},
		{name: "2. a single well-formed JWT: garbage", proofs: []string{"not-a-jwt"}, want: oauth.ErrInvalidDPoPProof, rule: "single, well-formed JWT"},
		{name: "2. a single well-formed JWT: a header that is not JSON", proofs: []string{"bm90IGpzb24.e30.c2ln"}, want: oauth.ErrInvalidDPoPProof, rule: "single, well-formed JWT"},
		{name: "2. a single well-formed JWT: too long", proofs: []string{strings.Repeat("a", 9000) + ".e30.c2ln"}, want: oauth.ErrInvalidDPoPProof, rule: "single, well-formed JWT"},
		{name: "3. all required claims: no jti", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"jti": ""}})}, want: oauth.ErrInvalidDPoPProof, rule: "every required claim"},
		{name: "3. all required claims: JTI is not jti (names match exactly, RFC 8259 Section 8.3)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{OmitClaims: []string{"jti"}, ExtraClaim: map[string]any{"JTI": "upper-case"}})}, want: oauth.ErrInvalidDPoPProof, rule: "every required claim"},
		{name: "3. all required claims: HTU is not htu", proofs: []string{key.Proof(t, now, dpoptest.Claims{HTM: "POST"}, dpoptest.Options{ExtraClaim: map[string]any{"HTU": uri}})}, want: oauth.ErrInvalidDPoPProof, rule: "every required claim"},
		{name: "3. all required claims: no htm", proofs: []string{key.Proof(t, now, dpoptest.Claims{HTU: uri}, dpoptest.Options{})}, want: oauth.ErrInvalidDPoPProof, rule: "every required claim"},
		{name: "3. all required claims: no jwk", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{OmitJWK: true})}, want: oauth.ErrInvalidDPoPProof, rule: "every required claim"},
		{name: "3. all required claims: no ath at a resource", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{})}, token: token, bound: key.JKT(), want: oauth.ErrInvalidDPoPProof, rule: "every required claim"},
		{name: "3. an unnecessarily large jti is refused (Section 11.1)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{JTI: strings.Repeat("j", 300)}), dpoptest.Options{})}, want: oauth.ErrInvalidDPoPProof, rule: "every required claim"},
		{name: "4. typ is dpop+jwt: JWT is not enough", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{Typ: "JWT"})}, want: oauth.ErrInvalidDPoPProof, rule: "typ is dpop+jwt"},
		{name: "3. all required claims: no typ", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{Typ: "-"})}, want: oauth.ErrInvalidDPoPProof, rule: "every required claim"},
		{name: "5. alg none is refused", proofs: []string{unsignedProof(t, key, now, uri)}, want: oauth.ErrInvalidDPoPProof, rule: "alg is an asymmetric"},
		{name: "6. the signature verifies with the jwk: signed by another key", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{SignWith: other})}, want: oauth.ErrInvalidDPoPProof, rule: "signature verifies"},
		{name: "6. the signature verifies with the jwk: a tampered payload", proofs: []string{tamper(t, key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{}))}, want: oauth.ErrInvalidDPoPProof, rule: "signature verifies"},
		{name: "6. an Ed25519 proof whose jwk is an EC key", proofs: []string{ed25519Key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{JWK: &key.JWK})}, want: oauth.ErrInvalidDPoPProof, rule: "signature verifies"},
		{name: "6. an Ed25519 proof signed by another Ed25519 key", proofs: []string{ed25519Key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{SignWith: dpoptest.NewKey(t, oauth.AlgEd25519)})}, want: oauth.ErrInvalidDPoPProof, rule: "signature verifies"},
		{name: "6. an Ed25519 proof with a tampered payload", proofs: []string{tamper(t, ed25519Key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{}))}, want: oauth.ErrInvalidDPoPProof, rule: "signature verifies"},
		{name: "crit in the header is refused for what it is (RFC 7515 Section 4.1.11)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraHead: map[string]any{"crit": []string{"exp"}, "exp": 1}})}, want: oauth.ErrInvalidDPoPProof, rule: "no critical extension"},
		{name: "crit in an Ed25519 proof's header is refused for what it is", proofs: []string{ed25519Key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraHead: map[string]any{"crit": []string{"exp"}, "exp": 1}})}, want: oauth.ErrInvalidDPoPProof, rule: "no critical extension"},
		{name: "RSA with e = 3 is accepted (RFC 8017 Section 3.1)", proofs: []string{smallExponent.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{})}, wantJKT: smallExponent.JKT()},
		{name: "6. an RSA jwk with e = 2^31-1 is refused before its signature is verified, though it is right", proofs: []string{largeExponent.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{})},
			want: oauth.ErrInvalidDPoPProof, rule: "odd exponent e from 3 to 65537"},
		{name: "6. an RSA jwk with e = 2^31-1 and a signature by another key: refused for the key, never verified with", proofs: []string{largeExponent.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{SignWith: rsaKey})},
			want: oauth.ErrInvalidDPoPProof, rule: "odd exponent e from 3 to 65537"},
		{name: "6. an RSA jwk under 2048 bits (RFC 7518 Section 3.3)", proofs: []string{rsaKey.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{JWK: &shortRSA})},
			want: oauth.ErrInvalidDPoPProof, rule: "at least 2048 bits"},
		{name: "the jwk is a valid JWK (RFC 9449 Section 4.2): an EC key without y", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraHead: map[string]any{"jwk": ecWithoutY}})}, want: oauth.ErrInvalidDPoPProof, rule: "is a valid JWK"},
		{name: "the jwk is a valid JWK: an oct key verifies no proof", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraHead: map[string]any{"jwk": json.RawMessage(`{"kty":"oct","k":"AAAA"}`)}})}, want: oauth.ErrInvalidDPoPProof, rule: "is a valid JWK"},
		{name: "the jwk is a valid JWK: an RSA key over 4096 bits", proofs: []string{rsaKey.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{JWK: &longRSA})}, want: oauth.ErrInvalidDPoPProof, rule: "RSA of at most 4096 bits"},
		{name: "7. the jwk holds no private key", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{JWK: &privateJWK})}, want: oauth.ErrInvalidDPoPProof, rule: "holds no private key"},
		{name: "8. htm is the request's method", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{HTM: "GET"}), dpoptest.Options{})}, want: oauth.ErrInvalidDPoPProof, rule: "htm is"},
		{name: "9. htu is the request's URI", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{HTU: "http://localhost:8080/oauth/revoke"}), dpoptest.Options{})}, want: oauth.ErrInvalidDPoPProof, rule: "htu is"},
		{name: "9. htu ignores query and fragment, after normalization", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{HTU: "HTTP://LOCALHOST:8080/oauth/token?x=1#f"}), dpoptest.Options{})}, wantJKT: key.JKT()},
		{name: "9. htu after percent-encoding normalization: %74oken is token (RFC 3986 Section 6.2.2.2)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{HTU: "http://localhost:8080/oauth/%74oken"}), dpoptest.Options{})}, wantJKT: key.JKT()},
		{name: "9. htu after dot-segment removal (RFC 3986 Section 6.2.2.3)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{HTU: "http://localhost:8080/oauth/./par/../token"}), dpoptest.Options{})}, wantJKT: key.JKT()},
		{name: "9. htu: an encoded slash is not a slash (RFC 3986 Section 2.2)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{HTU: "http://localhost:8080/oauth%2Ftoken"}), dpoptest.Options{})}, want: oauth.ErrInvalidDPoPProof, rule: "htu is"},
		{name: "9. htu with userinfo is not the target URI (RFC 9110 Section 4.2.4)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{HTU: "http://user:pw@localhost:8080/oauth/token"}), dpoptest.Options{})}, want: oauth.ErrInvalidDPoPProof, rule: "htu is"},
		{name: "9. htu with an empty userinfo, a bare @ (RFC 9110 Section 4.2.4)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{HTU: "http://@localhost:8080/oauth/token"}), dpoptest.Options{})}, want: oauth.ErrInvalidDPoPProof, rule: "htu is"},
		{name: "11. iat within the window: a minute and more old", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{IAT: now.Add(-61 * time.Second).Unix()}), dpoptest.Options{})}, want: oauth.ErrInvalidDPoPProof, rule: "iat is within"},
		{name: "11. iat within the window: made in the future", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{IAT: now.Add(2 * time.Minute).Unix()}), dpoptest.Options{})}, want: oauth.ErrInvalidDPoPProof, rule: "iat is within"},
		{name: "11. iat 60.5 s ahead, a NumericDate with a fraction (RFC 7519 Section 2), is refused", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"iat": float64(now.Unix()) + 60.5}})}, want: oauth.ErrInvalidDPoPProof, rule: "iat is within"},
		{name: "11. iat 60.5 s old is refused", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"iat": float64(now.Unix()) - 60.5}})}, want: oauth.ErrInvalidDPoPProof, rule: "iat is within"},
		{name: "11. iat 59.5 s ahead is accepted (clock skew)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"iat": float64(now.Unix()) + 59.5}})}, wantJKT: key.JKT()},
		{name: "11. nbf up to 60 s ahead is accepted (clock skew)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"nbf": now.Add(60 * time.Second).Unix()}})}, wantJKT: key.JKT()},
		{name: "11. nbf more than 60 s ahead: not valid yet (RFC 7519 Section 4.1.5)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"nbf": now.Add(61 * time.Second).Unix()}})}, want: oauth.ErrInvalidDPoPProof, rule: "nbf and exp"},
		{name: "11. nbf beyond any date: not valid yet", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"nbf": 1e300}})}, want: oauth.ErrInvalidDPoPProof, rule: "nbf and exp"},
		{name: "11. exp passed less than 60 s ago is accepted (clock skew)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"exp": now.Add(-59 * time.Second).Unix()}})}, wantJKT: key.JKT()},
		{name: "11. exp passed: expired (RFC 7519 Section 4.1.4)", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"exp": now.Add(-time.Hour).Unix()}})}, want: oauth.ErrInvalidDPoPProof, rule: "nbf and exp"},
		{name: "11. exp before any date: expired", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"exp": -1e300}})}, want: oauth.ErrInvalidDPoPProof, rule: "nbf and exp"},
		{name: "2. nbf that is not a number is no well-formed JWT", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{}), dpoptest.Options{ExtraClaim: map[string]any{"nbf": "soon"}})}, want: oauth.ErrInvalidDPoPProof, rule: "single, well-formed JWT"},
		{name: "12. ath is the access token's hash", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{ATH: dpoptest.ATH("another")}), dpoptest.Options{})}, token: token, bound: key.JKT(), want: oauth.ErrInvalidDPoPProof, rule: "ath is the access token"},
		{name: "12. the token is bound to the proof's key", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{ATH: dpoptest.ATH(token)}), dpoptest.Options{})}, token: token, bound: other.JKT(), want: oauth.ErrInvalidToken, rule: "ath is the access token"},
		{name: "12. ath and key match: accepted at the resource", proofs: []string{key.Proof(t, now, good(dpoptest.Claims{ATH: dpoptest.ATH(token)}), dpoptest.Options{})}, token: token, bound: key.JKT(), wantJKT: key.JKT()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trace := &oauth.Trace{}
			proof, err := p.CheckDPoPProof(oauth.WithTrace(context.Background(), trace), oauth.DPoPRequest{
				Proofs: tc.proofs, Method: "POST", URI: uri, AccessToken: tc.token, BoundJKT: tc.bound})
			switch {
			case tc.want != "":
				wantDPoPError(t, tc.name, err, tc.want)
				if n := len(trace.Checks); n == 0 || trace.Checks[n-1].Passed || !strings.Contains(trace.Checks[n-1].Rule, tc.rule) {
					t.Errorf("the trace must end with the failed rule %q, got %+v", tc.rule, trace.Checks)
				}
			case err != nil:
				t.Fatalf("got %v, want the proof accepted", err)
			case proof.JKT != tc.wantJKT:
				t.Errorf("jkt: got %s, want %s", proof.JKT, tc.wantJKT)
			}
		})
	}
}

// unsignedProof is a proof with alg none and no signature.
func unsignedProof(t *testing.T, key *dpoptest.Key, now time.Time, uri string) string {
	good := key.Proof(t, now, dpoptest.Claims{HTM: "POST", HTU: uri}, dpoptest.Options{})
	parts := strings.Split(good, ".")
	header := `{"typ":"dpop+jwt","alg":"none","jwk":` + jwkJSON(t, key) + `}`
	return b64(header) + "." + parts[1] + "."
}

func TestDPoPProofReplayAndNonce(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	p, clock := newDPoPProvider(t, now)
	key := dpoptest.NewKey(t, jose.ES256)
	const uri = "http://localhost:8080/oauth/token"
	check := func(proof string) *oauth.Error {
		_, err := p.CheckDPoPProof(context.Background(), oauth.DPoPRequest{Proofs: []string{proof}, Method: "POST", URI: uri})
		return err
	}
	proof := key.Proof(t, now, dpoptest.Claims{HTM: "POST", HTU: uri}, dpoptest.Options{})
	if err := check(proof); err != nil {
		t.Fatalf("first use: %v", err)
	}
	wantDPoPError(t, "the same proof again (RFC 9449 Section 11.1)", check(proof), oauth.ErrInvalidDPoPProof)
	bad := key.Proof(t, now, dpoptest.Claims{HTM: "GET", HTU: uri, JTI: "kept"}, dpoptest.Options{})
	wantDPoPError(t, "a refused proof", check(bad), oauth.ErrInvalidDPoPProof)
	if err := check(key.Proof(t, now, dpoptest.Claims{HTM: "POST", HTU: uri, JTI: "kept"}, dpoptest.Options{})); err != nil {
		t.Errorf("a refused proof does not use up its jti: got %v", err)
	}

	p.DPoPNonces = oauth.NewDPoPNonces([]byte("secret"))
	err := check(key.Proof(t, now, dpoptest.Claims{HTM: "POST", HTU: uri}, dpoptest.Options{}))
	wantDPoPError(t, "no nonce when nonces are on (RFC 9449 Section 8)", err, oauth.ErrUseDPoPNonce)
	if err == nil || !p.DPoPNonces.Valid(err.DPoPNonce, now) {
		t.Fatalf("use_dpop_nonce must carry a fresh nonce, got %+v", err)
	}
	nonce := err.DPoPNonce
	if err := check(key.Proof(t, now, dpoptest.Claims{HTM: "POST", HTU: uri, Nonce: nonce}, dpoptest.Options{})); err != nil {
		t.Errorf("with the server's nonce: got %v, want accepted", err)
	}
	forged := oauth.NewDPoPNonces([]byte("another secret")).New(now)
	wantDPoPError(t, "a nonce this server did not make (RFC 9449 Section 11.3)",
		check(key.Proof(t, now, dpoptest.Claims{HTM: "POST", HTU: uri, Nonce: forged}, dpoptest.Options{})), oauth.ErrUseDPoPNonce)
	clock.Advance(oauth.DPoPNonceLifetime + time.Second)
	wantDPoPError(t, "an expired nonce",
		check(key.Proof(t, clock.Now(), dpoptest.Claims{HTM: "POST", HTU: uri, Nonce: nonce}, dpoptest.Options{})), oauth.ErrUseDPoPNonce)
}

// FuzzCheckDPoPProof: no DPoP header makes the proof parser panic, and
// nothing that is not a signed proof is accepted.
func FuzzCheckDPoPProof(f *testing.F) {
	f.Add(rfc9449Figure2)
	f.Add(rfc9449Figure13)
	f.Add("e30.e30.")
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6Im5vbmUifQ.e30.")
	p, _ := newDPoPProvider(f, time.Unix(1562262616, 0))
	accepted := 0
	f.Fuzz(func(t *testing.T, proof string) {
		_, err := p.CheckDPoPProof(context.Background(), oauth.DPoPRequest{
			Proofs: []string{proof}, Method: "POST", URI: "https://server.example.com/token"})
		if err == nil {
			accepted++ // only Figure 2 verifies, and only once
		}
		if accepted > 1 {
			t.Fatalf("accepted a second proof: %q", proof)
		}
	})
}

// tamper changes a proof's jti, keeping its signature.
func tamper(t testing.TB, proof string) string {
	claims := jwttest.Part(t, proof, jwttest.Claims)
	claims["jti"] = "tampered"
	payload, _ := json.Marshal(claims)
	parts := strings.Split(proof, ".")
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

// jwkJSON is the key's public JWK as JSON.
func jwkJSON(t *testing.T, key *dpoptest.Key) string {
	b, err := key.JWK.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
