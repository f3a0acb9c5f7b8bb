package web_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/web"
	"github.com/oauth-reference/provider/providertest"
)

// The benchmarks run the real router in-process (no network) on the SQLite
// store. Each reports "x-ref": its time divided by the time of the RS256
// operations it cannot avoid, run interleaved with its own iterations (timer
// stopped), so both see the same machine load and the ratio holds on a
// noisy machine. Targets (issues 3–5): authorization_code ≤ 1.5× its
// signatures, refresh ≤ 1.5×, client_credentials ≤ 1.3× one signature,
// bearer check, revocation, introspection and device polling ≤ 2× one
// verification.

// rs256 is a bare RS256 signer and verifier (RSA 2048, SHA-256): the
// reference the ratios divide by.
type rs256 struct {
	key    *rsa.PrivateKey
	digest [32]byte
	sig    []byte
	spent  time.Duration // time in reference operations so far
}

func newRS256(b *testing.B) *rs256 {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	r := &rs256{key: key, digest: sha256.Sum256([]byte("header.payload"))}
	r.sig, _ = rsa.SignPKCS1v15(nil, key, crypto.SHA256, r.digest[:])
	return r
}

// sign runs n bare signatures with the benchmark timer stopped.
func (r *rs256) sign(b *testing.B, n int) {
	r.timed(b, func() { _, _ = rsa.SignPKCS1v15(nil, r.key, crypto.SHA256, r.digest[:]) }, n)
}

// verify runs n bare verifications with the benchmark timer stopped.
func (r *rs256) verify(b *testing.B, n int) {
	r.timed(b, func() { _ = rsa.VerifyPKCS1v15(&r.key.PublicKey, crypto.SHA256, r.digest[:], r.sig) }, n)
}

func (r *rs256) timed(b *testing.B, op func(), n int) {
	b.StopTimer()
	start := time.Now()
	for range n {
		op()
	}
	r.spent += time.Since(start)
	b.StartTimer()
}

// report prints the benchmark's time over the reference's.
func (r *rs256) report(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed())/float64(r.spent), "x-ref")
}

// benchProvider is the provider and its router, without a listener.
func benchProvider(b *testing.B) (*oauth.Provider, http.Handler) {
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(b.TempDir(), "bench.db")
	cfg.PasswordHashCost = 4 // no benchmark here signs a user in
	p := providertest.NewProvider(b, cfg, time.Now)
	return p, web.NewRouter(p, []byte("bench"), p.Log)
}

// serve sends one form POST (or a GET with a bearer) through the router and
// fails the benchmark on an unexpected status.
func serve(b *testing.B, h http.Handler, method, path, body string, header map[string]string, want int) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: got %d, want %d: %s", method, path, rec.Code, want, rec.Body)
	}
	return rec
}

var basicDemo = map[string]string{"Authorization": "Basic dGVzdGNsaWVudDp0ZXN0c2VjcmV0"} // testclient:testsecret

// issueCodes issues n codes for "openid read" without HTTP.
func issueCodes(b *testing.B, p *oauth.Provider, n int) []string {
	ctx := context.Background()
	client, err := p.Store.GetClient(ctx, "testclient")
	if err != nil {
		b.Fatal(err)
	}
	a := &oauth.Authorization{Client: client, RedirectURI: demoRedirectURI, SentRedirect: true, Scope: "openid read", Nonce: "n"}
	codes := make([]string, n)
	for i := range codes {
		loc, oerr := p.IssueAuthorizationCode(ctx, a, "user1", time.Now())
		if oerr != nil {
			b.Fatal(oerr)
		}
		u, _ := url.Parse(loc)
		codes[i] = u.Query().Get("code")
	}
	return codes
}

// BenchmarkTokenAuthorizationCode measures the code exchange (RFC 6749
// Section 4.1.3) for an OpenID request: client authentication, the atomic
// consumption of the code, an access token and an ID token (two
// signatures), a stored refresh token. x-ref divides by two signatures.
func BenchmarkTokenAuthorizationCode(b *testing.B) {
	p, h := benchProvider(b)
	codes := issueCodes(b, p, b.N)
	ref := newRS256(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := "grant_type=authorization_code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&code=" + codes[i]
		serve(b, h, "POST", "/oauth/token", body, basicDemo, http.StatusOK)
		ref.sign(b, 2)
	}
	ref.report(b)
}

