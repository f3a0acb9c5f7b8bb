package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/backend"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/internal/token"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EScaleOutOnPostgres runs two provider processes' worth of provider
// (two routers, two stores, one database) behind one issuer: a code issued
// by one is redeemed at the other, and refresh token reuse is detected
// across them (README, "Operating it": Several replicas).
func TestE2EScaleOutOnPostgres(t *testing.T) {
	dbURL := pgtest.NewSchemas(t).Create(t)
	sameIssuer := func(c *config.Config) { c.DatabaseURL = dbURL; c.Issuer = "http://issuer.test" }
	a := providertest.New(t, providertest.Options{Configure: sameIssuer})
	b := providertest.New(t, providertest.Options{Configure: sameIssuer})
	ctx := context.Background()

	verifier := oauth2.GenerateVerifier()
	code := getCode(t, a, demoConfig(a, oauth2.AuthStyleInHeader, "read"), oauth2.S256ChallengeOption(verifier))
	atB := demoConfig(b, oauth2.AuthStyleInHeader, "read")
	tok, err := atB.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("a code issued by A redeemed at B: %v", err)
	}
	if resp, _ := callResource(t, a.URL+"/protected/resource", tok.AccessToken); resp.StatusCode != http.StatusOK {
		t.Fatalf("B's access token at A: got %d, want 200", resp.StatusCode)
	}

	atA := demoConfig(a, oauth2.AuthStyleInHeader, "read")
	rotated, err := atA.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh at A: %v", err)
	}
	if _, err := atB.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Fatal("reusing the rotated refresh token at B: got a token, want invalid_grant")
	}
	if _, err := atA.TokenSource(ctx, &oauth2.Token{RefreshToken: rotated.RefreshToken}).Token(); err == nil {
		t.Error("the newest refresh token after reuse at B: got a token, want the grant revoked")
	}
	if resp, _ := callResource(t, b.URL+"/protected/resource", rotated.AccessToken); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the grant's access token after reuse: got %d, want 401", resp.StatusCode)
	}

	// A DPoP proof used at A is a replay at B (RFC 9449 Section 11.1): the
	// seen-set of proof jtis is in the shared store.
	d := newDPoPClient(t, a)
	status, bound := d.token(url.Values{"grant_type": {"client_credentials"}}, demoPost)
	wantBound(t, status, bound, d.key)
	if resp, _ := d.send("/protected/resource", nil, nil, bound.AccessToken); resp.StatusCode != http.StatusOK {
		t.Fatalf("DPoP request at A: got %d, want 200", resp.StatusCode)
	}
	atB2 := &dpopClient{t: t, srv: b, key: d.key}
	resp, _ := atB2.raw(http.MethodGet, "/protected/resource", nil, nil, bound.AccessToken, d.lastProof)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_dpop_proof") {
		t.Errorf("A's proof replayed at B: got %d %q, want 401 invalid_dpop_proof", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// TestE2EScaleOutRevocationReachesEveryProcess: two provider processes'
// worth of provider on one PostgreSQL database. B has checked a token, and
// so answers its next checks from memory; A revokes it, by jti or through
// its grant (RFC 7009 Section 2.1). A refuses it at once; B as soon as
// PostgreSQL's notification reaches it, within milliseconds (the README,
// "Revocation without a query per request"), so the test allows up to a
// second.
func TestE2EScaleOutRevocationReachesEveryProcess(t *testing.T) {
	dbURL := pgtest.NewSchemas(t).Create(t)
	sameIssuer := func(c *config.Config) { c.DatabaseURL = dbURL; c.Issuer = "http://issuer.test" }
	a := providertest.New(t, providertest.Options{Configure: sameIssuer})
	b := providertest.New(t, providertest.Options{Configure: sameIssuer})
	browser := newBrowser(t)
	for round := range 6 {
		tok := browser.tokens(a, demoConfig(a, oauth2.AuthStyleInHeader, "read"))
		for range 3 {
			wantAlive(t, b, "a token checked at B", tok.AccessToken)
		}
		if round%2 == 0 {
			revoke(t, a, tok.AccessToken, demoBasic, "token_type_hint", "access_token")
		} else {
			revoke(t, a, tok.RefreshToken, demoBasic) // the grant, and its access tokens
		}
		wantDead(t, a, "the token at A right after A revoked it", tok.AccessToken)
		deadline := time.Now().Add(time.Second)
		for status, _ := resourceStatus(t, b, tok.AccessToken); status == http.StatusOK; status, _ = resourceStatus(t, b, tok.AccessToken) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: B still accepts the token a second after A revoked it", round)
			}
			time.Sleep(time.Millisecond)
		}
		wantDead(t, b, "the token at B once A's revocation reached it", tok.AccessToken)
	}
}

