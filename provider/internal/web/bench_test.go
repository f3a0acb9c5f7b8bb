package web_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/dpoptest"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/token"
	"github.com/oauth-reference/provider/internal/web"
	"github.com/oauth-reference/provider/providertest"
)

// The benchmarks run the real router in-process (no network) on the SQLite
// store. Each reports "x-ref": its time divided by the time of the RS256
// operations it cannot avoid, run interleaved with its own iterations (timer
// stopped), so both see the same machine load and the ratio holds on a
// noisy machine. Targets (README, "Performance"): authorization_code ≤ 1.5× its
// signatures, refresh ≤ 1.5×, client_credentials ≤ 1.3× one signature,
// bearer check, revocation, introspection and device polling ≤ 2× one
// verification. The bearer check, revocation and introspection also report
// their CPU over a bare Gin handler's (bareGin), the reference of the load
// test's target for them (README, "Load test").

// sigRef is a bare signer and verifier of one JWS algorithm: the reference
// the ratios divide by. It signs a signing input of a typical access
// token's size, hashing included, as a JWS signature does.
//
// Besides wall time it counts the process's CPU time (all threads, GC
// included), which other processes on a busy machine do not disturb:
// "cpu-ns/op" is the CPU one iteration costs without the reference, and
// "cpu-x-ref" divides it by the reference's CPU; 1e9 / cpu-ns/op is
// requests per CPU-second.
type sigRef struct {
	key      crypto.Signer
	opts     crypto.SignerOpts // SHA-256, or none for Ed25519 (it hashes inside)
	input    []byte
	sig      []byte
	spent    time.Duration // wall time in reference operations so far
	refCPU   time.Duration // CPU time in reference operations so far
	outside  time.Duration // CPU time outside the measured requests (reference, timer bookkeeping)
	startCPU time.Duration // CPU time at begin
}

// processCPU is the CPU time the process has used: user and system, all threads.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// begin resets the benchmark timer and starts counting CPU time.
func (r *sigRef) begin(b *testing.B) {
	b.ReportAllocs()
	b.ResetTimer()
	r.startCPU = processCPU()
}

// signingInputSize is the length of a client credentials access token's
// JWS Signing Input, as the load test's references sign it
// (loadtest/internal/baresign.Input), so that both hash as many bytes.
const signingInputSize = 361

func newRef(b *testing.B, alg token.Algorithm) *sigRef {
	r := &sigRef{input: []byte(strings.Repeat("x", signingInputSize)), opts: crypto.SHA256}
	var err error
	switch alg {
	case token.RS256:
		r.key, err = rsa.GenerateKey(rand.Reader, 2048)
	case token.ES256:
		r.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case token.EdDSA:
		_, r.key, err = ed25519.GenerateKey(rand.Reader)
		r.opts = crypto.Hash(0)
	}
	if err != nil || r.key == nil {
		b.Fatalf("reference key for %s: %v", alg, err)
	}
	r.sig = r.signOnce()
	return r
}

// signOnce hashes the input (unless Ed25519) and signs it.
func (r *sigRef) signOnce() []byte {
	msg := r.input
	if r.opts != crypto.Hash(0) {
		digest := sha256.Sum256(r.input)
		msg = digest[:]
	}
	sig, _ := r.key.Sign(rand.Reader, msg, r.opts)
	return sig
}

// verifyOnce hashes the input (unless Ed25519) and verifies the signature.
func (r *sigRef) verifyOnce() {
	digest := sha256.Sum256(r.input)
	switch pub := r.key.Public().(type) {
	case *rsa.PublicKey:
		_ = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], r.sig)
	case *ecdsa.PublicKey:
		_ = ecdsa.VerifyASN1(pub, digest[:], r.sig)
	case ed25519.PublicKey:
		_ = ed25519.Verify(pub, r.input, r.sig)
	}
}

// sign runs n bare signatures with the benchmark timer stopped.
func (r *sigRef) sign(b *testing.B, n int) {
	r.timed(b, func() { r.signOnce() }, n)
}

// verify runs n bare verifications with the benchmark timer stopped.
func (r *sigRef) verify(b *testing.B, n int) {
	r.timed(b, r.verifyOnce, n)
}

// timed runs op n times outside the measured time, as the reference.
func (r *sigRef) timed(b *testing.B, op func(), n int) {
	r.untimed(b, func() {
		start, cpu := time.Now(), processCPU()
		for range n {
			op()
		}
		r.refCPU += processCPU() - cpu
		r.spent += time.Since(start)
	})
}

