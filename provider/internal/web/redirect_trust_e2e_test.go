package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// selfRegisteredWebApp registers itself with an https redirect URI and an
// https post-logout redirect URI: addresses the provider does not vouch for.
const selfRegisteredWebApp = `{"client_name":"Web app","redirect_uris":["https://app.example/cb"],
	"post_logout_redirect_uris":["https://app.example/bye"],"token_endpoint_auth_method":"none",
	"grant_types":["authorization_code"],"scope":"openid read"}`

// TestE2EUntrustedRedirectAsksFirst holds the provider to
// [RFC 9700 Section 4.11.2]: it redirects on its own only to a redirect URI
// it trusts. An https URI that a client registered for itself is shown to
// the user, who decides, whenever the user did not approve the request: an
// error in the request, prompt=none, a denial, a logout. An approval
// redirects at once (its consent page said the app registered itself), and
// so does every redirect to a loopback URI or to a client the operator
// registered. On SQLite and PostgreSQL.
//
// [RFC 9700 Section 4.11.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.11.2
func TestE2EUntrustedRedirectAsksFirst(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		app := register(t, srv, selfRegisteredWebApp)
		native := register(t, srv, nativeClient)
		cfg := &oauth2.Config{ClientID: app.ClientID, RedirectURL: "https://app.example/cb", Scopes: []string{"openid", "read"},
			Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
		verifier := oauth2.GenerateVerifier()
		pkce := oauth2.S256ChallengeOption(verifier)
		badScope := oauth2.SetAuthURLParam("scope", "bogus")

		resp, page := newBrowser(t).Get(cfg.AuthCodeURL("s-1", pkce, badScope))
		wantAskFirst(t, srv, "an invalid scope", resp, page, cfg.RedirectURL, "invalid_scope", "s-1")

		resp, page = newBrowser(t).Get(cfg.AuthCodeURL("s-2", pkce, oauth2.SetAuthURLParam("prompt", "none")))
		wantAskFirst(t, srv, "prompt=none", resp, page, cfg.RedirectURL, "login_required", "s-2")

		b := newBrowser(t)
		resp, page = b.Get(cfg.AuthCodeURL("s-3", pkce))
		resp, page = b.Decide(resp, page, "deny")
		wantAskFirst(t, srv, "a denial", resp, page, cfg.RedirectURL, "access_denied", "s-3")

		for name, authURL := range map[string]string{
			"the loopback URI of a self-registered app": (&oauth2.Config{ClientID: native.ClientID, RedirectURL: native.RedirectURIs[0],
				Endpoint: cfg.Endpoint}).AuthCodeURL("s-4", pkce, badScope),
			"the demo client, registered by the operator": demoConfig(srv, oauth2.AuthStyleInHeader).AuthCodeURL("s-4", pkce, badScope),
		} {
			resp, page := newBrowser(t).Get(authURL)
			if loc := providertest.RedirectOf(t, resp, page); loc.Query().Get("error") != "invalid_scope" {
				t.Errorf("%s, an invalid scope: redirected to %s, want error=invalid_scope", name, loc.Redacted())
			}
		}

		tok := b.tokens(srv, cfg) // approving redirects at once
		checkLogoutAsksFirst(t, srv, b, tok.Extra("id_token").(string))
	})
}

// checkLogoutAsksFirst: a logout with a valid id_token_hint of the
// signed-in user, whose post_logout_redirect_uri the app registered for
// itself, asks the user first; the user's "sign out" ends the session and
// then redirects there.
func checkLogoutAsksFirst(t *testing.T, srv *providertest.Server, b *browser, idToken string) {
	t.Helper()
	logout := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"https://app.example/bye"}, "state": {"s-5"}}
	resp, page := b.logout(srv, http.MethodGet, logout)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(page, "does not vouch for") {
		t.Fatalf("logout to a self-registered https URI: got %d Location %q, want the confirmation page: %s",
			resp.StatusCode, resp.Header.Get("Location"), page)
	}
	if !b.loggedIn(srv) {
		t.Fatal("the logout ended the session before the user confirmed")
	}
	checkLastRule(t, srv, resp, "RFC 9700 Section 4.11.2")
	resp, page = b.logout(srv, http.MethodGet, logout) // loggedIn's request showed a page: ask again
	resp, page = b.Decide(resp, page, "logout")
	loc := providertest.RedirectOf(t, resp, page)
	if loc.Host != "app.example" || loc.Path != "/bye" || loc.Query().Get("state") != "s-5" {
		t.Errorf("after the confirmation: redirected to %s, want https://app.example/bye?state=s-5", loc.Redacted())
	}
	if b.loggedIn(srv) {
		t.Error("the session outlived the confirmed logout")
	}
}