// BenchmarkTokenRefresh measures the refresh grant with rotation (RFC 6749
// Section 6): the token lookup, the atomic rotation in the store, an access
// token and an ID token. x-ref divides by two signatures.
func BenchmarkTokenRefresh(b *testing.B) {
	p, h := benchProvider(b)
	code := issueCodes(b, p, 1)[0]
	rec := serve(b, h, "POST", "/oauth/token", "grant_type=authorization_code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&code="+code, basicDemo, http.StatusOK)
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	ref := newRS256(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil {
			b.Fatal(err)
		}
		rec = serve(b, h, "POST", "/oauth/token", "grant_type=refresh_token&refresh_token="+tok.RefreshToken, basicDemo, http.StatusOK)
		ref.sign(b, 2)
	}
	ref.report(b)
}

// BenchmarkTokenClientCredentials measures the client credentials grant
// (RFC 6749 Section 4.4): client authentication, scope check, one signature.
func BenchmarkTokenClientCredentials(b *testing.B) {
	_, h := benchProvider(b)
	ref := newRS256(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(b, h, "POST", "/oauth/token", "grant_type=client_credentials&scope=read", basicDemo, http.StatusOK)
		ref.sign(b, 1)
	}
	ref.report(b)
}

// accessTokens returns n access tokens of the demo client, by client credentials.
func accessTokens(b *testing.B, h http.Handler, n int) []string {
	out := make([]string, n)
	for i := range out {
		rec := serve(b, h, "POST", "/oauth/token", "grant_type=client_credentials&scope=read", basicDemo, http.StatusOK)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil {
			b.Fatal(err)
		}
		out[i] = tok.AccessToken
	}
	return out
}

// BenchmarkBearerCheck measures GET /protected/resource (RFC 6750): the
// token's signature and claims, and its revocation status (by jti and by
// grant) in one store lookup, then the page. "repeated" presents one token
// again and again, as a client does for its lifetime; "distinct" cycles
// through more tokens than the verified-token cache holds, so every
// signature is checked in full. x-ref divides by one RS256 verification.
func BenchmarkBearerCheck(b *testing.B) {
	for _, tc := range []struct {
		name   string
		tokens int
	}{{"repeated", 1}, {"distinct", 4608}} {
		b.Run(tc.name, func(b *testing.B) {
			_, h := benchProvider(b)
			tokens := accessTokens(b, h, tc.tokens)
			ref := newRS256(b)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				serve(b, h, "GET", "/protected/resource", "", map[string]string{"Authorization": "Bearer " + tokens[i%len(tokens)]}, http.StatusOK)
				ref.verify(b, 1)
			}
			ref.report(b)
		})
	}
}

// BenchmarkRevocation measures POST /oauth/revoke of an access token (RFC
// 7009): client authentication, verification, recording the revoked jti.
func BenchmarkRevocation(b *testing.B) {
	benchTokenQuery(b, "/oauth/revoke", "token_type_hint=access_token&token=")
}

// BenchmarkIntrospection measures POST /oauth/introspect of an active access
// token (RFC 7662): client authentication, verification, revocation status.
func BenchmarkIntrospection(b *testing.B) {
	benchTokenQuery(b, "/oauth/introspect", "token=")
}

// benchTokenQuery posts one access token, by the demo client, to path again
// and again; x-ref divides by one RS256 verification.
func benchTokenQuery(b *testing.B, path, formPrefix string) {
	_, h := benchProvider(b)
	body := formPrefix + accessTokens(b, h, 1)[0]
	ref := newRS256(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(b, h, "POST", path, body, basicDemo, http.StatusOK)
		ref.verify(b, 1)
	}
	ref.report(b)
}

// BenchmarkRetainedMemory issues a fresh access token and presents it at
// the resource on every iteration — the pattern that would leak if anything
// kept per-token state without bound — and reports the heap still in use
// after a GC, per iteration, once the bounded caches have filled:
// "retained-B/op" near 0 means nothing grows per request.
func BenchmarkRetainedMemory(b *testing.B) {
	_, h := benchProvider(b)
	cycle := func() {
		tok := accessTokens(b, h, 1)[0]
		serve(b, h, "GET", "/protected/resource", "", map[string]string{"Authorization": "Bearer " + tok}, http.StatusOK)
	}
	for range 5000 { // fill the verified-token cache (4096) first
		cycle()
	}
	before := heapInUse()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cycle()
	}
	b.StopTimer()
	b.ReportMetric(float64(heapInUse()-before)/float64(b.N), "retained-B/op") // may dip below 0 as caches evict
}

// heapInUse is the live heap after a full collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
