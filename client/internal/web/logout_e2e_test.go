package web

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/providertest"

	"github.com/oauth-reference/client/internal/config"
)

// logoutStart posts the home page's Log out form and returns where the
// client sends the browser: the provider's end_session_endpoint.
func (h *harness) logoutStart() *url.URL {
	h.t.Helper()
	resp, page := h.do(http.MethodPost, h.client.URL+"/logout", url.Values{"csrf_token": {h.csrfToken()}})
	if resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("POST /logout: got %d, want 303 to the provider's end_session_endpoint:\n%s", resp.StatusCode, page)
	}
	return h.location(resp, http.StatusSeeOther)
}

// confirmLogout opens the logout request end at the provider, which asks
// the user to confirm it (the request carries no id_token_hint:
// OIDC RP-Initiated Logout Section 6), and answers Sign out. It returns
// where the provider then sends the browser.
func (h *harness) confirmLogout(end *url.URL) *url.URL {
	h.t.Helper()
	resp, page := h.user.Get(end.String())
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<form method="post" action="/oauth/logout">`) {
		h.t.Fatalf("GET %s: got %d, want the provider's logout confirmation:\n%s", end, resp.StatusCode, page)
	}
	// The form's action resolved against the page's address, as the
	// browser knows it (the docker harness's resolver rewrites the host).
	form := providertest.FormFields(page)
	form.Set("decision", "logout") // its Sign out button
	resp, page = h.user.PostForm(end.ResolveReference(&url.URL{Path: "/oauth/logout"}).String(), form)
	return providertest.RedirectOf(h.t, resp, page)
}

// logout runs the whole logout: the client's POST /logout, the provider's
// end_session_endpoint where the user confirms, and the return to the
// client. It returns the page the browser comes back to.
func (h *harness) logout() string {
	h.t.Helper()
	back := h.confirmLogout(h.logoutStart())
	if !strings.HasPrefix(back.String(), h.client.URL+"/?state=") {
		h.t.Fatalf("the provider sent the browser to %s, want the client's post-logout redirect URI with state", back)
	}
	resp, page := h.get(back.String())
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: got %d:\n%s", back, resp.StatusCode, page)
	}
	return page
}

// providerAsksPassword reports whether a new login shows the provider's
// password field, that is, whether the provider's login session is over.
func (h *harness) providerAsksPassword() bool {
	h.t.Helper()
	resp, _ := h.get(h.client.URL + "/login")
	_, page := h.get(h.location(resp, http.StatusFound).String())
	return providertest.AsksPassword(page)
}

// TestE2ELogout: the client's Log out revokes both tokens (RFC 7009),
// deletes its session, and sends the browser through the provider's
// end_session_endpoint (OIDC RP-Initiated Logout Section 2) with client_id,
// its registered post_logout_redirect_uri, a fresh state and ui_locales,
// and no token: no id_token_hint, which would put the ID token in a URL.
// The provider asks the user to confirm; the page the browser comes back
// to shows the tokens inactive at the provider's introspection endpoint
// (RFC 7662), and the next login asks for the password again.
func TestE2ELogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.login()
	if h.providerAsksPassword() {
		t.Fatal("before logout: the provider asks for the password again, want its login session to skip it")
	}
	access := h.spy.lastAccessToken()

	end := h.logoutStart()
	q := end.Query()
	if got := end.Scheme + "://" + end.Host + end.Path; got != h.provider.Issuer+"/oauth/logout" {
		t.Errorf("the browser is sent to %s, want the provider's end_session_endpoint", got)
	}
	if names := slices.Sorted(maps.Keys(q)); !slices.Equal(names, []string{"client_id", "post_logout_redirect_uri", "state", "ui_locales"}) ||
		q.Get("client_id") != "testclient" || q.Get("post_logout_redirect_uri") != h.client.URL+"/" || len(q.Get("state")) < 43 {
		t.Errorf("logout request parameters: got %v, want only client_id, post_logout_redirect_uri %s/, a 256-bit state and ui_locales", q, h.client.URL)
	}
	mustNotContain(t, "the logout request's URL", end.String(), h.spy.lastTokens()...)
	if status := h.bearer(access); status != http.StatusUnauthorized {
		t.Errorf("after POST /logout: /protected/resource answered %d, want 401 (revoked)", status)
	}
	back := h.confirmLogout(end)
	if back.Query().Get("state") != q.Get("state") {
		t.Errorf("the provider came back with state %q, want %q", back.Query().Get("state"), q.Get("state"))
	}
	resp, page := h.get(back.String())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %d:\n%s", back, resp.StatusCode, page)
	}
	mustContain(t, "the page after logout", page, "Logged out", "token_type_hint=refresh_token", "ended your login session there",
		"Logout request (RP-Initiated Logout)", "It leaves out id_token_hint", revokedSentence)
	mustNotContain(t, "the page after logout", page, notRevokedWarning)
	if n := strings.Count(page, "200 OK</span> (revoked)"); n != 2 {
		t.Errorf("the page after logout shows %d successful revocations, want 2:\n%s", n, page)
	}
	if n := strings.Count(page, `"active": false</span> (inactive)`); n != 2 {
		t.Errorf("the page after logout shows %d tokens inactive at introspection, want 2:\n%s", n, page)
	}
	mustNotContain(t, "the page after logout", page, h.spy.lastTokens()...)

	if again, _ := h.get(back.String()); again.StatusCode != http.StatusBadRequest {
		t.Errorf("the same return a second time: got %d, want 400 (a logout's state is used once)", again.StatusCode)
	}
	_, home := h.get(h.client.URL + "/")
	mustContain(t, "home page after logout", home, `action="/login"`)
	mustNotContain(t, "home page after logout", home, "Signed in")
	if resp, _ := h.get(h.client.URL + "/resource"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /resource after logout: got %d, want 403", resp.StatusCode)
	}
	if !h.providerAsksPassword() {
		t.Error("after logout a new login skips the password, want the provider to ask for it again")
	}
}

// TestE2ELogoutReturnNeedsItsState: the post-logout page shows a logout's
// results only to the browser that started it, with its state.
func TestE2ELogoutReturnNeedsItsState(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.login()
	end := h.logoutStart()
	for _, state := range []string{"", "forged", strings.Repeat("x", 43)} {
		resp, page := h.get(h.client.URL + "/?state=" + url.QueryEscape(state))
		if resp.StatusCode != http.StatusBadRequest || strings.Contains(page, "Logged out") {
			t.Errorf("return with state %q: got %d, want 400 and no results", state, resp.StatusCode)
		}
	}
	other := newHarness(t, providertest.Options{})
	if resp, _ := other.get(other.client.URL + "/?state=" + end.Query().Get("state")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the state in another browser: got %d, want 400", resp.StatusCode)
	}
	if page := h.logoutReturn(end); !strings.Contains(page, "Logged out") {
		t.Errorf("the right state after the wrong ones: want the results:\n%s", page)
	}
}

// logoutReturn follows a logout request through the provider, where the
// user confirms it, back to the client and returns the page.
func (h *harness) logoutReturn(end *url.URL) string {
	h.t.Helper()
	_, page := h.get(h.confirmLogout(end).String())
	return page
}

// TestE2ELogoutWithoutEndSessionEndpoint: a provider whose metadata names
// no end_session_endpoint gets the revocations, and the page shows at once.
func TestE2ELogoutWithoutEndSessionEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.app.public.EndSessionEndpoint = ""
	h.login()
	resp, page := h.do(http.MethodPost, h.client.URL+"/logout", url.Values{"csrf_token": {h.csrfToken()}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /logout: got %d, want 200:\n%s", resp.StatusCode, page)
	}
	mustContain(t, "logout page", page, "names no", `"active": false</span> (inactive)`)
	if strings.Count(page, "200 OK</span> (revoked)") != 2 {
		t.Errorf("logout page does not show two successful revocations:\n%s", page)
	}
}

// TestE2ELogoutAnswersWhenTheRevocationHangs: a provider whose revocation
// endpoint takes the request and never answers cannot hold the logout past
// the client's write timeout, which would cut the browser off with no page
// (audit 40): the request's deadline (RequestTimeout; here, as the write
// timeout, shortened) ends the revocations, the logout answers its 303 to
// the provider's end_session_endpoint, and the page after it says that the
// revocations got no answer and the tokens are still valid.
func TestE2ELogoutAnswersWhenTheRevocationHangs(t *testing.T) {
	t.Parallel()
	hung := silentServer(t)
	h := newHarnessServing(t, providertest.Options{}, func(*config.Config) {}, func(o *Options, srv *http.Server) {
		o.Metadata.RevocationEndpoint = hung.URL + "/oauth/revoke"
		o.RequestTimeout, srv.WriteTimeout = time.Second, 3*time.Second
	})
	h.login()
	page := h.logout() // fails at POST /logout when it gets no answer
	if n := strings.Count(page, "/oauth/revoke&#34;: service: the request&#39;s time ran out"); n != 2 {
		t.Errorf("the page after logout names %d revocations that got no answer in time, want 2:\n%s", n, page)
	}
	if n := strings.Count(page, "(still valid!)"); n != 2 {
		t.Errorf("the page after logout shows %d tokens still valid, want 2:\n%s", n, page)
	}
	mustWarnNotRevoked(t, page, "refresh_token", "access_token")
}

// The logout page's first sentence when both revocations got a 200, and
// its warning for one that did not (RFC 7009 Section 2.2).
const (
	revokedSentence   = "The client revoked its tokens at the provider (RFC 7009)"
	notRevokedWarning = "The provider did not confirm the revocation of the"
)

// mustWarnNotRevoked fails unless the page after a logout opens with the
// warning that names each of hints as not revoked, and does not say the
// tokens were revoked.
func mustWarnNotRevoked(t *testing.T, page string, hints ...string) {
	t.Helper()
	for _, hint := range hints {
		mustContain(t, "the page after logout", page, notRevokedWarning+" <code>"+hint+"</code>")
	}
	if n := strings.Count(page, notRevokedWarning); n != len(hints) {
		t.Errorf("the page after logout warns of %d revocations not confirmed, want %d:\n%s", n, len(hints), page)
	}
	mustContain(t, "the page after logout", page, "it cannot try again")
	mustNotContain(t, "the page after logout", page, revokedSentence)
}

// TestE2ELogoutWhenTheRevocationFails: a revocation endpoint that answers
// 503 revokes nothing (RFC 7009 Section 2.2: only a 200 says a token is
// revoked), so the page after logout warns that both tokens may still be
// valid, in either language, and does not say they were revoked.
func TestE2ELogoutWhenTheRevocationFails(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "5")
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	harness := func(t *testing.T) *harness {
		return newHarnessServing(t, providertest.Options{}, func(*config.Config) {}, func(o *Options, _ *http.Server) {
			o.Metadata.RevocationEndpoint = down.URL + "/oauth/revoke"
		})
	}
	t.Run("en", func(t *testing.T) {
		t.Parallel()
		h := harness(t)
		h.login()
		page := h.logout()
		if n := strings.Count(page, "the provider answered 503 Service Unavailable"); n != 2 {
			t.Errorf("the page after logout names %d revocations answered 503, want 2:\n%s", n, page)
		}
		mustWarnNotRevoked(t, page, "refresh_token", "access_token")
	})
	// Without an end_session_endpoint the page comes at once; with one it
	// names OpenID Connect RP-Initiated Logout, kept in English.
	t.Run("zh-TW", func(t *testing.T) {
		t.Parallel()
		h := harness(t)
		h.app.public.EndSessionEndpoint = ""
		h.switchLanguage("zh-TW", "")
		h.login()
		_, page := h.do(http.MethodPost, h.client.URL+"/logout", url.Values{"csrf_token": {h.csrfToken()}})
		mustBeChinese(t, "the page after logout", page)
		mustContain(t, "the page after logout", page, "提供者沒有確認 <code>refresh_token</code> 已被撤銷", "提供者沒有確認 <code>access_token</code> 已被撤銷", "它無法再試一次")
		mustNotContain(t, "the page after logout", page, "用戶端已在提供者那裡撤銷它的權杖")
	})
}

// silentServer is a provider that takes every request and never answers
// it: its handlers wait until the caller goes away or the test ends.
func silentServer(t *testing.T) *httptest.Server {
	t.Helper()
	testEnds := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-testEnds:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(testEnds) })
	return srv
}

// TestE2ELogoutWithoutARefreshToken: a login the provider gave no refresh
// token (RFC 6749 Section 5.1: it is optional) has only its access token
// revoked and introspected, and the page after logout says the tokens were
// revoked, with no warning about a refresh token it never had.
func TestE2ELogoutWithoutARefreshToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.login()
	s := h.session()
	s.Lock()
	s.Data.Login.Token.RefreshToken = ""
	s.Unlock()
	page := h.logout()
	mustContain(t, "the page after logout", page, revokedSentence)
	mustNotContain(t, "the page after logout", page, notRevokedWarning, "no refresh_token to send", "<code>refresh_token</code>")
	if n := strings.Count(page, "200 OK</span> (revoked)"); n != 1 {
		t.Errorf("the page after logout shows %d successful revocations, want 1, the access token's:\n%s", n, page)
	}
	if n := strings.Count(page, `"active": false</span> (inactive)`); n != 1 {
		t.Errorf("the page after logout shows %d tokens inactive at introspection, want 1, the access token:\n%s", n, page)
	}
}

// TestE2ELogoutOutlastsTheVisitor: a visitor who closes the tab while the
// refresh token's revocation is in flight does not stop the logout half
// done: the session goes either way, so the access token's revocation is
// sent too, and both reach the provider's revocation endpoint, whose
// answers are 200.
func TestE2ELogoutOutlastsTheVisitor(t *testing.T) {
	t.Parallel()
	visitor, hangUp := context.WithCancel(t.Context())
	defer hangUp()
	var realRevoke string
	revoked := make(chan string, 2) // token_type_hint of each revocation the provider answered 200
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hangUp()                           // the visitor closes the tab meanwhile
		time.Sleep(100 * time.Millisecond) // and the client's server sees it
		fwd, _ := http.NewRequest(http.MethodPost, realRevoke, bytes.NewReader(body))
		fwd.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(fwd)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		if form, _ := url.ParseQuery(string(body)); resp.StatusCode == http.StatusOK {
			revoked <- form.Get("token_type_hint")
		}
		w.WriteHeader(resp.StatusCode)
	}))
	t.Cleanup(relay.Close)
	h := newHarnessServing(t, providertest.Options{}, func(*config.Config) {}, func(o *Options, _ *http.Server) {
		realRevoke = o.Metadata.RevocationEndpoint
		o.Metadata.RevocationEndpoint = relay.URL + "/oauth/revoke"
	})
	h.login()
	form := url.Values{"csrf_token": {h.csrfToken()}}
	req, _ := http.NewRequestWithContext(visitor, http.MethodPost, h.client.URL+"/logout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := h.user.Client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("POST /logout answered %d, want the visitor gone before the answer", resp.StatusCode)
	}
	var got []string
	for len(got) < 2 {
		select {
		case hint := <-revoked:
			got = append(got, hint)
		case <-time.After(5 * time.Second):
			t.Fatalf("revocations the provider answered 200: %v, want refresh_token then access_token", got)
		}
	}
	if !slices.Equal(got, []string{"refresh_token", "access_token"}) {
		t.Errorf("revocations the provider answered 200: %v, want refresh_token then access_token", got)
	}
}
