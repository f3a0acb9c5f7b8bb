package web

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oauth-reference/provider/providertest"
)

// crossSitePoster serves, on another site than the provider's (localhost,
// where the provider is 127.0.0.1), a page that posts a form to the
// provider as soon as it loads, as a relying party's page does: its path
// is the provider's endpoint, its query the form's fields.
func crossSitePoster(t *testing.T, provider string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var fields strings.Builder
		for name, values := range r.URL.Query() {
			for _, v := range values {
				fmt.Fprintf(&fields, `<input type="hidden" name="%s" value="%s">`, html.EscapeString(name), html.EscapeString(v))
			}
		}
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s">%s</form><script>document.forms[0].submit()</script>`,
			html.EscapeString(provider+r.URL.Path), fields.String())
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
}

// arrivedAt waits until the tab is at a URL that begins with prefix.
func arrivedAt(prefix string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(`location.href.startsWith(%q)`, prefix))
}

// promptNoneCode sends the signed-in tab to the provider's authorization
// endpoint with prompt=none, by GET, and returns the code it got, "" for
// none.
func (tb *tab) promptNoneCode(h *harness, request url.Values) string {
	tb.t.Helper()
	tb.do("prompt=none by GET", chromedp.Navigate(h.provider.URL+"/oauth/authorize?"+request.Encode()), arrivedAt(h.client.URL+"/callback"))
	return tb.location().Query().Get("code")
}

// TestBrowserCrossSitePostKeepsTheSession: a relying party's page on
// another site posts to the provider's authorization endpoint and logout
// endpoint, which must take POST (OIDC Core Section 3.1.2.1,
// OIDC RP-Initiated Logout Section 2). Chromium leaves the SameSite=Lax session
// cookie out of that POST; the provider sends it again as a GET (303),
// which brings the cookie. So prompt=none gets a code for the signed-in
// user, the consent page does not ask for the password again, the logout
// asks that user to confirm, and the session goes on: another site's POST
// cannot sign the user out.
func TestBrowserCrossSitePostKeepsTheSession(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	tb.logIn(h)
	rp := crossSitePoster(t, h.provider.URL)
	request := url.Values{"response_type": {"code"}, "client_id": {"testclient"}, "redirect_uri": {h.client.URL + "/callback"},
		"scope": {"openid"}, "state": {"cross-site"}, "prompt": {"none"}}

	tb.do("another site posts prompt=none", chromedp.Navigate(rp+"/oauth/authorize?"+request.Encode()), arrivedAt(h.client.URL+"/callback"))
	if got := tb.location().Query(); got.Get("code") == "" {
		t.Errorf("another site's POST with prompt=none, for a signed-in user: got error=%q, want a code", got.Get("error"))
	}
	consent := url.Values{}
	for name, values := range request {
		if name != "prompt" {
			consent[name] = values
		}
	}
	tb.do("another site posts an authorization request", chromedp.Navigate(rp+"/oauth/authorize?"+consent.Encode()),
		arrivedAt(h.provider.URL+"/oauth/authorize"), shows(chromedp.CSS(`button.allow`)))
	if asks := run(tb, "reading the consent page", chromedp.Evaluate[bool](`document.querySelector("#password") !== null`)); asks {
		t.Error("another site's POST to the authorization endpoint, for a signed-in user: the page asks for the password")
	}
	if tb.promptNoneCode(h, request) == "" {
		t.Error("after another site's POST to the authorization endpoint, prompt=none by GET gets no code: the session is gone")
	}

	tb.do("another site posts a logout request", chromedp.Navigate(rp+"/oauth/logout?client_id=testclient"),
		arrivedAt(h.provider.URL+"/oauth/logout"), shows(chromedp.CSS(`button[value="logout"]`)))
	mustContain(t, "the logout confirmation page", tb.text(), "You are signed in")
	tb.screenshot("logout-cross-site-post", "")
	if tb.promptNoneCode(h, request) == "" {
		t.Error("after another site's POST to the logout endpoint, prompt=none by GET gets no code: the user was signed out without confirming")
	}
}
