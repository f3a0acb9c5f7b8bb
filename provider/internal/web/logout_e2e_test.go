package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/providertest"
)

// demoPostLogoutURI is the demo client's registered post-logout redirect
// URI: the origin of its redirect URI, plus "/".
const demoPostLogoutURI = "http://localhost:3000/"

// autofocusRE matches a button that takes the focus when its page opens.
var autofocusRE = regexp.MustCompile(`<button\b[^>]*\sautofocus\b[^>]*>`)

// decisionButtons matches a button of a decision, with its label.
var decisionButtons = regexp.MustCompile(`<button[^>]*name="decision"[^>]*>([^<]*)</button>`)

// loggedIn reports whether the browser's login session at the provider is
// alive: an authorization request then shows consent without asking for
// the password.
func (b *browser) loggedIn(srv *providertest.Server) bool {
	b.t.Helper()
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid")
	resp, page := b.Get(cfg.AuthCodeURL("state-1", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET authorize: got %d, want 200: %s", resp.StatusCode, page)
	}
	return !providertest.AsksPassword(page)
}

// logout sends a logout request to the end_session_endpoint, by GET (its
// query) or by POST (its form).
func (b *browser) logout(srv *providertest.Server, method string, params url.Values) (*http.Response, string) {
	b.t.Helper()
	if method == http.MethodPost {
		return b.PostForm(srv.URL+"/oauth/logout", params)
	}
	return b.Get(srv.URL + "/oauth/logout?" + params.Encode())
}

// signedInWithIDToken signs a new browser in and returns it with an ID token of the demo client.
func signedInWithIDToken(t *testing.T, srv *providertest.Server) (*browser, string) {
	t.Helper()
	b := newBrowser(t)
	tok := b.tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read"))
	return b, tok.Extra("id_token").(string)
}

// wantNoRedirect checks that a logout answer is an error page: 400, no Location.
func wantNoRedirect(t *testing.T, resp *http.Response, page, wantText string) {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Fatalf("got %d Location %q, want a 400 error page and no redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(page, wantText) {
		t.Errorf("the error page does not say %q:\n%s", wantText, page)
	}
}

// TestE2ELogout holds the end_session_endpoint to OIDC RP-Initiated Logout 1.0:
// a valid id_token_hint ends the login session at once (expired or not) and
// redirects to the registered post_logout_redirect_uri with state; without
// one the user confirms first, with the session's CSRF token; a URI that is
// not registered, or a hint the provider did not issue, gets an error page
// and never a redirect; the session ends on the server too
// (testLogoutEndsTheSession). On SQLite and PostgreSQL.
func TestE2ELogout(t *testing.T) {
	t.Parallel()
	for _, backend := range storeBackends {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			srv := providertest.New(t, providertest.Options{Now: clock.Now,
				Configure: func(c *config.Config) { backend.configure(t, c) }})
			testLogout(t, srv, clock.Advance)
			testLogoutEndsTheSession(t, srv, clock.Advance)
		})
	}
}

