package web_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EResourceServer holds /protected/resource, /user/profile and
// /userinfo to the bearer token rules of [RFC 6750] and
// [RFC 9068 Section 4]: the token goes in the Authorization header only,
// and every refusal carries a WWW-Authenticate challenge with the error
// code of RFC 6750 Section 3.1 (none when no credentials were sent).
func TestE2EResourceServer(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := newFakeClock()
		srv := newServer(providertest.Options{Now: clock.Now})
		b := newBrowser(t)
		expired := b.tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "read"))
		clock.Advance(srv.Provider.Config.AccessTokenTTL)
		read := b.tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read"))
		write := b.tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "write"))
		forged := read.AccessToken[:strings.LastIndex(read.AccessToken, ".")+1] + "AAAA"
		realm := `Bearer realm="` + srv.Issuer + `"`

		tests := []struct {
			name          string
			path          string
			authorization string // the whole Authorization header
			wantStatus    int
			wantChallenge string // the WWW-Authenticate header starts with it
			wantError     string // error="…" in the challenge; "" for none
		}{
			{"a valid token in the header opens the resource (RFC 6750 Section 2.1)", "/protected/resource", "Bearer " + read.AccessToken, 200, "", ""},
			{"the scheme name is case-insensitive (RFC 9110 Section 11.1)", "/protected/resource", "bearer " + read.AccessToken, 200, "", ""},
			{"no token: 401 with a bare challenge, no error code (RFC 6750 Section 3.1)", "/protected/resource", "", 401, realm, ""},
			{"another scheme counts as no token: 401 without error code (RFC 6750 Section 3.1)", "/protected/resource", "Basic dGVzdGNsaWVudDp0ZXN0c2VjcmV0", 401, realm, ""},
			{"an empty Bearer credential is invalid_request (RFC 6750 Section 3.1)", "/protected/resource", "Bearer ", 400, realm, "invalid_request"},
			{"a malformed token is invalid_token (RFC 6750 Section 3.1)", "/protected/resource", "Bearer garbage", 401, realm, "invalid_token"},
			{"a token with a forged signature is invalid_token (RFC 9068 Section 4)", "/protected/resource", "Bearer " + forged, 401, realm, "invalid_token"},
			{"an expired token is invalid_token (RFC 9068 Section 4)", "/protected/resource", "Bearer " + expired.AccessToken, 401, realm, "invalid_token"},
			{"an ID token is not an access token: invalid_token (RFC 9068 Section 4)", "/protected/resource", "Bearer " + read.Extra("id_token").(string), 401, realm, "invalid_token"},
			{"a refresh token is not an access token: invalid_token (RFC 6750 Section 3.1)", "/protected/resource", "Bearer " + read.RefreshToken, 401, realm, "invalid_token"},
			{"a user's token with read gets the profile", "/user/profile", "Bearer " + read.AccessToken, 200, "", ""},
			{"a user's token without read at /user/profile is 403 insufficient_scope (RFC 6750 Section 3.1)", "/user/profile", "Bearer " + write.AccessToken, 403, realm, "insufficient_scope"},
			{"a token without openid at /userinfo is 403 insufficient_scope (OIDC Core Section 5.3.3)", "/userinfo", "Bearer " + write.AccessToken, 403, realm, "insufficient_scope"},
			{"no token at /userinfo: 401 with a bare challenge (RFC 6750 Section 3.1)", "/userinfo", "", 401, realm, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := getWith(t, srv.URL+tc.path, map[string]string{"Authorization": tc.authorization})
				challenge := resp.Header.Get("WWW-Authenticate")
				if resp.StatusCode != tc.wantStatus {
					t.Fatalf("got %d (%s) %s, want %d", resp.StatusCode, challenge, body, tc.wantStatus)
				}
				if !strings.HasPrefix(challenge, tc.wantChallenge) || (tc.wantChallenge == "") != (challenge == "") {
					t.Errorf("WWW-Authenticate: got %q, want it to start with %q", challenge, tc.wantChallenge)
				}
				switch {
				case tc.wantError == "" && strings.Contains(challenge, "error="):
					t.Errorf("WWW-Authenticate: got %q, want no error code", challenge)
				case tc.wantError != "" && !strings.Contains(challenge, `error="`+tc.wantError+`"`):
					t.Errorf("WWW-Authenticate: got %q, want error=%q", challenge, tc.wantError)
				}
				if tc.wantError == "insufficient_scope" && !strings.Contains(challenge, `scope="`) {
					t.Errorf("WWW-Authenticate: got %q, want the scope the resource needs (RFC 6750 Section 3)", challenge)
				}
			})
		}

		t.Run("a token in the query string is refused, even beside a valid header (RFC 9700 Section 4.3.2, RFC 6750 Section 2.3)", func(t *testing.T) {
			for _, authorization := range []string{"", "Bearer " + read.AccessToken} {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/protected/resource?access_token="+read.AccessToken, nil)
				if authorization != "" {
					req.Header.Set("Authorization", authorization)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body := providertest.ReadBody(t, resp)
				if resp.StatusCode != http.StatusBadRequest || strings.Contains(body, "This page is secured.") {
					t.Errorf("with Authorization %t: got %d, want 400 and not the page", authorization != "", resp.StatusCode)
				}
				if challenge := resp.Header.Get("WWW-Authenticate"); !strings.Contains(challenge, `error="invalid_request"`) {
					t.Errorf("WWW-Authenticate: got %q, want error=\"invalid_request\"", challenge)
				}
			}
		})
	})
}

// TestE2EIndexPage: the issuer URL opened in a browser points to the metadata.
func TestE2EIndexPage(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	resp, body := callResource(t, srv.URL+"/", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="/.well-known/oauth-authorization-server"`) {
		t.Errorf("GET /: got %d, want 200 with a link to the metadata: %.200s", resp.StatusCode, body)
	}
}

// TestE2EResourcePageNamesEachToken: the protected resource's page is
// rendered once per token subject, client, scope and language and then
// reused; each request still gets the page of its own token and language,
// whole, with its Content-Length.
func TestE2EResourcePageNamesEachToken(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	b := newBrowser(t)
	read := b.tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read"))
	write := b.tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "write"))
	for range 2 {
		for _, tc := range []struct{ token, language, wantScope, wantLang string }{
			{read.AccessToken, "", "<code>openid read</code>", `lang="en"`},
			{write.AccessToken, "", "<code>write</code>", `lang="en"`},
			{read.AccessToken, "zh-TW", "<code>openid read</code>", `lang="zh-Hant-TW"`},
		} {
			resp, body := getWith(t, srv.URL+"/protected/resource", map[string]string{"Authorization": "Bearer " + tc.token, "Accept-Language": tc.language})
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, tc.wantScope) || !strings.Contains(body, tc.wantLang) {
				t.Errorf("scope %s, language %q: got %d, want 200 naming %s with %s: %s", tc.wantScope, tc.language, resp.StatusCode, tc.wantScope, tc.wantLang, body)
			}
			if resp.ContentLength != int64(len(body)) {
				t.Errorf("Content-Length: got %d, want %d (the page's length)", resp.ContentLength, len(body))
			}
		}
	}
}

// getWith sends a GET with the given headers (an empty value sends none).
func getWith(t *testing.T, u string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for name, value := range header {
		if value != "" {
			req.Header.Set(name, value)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, providertest.ReadBody(t, resp)
}