// TestE2EScaleOutTraceStaysInItsProcess: a trace is kept by the process
// that served the request (README, "Several replicas"). Asked at another,
// its 404 says so among the reasons, and so does the traces page, in
// English and in Chinese.
func TestE2EScaleOutTraceStaysInItsProcess(t *testing.T) {
	dbURL := pgtest.NewSchemas(t).Create(t)
	sameIssuer := func(c *config.Config) {
		c.DatabaseURL, c.Issuer, c.TeachingMode = dbURL, "http://issuer.test", config.TeachingOn
	}
	a := providertest.New(t, providertest.Options{Configure: sameIssuer})
	b := providertest.New(t, providertest.Options{Configure: sameIssuer})
	served, _ := rawPost(t, b.URL+"/oauth/token", "grant_type=client_credentials&scope=read", basic("testclient", "testsecret"))
	id := served.Header.Get("X-Request-Id")
	if resp, _ := callResource(t, b.URL+"/debug/trace/"+id, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("the trace at B, which served the request: got %d, want 200", resp.StatusCode)
	}
	if resp, body := callResource(t, a.URL+"/debug/trace/"+id, ""); resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(body, "each by the provider process that served it (behind a load balancer, another one may have served this one)") {
		t.Errorf("the trace at A: got %d %s, want 404 saying another process may have served the request", resp.StatusCode, body)
	}
	for lang, want := range map[string]string{"en": "another one may have served this one", "zh-TW": "這個請求可能是由另一個行程處理的"} {
		header := map[string]string{"Accept-Language": lang}
		if _, page := getPage(t, a.URL+"/debug/traces?request_id="+id, header); !strings.Contains(page, want) {
			t.Errorf("the traces page at A asked for B's request, in %s: want it to say %q:\n%s", lang, want, page)
		}
	}
}

// TestE2EScaleOutKeyRotationReachesEveryProcess: keys rotated by another
// process (as `provider keys rotate` does) sign at A and B within
// milliseconds (README, "Signing keys"): each is notified and re-reads its
// keys. A token A signs with the new key verifies at B as soon, even when
// a token naming an unknown kid reached B just before: that rate-limits
// the re-reads unknown kids cause to one per 5 s, but cannot hold a
// notified key back (RFC 7515 Section 4.1.4: the kid picks the key). The
// test allows a second.
func TestE2EScaleOutKeyRotationReachesEveryProcess(t *testing.T) {
	const kekBase64 = "c2NhbGUtb3V0IHRlc3Qga2V5LWVuY3J5cHRpb24gayE=" // 32 bytes, shared as KEY_ENCRYPTION_KEY must be
	dbURL := pgtest.NewSchemas(t).Create(t)
	sameIssuer := func(c *config.Config) {
		c.DatabaseURL, c.Issuer, c.KeyEncryptionKey = dbURL, "http://issuer.test", kekBase64
	}
	a := providertest.New(t, providertest.Options{Configure: sameIssuer})
	b := providertest.New(t, providertest.Options{Configure: sameIssuer})
	rotator := rotatingProcess(t, dbURL, kekBase64, time.Hour)
	junk := "eyJhbGciOiJSUzI1NiIsImtpZCI6Imp1bmsiLCJ0eXAiOiJhdCtqd3QifQ.eyJzdWIiOiJ4In0.c2ln" // kid "junk"
	for round := range 3 {
		if status, _ := resourceStatus(t, b, junk); status != http.StatusUnauthorized {
			t.Fatalf("a token naming an unknown kid at B: got %d, want 401", status)
		}
		kids, err := rotator.Rotate(t.Context(), time.Now())
		if err != nil {
			t.Fatalf("rotate: %v", err)
		}
		atA := signedWith(t, a, kids["RS256"])
		deadline := time.Now().Add(time.Second)
		for status, _ := resourceStatus(t, b, atA); status != http.StatusOK; status, _ = resourceStatus(t, b, atA) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: B still refuses a token of the new key, from A, a second after a junk kid", round)
			}
			time.Sleep(time.Millisecond)
		}
		wantAlive(t, b, "a token of the new key, from A", atA)
		signedWith(t, b, kids["RS256"])
	}
}

// rotatingProcess returns the signing keys as `provider keys rotate` sees
// them: on a store of its own, the database's keys opened with its
// key-encryption key (the key file beside a SQLite database when kekBase64
// is ""), keeping retired keys for keepRetired, what its ACCESS_TOKEN_TTL
// makes it.
func rotatingProcess(t *testing.T, dbURL, kekBase64 string, keepRetired time.Duration) *token.Keys {
	t.Helper()
	st, err := backend.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kek, err := backend.KeyEncryptionKey(t.Context(), st, dbURL, kekBase64)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.LoadKeys(t.Context(), st, kek, "", keepRetired, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// signedWith waits, up to a second, until srv signs its access tokens with
// the key kid, and returns such a token.
func signedWith(t *testing.T, srv *providertest.Server, kid string) string {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		_, tok := rawToken(t, srv, url.Values{"grant_type": {"client_credentials"}}, demoBasic)
		got := kidOf(t, tok.AccessToken)
		if got == kid {
			return tok.AccessToken
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still signs with kid %q a second after the rotation, want %q", srv.URL, got, kid)
		}
		time.Sleep(time.Millisecond)
	}
}

// kidOf returns the "kid" of a JWS's protected header (RFC 7515 Section 4.1.4).
func kidOf(t *testing.T, jws string) string {
	t.Helper()
	encoded, _, _ := strings.Cut(jws, ".")
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	var header struct {
		KID string `json:"kid"`
	}
	if err != nil || json.Unmarshal(raw, &header) != nil {
		t.Fatalf("JWS header of %.40q…: %v", jws, err)
	}
	return header.KID
}
