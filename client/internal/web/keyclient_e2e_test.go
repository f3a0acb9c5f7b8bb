package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2ELoginWithPrivateKeyJWT logs in with the "Sign with a key" switch
// on: the app logs in as the client it registered at start, each token
// request carries a client_assertion and no secret ([RFC 7523 Section 2.2]),
// PAR, refresh, introspection and revocation work, and the walkthrough shows the assertion
// decoded. Its logout goes through the provider's end_session_endpoint with
// the key client's id and the post-logout redirect URI it registered
// ([OIDC RP-Initiated Logout Section 3]), and the next login asks for the
// password again.
//
// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
// [OIDC RP-Initiated Logout Section 3]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
func TestE2ELoginWithPrivateKeyJWT(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	if h.app.keyed == nil {
		t.Fatal("the app registered no private_key_jwt client at start")
	}
	keyID := h.app.keyed.oauth.ClientID
	_, home := h.get(h.client.URL + "/")
	mustContain(t, "home page", home, `name="key" value="on"`)

	resp, _ := h.get(h.client.URL + "/login?key=on&par=on")
	authURL := h.location(resp, http.StatusFound)
	if got := authURL.Query().Get("client_id"); got != keyID || keyID == "testclient" {
		t.Fatalf("authorization request client_id = %q, want the registered %q", got, keyID)
	}
	resp, _ = h.get(h.signIn(authURL, "allow").String())
	if loc := h.location(resp, http.StatusFound); loc.Path != "/" {
		t.Fatalf("callback redirected to %s, want /", loc)
	}
	resp, page := h.do(http.MethodPost, h.client.URL+"/refresh", url.Values{"csrf_token": {h.csrfToken()}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /refresh: got %d:\n%s", resp.StatusCode, page)
	}
	forms := h.spy.tokenRequestForms()
	if len(forms) != 2 || forms[0].Get("grant_type") != "authorization_code" || forms[1].Get("grant_type") != "refresh_token" {
		t.Fatalf("token requests %v, want a code exchange and a refresh", forms)
	}
	for _, f := range forms {
		if f.Has("client_secret") || f.Get("client_id") != keyID || f.Get("client_assertion_type") != assertionType || strings.Count(f.Get("client_assertion"), ".") != 2 {
			t.Errorf("token request %v: want client_id %s with a client_assertion and no client_secret", f, keyID)
		}
	}
	if forms[0].Get("client_assertion") == forms[1].Get("client_assertion") {
		t.Error("the refresh reused the code exchange's assertion; each request needs a fresh one")
	}
	_, home = h.get(h.client.URL + "/")
	mustContain(t, "home page", home, "Signed in as", "The client assertion, decoded",
		`&#34;iss&#34;: &#34;`+keyID, `&#34;aud&#34;: &#34;`+h.app.public.Issuer, `&#34;alg&#34;: &#34;ES256&#34;`,
		`&#34;typ&#34;: &#34;client-authentication&#43;jwt&#34;`, "Refresh token grant")
	mustNotContain(t, "home page", home, forms[0].Get("client_assertion"), "client_secret=")
	_, page = h.get(h.client.URL + "/tokens")
	mustContain(t, "token inspector", page, `<span class="ok">active</span>`, "Token introspection", "The client assertion, decoded")
	mustNotContain(t, "token inspector", page, "invalid_client", `<span class="bad">unknown</span>`)
	end := h.logoutStart()
	if got := end.Query().Get("client_id"); got != keyID {
		t.Errorf("logout request client_id = %q, want the key client's %q", got, keyID)
	}
	back := h.confirmLogout(end)
	if !strings.HasPrefix(back.String(), h.client.URL+"/?state=") {
		t.Fatalf("the provider sent the browser to %s, want the client's post-logout redirect URI with state", back)
	}
	resp, page = h.get(back.String())
	if n := strings.Count(page, "200 OK</span> (revoked)"); resp.StatusCode != http.StatusOK || n != 2 || strings.Contains(page, "invalid_client") {
		t.Errorf("the page after logout: status %d, %d revocations, want 200 and both authenticated:\n%s", resp.StatusCode, n, page)
	}
	if !h.providerAsksPassword() {
		t.Error("after logout a new login skips the password, want the provider to ask for it again")
	}
}

// TestE2EKeyClientRegistrationHopMasksItsToken: the home page, which anyone
// may fetch, shows the registration the app made at start as a named hop
// ([RFC 7591 Section 3.1]) with its registration_access_token masked: whoever
// holds it may read or delete the registration ([RFC 7592 Section 2]).
//
// [RFC 7591 Section 3.1]: https://www.rfc-editor.org/rfc/rfc7591#section-3.1
// [RFC 7592 Section 2]: https://www.rfc-editor.org/rfc/rfc7592#section-2
func TestE2EKeyClientRegistrationHopMasksItsToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.spy.mu.Lock()
	token := h.spy.registrationAccessToken
	h.spy.mu.Unlock()
	if token == "" {
		t.Fatal("the app's registration at start answered no registration_access_token")
	}
	_, home := h.get(h.client.URL + "/")
	mustContain(t, "home page", home, "Client registration", "RFC 7591 Section 3.1", "registration_access_token")
	mustNotContain(t, "home page", home, token)
}
