package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// session returns the server-side session the browser's cookie names.
func (h *harness) session() *webSession {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, h.client.URL+"/", nil)
	u, _ := url.Parse(h.client.URL)
	for _, c := range h.user.Client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	cookie, err := h.app.cookies.Get(req, h.app.cookieName())
	if err != nil {
		h.t.Fatal(err)
	}
	id, _ := cookie.Values[sessionKey].(string)
	s, ok := h.app.sessions.Get(id)
	if !ok {
		h.t.Fatal("the browser has no session")
	}
	return s
}

// killGrant replays the login's authorization code straight to the
// provider, as an attacker holding it would: the provider revokes the
// grant ([RFC 6749 Section 4.1.2]) and the client's session knows nothing
// of it. The replay does not pass the spy.
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func (h *harness) killGrant() {
	h.t.Helper()
	form := h.spy.tokenRequestForms()[0]
	_, err := h.app.oauth.Exchange(context.Background(), form.Get("code"), oauth2.VerifierOption(form.Get("code_verifier")))
	if !isInvalidGrant(err) {
		h.t.Fatalf("replaying the login's code: got %v, want invalid_grant", err)
	}
}

// mustShowDead checks that the home page says the login's tokens no longer
// work, because of why, and offers to log in again instead of the actions
// that need them.
func (h *harness) mustShowDead(why string) {
	h.t.Helper()
	_, home := h.get(h.client.URL + "/")
	mustContain(h.t, "home page", home, "Signed in as Demo User", "This login&#39;s tokens no longer work", why,
		`<a class="button" href="/login">Log in again</a>`, `href="/tokens"`, `action="/logout"`, "no longer accepted by the provider")
	mustNotContain(h.t, "home page", home, `action="/resource"`, `action="/refresh"`, "expires in")
}

// mustNotRunOnDeadTokens checks that refresh-reuse and code-replay, run on
// a login whose tokens are dead, say so and send nothing more than sent
// requests: no result reads as the defence of a demonstration that could
// not happen, and none takes the credit for the earlier revocation.
func (h *harness) mustNotRunOnDeadTokens(sent int) {
	h.t.Helper()
	for _, name := range []string{"refresh-reuse", "code-replay"} {
		resp, page := h.runAttack(name)
		if resp.StatusCode != http.StatusOK {
			h.t.Fatalf("%s on dead tokens: got %d, want 200", name, resp.StatusCode)
		}
		mustContain(h.t, name+" on dead tokens", page, "This login&#39;s tokens no longer work", "This demonstration needs live ones: log in again")
		mustNotContain(h.t, name+" on dead tokens", page, "The defence", "The aftermath")
	}
	if got := h.spy.tokenRequests(); len(got) != sent {
		h.t.Errorf("token requests = %v, want %d", got, sent)
	}
}

// TestE2EClientLearnsItsTokensAreDead: the provider revoked the grant
// behind the client's back; the first refresh the client makes is refused
// with invalid_grant, and from then on the home page says so, without
// asking the provider again.
func TestE2EClientLearnsItsTokensAreDead(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, h *harness) {
		h.login()
		h.killGrant()
		s := h.session()
		s.Lock()
		s.Data.Login.Token.Expiry = time.Now().Add(-time.Minute) // the resource call refreshes first
		s.Unlock()
		_, page := h.fetchResource()
		mustContain(t, "resource page", page, "invalid_grant")
		h.mustShowDead("the provider refused the refresh token with invalid_grant")
		sent := len(h.spy.tokenRequests())
		h.get(h.client.URL + "/")
		if got := len(h.spy.tokenRequests()); got != sent {
			t.Errorf("the home page sent %d token requests, want none", got-sent)
		}
		h.mustNotRunOnDeadTokens(sent)
	})
}

// TestE2ERefreshRefusedNamesRefreshCauses: POST /refresh on a revoked
// grant is invalid_grant, explained by what makes a refresh token invalid
// ([RFC 6749 Section 6], [RFC 9700 Section 4.14.2]), not by the
// authorization code's causes; the home page then says the tokens are dead.
//
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
func TestE2ERefreshRefusedNamesRefreshCauses(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, h *harness) {
		h.login()
		h.killGrant()
		resp, page := h.do(http.MethodPost, h.client.URL+"/refresh", url.Values{"csrf_token": {h.csrfToken()}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("POST /refresh on a revoked grant: got %d, want 400", resp.StatusCode)
		}
		causes := between(page, "Likely causes", "</ul>")
		mustContain(t, "likely causes", causes, "The refresh token was used already", "The refresh token was revoked",
			"The refresh token expired", "The refresh token was issued to another client", "RFC 9700 Section 4.14.2", "RFC 6749 Section 10.4")
		mustNotContain(t, "likely causes", causes, "code_verifier", "redirect_uri", "The code was already redeemed", "The code expired")
		h.mustShowDead("the provider refused the refresh token with invalid_grant")
	})
}

// TestE2ERefreshReuseOnDeadTokensSaysSo: refresh-reuse on a grant revoked
// behind the client's back stops at the refused legitimate refresh and
// says the demonstration needs live tokens.
func TestE2ERefreshReuseOnDeadTokensSaysSo(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, h *harness) {
		h.login()
		h.killGrant()
		h.mustNotRunOnDeadTokens(2) // the login's, and the refused refresh
		h.mustShowDead("the provider refused the refresh token with invalid_grant")
		h.mustNotRunOnDeadTokens(2) // known now: nothing is sent
		home := h.login()
		mustContain(t, "home page after logging in again", home, `action="/resource"`, `action="/refresh"`)
		mustNotContain(t, "home page after logging in again", home, "no longer work")
	})
}

// between returns the part of s after start up to end.
func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	part, _, _ := strings.Cut(after, end)
	return part
}
