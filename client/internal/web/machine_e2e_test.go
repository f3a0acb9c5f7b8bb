package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// machineRun runs the client credentials page as the browser does: the
// page (for the form's CSRF token), then the form. It returns the answer.
func (h *harness) machineRun() (*http.Response, string) {
	h.t.Helper()
	_, page := h.get(h.client.URL + machinePath)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		h.t.Fatalf("no CSRF token on the client credentials page:\n%s", page)
	}
	return h.do(http.MethodPost, h.client.URL+machinePath, url.Values{"csrf_token": {m[1]}})
}

// TestE2EMachine runs the client credentials page against the real provider
// (SQLite, then PostgreSQL): the token request with the secret in Basic,
// the token introspected active and used, revoked, introspected inactive.
func TestE2EMachine(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		h := newHarness(t, providertest.Options{Postgres: postgres})
		resp, page := h.machineRun()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: got %d, want 200:\n%s", machinePath, resp.StatusCode, page)
		}
		mustContain(t, "the run", page, `id="done"`,
			"Client credentials grant", "grant_type=client_credentials", "Authorization: Basic", "the provider issued an access token",
			"no refresh token: the client can ask again with its credentials",
			"Token introspection", "&#34;active&#34;: true", "client_id and sub are this client",
			"Protected resource request", "200 OK",
			"Token revocation", "the provider answers 200: the token is revoked, or was already invalid",
			"Token introspection, after the revocation", "&#34;active&#34;: false: the revoked token is dead",
			"RFC 6749 Section 4.4.2", "RFC 7662 Section 2.2", "RFC 7009 Section 2.1", "The provider&#39;s checks")
		mustNotContain(t, "the run", page, h.spy.lastAccessToken(), h.app.cfg.ClientSecret, `class="checks"><li class="fail"`)
		if got := h.spy.tokenRequests(); len(got) != 1 || got[0] != "client_credentials" {
			t.Errorf("token requests = %v, want [client_credentials]", got)
		}
		if strings.Count(page, `class="card hop back"`) != 5 {
			t.Errorf("the run shows %d hops, want 5", strings.Count(page, `class="card hop back"`))
		}
	})
}

// TestE2EMachineWithARefusedSecret: the provider refuses the client's
// secret; the run stops at the token request, which shows as the failed
// hop with invalid_client, and nothing follows.
func TestE2EMachineWithARefusedSecret(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		h := newHarnessConfig(t, providertest.Options{Postgres: postgres}, func(c *config.Config) { c.ClientSecret = "not the secret" })
		resp, page := h.machineRun()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST %s with a wrong secret: got %d, want 400", machinePath, resp.StatusCode)
		}
		mustContain(t, "the failed run", page, `id="failed"`, "The token request failed", "invalid_client", "401 Unauthorized",
			"Client credentials grant", "The hops that led here, the failed one last.")
		mustNotContain(t, "the failed run", page, "Token introspection", "not the secret")
	})
}

// TestE2EMachineNeedsTheFormsToken: a POST without the session's CSRF
// token runs nothing.
func TestE2EMachineNeedsTheFormsToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.get(h.client.URL + machinePath)
	for _, path := range []string{machinePath, devicePath} {
		if resp, _ := h.do(http.MethodPost, h.client.URL+path, url.Values{"csrf_token": {"forged"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with a forged CSRF token: got %d, want 403", path, resp.StatusCode)
		}
	}
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Errorf("token requests = %v, want none", got)
	}
}

// TestE2EDeviceAndMachineInChinese: both pages, and a run of each, read in
// Traditional Chinese.
func TestE2EDeviceAndMachineInChinese(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{DevicePollInterval: devicePollInterval})
	if resp := h.switchLanguage("zh-TW", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the language switch answered %d, want 303", resp.StatusCode)
	}
	_, page := h.get(h.client.URL + devicePath)
	mustBeChinese(t, "the device page", page)
	mustContain(t, "the device page", page, "裝置授權流程，一趟一趟看", "開始裝置授權")
	page, verify := h.deviceStart()
	mustBeChinese(t, "the waiting page", page)
	h.deviceDecide(verify, "allow")
	page = h.devicePage(1)
	mustBeChinese(t, "the approved run", page)
	mustContain(t, "the approved run", page, "已同意", "裝置存取權杖請求（一次輪詢）")

	_, page = h.get(h.client.URL + machinePath)
	mustBeChinese(t, "the client credentials page", page)
	_, page = h.machineRun()
	mustBeChinese(t, "the client credentials run", page)
	mustContain(t, "the client credentials run", page, "權杖已簽發、使用、撤銷，現在失效了", "撤銷之後的權杖內省")
}

// TestE2EMachineThroughAnInternalBackChannel runs the client credentials
// page as in docker compose: every hop goes to AUTH_SERVER_INTERNAL.
func TestE2EMachineThroughAnInternalBackChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{Issuer: "http://provider.public.test"})
	resp, page := h.machineRun()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: got %d, want 200:\n%s", machinePath, resp.StatusCode, page)
	}
	mustContain(t, "the run", page, `id="done"`, "POST "+h.provider.URL+"/oauth/token", "POST "+h.provider.URL+"/oauth/introspect",
		"GET "+h.provider.URL+"/protected/resource", "POST "+h.provider.URL+"/oauth/revoke")
}
