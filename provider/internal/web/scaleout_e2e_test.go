package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
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
// PostgreSQL's notification reaches it, well under a millisecond on one
// machine (the README, "Performance"), so the test allows up to a second.
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
