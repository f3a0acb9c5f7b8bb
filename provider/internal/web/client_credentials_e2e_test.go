package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EClientCredentials holds, on each store, the client credentials grant to
// [RFC 6749 Section 4.4] through x/oauth2/clientcredentials, with each client
// authentication method set explicitly: "The client credentials grant type
// MUST only be used by confidential clients", and "A refresh token SHOULD
// NOT be included" (RFC 6749 Section 4.4.3).
func TestE2EClientCredentials(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		ctx := context.Background()
		tokenURL := srv.URL + "/oauth/token"

		for _, tc := range authStyles {
			t.Run("a confidential client gets a token for itself: sub is its client_id, no refresh token (RFC 6749 Section 4.4.3, RFC 9068 Section 2.2)/"+tc.name, func(t *testing.T) {
				cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret", TokenURL: tokenURL, AuthStyle: tc.style}
				tok, err := cc.Token(ctx)
				if err != nil {
					t.Fatalf("Token: %v", err)
				}
				if tok.RefreshToken != "" {
					t.Errorf("got a refresh token, want none (RFC 6749 Section 4.4.3)")
				}
				if got := tok.Extra("scope"); got != "read" {
					t.Errorf("scope: got %v, want the client's default %q", got, "read")
				}
				claims := jwttest.Part(t, tok.AccessToken, jwttest.Claims)
				for claim, want := range map[string]string{"sub": "testclient", "client_id": "testclient", "scope": "read"} {
					if claims[claim] != want {
						t.Errorf("claim %s: got %v, want %q", claim, claims[claim], want)
					}
				}

				resp, body := callResource(t, srv.URL+"/protected/resource", tok.AccessToken)
				if resp.StatusCode != http.StatusOK || !strings.Contains(body, "This page is secured.") {
					t.Errorf("GET /protected/resource: got %d, want 200 with the secured page", resp.StatusCode)
				}
				resp, _ = callResource(t, srv.URL+"/user/profile", tok.AccessToken)
				if challenge := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusForbidden || !strings.Contains(challenge, `error="insufficient_scope"`) {
					t.Errorf("GET /user/profile with a token that has no user: got %d (%s), want 403 insufficient_scope (RFC 6750 Section 3.1)", resp.StatusCode, challenge)
				}
			})
		}

		tests := []struct {
			name       string
			cc         clientcredentials.Config
			wantStatus int
			wantError  string
		}{
			{
				name:       "a public client, sending only its client_id, is unauthorized_client (RFC 6749 Section 4.4)",
				cc:         clientcredentials.Config{ClientID: "spa-client", AuthStyle: oauth2.AuthStyleInParams},
				wantStatus: http.StatusBadRequest, wantError: "unauthorized_client",
			},
			{
				name:       "the device client, public too, is unauthorized_client (RFC 6749 Section 4.4)",
				cc:         clientcredentials.Config{ClientID: "device-client", AuthStyle: oauth2.AuthStyleInParams},
				wantStatus: http.StatusBadRequest, wantError: "unauthorized_client",
			},
			{
				name:       "a public client presenting a secret is invalid_client (RFC 6749 Section 2.3.1)",
				cc:         clientcredentials.Config{ClientID: "spa-client", ClientSecret: "guess", AuthStyle: oauth2.AuthStyleInParams},
				wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
			},
			{
				name:       "a wrong secret by HTTP Basic is 401 invalid_client with WWW-Authenticate (RFC 6749 Section 5.2)",
				cc:         clientcredentials.Config{ClientID: "testclient", ClientSecret: "wrong", AuthStyle: oauth2.AuthStyleInHeader},
				wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
			},
			{
				name:       "a wrong secret in the body is 401 invalid_client with WWW-Authenticate too (RFC 9110 Section 15.5.2)",
				cc:         clientcredentials.Config{ClientID: "testclient", ClientSecret: "wrong", AuthStyle: oauth2.AuthStyleInParams},
				wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
			},
			{
				name:       "a confidential client without its secret is invalid_client (RFC 6749 Section 3.2.1)",
				cc:         clientcredentials.Config{ClientID: "testclient", AuthStyle: oauth2.AuthStyleInParams},
				wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
			},
			{
				name:       "an unknown client is invalid_client (RFC 6749 Section 5.2)",
				cc:         clientcredentials.Config{ClientID: "nobody", ClientSecret: "x", AuthStyle: oauth2.AuthStyleInHeader},
				wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
			},
			{
				name:       "openid needs a user, which this grant has none of: invalid_scope (RFC 6749 Section 5.2)",
				cc:         clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret", Scopes: []string{"openid"}, AuthStyle: oauth2.AuthStyleInHeader},
				wantStatus: http.StatusBadRequest, wantError: "invalid_scope",
			},
			{
				name:       "a scope the provider does not know is invalid_scope (RFC 6749 Section 5.2)",
				cc:         clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret", Scopes: []string{"admin"}, AuthStyle: oauth2.AuthStyleInParams},
				wantStatus: http.StatusBadRequest, wantError: "invalid_scope",
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				tc.cc.TokenURL = tokenURL
				_, err := tc.cc.Token(ctx)
				if err == nil {
					t.Fatalf("got a token, want %d %s", tc.wantStatus, tc.wantError)
				}
				re := retrieveError(t, err)
				if re.ErrorCode != tc.wantError || re.Response.StatusCode != tc.wantStatus {
					t.Errorf("got %d %s, want %d %s", re.Response.StatusCode, re.ErrorCode, tc.wantStatus, tc.wantError)
				}
				// Every 401 carries a challenge (RFC 9110 Section 15.5.2), whichever way the client authenticated.
				if got, want := re.Response.Header.Get("WWW-Authenticate") != "", tc.wantStatus == http.StatusUnauthorized; got != want {
					t.Errorf("WWW-Authenticate present: got %t, want %t", got, want)
				}
			})
		}
	})
}
