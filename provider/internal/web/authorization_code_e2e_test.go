package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EAuthorizationCodeFlow walks RFC 6749 Section 4.1, steps A–E, with
// golang.org/x/oauth2 as the client, once per client authentication method.
func TestE2EAuthorizationCodeFlow(t *testing.T) {
	for _, tc := range authStyles {
		t.Run(tc.name, func(t *testing.T) {
			srv := providertest.New(t, providertest.Options{})
			cfg := demoConfig(srv, tc.style, "openid", "profile", "email", "read")
			verifier := oauth2.GenerateVerifier()

			// (A)–(C): the front channel.
			loc := newBrowser(t).Approve(cfg.AuthCodeURL("xyz-state", oauth2.S256ChallengeOption(verifier)))
			q := loc.Query()
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != demoRedirectURI {
				t.Fatalf("redirected to %s, want %s", got, demoRedirectURI)
			}
			if got := q.Get("state"); got != "xyz-state" {
				t.Errorf("state: got %q, want %q", got, "xyz-state")
			}
			if got := q.Get("iss"); got != srv.Issuer {
				t.Errorf("iss (RFC 9207): got %q, want %q", got, srv.Issuer)
			}

			// (D): the code exchange.
			tok, err := cfg.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if tok.RefreshToken == "" || tok.Extra("id_token") == nil {
				t.Errorf("got refresh token %t and id_token %v, want both", tok.RefreshToken != "", tok.Extra("id_token") != nil)
			}
			if got := tok.Extra("scope"); got != "openid profile email read" {
				t.Errorf("scope: got %v, want %q", got, "openid profile email read")
			}

			// (E): the protected resource.
			resp, body := callResource(t, srv.URL+"/protected/resource", tok.AccessToken)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "This page is secured.") {
				t.Fatalf("GET /protected/resource: got %d %q, want 200 with the secured page", resp.StatusCode, body)
			}
			resp, body = callResource(t, srv.URL+"/user/profile", tok.AccessToken)
			var profile map[string]string
			if err := json.Unmarshal([]byte(body), &profile); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /user/profile: got %d %q", resp.StatusCode, body)
			}
			want := map[string]string{"id": "user1", "name": "Demo User", "email": "demo@example.com"}
			for k, v := range want {
				if profile[k] != v {
					t.Errorf("profile %s: got %q, want %q", k, profile[k], v)
				}
			}
		})
	}
}

// TestE2ESeedWalkthrough runs the README's curl sequence verbatim (bare POST
// with credentials, the /oauth/access_token alias, client_secret_post).
func TestE2ESeedWalkthrough(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	resp, body := rawPost(t, srv.URL+"/oauth/authenticate",
		"response_type=code&client_id=testclient&state=4nBjkh31&scope=read&redirect_uri=http://localhost:3000/callback"+demoLogin, nil)
	loc := providertest.RedirectOf(t, resp, body)
	if !strings.HasPrefix(loc.String(), "http://localhost:3000/callback?") || loc.Query().Get("state") != "4nBjkh31" {
		t.Fatalf("Location: got %s, want the callback with state=4nBjkh31", loc.Redacted())
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {demoRedirectURI}, "client_id": {"testclient"}, "client_secret": {"testsecret"}}
	resp, body = rawPost(t, srv.URL+"/oauth/access_token", form.Encode(), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /oauth/access_token: got %d %s", resp.StatusCode, body)
	}
	for h, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s (RFC 6749 Section 5.1): got %q, want %q", h, got, want)
		}
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("token response: got %s", body)
	}
	resp, body = callResource(t, srv.URL+"/protected/resource", tok.AccessToken)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "This page is secured.") {
		t.Fatalf("GET /protected/resource: got %d", resp.StatusCode)
	}
}

// TestE2ECodeOfAnotherClient: "ensure that the authorization code was issued to
// the authenticated confidential client" (RFC 6749 Section 4.1.3) — and the
// attempt does not burn the code for the client it was issued to.
func TestE2ECodeOfAnotherClient(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
	code := getCode(t, srv, cfg)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {demoRedirectURI}, "client_id": {"spa-client"}}
	resp, body := rawPost(t, srv.URL+"/oauth/token", form.Encode(), nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"invalid_grant"`) {
		t.Fatalf("another client's exchange: got %d %s, want 400 invalid_grant", resp.StatusCode, body)
	}
	if _, err := cfg.Exchange(context.Background(), code); err != nil {
		t.Errorf("the code's own client afterwards: got %v, want tokens", err)
	}
}

// TestE2ECodeLeftForCorrectedRetry: a code exchange refused for the
// request's own form (a resource not text, unknown or not granted
// (RFC 8707 Section 2), a code_verifier that breaks RFC 7636 Section 4.1, a
// missing redirect_uri (RFC 6749 Section 4.1.3, "missing a required
// parameter" is invalid_request by RFC 6749 Section 5.2)) leaves the code
// unused, so the client's corrected retry gets the tokens instead of
// looking like a replay. A wrong code_verifier or another redirect_uri
// still uses the code up: whoever sent it does not get to try another. An
// empty resource ("&resource=") is not among the refusals: sent without a
// value, it counts as omitted (RFC 6749 Section 3.2;
// TestE2EEmptyResourceIsOmitted). On each store.
func TestE2ECodeLeftForCorrectedRetry(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.Resources = []string{mcpResource} }})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		for _, tc := range []struct {
			name      string
			edit      func(form url.Values)
			raw       string // appended to the encoded form
			want      string // the refusal's error
			wantRetry string // the corrected retry's error; "" = tokens
		}{
			{"a resource that is not UTF-8 is invalid_request", nil, "&resource=%FF", "invalid_request", ""},
			{"an unknown resource is invalid_target", func(f url.Values) { f.Set("resource", "https://unknown.example/") }, "", "invalid_target", ""},
			{"a resource not granted is invalid_target", func(f url.Values) { f.Set("resource", mcpResource) }, "", "invalid_target", ""},
			{"a code_verifier too short is invalid_request", func(f url.Values) { f.Set("code_verifier", "short") }, "", "invalid_request", ""},
			{"a missing redirect_uri is invalid_request", func(f url.Values) { f.Del("redirect_uri") }, "", "invalid_request", ""},
			{"a wrong code_verifier uses the code up", func(f url.Values) { f.Set("code_verifier", oauth2.GenerateVerifier()) }, "", "invalid_grant", "invalid_grant"},
			{"another redirect_uri uses the code up", func(f url.Values) { f.Set("redirect_uri", demoRedirectURI+"x") }, "", "invalid_grant", "invalid_grant"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				verifier := oauth2.GenerateVerifier()
				code := getCode(t, srv, cfg, oauth2.S256ChallengeOption(verifier))
				form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {demoRedirectURI}, "code_verifier": {verifier}}
				good := form.Encode()
				if tc.edit != nil {
					tc.edit(form)
				}
				auth := basic("testclient", "testsecret")
				resp, body := rawPost(t, srv.URL+"/oauth/token", form.Encode()+tc.raw, auth)
				if resp.StatusCode != http.StatusBadRequest || jsonField(body, "error") != tc.want {
					t.Fatalf("the bad request: got %d %s, want 400 %s", resp.StatusCode, body, tc.want)
				}
				resp, body = rawPost(t, srv.URL+"/oauth/token", good, auth)
				if got := jsonField(body, "error"); got != tc.wantRetry || (got == "") != (resp.StatusCode == http.StatusOK) {
					t.Errorf("the corrected retry: got %d %.200s, want error %q (\"\" = tokens)", resp.StatusCode, body, tc.wantRetry)
				}
			})
		}
	})
}
