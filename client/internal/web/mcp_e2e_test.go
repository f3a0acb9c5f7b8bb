package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/providertest"
)

// mcpStart is the MCP walkthrough's first half, as the browser does it: the
// page (for its form's CSRF token), then the form, which runs steps 1 to 4
// and answers 303 to the authorization endpoint (step 5). It returns where
// the browser is sent.
func (h *harness) mcpStart() *url.URL {
	h.t.Helper()
	_, page := h.get(h.client.URL + mcpPath)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		h.t.Fatalf("no CSRF token on the MCP page:\n%s", page)
	}
	resp, body := h.do(http.MethodPost, h.client.URL+mcpPath, url.Values{"csrf_token": {m[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("POST /mcp: got %d, want 303 to the provider:\n%s", resp.StatusCode, body)
	}
	return h.location(resp, http.StatusSeeOther)
}

// mcpRun is a whole run of the MCP walkthrough: the start, the demo user's
// decision at the provider, and the page the callback shows (steps 6, 7).
func (h *harness) mcpRun(decision string) (*url.URL, *http.Response, string) {
	h.t.Helper()
	authURL := h.mcpStart()
	resp, page := h.get(h.signIn(authURL, decision).String())
	return authURL, resp, page
}

func (s *spy) registrationCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.registrations
}

// TestE2EMCPWalkthrough runs the MCP profile's seven steps from the client
// web app against the real provider (SQLite, then PostgreSQL): every hop
// shows, the token is for the resource, the client registers once per
// process, and again only when the provider no longer knows it.
func TestE2EMCPWalkthrough(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		h := newHarness(t, providertest.Options{Postgres: postgres})
		before := h.spy.registrationCount() // the key client's, at start

		authURL, resp, page := h.mcpRun("allow")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the MCP callback: got %d, want 200:\n%s", resp.StatusCode, page)
		}
		q := authURL.Query()
		for name, want := range map[string]string{
			"resource": h.provider.Issuer, "scope": "read", "code_challenge_method": "S256",
			"redirect_uri": h.client.URL + mcpCallbackPath, "response_type": "code",
		} {
			if got := q.Get(name); got != want {
				t.Errorf("step 5, the authorization request: %s = %q, want %q", name, got, want)
			}
		}
		if q.Get("client_id") == "testclient" || q.Get("client_id") == "" || q.Has("nonce") {
			t.Errorf("step 5 is sent as client_id %q with nonce %q, want the registered MCP client's, without nonce", q.Get("client_id"), q.Get("nonce"))
		}
		mustContain(t, "the result page", page, "Connected: the resource answered the token",
			// 1: the challenge, and what the client read in it.
			"The resource, without a token", "401 Unauthorized", `resource_metadata=&#34;`+h.provider.Issuer+`/.well-known/oauth-protected-resource&#34;`,
			"the challenge names the scope a token needs (scope)",
			// 2, 3: the two metadata documents and their checks.
			"Protected resource metadata", "&#34;authorization_servers&#34;", "the metadata&#39;s resource is the URL called or, on the same origin, a path prefix of it (RFC 9728 Section 3.3 requires identical; draft-mcguinness-oauth-rfc9728bis-01 allows a prefix)",
			"Authorization server metadata", "the authorization server the resource named is an issuer identifier", "issuer is the authorization server the resource named", "code_challenge_methods_supported has S256: PKCE is possible · <a href=\"https://www.rfc-editor.org/rfc/rfc8414#section-2\" translate=\"no\">RFC 8414 Section 2</a>",
			"registration_endpoint is there",
			"this one registers · <a href=\"https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-5\" translate=\"no\">CIMD Section 5</a>",
			// 4: the registration, public.
			"Client registration, as a public client", "&#34;token_endpoint_auth_method&#34;: &#34;none&#34;", "201 Created",
			// 5, 6: the browser's trip, the callback's checks, the token request with resource.
			"Authorization request, with resource", "Authorization response", "state is one this browser&#39;s session is waiting for",
			"Access token request, with resource", "resource="+h.provider.Issuer, "the access token&#39;s aud names the resource asked for",
			// 7: the resource, with the token.
			"The resource, with the token", "200 OK", "&#34;id&#34;: &#34;user1&#34;",
			"RFC 9728 Section 5.1", "RFC 8707 Section 2.2")
		access := h.spy.lastAccessToken()
		mustNotContain(t, "the result page", page, access)
		forms := h.spy.tokenRequestForms()
		last := forms[len(forms)-1]
		if last.Get("resource") != h.provider.Issuer || last.Get("code_verifier") == "" || last.Get("client_id") != q.Get("client_id") || last.Has("client_secret") {
			t.Errorf("step 6, the token request: %v; want the code_verifier, resource %s and the public client's client_id, no secret", last, h.provider.Issuer)
		}
		if got := h.spy.registrationCount() - before; got != 1 {
			t.Errorf("the first run sent %d registrations, want 1", got)
		}

		// A second run: the provider still knows the client, so no
		// registration, only the read of RFC 7592 Section 2.1.
		authURL2, _, page := h.mcpRun("allow")
		mustContain(t, "the second run", page, "Connected", "Client read: does the provider still know this client?",
			"the provider still knows this client: it is used again, not registered anew")
		mustNotContain(t, "the second run", page, "Client registration, as a public client")
		if got := h.spy.registrationCount() - before; got != 1 {
			t.Errorf("after two runs %d registrations were sent, want 1", got)
		}
		if authURL2.Query().Get("client_id") != q.Get("client_id") {
			t.Errorf("the second run is client %q, want the first's, %q", authURL2.Query().Get("client_id"), q.Get("client_id"))
		}

		// The provider forgets the client (RFC 7592 Section 2.3, as a
		// reset store would): the next run finds out and registers again.
		h.deleteMCPClient()
		authURL3, _, page := h.mcpRun("allow")
		mustContain(t, "the run after the client was deleted", page, "Connected",
			"401: it does not (its store was reset, or the client deleted); the client registers again", "Client registration, as a public client")
		if got := h.spy.registrationCount() - before; got != 2 {
			t.Errorf("after the deletion %d registrations were sent in all, want 2", got)
		}
		if id := authURL3.Query().Get("client_id"); id == q.Get("client_id") {
			t.Errorf("the run after the deletion used the deleted client %q", id)
		}
	})
}

