package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EIDTokenHint holds the authorization endpoint to id_token_hint
// ([OIDC Core Section 3.1.2.1]): "If the End-User identified by the ID Token
// is logged in or is logged in by the request, then the Authorization Server
// returns a positive response; otherwise, it SHOULD return an error, such as
// login_required." On each store.
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func TestE2EIDTokenHint(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := newFakeClock()
		srv := newServer(providertest.Options{Now: clock.Now})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid")
		demo := newBrowser(t)
		demoHint, _ := demo.tokens(srv, cfg).Extra("id_token").(string)
		alice := newBrowser(t)
		signInAs(t, srv, alice, "alice", "alice-password")
		authURL := func(prompt string) string {
			opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("id_token_hint", demoHint)}
			if prompt != "" {
				opts = append(opts, oauth2.SetAuthURLParam("prompt", prompt))
			}
			return cfg.AuthCodeURL("st-hint", opts...)
		}
		wantRedirect := func(t *testing.T, resp *http.Response, page, wantError string) {
			t.Helper()
			q := providertest.RedirectOf(t, resp, page).Query()
			if q.Get("error") != wantError || q.Has("code") == (wantError != "") || q.Get("state") != "st-hint" {
				t.Errorf("got error=%q code=%t state=%q, want error=%q and state st-hint", q.Get("error"), q.Has("code"), q.Get("state"), wantError)
			}
		}

		t.Run("prompt=none with a hint of the signed-in user gives a code, even once the hint expired", func(t *testing.T) {
			clock.Advance(2 * srv.Provider.Config.AccessTokenTTL)
			resp, page := demo.in(t).Get(authURL("none"))
			wantRedirect(t, resp, page, "")
			if got, _ := traceOf(t, srv, resp); countRule(got, "OIDC Core Section 3.1.2.1", "the id_token_hint names") != 1 {
				t.Errorf("trace checks %+v: want the hinted-user rule listed once", got.Checks)
			}
		})
		t.Run("prompt=none with a hint of another user than the signed-in one is login_required", func(t *testing.T) {
			// alice approved testclient's openid in signInAs: only the hint can refuse
			resp, page := alice.in(t).Get(authURL("none"))
			wantRedirect(t, resp, page, "login_required")
			got, _ := traceOf(t, srv, resp)
			checkEndsWith(t, "prompt=none, another user's hint", got, "OIDC Core Section 3.1.2.1", "login_required")
		})
		t.Run("prompt=none with a hint of another user, who has not consented, is login_required, not consent_required", func(t *testing.T) {
			// alice approved only openid: the scope read would need her consent
			u := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read").AuthCodeURL("st-hint",
				oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("id_token_hint", demoHint), oauth2.SetAuthURLParam("prompt", "none"))
			resp, page := alice.in(t).Get(u)
			wantRedirect(t, resp, page, "login_required")
		})
		t.Run("a hint of another user than the signed-in one asks for the password", func(t *testing.T) {
			bt := alice.in(t)
			resp, page := bt.Get(authURL(""))
			if resp.StatusCode != http.StatusOK || !providertest.AsksPassword(page) {
				t.Fatalf("got %d, password field %t, want 200 and the password field", resp.StatusCode, providertest.AsksPassword(page))
			}
			form := providertest.FormFields(page)
			form.Set("decision", "allow")
			resp, page = bt.PostForm(srv.URL+"/oauth/authenticate", form)
			if resp.StatusCode == http.StatusFound || !providertest.AsksPassword(page) {
				t.Fatalf("approving through alice's session: got %d (Location %q), want the password form again", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
		t.Run("signing in as another user than the hint names is login_required", func(t *testing.T) {
			bt := alice.in(t)
			_, page := bt.Get(authURL(""))
			form := providertest.FormFields(page)
			form.Set("username", "alice")
			form.Set("password", "alice-password")
			form.Set("decision", "allow")
			resp, page := bt.PostForm(srv.URL+"/oauth/authenticate", form)
			wantRedirect(t, resp, page, "login_required")
			// The sign-in stands, though no code came of it: it ended the
			// browser's previous login session, and alice is signed in anew.
			resp, page = bt.Get(cfg.AuthCodeURL("st-hint", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "none")))
			wantRedirect(t, resp, page, "")
		})
		t.Run("signing in as the user the hint names gives a code", func(t *testing.T) {
			clock.Advance(time.Second)
			loc := alice.in(t).Approve(authURL("")) // Approve signs in as the demo user
			if loc.Query().Get("code") == "" {
				t.Errorf("got %s, want a code", loc.Redacted())
			}
		})
		t.Run("a hint this provider did not issue is invalid_request", func(t *testing.T) {
			accessToken := demo.in(t).tokens(srv, cfg).AccessToken
			for name, hint := range map[string]string{"not a JWT": "garbage", "an access token": accessToken} {
				u := cfg.AuthCodeURL("st-hint", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("id_token_hint", hint))
				resp, page := demo.in(t).Get(u)
				if q := providertest.RedirectOf(t, resp, page).Query(); q.Get("error") != "invalid_request" {
					t.Errorf("%s: got error=%q, want invalid_request", name, q.Get("error"))
				}
			}
		})
	})
}

// countRule counts the checks of got whose reference is ref and whose rule
// says what.
func countRule(got trace, ref, what string) int {
	n := 0
	for _, c := range got.Checks {
		if c.Ref == ref && strings.Contains(c.Rule, what) {
			n++
		}
	}
	return n
}