func testLogout(t *testing.T, srv *providertest.Server, advance func(time.Duration)) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run("a valid id_token_hint ends the session and redirects with state (RP-Initiated Logout Section 2, 3)/"+method, func(t *testing.T) {
			b, idToken := signedInWithIDToken(t, srv)
			resp, page := b.logout(srv, method, url.Values{"id_token_hint": {idToken},
				"post_logout_redirect_uri": {demoPostLogoutURI}, "state": {"bye 1"}})
			loc := providertest.RedirectOf(t, resp, page)
			if got, want := loc.String(), demoPostLogoutURI+"?state=bye+1"; got != want {
				t.Errorf("Location: got %q, want %q", got, want)
			}
			if b.loggedIn(srv) {
				t.Error("after logout the next authorization request skips the password, want it asked for")
			}
		})
	}

	t.Run("an expired id_token_hint is still a valid hint (RP-Initiated Logout Section 2)", func(t *testing.T) {
		b, idToken := signedInWithIDToken(t, srv)
		advance(srv.Provider.Config.AccessTokenTTL + time.Minute) // ID tokens live as long as access tokens
		resp, page := b.logout(srv, http.MethodGet, url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {demoPostLogoutURI}})
		if loc := providertest.RedirectOf(t, resp, page); loc.String() != demoPostLogoutURI {
			t.Errorf("Location: got %q, want %q", loc, demoPostLogoutURI)
		}
		if b.loggedIn(srv) {
			t.Error("after logout with an expired hint: still signed in")
		}
	})

	t.Run("a valid hint without post_logout_redirect_uri shows the signed-out page", func(t *testing.T) {
		b, idToken := signedInWithIDToken(t, srv)
		resp, page := b.logout(srv, http.MethodGet, url.Values{"id_token_hint": {idToken}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "You are signed out") || !strings.Contains(page, "Your session at this provider has ended") {
			t.Fatalf("got %d, want 200 and the signed-out page:\n%s", resp.StatusCode, page)
		}
		if !strings.Contains(page, `<a href="/">This provider&#39;s home page</a>`) {
			t.Errorf("the signed-out page does not link the provider's home page:\n%s", page)
		}
		if b.loggedIn(srv) {
			t.Error("still signed in")
		}
	})

	t.Run("not signed in, the confirmation offers Continue or Cancel, and neither claims a session ended", func(t *testing.T) {
		for decision, want := range map[string]string{"logout": "You were not signed in here: there was no session to end.",
			"stay": "You cancelled: you are still not signed in here."} {
			b := newBrowser(t)
			_, page := b.logout(srv, http.MethodGet, url.Values{"client_id": {"testclient"}})
			if got := decisionButtons.FindAllStringSubmatch(page, -1); len(got) != 2 || got[0][1] != "Continue" || got[1][1] != "Cancel" {
				t.Fatalf("the confirmation's buttons: got %q, want Continue and Cancel:\n%s", got, page)
			}
			form := providertest.FormFields(page)
			form.Set("decision", decision)
			resp, body := b.PostForm(srv.URL+"/oauth/logout", form)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) || strings.Contains(body, "has ended") || strings.Contains(body, "still signed in") {
				t.Errorf("%s: got %d, want 200 and %q, no session said to end or go on:\n%s", decision, resp.StatusCode, want, body)
			}
			if got, _ := traceOf(t, srv, resp); strings.Contains(got.Outcome, "stayed signed in") || strings.Contains(strings.Join(got.Changes, " "), "session ended") {
				t.Errorf("%s: the trace says %q, changes %q; want no session said to go on or end", decision, got.Outcome, got.Changes)
			}
		}
	})

	t.Run("without an id_token_hint the user confirms first; the page cannot be framed (RP-Initiated Logout Section 6, RFC 9700 Section 4.16)", func(t *testing.T) {
		b, _ := signedInWithIDToken(t, srv)
		resp, page := b.logout(srv, http.MethodGet, url.Values{"client_id": {"testclient"},
			"post_logout_redirect_uri": {demoPostLogoutURI}, "state": {"s2"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Sign out of this provider?") || !strings.Contains(page, "Demo web app") {
			t.Fatalf("got %d, want 200 and the confirmation page naming the client:\n%s", resp.StatusCode, page)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("framing headers: got X-Frame-Options %q, CSP %q", resp.Header.Get("X-Frame-Options"), resp.Header.Get("Content-Security-Policy"))
		}
		if !b.loggedIn(srv) {
			t.Fatal("showing the confirmation page ended the session, want it kept until the user confirms")
		}
		// The sender is not proven: one Enter must not end the session, so
		// the safe choice has the focus, as on the leave page.
		if focused := autofocusRE.FindAllString(page, -1); len(focused) != 1 || !strings.Contains(focused[0], `value="stay"`) {
			t.Errorf("autofocused buttons: got %q, want the one of Stay signed in (value=\"stay\")", focused)
		}
		form := providertest.FormFields(page)
		form.Set("decision", "logout")
		resp, page = b.PostForm(srv.URL+"/oauth/logout", form)
		if loc := providertest.RedirectOf(t, resp, page); loc.String() != demoPostLogoutURI+"?state=s2" {
			t.Errorf("Location after confirming: got %q, want %q", loc, demoPostLogoutURI+"?state=s2")
		}
		if b.loggedIn(srv) {
			t.Error("after confirming: still signed in")
		}
	})

	t.Run("the confirmation needs the session's CSRF token; without it nothing changes", func(t *testing.T) {
		b, _ := signedInWithIDToken(t, srv)
		_, page := b.logout(srv, http.MethodGet, url.Values{})
		for _, csrf := range []string{"", "forged"} {
			form := providertest.FormFields(page)
			form.Set("csrf_token", csrf)
			form.Set("decision", "logout")
			resp, body := b.PostForm(srv.URL+"/oauth/logout", form)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("csrf_token %q: got %d, want 403:\n%s", csrf, resp.StatusCode, body)
			}
		}
		if resp, body := b.Get(srv.URL + "/oauth/logout?decision=logout&csrf_token=" + url.QueryEscape(providertest.FormFields(page).Get("csrf_token"))); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a confirmation by GET: got %d, want 403:\n%s", resp.StatusCode, body)
		}
		if !b.loggedIn(srv) {
			t.Error("a forged confirmation ended the session")
		}
	})

	t.Run("choosing to stay signed in changes nothing, redirects nowhere and links back to the app without state", func(t *testing.T) {
		b, _ := signedInWithIDToken(t, srv)
		_, page := b.logout(srv, http.MethodGet, url.Values{"client_id": {"testclient"}, "post_logout_redirect_uri": {demoPostLogoutURI}, "state": {"bye stay"}})
		form := providertest.FormFields(page)
		form.Set("decision", "stay")
		resp, body := b.PostForm(srv.URL+"/oauth/logout", form)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(body, "You are still signed in") {
			t.Errorf("got %d Location %q, want 200 and the still-signed-in page:\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if back := `href="` + html.EscapeString(demoPostLogoutURI) + `"`; !strings.Contains(body, back) || strings.Contains(body, "bye") {
			t.Errorf("the still-signed-in page has no link %s, back to the post_logout_redirect_uri without state:\n%s", back, body)
		}
		if !b.loggedIn(srv) {
			t.Error("staying signed in ended the session")
		}
	})

	t.Run("a hint for another user than the one signed in asks first", func(t *testing.T) {
		_, idToken := signedInWithIDToken(t, srv) // user1's ID token
		other := newBrowser(t)
		signInAs(t, srv, other, "other", "other-password")
		resp, page := other.logout(srv, http.MethodGet, url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {demoPostLogoutURI}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "another account") {
			t.Fatalf("got %d, want 200 and the confirmation page:\n%s", resp.StatusCode, page)
		}
		if strings.Contains(page, idToken) {
			t.Error("the confirmation page holds the ID token, want the client it names instead")
		}
		if !other.loggedIn(srv) {
			t.Fatal("another user's hint ended this user's session without asking")
		}
		form := providertest.FormFields(page)
		form.Set("decision", "logout")
		resp, page = other.PostForm(srv.URL+"/oauth/logout", form)
		if loc := providertest.RedirectOf(t, resp, page); loc.String() != demoPostLogoutURI {
			t.Errorf("Location after confirming: got %q, want %q", loc, demoPostLogoutURI)
		}
		if other.loggedIn(srv) {
			t.Error("after confirming: still signed in")
		}
	})

	b, idToken := signedInWithIDToken(t, srv)
	accessToken := b.tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid")).AccessToken
	forged := idToken[:strings.LastIndex(idToken, ".")+1] + "AAAA"
	refusals := []struct {
		name     string
		params   url.Values
		wantText string
	}{
		{"a post_logout_redirect_uri that is not registered is refused, no open redirect (RP-Initiated Logout Section 3)",
			url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"https://evil.example/"}}, "is not registered"},
		{"one character off the registered URI is refused (RP-Initiated Logout Section 3)",
			url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"http://localhost:3000"}}, "is not registered"},
		{"the client's redirect_uri is not a post-logout redirect URI",
			url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {demoRedirectURI}}, "is not registered"},
		{"another client's registration does not count",
			url.Values{"client_id": {"spa-client"}, "post_logout_redirect_uri": {demoPostLogoutURI}}, "is not registered"},
		{"post_logout_redirect_uri without a hint or client_id names no client (RP-Initiated Logout Section 3)",
			url.Values{"post_logout_redirect_uri": {demoPostLogoutURI}}, "needs an id_token_hint or a client_id"},
		{"a hint with a forged signature is refused (RP-Initiated Logout Section 2)",
			url.Values{"id_token_hint": {forged}, "post_logout_redirect_uri": {demoPostLogoutURI}}, "not an ID token issued by this provider"},
		{"an access token is not an ID token hint",
			url.Values{"id_token_hint": {accessToken}, "post_logout_redirect_uri": {demoPostLogoutURI}}, "not an ID token issued by this provider"},
		{"garbage as a hint is refused", url.Values{"id_token_hint": {"garbage"}}, "not an ID token issued by this provider"},
		{"client_id must match the hint's audience (RP-Initiated Logout Section 2)",
			url.Values{"id_token_hint": {idToken}, "client_id": {"spa-client"}}, "does not match the audience"},
		{"an unknown client_id is refused", url.Values{"client_id": {"nobody"}}, "unknown client_id"},
		{"a repeated parameter is refused (OIDC RP-Initiated Logout Section 2)",
			url.Values{"id_token_hint": {idToken}, "state": {"a", "b"}}, "invalid_request"},
	}
	for _, tc := range refusals {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				resp, page := b.in(t).logout(srv, method, tc.params)
				wantNoRedirect(t, resp, page, tc.wantText)
			})
		}
	}
	t.Run("a POST that is not a form is refused", func(t *testing.T) {
		resp, page := rawPost(t, srv.URL+"/oauth/logout", "", map[string]string{"Content-Type": "application/json"})
		wantNoRedirect(t, resp, page, "application/x-www-form-urlencoded")
	})
	if !b.in(t).loggedIn(srv) {
		t.Error("refused logout requests ended the session")
	}
}