// deleteMCPClient deletes the MCP walkthrough's client at the provider
// with its registration access token (RFC 7592 Section 2.3).
func (h *harness) deleteMCPClient() {
	h.t.Helper()
	kept := h.app.mcp.current()
	if kept == nil {
		h.t.Fatal("the app keeps no MCP client registration")
	}
	req, _ := http.NewRequest(http.MethodDelete, h.provider.URL+"/oauth/register/"+kept.ClientID, nil)
	req.Header.Set("Authorization", "Bearer "+kept.RegistrationAccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		h.t.Fatalf("DELETE the MCP client: got %d, want 204", resp.StatusCode)
	}
}

// TestE2EMCPWalkthroughThroughAnInternalBackChannel runs the walkthrough as
// in docker compose: the challenge and the metadata name the public issuer,
// the client reaches the provider at AUTH_SERVER_INTERNAL, the browser at
// the issuer. (Its provider is not in teaching mode, its issuer not being
// on a loopback host, so registration is opened.)
func TestE2EMCPWalkthroughThroughAnInternalBackChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{Issuer: "http://provider.public.test", Registration: "open"})
	authURL, resp, page := h.mcpRun("allow")
	if authURL.Host != "provider.public.test" || authURL.Query().Get("resource") != "http://provider.public.test" {
		t.Errorf("the browser is sent to %s, want the public authorization endpoint with the public resource", authURL)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the MCP callback: got %d:\n%s", resp.StatusCode, page)
	}
	mustContain(t, "the result page", page, "Connected", "GET "+h.provider.URL+"/user/profile",
		"GET "+h.provider.URL+"/.well-known/oauth-protected-resource", "POST "+h.provider.URL+"/oauth/token",
		"POST "+h.provider.URL+"/oauth/register")
}

