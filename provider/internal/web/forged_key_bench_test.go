package web_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/internal/dpoptest"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
)

// forgedJWS is a compact JWS of header and claims with a random signature
// of 512 bytes: what anyone can send without a private key.
func forgedJWS(header, claims any) string {
	part := func(v any) string {
		j, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(j)
	}
	sig := make([]byte, 512)
	_, _ = rand.Read(sig)
	return part(header) + "." + part(claims) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// BenchmarkForgedClientAssertion measures a token request whose client
// assertion has a random signature, which anyone can send, against clients
// stored as a registration could have left them: one RSA-2048 key, or ten
// RSA-4096 keys: with e = 2^31-1 under one kid, or with e = 65537 and
// distinct kids, the assertion naming the last, an unknown kid or none.
// x-ref divides by one RS256 verification (RSA-2048).
func BenchmarkForgedClientAssertion(b *testing.B) {
	// tenKeys are ten RSA-4096 keys with exponent e, under one kid "k" or
	// under "k0" to "k9".
	tenKeys := func(e int, oneKid bool) func() []jose.JSONWebKey {
		return func() []jose.JSONWebKey {
			keys := make([]jose.JSONWebKey, 10)
			for i := range keys {
				keys[i] = jose.JSONWebKey{Key: dpoptest.RSAPublicKey(b, 4096, e), KeyID: fmt.Sprintf("k%d", i)}
				if oneKid {
					keys[i].KeyID = "k"
				}
			}
			return keys
		}
	}
	sets := []struct {
		name string
		kid  string // the assertion's
		keys func() []jose.JSONWebKey
	}{
		{"one-rsa2048", "k", func() []jose.JSONWebKey {
			return []jose.JSONWebKey{{Key: dpoptest.RSAPublicKey(b, 2048, 65537), KeyID: "k"}}
		}},
		{"ten-rsa4096-e2^31-1-one-kid", "k", tenKeys(1<<31-1, true)},
		{"ten-rsa4096-distinct-kids-last-named", "k9", tenKeys(65537, false)},
		{"ten-rsa4096-distinct-kids-unknown-kid", "k10", tenKeys(65537, false)},
		{"ten-rsa4096-distinct-kids-no-kid", "", tenKeys(65537, false)},
	}
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			p, h := benchProvider(b)
			jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: set.keys()})
			err := p.Store.CreateClient(context.Background(), store.Client{ID: "forged", Name: "Forged", Type: store.Confidential,
				GrantTypes: []string{string(oauth.GrantTypeClientCredentials)}, Scopes: []string{"read"}, DefaultScope: "read",
				TokenEndpointAuthMethod: "private_key_jwt", JWKS: string(jwks)})
			if err != nil {
				b.Fatal(err)
			}
			header := map[string]string{"alg": "RS256"}
			if set.kid != "" {
				header["kid"] = set.kid
			}
			claims := map[string]any{"iss": "forged", "sub": "forged", "aud": p.Config.Issuer, "exp": time.Now().Add(time.Minute).Unix(), "jti": "j"}
			body := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {oauth.ClientAssertionTypeJWT},
				"client_assertion": {forgedJWS(header, claims)}}.Encode()
			wantRefusal(b, serve(b, h, "POST", "/oauth/token", body, nil, http.StatusUnauthorized), "invalid_client")
			ref := newRef(b, token.RS256)
			ref.begin(b)
			for range b.N {
				serve(b, h, "POST", "/oauth/token", body, nil, http.StatusUnauthorized)
				ref.verify(b, 1)
			}
			ref.report(b, 1)
		})
	}
}

// BenchmarkForgedDPoPProof measures an anonymous token request (a public
// client, a made-up code) with a DPoP proof whose jwk is an RSA key of no
// one and whose signature is random, each time the same bytes. x-ref
// divides by one RS256 verification (RSA-2048).
func BenchmarkForgedDPoPProof(b *testing.B) {
	for _, k := range []struct {
		name    string
		bits, e int
	}{{"rsa2048-e65537", 2048, 65537}, {"rsa4096-e65537", 4096, 65537}, {"rsa4096-e65535", 4096, 65535}, {"rsa4096-e2^31-1", 4096, 1<<31 - 1}} {
		b.Run(k.name, func(b *testing.B) {
			p, h := benchProvider(b)
			header := map[string]any{"typ": "dpop+jwt", "alg": "RS256", "jwk": jose.JSONWebKey{Key: dpoptest.RSAPublicKey(b, k.bits, k.e)}}
			claims := map[string]any{"jti": "j", "htm": "POST", "htu": p.Config.Issuer + "/oauth/token", "iat": time.Now().Unix()}
			proof := forgedJWS(header, claims)
			body := "grant_type=authorization_code&client_id=spa-client&code=xyz&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fspa%2Fcallback"
			wantRefusal(b, serve(b, h, "POST", "/oauth/token", body, map[string]string{"DPoP": proof}, http.StatusBadRequest), "invalid_dpop_proof")
			ref := newRef(b, token.RS256)
			ref.begin(b)
			for range b.N {
				serve(b, h, "POST", "/oauth/token", body, map[string]string{"DPoP": proof}, http.StatusBadRequest)
				ref.verify(b, 1)
			}
			ref.report(b, 1)
		})
	}
}

// wantRefusal fails the benchmark unless rec is the error code, so that it
// measures the refusal it means to.
func wantRefusal(b *testing.B, rec *httptest.ResponseRecorder, code string) {
	if jsonField(rec.Body.String(), "error") != code {
		b.Fatalf("got %s, want the error %s", rec.Body, code)
	}
}