// untimed runs op outside the measured time and outside the CPU time
// reported. The CPU spent on the timer bookkeeping (StopTimer and
// StartTimer read the memory statistics) is counted as outside too.
func (r *sigRef) untimed(b *testing.B, op func()) {
	outside := processCPU()
	b.StopTimer()
	op()
	b.StartTimer()
	r.outside += processCPU() - outside
}

// requestCPU is the CPU time spent in the measured requests so far.
func (r *sigRef) requestCPU() time.Duration {
	return processCPU() - r.startCPU - r.outside
}

// report prints the benchmark's wall time over the reference's ("x-ref"),
// its CPU time without the reference ("cpu-ns/op") over the reference's
// ("cpu-x-ref"), and the reference's CPU time per operation ("ref-cpu-ns/op").
func (r *sigRef) report(b *testing.B, opsPerIteration int) {
	requestCPU := r.requestCPU()
	b.ReportMetric(float64(b.Elapsed())/float64(r.spent), "x-ref")
	b.ReportMetric(float64(requestCPU.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(requestCPU)/float64(r.refCPU), "cpu-x-ref")
	b.ReportMetric(float64(r.refCPU.Nanoseconds())/float64(b.N*opsPerIteration), "ref-cpu-ns/op")
}

// bareGin is the load test's floor (loadtest/cmd/baregin) in process: the
// same Gin with one handler and no middleware, answering GET
// /protected/resource with a small fixed page. Served through serve, as the
// measured requests are, interleaved with them and outside their time, it
// shows what the provider's middleware and handler cost beyond Gin itself:
// "cpu-x-bare-gin" is a request's CPU over a bare Gin request's. The load
// test's ratio (bare Gin's CPU over the path's) is kinder than
// 1/cpu-x-bare-gin, because there both also pay for the network.
type bareGin struct {
	h   http.Handler
	cpu time.Duration // CPU time in bare Gin requests so far
}

// newBareGin returns the bare Gin router.
func newBareGin() *bareGin {
	page := []byte("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Protected resource</title></head>\n" +
		"<body><main><h1>Protected resource</h1><p>This page is secured.</p></main></body></html>\n")
	r := gin.New()
	r.GET("/protected/resource", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", page) })
	return &bareGin{h: r}
}

// serve answers one request with bare Gin, outside the measured time of ref.
func (g *bareGin) serve(b *testing.B, ref *sigRef) {
	ref.untimed(b, func() {
		cpu := processCPU()
		serve(b, g.h, "GET", "/protected/resource", "", nil, http.StatusOK)
		g.cpu += processCPU() - cpu
	})
}

// report prints the measured requests' CPU over bare Gin's ("cpu-x-bare-gin").
func (g *bareGin) report(b *testing.B, ref *sigRef) {
	b.ReportMetric(float64(ref.requestCPU())/float64(g.cpu), "cpu-x-bare-gin")
}

// algorithms are the access token algorithms the per-algorithm benchmarks run.
var algorithms = []token.Algorithm{token.RS256, token.ES256, token.EdDSA}

// benchProvider is the provider and its router, without a listener,
// signing access tokens with RS256.
func benchProvider(b *testing.B) (*oauth.Provider, http.Handler) {
	return benchProviderAlg(b, token.RS256)
}

// benchProviderAlg is benchProvider signing access tokens with alg.
func benchProviderAlg(b *testing.B, alg token.Algorithm) (*oauth.Provider, http.Handler) {
	return benchProviderConfig(b, func(c *config.Config) { c.AccessTokenSigningAlg = string(alg) })
}

// benchProviderConfig is benchProvider with a setting changed. Teaching
// mode is off, as in production, unless change turns it on.
func benchProviderConfig(b *testing.B, change func(*config.Config)) (*oauth.Provider, http.Handler) {
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(b.TempDir(), "bench.db")
	providertest.CheapPasswordHash(&cfg) // no benchmark here signs a user in
	cfg.TeachingMode = config.TeachingOff
	change(&cfg)
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

// BenchmarkTokenAuthorizationCode measures the code exchange
// (RFC 6749 Section 4.1.3) for an OpenID request: client authentication,
// the atomic consumption of the code, an access token and an ID token
// (two signatures), a stored refresh token. x-ref divides by two
// signatures.
func BenchmarkTokenAuthorizationCode(b *testing.B) {
	p, h := benchProvider(b)
	codes := issueCodes(b, p, b.N)
	ref := newRef(b, token.RS256)
	ref.begin(b)
	for i := 0; i < b.N; i++ {
		body := "grant_type=authorization_code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&code=" + codes[i]
		serve(b, h, "POST", "/oauth/token", body, basicDemo, http.StatusOK)
		ref.sign(b, 2)
	}
	ref.report(b, 2)
}

// BenchmarkTokenRefresh measures the refresh grant with rotation
// (RFC 6749 Section 6): the token lookup, the atomic rotation in the store,
// an access token and an ID token. x-ref divides by two signatures.
func BenchmarkTokenRefresh(b *testing.B) {
	p, h := benchProvider(b)
	code := issueCodes(b, p, 1)[0]
	rec := serve(b, h, "POST", "/oauth/token", "grant_type=authorization_code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&code="+code, basicDemo, http.StatusOK)
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	ref := newRef(b, token.RS256)
	ref.begin(b)
	for i := 0; i < b.N; i++ {
		if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil {
			b.Fatal(err)
		}
		rec = serve(b, h, "POST", "/oauth/token", "grant_type=refresh_token&refresh_token="+tok.RefreshToken, basicDemo, http.StatusOK)
		ref.sign(b, 2)
	}
	ref.report(b, 2)
}

// BenchmarkTokenClientCredentials measures the client credentials grant
// (RFC 6749 Section 4.4) with each ACCESS_TOKEN_SIGNING_ALG: client
// authentication, scope check, one signature, the JSON response. x-ref
// divides by one bare signature of that algorithm; 1e9 / ns/op is tokens
// per CPU-second on one core.
func BenchmarkTokenClientCredentials(b *testing.B) {
	for _, alg := range algorithms {
		b.Run(string(alg), func(b *testing.B) {
			_, h := benchProviderAlg(b, alg)
			benchClientCredentials(b, h, alg)
		})
	}
}

// benchClientCredentials runs the client credentials grant b.N times; x-ref
// divides by one bare signature of alg.
func benchClientCredentials(b *testing.B, h http.Handler, alg token.Algorithm) {
	ref := newRef(b, alg)
	ref.begin(b)
	for i := 0; i < b.N; i++ {
		serve(b, h, "POST", "/oauth/token", "grant_type=client_credentials&scope=read", basicDemo, http.StatusOK)
		ref.sign(b, 1)
	}
	ref.report(b, 1)
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
// signature is checked in full. x-ref divides by one bare verification of
// the token's algorithm.
func BenchmarkBearerCheck(b *testing.B) {
	for _, alg := range algorithms {
		for _, tc := range []struct {
			name   string
			tokens int
		}{{"repeated", 1}, {"distinct", 4608}} {
			b.Run(string(alg)+"/"+tc.name, func(b *testing.B) {
				_, h := benchProviderAlg(b, alg)
				benchBearer(b, h, accessTokens(b, h, tc.tokens), alg)
			})
		}
	}
}

// benchBearer presents the tokens in turn at the resource, b.N times; x-ref
// divides by one bare verification of alg.
func benchBearer(b *testing.B, h http.Handler, tokens []string, alg token.Algorithm) {
	ref, bare := newRef(b, alg), newBareGin()
	ref.begin(b)
	for i := 0; i < b.N; i++ {
		serve(b, h, "GET", "/protected/resource", "", map[string]string{"Authorization": "Bearer " + tokens[i%len(tokens)]}, http.StatusOK)
		ref.verify(b, 1)
		bare.serve(b, ref)
	}
	bare.report(b, ref)
	ref.report(b, 1)
}

// BenchmarkBearerCheckAfterRevocation measures GET /protected/resource of
// one token when, just before each request, another token was revoked
// (untimed): the store cannot answer from its memory of live tokens and
// asks the database, as on the first request of every token. Compare with
// BenchmarkBearerCheck/RS256/repeated. x-ref divides by one RS256
// verification.
func BenchmarkBearerCheckAfterRevocation(b *testing.B) {
	p, h := benchProvider(b)
	header := map[string]string{"Authorization": "Bearer " + accessTokens(b, h, 1)[0]}
	ref := newRef(b, token.RS256)
	ref.begin(b)
	for i := 0; i < b.N; i++ {
		ref.untimed(b, func() {
			if err := p.Store.RevokeAccessToken(b.Context(), "another-"+strconv.Itoa(i), time.Now().Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
		})
		serve(b, h, "GET", "/protected/resource", "", header, http.StatusOK)
		ref.verify(b, 1)
	}
	ref.report(b, 1)
}

// BenchmarkRevocation measures POST /oauth/revoke of an access token
// (RFC 7009): client authentication, verification, recording the revoked
// jti. "first" revokes a token not revoked before, a durable write each
// time (the tokens are issued untimed, a batch at a time); "again" revokes
// one token again and again, which writes nothing. x-ref divides by one
// RS256 verification.
func BenchmarkRevocation(b *testing.B) {
	for _, tc := range []struct {
		name  string
		fresh bool
	}{{"first", true}, {"again", false}} {
		b.Run(tc.name, func(b *testing.B) {
			_, h := benchProvider(b)
			ref, bare := newRef(b, token.RS256), newBareGin()
			tokens := accessTokens(b, h, 1)
			ref.begin(b)
			for i := 0; i < b.N; i++ {
				if tc.fresh && i > 0 {
					tokens = tokens[1:]
				}
				if len(tokens) == 0 {
					ref.untimed(b, func() { tokens = accessTokens(b, h, 256) })
				}
				serve(b, h, "POST", "/oauth/revoke", "token_type_hint=access_token&token="+tokens[0], basicDemo, http.StatusOK)
				ref.verify(b, 1)
				bare.serve(b, ref)
			}
			bare.report(b, ref)
			ref.report(b, 1)
		})
	}
}

// BenchmarkIntrospection measures POST /oauth/introspect of an active access
// token (RFC 7662), one token again and again, as a resource server asks
// about the token it is shown: client authentication, verification,
// revocation status. x-ref divides by one RS256 verification.
func BenchmarkIntrospection(b *testing.B) {
	_, h := benchProvider(b)
	body := "token=" + accessTokens(b, h, 1)[0]
	ref, bare := newRef(b, token.RS256), newBareGin()
	ref.begin(b)
	for i := 0; i < b.N; i++ {
		serve(b, h, "POST", "/oauth/introspect", body, basicDemo, http.StatusOK)
		ref.verify(b, 1)
		bare.serve(b, ref)
	}
	bare.report(b, ref)
	ref.report(b, 1)
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

// BenchmarkTeachingTrace measures what teaching traces cost on two hot
// paths, the bearer check (one token presented again and again) and the
// client credentials grant, with RS256: "off" is production (no recorder in
// the context, every record call a no-op), "on" records and keeps each
// trace. x-ref divides by one bare verification (bearer) or signature.
func BenchmarkTeachingTrace(b *testing.B) {
	for _, mode := range []string{config.TeachingOff, config.TeachingOn} {
		teaching := func(c *config.Config) { c.TeachingMode = mode }
		b.Run("bearer/"+mode, func(b *testing.B) {
			_, h := benchProviderConfig(b, teaching)
			benchBearer(b, h, accessTokens(b, h, 1), token.RS256)
		})
		b.Run("client_credentials/"+mode, func(b *testing.B) {
			_, h := benchProviderConfig(b, teaching)
			benchClientCredentials(b, h, token.RS256)
		})
	}
}

// BenchmarkDPoPResourceCheck measures GET /protected/resource with a
// DPoP-bound token (RFC 9449 Section 7.1): the bearer check above plus the
// proof's checks (RFC 9449 Section 4.3) — one ES256 verification — and its
// jti recorded in the store's seen-set. x-ref divides by one RS256 and one
// ES256 verification.
func BenchmarkDPoPResourceCheck(b *testing.B) {
	p, h := benchProvider(b)
	key := dpoptest.NewKey(b, jose.ES256)
	rec := serve(b, h, "POST", "/oauth/token", "grant_type=client_credentials&scope=read", map[string]string{
		"Authorization": basicDemo["Authorization"],
		"DPoP":          key.Proof(b, time.Now(), dpoptest.Claims{HTM: "POST", HTU: p.Config.Issuer + "/oauth/token"}, dpoptest.Options{}),
	}, http.StatusOK)
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tr); err != nil {
		b.Fatal(err)
	}
	claims := dpoptest.Claims{HTM: "GET", HTU: p.Config.Issuer + "/protected/resource", ATH: dpoptest.ATH(tr.AccessToken)}
	proofs := make([]string, b.N)
	for i := range proofs {
		proofs[i] = key.Proof(b, time.Now(), claims, dpoptest.Options{})
	}
	ref, es := newRef(b, token.RS256), newRef(b, token.ES256)
	ref.begin(b)
	for i := 0; i < b.N; i++ {
		serve(b, h, "GET", "/protected/resource", "", map[string]string{"Authorization": "DPoP " + tr.AccessToken, "DPoP": proofs[i]}, http.StatusOK)
		ref.verify(b, 1)
		ref.timed(b, es.verifyOnce, 1)
	}
	ref.report(b, 2)
}
