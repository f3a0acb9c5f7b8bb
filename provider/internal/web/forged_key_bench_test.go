package web_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/internal/dpoptest"
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