// TestE2EMCPWalkthroughShowsTheFailedHop: the user denies at the provider;
// the page names the error and shows the hops up to the failed one, and no
// token request is sent.
func TestE2EMCPWalkthroughShowsTheFailedHop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	_, resp, page := h.mcpRun("deny")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("the denied run: got %d, want 403", resp.StatusCode)
	}
	mustContain(t, "the denied run", page, `id="failed"`, "Access denied", "access_denied",
		"The resource, without a token", "Authorization request, with resource", "The hops that led here, the failed one last.")
	if i, j := strings.Index(page, "Authorization response"), strings.LastIndex(page, `class="card hop`); i < 0 || i < j {
		t.Errorf("the authorization response is not the last hop shown")
	}
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Errorf("token requests = %v, want none", got)
	}
}

// TestE2EMCPAndLoginCallbacksDoNotMix: a login's authorization response
// brought to the MCP walkthrough's redirect URI is refused (its state
// belongs to /callback) and stays good for the login.
func TestE2EMCPAndLoginCallbacksDoNotMix(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	cb := h.authorize("allow")
	moved := *cb
	moved.Path = mcpCallbackPath
	resp, page := h.get(moved.String())
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a login's response at %s: got %d, want 403", mcpCallbackPath, resp.StatusCode)
	}
	mustContain(t, "the refusal", page, "State mismatch")
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Errorf("token requests = %v, want none", got)
	}
	resp, _ = h.get(cb.String())
	if loc := h.location(resp, http.StatusFound); loc.Path != "/" {
		t.Errorf("the login's own callback went to %s, want /", loc)
	}
}

// TestE2EMCPWalkthroughInChinese: the page and a run's result, hops and
// checks, read in Traditional Chinese.
func TestE2EMCPWalkthroughInChinese(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	if resp := h.switchLanguage("zh-TW", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the language switch answered %d, want 303", resp.StatusCode)
	}
	_, page := h.get(h.client.URL + mcpPath)
	mustBeChinese(t, "the MCP page", page)
	mustContain(t, "the MCP page", page, "以 MCP 用戶端連線", "七個步驟")
	authURL, _, page := h.mcpRun("allow")
	if got := authURL.Query().Get("ui_locales"); got != "zh-TW" {
		t.Errorf("step 5 has ui_locales=%q, want zh-TW", got)
	}
	mustBeChinese(t, "the MCP result page", page)
	mustContain(t, "the MCP result page", page, "已連線", "不帶權杖的資源請求", "帶著 resource 的存取權杖請求")
}

// TestE2EMCPForgetsTheClientOnInvalidClient: the provider forgets the
// client between the authorization and the token request; the token
// endpoint's invalid_client stops the run at step 6, and the client drops
// its registration, so the next run registers without asking first.
func TestE2EMCPForgetsTheClientOnInvalidClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	cb := h.signIn(h.mcpStart(), "allow")
	h.deleteMCPClient()
	resp, page := h.get(cb.String())
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("step 6 against a deleted client: got %d, want 400", resp.StatusCode)
	}
	mustContain(t, "the failed run", page, `id="failed"`, "The token request (step 6) failed", "invalid_client",
		"The provider no longer knows this client", "Access token request, with resource")
	if kept := h.app.mcp.current(); kept != nil {
		t.Errorf("the client still keeps the registration of %s", kept.ClientID)
	}
	before := h.spy.registrationCount()
	_, _, page = h.mcpRun("allow")
	mustContain(t, "the next run", page, "Connected", "Client registration, as a public client")
	mustNotContain(t, "the next run", page, "Client read: does the provider still know this client?")
	if got := h.spy.registrationCount() - before; got != 1 {
		t.Errorf("the next run sent %d registrations, want 1", got)
	}
}