// continueLink finds the link of the page that asks first.
var continueLink = regexp.MustCompile(`<a class="button allow" href="([^"]+)">`)

// wantAskFirst checks that an authorization error bound for an untrusted
// redirect URI was shown as a page, not redirected: 200, no Location, the
// app named as self-registered, the address shown, and a link to the
// error response (error, state, iss) the user may follow; its trace ends
// with the rule.
func wantAskFirst(t *testing.T, srv *providertest.Server, name string, resp *http.Response, page, redirectURI, wantError, state string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
		t.Fatalf("%s: got %d Location %q, want 200 and no redirect: %s", name, resp.StatusCode, resp.Header.Get("Location"), page)
	}
	m := continueLink.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "registered itself") || !strings.Contains(page, "<code>"+redirectURI+"</code>") {
		t.Fatalf("%s: the page does not name the app as self-registered, show %s and link on: %s", name, redirectURI, page)
	}
	link, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil || "https://"+link.Host+link.Path != redirectURI {
		t.Fatalf("%s: link %q, want the redirect URI %s", name, m[1], redirectURI)
	}
	if q := link.Query(); q.Get("error") != wantError || q.Get("state") != state || q.Get("iss") != srv.Issuer {
		t.Errorf("%s: the link's error response: %v, want error=%s state=%s iss=%s", name, q, wantError, state, srv.Issuer)
	}
	checkLastRule(t, srv, resp, "RFC 9700 Section 4.11.2")
}

// checkLastRule checks that the trace of resp's request ends with a
// passed check of a rule stated in ref.
func checkLastRule(t *testing.T, srv *providertest.Server, resp *http.Response, ref string) {
	t.Helper()
	_, body := callResource(t, srv.URL+"/debug/trace/"+resp.Header.Get("X-Request-Id"), "")
	var got trace
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Checks) == 0 {
		t.Fatalf("trace: %v: %s", err, body)
	}
	if last := got.Checks[len(got.Checks)-1]; last.Ref != ref || !last.Passed {
		t.Errorf("the trace ends with %+v, want a passed rule of %s", last, ref)
	}
}

// TestE2EConsentWarnsOfLoopbackRedirect holds the consent page to
// MCP Authorization, Localhost Redirect URI Risks: anyone may name a real
// client's metadata document, or register its name, and listen on a
// loopback port, so for a client that describes itself (a metadata
// document, or a registration of its own, RFC 7591) whose redirect URI is
// loopback, the page warns that the code goes to a program on this
// computer and shows that host and port prominently. The operator's demo
// client (on localhost too) and an https redirect URI get no warning. On
// SQLite and PostgreSQL.
func TestE2EConsentWarnsOfLoopbackRedirect(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		srv := newServer(documentOptions(docs))
		pkce := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())
		native := register(t, srv, nativeClient)
		webApp := register(t, srv, selfRegisteredWebApp)
		httpsDoc := docs.document(t, "/https.json", "", map[string]any{"redirect_uris": []string{"https://app.example/cb"}})
		endpoint := oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize"}
		for _, tc := range []struct {
			name     string
			cfg      *oauth2.Config
			wantHost string // "": no warning
		}{
			{"a metadata document's client, on another loopback port", documentConfig(srv, docs.document(t, "/mcp.json", "", nil)), "127.0.0.1:40123"},
			{"a self-registered native app", &oauth2.Config{ClientID: native.ClientID, RedirectURL: "http://127.0.0.1:51234/callback", Endpoint: endpoint}, "127.0.0.1:51234"},
			{"the demo client, registered by the operator", demoConfig(srv, oauth2.AuthStyleInHeader, "read"), ""},
			{"a self-registered app's https redirect URI", &oauth2.Config{ClientID: webApp.ClientID, RedirectURL: "https://app.example/cb", Endpoint: endpoint}, ""},
			{"a metadata document's https redirect URI", &oauth2.Config{ClientID: httpsDoc, RedirectURL: "https://app.example/cb", Endpoint: endpoint}, ""},
		} {
			resp, page := newBrowser(t).Get(tc.cfg.AuthCodeURL("s", pkce))
			if resp.StatusCode != http.StatusOK || !providertest.AsksPassword(page) {
				t.Fatalf("%s: got %d, want the consent page: %s", tc.name, resp.StatusCode, page)
			}
			warned := strings.Contains(page, `class="warning"`)
			if tc.wantHost == "" && warned {
				t.Errorf("%s: the page warns of a program on this computer, want no warning: %s", tc.name, page)
			}
			if tc.wantHost != "" && (!warned || !strings.Contains(page, "program on this computer, at <strong>"+tc.wantHost+"</strong>")) {
				t.Errorf("%s: want the warning naming <strong>%s</strong>: %s", tc.name, tc.wantHost, page)
			}
		}
	})
}
