package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EOfflineAccess: the OpenID Connect scope offline_access
// ([OIDC Core Section 11]) is accepted, published and explained on the
// consent page; whether a refresh token comes back depends on the client's
// registration for the refresh_token grant, not on the scope.
func TestE2EOfflineAccess(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	onlyCodes := store.Client{ID: "code-only", Name: "No refresh", Type: store.Confidential,
		SecretHash: oauth.HashSecret("code-only-secret"), RedirectURIs: []string{demoRedirectURI},
		GrantTypes: []string{string(oauth.GrantTypeAuthorizationCode)}, Scopes: oauth.SupportedScopes(), DefaultScope: "read"}
	if err := srv.Provider.Store.UpsertClient(context.Background(), onlyCodes); err != nil {
		t.Fatal(err)
	}

	t.Run("discovery lists offline_access in scopes_supported (OIDC Discovery Section 3)", func(t *testing.T) {
		_, body := callResource(t, srv.URL+"/.well-known/openid-configuration", "")
		var doc struct {
			Scopes []string `json:"scopes_supported"`
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(doc.Scopes, "offline_access") {
			t.Errorf("scopes_supported: got %v, want offline_access in it", doc.Scopes)
		}
	})

	t.Run("the consent page names offline_access and says what it allows (OIDC Core Section 11)", func(t *testing.T) {
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "offline_access")
		resp, page := newBrowser(t).Get(cfg.AuthCodeURL("state-1", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET authorize: got %d, want 200: %s", resp.StatusCode, page)
		}
		page = html.UnescapeString(page)
		if !strings.Contains(page, "<code>offline_access</code> — Keep its access while you are away") {
			t.Errorf("the consent page does not explain offline_access:\n%s", page)
		}
	})

	tests := []struct {
		name        string
		cfg         *oauth2.Config
		wantRefresh bool
	}{
		{"a confidential client registered for refresh_token gets one with offline_access", demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read", "offline_access"), true},
		{"… and without it", demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read"), true},
		{"a public client registered for refresh_token gets one with offline_access", spaConfig(srv, "openid", "offline_access"), true},
		{"a client not registered for refresh_token gets none, even with offline_access (RFC 6749 Section 5.1)", codeOnlyConfig(srv, "openid", "offline_access"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := newBrowser(t).tokens(srv, tc.cfg)
			if got := tok.RefreshToken != ""; got != tc.wantRefresh {
				t.Fatalf("refresh token issued: got %t, want %t", got, tc.wantRefresh)
			}
			if got := tok.Extra("scope"); got != strings.Join(tc.cfg.Scopes, " ") {
				t.Errorf("scope: got %v, want %q", got, strings.Join(tc.cfg.Scopes, " "))
			}
			if !tc.wantRefresh {
				return
			}
			next, err := refresh(tc.cfg, tok.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if next.Extra("scope") != tok.Extra("scope") {
				t.Errorf("refreshed scope: got %v, want %v", next.Extra("scope"), tok.Extra("scope"))
			}
		})
	}
}

// codeOnlyConfig is a confidential client registered for the authorization
// code grant only.
func codeOnlyConfig(srv *providertest.Server, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: "code-only", ClientSecret: "code-only-secret", RedirectURL: demoRedirectURI, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
}
