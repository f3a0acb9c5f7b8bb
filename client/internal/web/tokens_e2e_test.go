package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

func TestE2ETokenInspector(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.login()
	token := h.spy.lastAccessToken()
	resp, page := h.get(h.client.URL + "/tokens")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /tokens: got %d:\n%s", resp.StatusCode, page)
	}
	mustContain(t, "inspector", page, "Token inspector", "✓</span> valid: signed by a key of the provider&#39;s JWKS",
		`<span class="ok">active</span>`, "issued with the login", "read the protected resources",
		`<time class="countdown" datetime="`, `<script src="/static/countdown.js" nonce="`, "Reveal my access token")
	mustNotContain(t, "inspector (a GET page)", page, token)
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
	}
	resp, js := h.get(h.client.URL + "/static/countdown.js")
	if resp.StatusCode != http.StatusOK || !strings.Contains(js, "countdown") {
		t.Errorf("GET /static/countdown.js: got %d", resp.StatusCode)
	}
}

func TestE2ETokenInspectorShowsTheFamilyDieAfterReuse(t *testing.T) {
	t.Parallel()
	onBothStores(t, testFamilyDiesAfterReuse)
}

func testFamilyDiesAfterReuse(t *testing.T, h *harness) {
	h.login()
	if resp, _ := h.runAttack("refresh-reuse"); resp.StatusCode != http.StatusOK {
		t.Fatalf("refresh-reuse: got %d", resp.StatusCode)
	}
	_, page := h.get(h.client.URL + "/tokens")
	_, family, _ := strings.Cut(page, `id="family"`)
	family, _, _ = strings.Cut(family, "</section>")
	if n := strings.Count(family, "<li>"); n != 2 {
		t.Errorf("the family has %d members, want the login's and the rotation's:\n%s", n, family)
	}
	if strings.Count(family, `<span class="bad">dead</span>`) != 2 || strings.Contains(family, "active") {
		t.Errorf("after a reuse every member must be dead:\n%s", family)
	}
	_, tokens, _ := strings.Cut(page, "Access token")
	mustContain(t, "access token after the reuse", tokens, `<span class="bad">not active</span>`)
}

func TestE2ETokenInspectorRevealIsAPostOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.login()
	token := h.spy.lastAccessToken()
	resp, _ := h.do(http.MethodPost, h.client.URL+"/tokens/reveal", url.Values{"csrf_token": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("reveal without the CSRF token: got %d, want 403", resp.StatusCode)
	}
	resp, page := h.do(http.MethodPost, h.client.URL+"/tokens/reveal", url.Values{"csrf_token": {h.csrfToken()}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reveal: got %d", resp.StatusCode)
	}
	mustContain(t, "revealed page", page, token, "curl -H 'Authorization: Bearer "+token)
	if resp, _ := h.get(h.client.URL + "/tokens/reveal"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /tokens/reveal: got %d, want 405", resp.StatusCode)
	}
}

func TestE2ETokenInspectorNeedsALogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	if resp, _ := h.get(h.client.URL + "/tokens"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /tokens without a login: got %d, want 403", resp.StatusCode)
	}
}

func TestE2ETokenInspectorRevealSaysADPoPTokenNeedsAProof(t *testing.T) {
	t.Parallel()
	h := newHarnessConfig(t, providertest.Options{DPoPNonce: true}, func(c *config.Config) { c.DPoP = "on" })
	h.login()
	resp, page := h.do(http.MethodPost, h.client.URL+"/tokens/reveal", url.Values{"csrf_token": {h.csrfToken()}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reveal: got %d", resp.StatusCode)
	}
	mustContain(t, "revealed page", page, "This token is DPoP-bound", `<span class="ok">active</span>`)
	mustNotContain(t, "revealed page", page, "curl -H")
}