// signInAs creates a user and signs the browser in as them, through the
// login form.
func signInAs(t *testing.T, srv *providertest.Server, b *browser, username, password string) {
	t.Helper()
	addUser(t, srv, username, password)
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid")
	_, page := b.Get(cfg.AuthCodeURL("state-1", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	form := providertest.FormFields(page)
	form.Set("username", username)
	form.Set("password", password)
	resp, body := b.PostForm(srv.URL+"/oauth/authenticate", form)
	providertest.RedirectOf(t, resp, body)
}

// addUser creates a user with this username and password.
func addUser(t *testing.T, srv *providertest.Server, username, password string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	user := store.User{ID: "id-" + username, Username: username, PasswordHash: string(hash), Name: username}
	if err := srv.Provider.Store.UpsertUser(t.Context(), user); err != nil {
		t.Fatal(err)
	}
}

// TestE2ELogoutTrace: in teaching mode a logout request leaves a trace of the
// rules the provider applied, in order, and what it changed; a request with
// a copy of the session's cookie, taken before the logout, shows the rule
// of OIDC RP-Initiated Logout Section 2 failed.
func TestE2ELogoutTrace(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) {
		c.ClientSecret, c.Password = walkClientSecret, walkPassword
	}})
	w := newWalker(t, srv)
	w.browser.Password = walkPassword
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid")
	cfg.ClientSecret = walkClientSecret
	idToken := w.secret("id token", w.browser.tokens(srv, cfg).Extra("id_token").(string))
	hinted := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {demoPostLogoutURI}, "state": {"s"}}
	copied := withCookiesOf(t, srv, w.browser) // the login session's cookie, copied before the logout
	w.do(walkStep{name: "logout with an id_token_hint", outcome: "signed out",
		checks:  join(queryRules, []string{"not ended by a logout", "sent at most once", "ID token this provider issued", "client named by the id_token_hint or client_id is registered", "comes with an id_token_hint or client_id", "exactly matches one the client registered", "proceed without asking"}),
		refs:    map[string]string{"the query is a valid": "OIDC RP-Initiated Logout Section 2", "sent at most once": "OIDC RP-Initiated Logout Section 2"},
		changes: []string{"login session ended: the next sign-in asks for the password"}},
		"GET", "/oauth/logout?"+hinted.Encode(), nil, nil)
	w.do(walkStep{name: "logout with an id_token_hint, no one signed in", outcome: "no one was signed in: no session to end",
		checks: join(queryRules, []string{"sent at most once", "ID token this provider issued", "client named by the id_token_hint or client_id is registered", "comes with an id_token_hint or client_id", "exactly matches one the client registered", "with no one signed in"})},
		"GET", "/oauth/logout?"+hinted.Encode(), nil, nil)
	w.do(walkStep{name: "logout with a repeated parameter", outcome: "invalid_request", checks: join(queryRules, []string{"sent at most once"}),
		refs: map[string]string{"sent at most once": "OIDC RP-Initiated Logout Section 2"}},
		"GET", "/oauth/logout?client_id=testclient&state=a&state=b", nil, nil)
	w.do(walkStep{name: "logout to an unregistered URI", outcome: "invalid_request",
		checks: join(queryRules, []string{"sent at most once", "client named by the id_token_hint or client_id is registered", "comes with an id_token_hint or client_id", "exactly matches one the client registered"})},
		"GET", "/oauth/logout?client_id=testclient&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F", nil, nil)
	_, page, _ := w.do(walkStep{name: "logout without a hint", outcome: "logout confirmation page shown",
		checks: join(queryRules, []string{"sent at most once", "client named by the id_token_hint or client_id is registered", "the user confirms the logout first"})},
		"GET", "/oauth/logout?client_id=testclient", nil, nil)
	confirm := providertest.FormFields(page)
	confirm.Set("decision", "logout")
	confirm.Set("csrf_token", "forged")
	w.do(walkStep{name: "a forged confirmation", outcome: "access_denied",
		checks: []string{"x-www-form-urlencoded", "sent at most once", "client named by the id_token_hint or client_id is registered", "the user confirms the logout first", "CSRF token"}},
		"POST", "/oauth/logout", confirm, nil)
	for _, step := range w.steps {
		resp, body := callResource(t, srv.URL+"/debug/trace/"+step.id, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET /debug/trace: got %d, want 200", step.name, resp.StatusCode)
		}
		if strings.Contains(body, idToken[:8]) {
			t.Errorf("%s: the trace holds the id_token_hint: %s", step.name, body)
		}
		var got trace
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		w.checkTrace(step, got)
	}

	resp, page := copied.Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "none")))
	if q := providertest.RedirectOf(t, resp, page).Query(); q.Get("error") != "login_required" {
		t.Fatalf("prompt=none with the cookie copied before the logout: got %v, want error=login_required", q)
	}
	var got trace
	getJSON(t, srv.URL+"/debug/trace/"+resp.Header.Get("X-Request-Id"), &got)
	want := traceCheck{Rule: "the login session was not ended by a logout", Ref: "OIDC RP-Initiated Logout Section 2", Passed: false}
	if !slices.Contains(got.Checks, want) || got.Outcome != "login_required" {
		t.Errorf("the trace of prompt=none with the copied cookie: got %+v, want the check %+v and outcome login_required", got, want)
	}
}
