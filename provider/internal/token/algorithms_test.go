package token

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/oauth-reference/provider/jwttest"
)

// loadKeysFor loads keys that sign access tokens with alg from a fresh store.
func loadKeysFor(t testing.TB, alg Algorithm) (*Keys, *fakeKeyStore) {
	t.Helper()
	ks := &fakeKeyStore{}
	k, err := LoadKeys(context.Background(), ks, testKEK, alg, time.Hour, t0)
	if err != nil {
		t.Fatalf("LoadKeys(%s): %v", alg, err)
	}
	return k, ks
}

// verifyWithJWKS checks raw the way an independent resource server or
// relying party would: go-jose's JWT parser, allowing only alg, and the
// public keys of the JWKS.
func verifyWithJWKS(t *testing.T, k *Keys, raw string, alg Algorithm) {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwksOf(k), &set); err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		t.Fatalf("parse as %s: %v", alg, err)
	}
	var c jwt.Claims
	if err := tok.Claims(set, &c); err != nil {
		t.Errorf("got error %v, want the JWKS to verify the %s token", err, alg)
	}
}

func TestSigningAlgorithms(t *testing.T) {
	idClaims := IDTokenClaims{
		Issuer: testIssuer, Subject: "user1", Audience: "testclient",
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), AuthTime: t0,
	}
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			k, _ := loadKeysFor(t, alg)
			raw := mustSignAccessToken(t, k, userClaims())
			t.Run("access tokens use ACCESS_TOKEN_SIGNING_ALG and verify", func(t *testing.T) {
				h := jwttest.Part(t, raw, jwttest.Header)
				if h["alg"] != string(alg) || h["kid"] != currentKID(k, alg) {
					t.Errorf("got header %v, want alg %s and kid %s", h, alg, currentKID(k, alg))
				}
				if _, err := k.VerifyAccessToken(raw, t0, testIssuer, testAudience); err != nil {
					t.Errorf("VerifyAccessToken: %v", err)
				}
				verifyWithJWKS(t, k, raw, alg)
			})
			t.Run("the signature has the algorithm's size (RFC 7518 Section 3.4: R || S, 64 octets for ES256)", func(t *testing.T) {
				_, sig := signingInput(t, raw)
				if want := map[Algorithm]int{RS256: 256, ES256: 64, EdDSA: 64}[alg]; len(sig) != want {
					t.Errorf("got %d signature bytes, want %d", len(sig), want)
				}
			})
			t.Run("ID tokens are RS256 unless the client asked for another", func(t *testing.T) {
				def, err := k.SignIDToken(idClaims, "")
				if err != nil || jwttest.Part(t, def, jwttest.Header)["alg"] != "RS256" {
					t.Fatalf("SignIDToken default: %v, header %v; want RS256", err, def)
				}
				asked, err := k.SignIDToken(idClaims, alg)
				if err != nil {
					t.Fatalf("SignIDToken(%s): %v", alg, err)
				}
				verifyWithJWKS(t, k, asked, alg)
			})
			t.Run("the JWKS and Algorithms hold RS256, ES256, and EdDSA only when configured", func(t *testing.T) {
				want := []Algorithm{RS256, ES256}
				if alg == EdDSA {
					want = append(want, EdDSA)
				}
				if got := k.Algorithms(); !slices.Equal(got, want) {
					t.Errorf("Algorithms: got %v, want %v", got, want)
				}
				for _, a := range []Algorithm{RS256, ES256, EdDSA} {
					n := len(jwksKIDs(t, jwksOf(k), a))
					if wantN := btoi(slices.Contains(want, a)); n != wantN {
						t.Errorf("JWKS: got %d %s keys, want %d", n, a, wantN)
					}
				}
			})
			t.Run("keys rotate rotates every algorithm's key", func(t *testing.T) {
				before := map[Algorithm]string{}
				for _, a := range k.Algorithms() {
					before[a] = currentKID(k, a)
				}
				kids, err := k.Rotate(context.Background(), t0.Add(time.Minute))
				if err != nil {
					t.Fatalf("Rotate: %v", err)
				}
				for a, old := range before {
					if kids[a] == "" || kids[a] == old || currentKID(k, a) != kids[a] {
						t.Errorf("%s: got new kid %q (signing: %q), want one other than %q", a, kids[a], currentKID(k, a), old)
					}
				}
				if _, err := k.VerifyAccessToken(raw, t0, testIssuer, testAudience); err != nil {
					t.Errorf("a token of the retired key: got %v, want it still valid", err)
				}
			})
		})
	}
	t.Run("an ID token alg without a key is an error, not another alg", func(t *testing.T) {
		k, _ := loadKeysFor(t, RS256)
		if raw, err := k.SignIDToken(idClaims, EdDSA); err == nil {
			t.Errorf("got %q, want an error: EdDSA is not configured", raw)
		}
	})
	t.Run("an unsupported ACCESS_TOKEN_SIGNING_ALG is refused", func(t *testing.T) {
		for _, alg := range []Algorithm{"none", "HS256", "PS256", "rs256"} {
			if _, err := LoadKeys(context.Background(), &fakeKeyStore{}, testKEK, alg, time.Hour, t0); err == nil {
				t.Errorf("LoadKeys(%q): got no error, want one", alg)
			}
		}
	})
}

// TestMixedAlgorithmsShareAStore runs two processes on one store, one
// signing access tokens with RS256 and one with EdDSA (a configuration
// change rolling out): each verifies the other's tokens.
func TestMixedAlgorithmsShareAStore(t *testing.T) {
	ctx := context.Background()
	rs, ks := loadKeysFor(t, RS256)
	ed, err := LoadKeys(ctx, ks, testKEK, EdDSA, time.Hour, t0)
	if err != nil {
		t.Fatalf("LoadKeys(EdDSA): %v", err)
	}
	if _, err := rs.VerifyAccessToken(mustSignAccessToken(t, ed, userClaims()), t0, testIssuer, testAudience); err != nil {
		t.Errorf("RS256 process verifying an EdDSA token: %v", err)
	}
	if _, err := ed.VerifyAccessToken(mustSignAccessToken(t, rs, userClaims()), t0, testIssuer, testAudience); err != nil {
		t.Errorf("EdDSA process verifying an RS256 token: %v", err)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
