package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/resource"
	"github.com/oauth-reference/provider/providertest"
)

// runAttack posts the form of the attack lab that runs name, with the
// CSRF token of the lab page, and returns the answer.
func (h *harness) runAttack(name string) (*http.Response, string) {
	h.t.Helper()
	_, lab := h.get(h.client.URL + "/attacks")
	m := csrfRE.FindStringSubmatch(lab)
	if m == nil {
		h.t.Fatalf("no CSRF token on the attack lab:\n%s", lab)
	}
	return h.do(http.MethodPost, h.client.URL+"/attacks/"+name, url.Values{"csrf_token": {m[1]}})
}

// mustStop checks an attack page: a 200 page whose aftermath checks all
// passed, naming the answer and the defence.
func mustStop(t *testing.T, resp *http.Response, page string, wants ...string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("attack: got %d, want 200:\n%s", resp.StatusCode, page)
	}
	_, aftermath, _ := strings.Cut(page, "The aftermath")
	aftermath, _, _ = strings.Cut(aftermath, "</ul>")
	if !strings.Contains(aftermath, `class="pass"`) || strings.Contains(aftermath, `class="fail"`) {
		t.Errorf("the aftermath has a failed check or none:\n%s", aftermath)
	}
	mustContain(t, "attack page", page, wants...)
}

// aftermathLine returns the line of an attack page's aftermath that
// holds rule, or "".
func aftermathLine(page, rule string) string {
	_, aftermath, _ := strings.Cut(page, "The aftermath")
	aftermath, _, _ = strings.Cut(aftermath, "</ul>")
	for _, line := range strings.Split(aftermath, "<li") {
		if strings.Contains(line, rule) {
			return line
		}
	}
	return ""
}

// onBothStores runs test against a provider on SQLite and on PostgreSQL:
// the attacks' aftermath (revoked grants, dead families) is the store's work.
func onBothStores(t *testing.T, test func(t *testing.T, h *harness)) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			test(t, newHarness(t, providertest.Options{Postgres: store == "postgres"}))
		})
	}
}

func TestE2EAttackCodeReplayRevokesTheGrant(t *testing.T) {
	t.Parallel()
	onBothStores(t, testCodeReplay)
}

func testCodeReplay(t *testing.T, h *harness) {
	h.login()
	token := h.spy.lastAccessToken()
	if got := h.bearer(token); got != http.StatusOK {
		t.Fatalf("before the attack the access token gets %d, want 200", got)
	}
	resp, page := h.runAttack("code-replay")
	mustStop(t, resp, page, "400 invalid_grant", "checked by the provider")
	mustNotContain(t, "attack page", page, token)
	mustContain(t, "attack page", page, `checked by the provider (its trace of request <a href="`+h.provider.URL+`/debug/traces?client_id=testclient&amp;request_id=`)
	checkTraceLinks(t, h, page) // the defence's trace, and the walk's, each open on the provider's page
	if got := h.bearer(token); got != http.StatusUnauthorized {
		t.Errorf("after code-replay the access token gets %d, want 401", got)
	}
	if got := h.spy.tokenRequests(); len(got) != 2 || got[1] != "authorization_code" {
		t.Errorf("token requests = %v, want the login's and the replay", got)
	}
	h.mustShowDead("code-replay revoked every token of this grant")
	h.mustNotRunOnDeadTokens(2)
}

func TestE2EAttackRefreshReuseKillsTheFamily(t *testing.T) {
	t.Parallel()
	onBothStores(t, testRefreshReuse)
}

func testRefreshReuse(t *testing.T, h *harness) {
	h.login()
	resp, page := h.runAttack("refresh-reuse")
	mustStop(t, resp, page, "400 invalid_grant", "checked by the provider", "now revoked", "if able to authenticate as this client")
	newest := h.spy.lastAccessToken()
	if got := h.bearer(newest); got != http.StatusUnauthorized {
		t.Errorf("after refresh-reuse the newest access token gets %d, want 401", got)
	}
	if got := h.spy.tokenRequests(); len(got) != 4 {
		t.Errorf("token requests = %v, want login, refresh, reuse, newest", got)
	}
	h.mustShowDead("refresh-reuse revoked every token of this grant")
	h.mustNotRunOnDeadTokens(4)
}

// TestE2EAttackRefreshReuseWithinTheGrace: with REFRESH_REUSE_GRACE the
// provider accepts the retired refresh token. The page says why and claims
// no revocation, and the login's refresh token is not left used up by the
// demonstration's own probe of the newest one: once the window is over, the
// user's own refresh still works.
func TestE2EAttackRefreshReuseWithinTheGrace(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		var ahead atomic.Int64 // how far the provider's clock is ahead
		now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
		h := newHarness(t, providertest.Options{Postgres: postgres, Now: now, RefreshReuseGrace: 5 * time.Second})
		h.login()
		resp, page := h.runAttack("refresh-reuse")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("refresh-reuse: got %d:\n%s", resp.StatusCode, page)
		}
		mustContain(t, "refresh-reuse within the grace", page, "tokens issued", "REFRESH_REUSE_GRACE", "revoked nothing")
		mustNotContain(t, "refresh-reuse within the grace", page, "now revoked")
		ahead.Store(int64(6 * time.Second)) // past the window: a reuse now would revoke the grant
		resp, page = h.do(http.MethodPost, h.client.URL+"/refresh", url.Values{"csrf_token": {h.csrfToken()}})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the user's own refresh after the demonstration: got %d, want 200:\n%s", resp.StatusCode, page)
		}
	})
}

func TestE2EAttackPKCEWrongVerifierGetsNoTokens(t *testing.T) {
	t.Parallel()
	onBothStores(t, testPKCEWrongVerifier)
}

func testPKCEWrongVerifier(t *testing.T, h *harness) {
	resp, _ := h.runAttack("pkce-wrong-verifier")
	authURL := h.location(resp, http.StatusSeeOther)
	cb := h.signIn(authURL, "allow")
	resp, page := h.get(cb.String())
	mustStop(t, resp, page, "400 invalid_grant", "code_verifier", "checked by the provider", "code injection (RFC 9700 Section 4.5)")
	if got := h.spy.lastAccessToken(); got != "" {
		t.Errorf("the provider issued an access token for a wrong code_verifier")
	}
	_, home := h.get(h.client.URL + "/")
	mustNotContain(t, "home page", home, "Signed in as")
}

// TestE2EAttackRedirectURIMismatchShowsTheErrorPage runs the attack with the
// provider on one address and, as in docker compose, with a back channel
// (AUTH_SERVER_INTERNAL) other than the issuer the browser uses: the client
// fetches the authorization endpoint through its back channel either way.
// The provider is not on a loopback issuer in the second, so the client
// shows no trace there (TEACHING_MODE auto).
func TestE2EAttackRedirectURIMismatchShowsTheErrorPage(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		start func(*testing.T) *harness
		wants []string
	}{
		"one address": {func(t *testing.T) *harness { return newHarness(t, providertest.Options{}) }, []string{"checked by the provider"}},
		"docker":      {newDockerHarness, nil},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := tt.start(t)
			resp, page := h.runAttack("redirect-uri-mismatch")
			mustStop(t, resp, page, append(tt.wants, "400 Bad Request", "redirect_uri", "GET "+h.provider.URL+"/oauth/authorize?",
				"sent: "+h.app.cfg.RedirectURI+"/../attacker")...)
			if got := h.spy.tokenRequests(); len(got) != 0 {
				t.Errorf("token requests = %v, want none", got)
			}
		})
	}
}

// TestE2EAttackForgedCallbacksAreRefused: each forged response is refused
// by its own check, and the aftermath's refusal cites that check's rule
// (the state's, RFC 6749 Section 10.12; the issuer's, RFC 9207 Section 2.4).
func TestE2EAttackForgedCallbacksAreRefused(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]struct{ defence, ref, says string }{
		"state-forgery": {"state is one this browser", "RFC 6749 Section 10.12", "PKCE, which this provider enforces"},
		"iss-mixup":     {"iss is the issuer the request went to", "RFC 9207 Section 2.4", "the attacker&#39;s token endpoint"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, providertest.Options{})
			h.login()
			resp, page := h.runAttack(name)
			mustStop(t, resp, page, "403 ", want.defence, "checked by the client", want.says)
			if line := aftermathLine(page, "refused the response with 403"); !strings.Contains(line, ">"+want.ref+"<") {
				t.Errorf("the aftermath's refusal: got %q, want it to cite %s", line, want.ref)
			}
			if got := h.spy.tokenRequests(); len(got) != 1 {
				t.Errorf("token requests = %v, want only the login's", got)
			}
			_, home := h.get(h.client.URL + "/")
			mustContain(t, "home page after the attack", home, "Signed in as Demo User")
		})
	}
}

// TestE2EAttackIssMixupIsTheMixUp: the demonstration is the attack of
// RFC 9700 Section 4.4.1. The request went to the attacker's server, the
// response carries the honest provider's iss and arrives at the MCP
// client's redirect URI, the one for every server, and the iss check is
// what refuses it.
func TestE2EAttackIssMixupIsTheMixUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	resp, page := h.runAttack("iss-mixup")
	mustStop(t, resp, page, `id="defence" data-ref="RFC 9207 Section 2.4" data-by="client"`, "https://attacker.example")
	forged := regexp.MustCompile(`(?s)Forged authorization response.*?<pre class="wrap">([^<]*)</pre>`).FindStringSubmatch(page)
	if forged == nil {
		t.Fatalf("no forged authorization response on the page:\n%s", page)
	}
	u, err := url.Parse(html.UnescapeString(forged[1]))
	if err != nil || u.Query().Get("iss") != h.provider.URL || !strings.HasSuffix(u.Path, "/mcp/callback") {
		t.Errorf("the forged response %q: want the honest provider's iss %s, at the MCP client's redirect URI", forged[1], h.provider.URL)
	}
}

func TestE2EAttackTokenInQueryIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.login()
	token := h.spy.lastAccessToken()
	resp, page := h.runAttack("token-in-query")
	mustStop(t, resp, page, "checked by the provider", `id="defence" data-ref="RFC 6750 Section 2.3" data-by="provider"`, "stops no attacker")
	mustNotContain(t, "attack page", page, token)
	// The lab cites the rule the provider's trace names, not another section.
	if line := aftermathLine(page, "refused the token in the query"); !strings.Contains(line, ">RFC 6750 Section 2.3<") {
		t.Errorf("the aftermath's refusal: got %q, want it to cite RFC 6750 Section 2.3, as the provider's trace does", line)
	}
}

// TestE2EAttackAfterARevokingOneAsksForALogin: once code-replay has
// revoked the login's grant, the demonstrations that need its token to
// work say so and ask for a new login, rather than showing a ✗ that would
// read as a defence that failed; after a new login they run again.
func TestE2EAttackAfterARevokingOneAsksForALogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.login()
	resp, page := h.runAttack("code-replay")
	mustStop(t, resp, page)
	resp, page = h.runAttack("token-in-query")
	mustAskForALogin(t, "token-in-query after code-replay", resp, page)
	h.login()
	resp, page = h.runAttack("token-in-query")
	mustStop(t, resp, page, "the same token in the Authorization header still works")
	for _, e := range h.app.wire.Entries() {
		if strings.Contains(e.URL, resource.ProtectedResourcePath) {
			t.Errorf("the client's own wire log, which the home page shows: got %s %s, want no request of a demonstration", e.Method, e.URL)
		}
	}
}

func TestE2EAttackLabNeedsLoginAndCSRF(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	_, lab := h.get(h.client.URL + "/attacks")
	mustContain(t, "attack lab", lab, "code-replay", "dpop-replay", "needs a login", `href="/login"`)
	resp, _ := h.runAttack("code-replay")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("code-replay without a login: got %d, want 403", resp.StatusCode)
	}
	resp, _ = h.do(http.MethodPost, h.client.URL+"/attacks/state-forgery", url.Values{"csrf_token": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("an attack without the CSRF token: got %d, want 403", resp.StatusCode)
	}
	resp, _ = h.runAttack("no-such-attack")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown attack: got %d, want 404", resp.StatusCode)
	}
	h.login()
	resp, page := h.runAttack("dpop-replay")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "needs DPoP") {
		t.Errorf("dpop-replay: got %d, want the page saying it needs DPoP:\n%s", resp.StatusCode, page)
	}
}

// TestE2EAttackDPoPReplay: with DPOP=on (and server nonces), the resource
// request is shown as the DPoP request it is (RFC 9449 Section 7.1), a DPoP
// proof resent unchanged is refused (RFC 9449 Section 11.1), and so is the
// bound access token presented as a Bearer token (RFC 9449 Section 7.2).
func TestE2EAttackDPoPReplay(t *testing.T) {
	t.Parallel()
	h := newHarnessConfig(t, providertest.Options{DPoPNonce: true}, func(c *config.Config) { c.DPoP = "on" })
	h.login()
	_, page := h.fetchResource()
	mustContain(t, "the resource page with DPoP", page, "Protected resource request", "RFC 9449 Section 7.1")
	mustNotContain(t, "the resource page with DPoP", page, "RFC 6750 Section 2.1")
	resp, page := h.runAttack("dpop-replay")
	mustStop(t, resp, page, "the replayed proof: 401", "the token as Bearer: 401",
		"the replayed proof was refused (its jti was seen)", "invalid_dpop_proof", "The DPoP proof, decoded")
	// The other demonstrations check the token as the client uses it: with DPoP.
	resp, page = h.runAttack("token-in-query")
	mustStop(t, resp, page, "the same token in the Authorization header still works")
	resp, page = h.runAttack("code-replay")
	mustStop(t, resp, page)
	resp, page = h.runAttack("dpop-replay")
	mustAskForALogin(t, "dpop-replay after code-replay", resp, page)
}

// mustAskForALogin checks that the answer of a demonstration is the page
// that asks for a new login, with no failed check.
func mustAskForALogin(t *testing.T, what string, resp *http.Response, page string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "no longer works") || strings.Contains(page, `class="fail"`) {
		t.Errorf("%s: got %d, want the page asking for a new login, no failed check:\n%s", what, resp.StatusCode, page)
	}
}

// TestE2EAttackDefenceIsNotTheNonceRoundTrip: with DPoP nonces, a client
// holding a nonce the provider no longer accepts (it restarted with another
// SESSION_SECRET, or the nonce is old) gets use_dpop_nonce for its first
// token request and sends it again (RFC 9449 Section 8). The defence shown
// is still the rule that refused the attacker's request: the single use of
// the code, the rotation of the refresh token.
func TestE2EAttackDefenceIsNotTheNonceRoundTrip(t *testing.T) {
	t.Parallel()
	for name, defence := range map[string]string{"code-replay": "RFC 6749 Section 4.1.2", "refresh-reuse": "RFC 9700 Section 4.14.2"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// The provider's clock runs 25 s ahead during the login, then
			// 25 s behind: the nonce the client holds comes from the
			// provider's future, and is refused. Proofs' iat and tokens'
			// iat stay within the minute the provider allows.
			var skew atomic.Int64
			skew.Store(int64(25 * time.Second))
			now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
			h := newHarnessConfig(t, providertest.Options{DPoPNonce: true, Now: now}, func(c *config.Config) { c.DPoP = "on" })
			h.login()
			skew.Store(int64(-25 * time.Second))
			resp, page := h.runAttack(name)
			mustStop(t, resp, page, "use_dpop_nonce", `id="defence" data-ref="`+defence+`" data-by="provider"`)
		})
	}
}

// TestE2EAttackCodeReplayOfAPurgedCode: once the login's code has expired
// and been purged, the provider refuses its replay as a code it never
// issued and has no grant to revoke: the page says so, with no failed
// check, and the login's tokens go on working.
func TestE2EAttackCodeReplayOfAPurgedCode(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		var ahead atomic.Int64 // how far the provider's clock is ahead
		now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
		h := newHarness(t, providertest.Options{Postgres: postgres, Now: now, AccessTokenTTL: time.Hour})
		h.login()
		token := h.spy.lastAccessToken()
		ahead.Store(int64(11 * time.Minute)) // past the code's lifetime (CODE_TTL, at most 10 minutes)
		if n, err := h.provider.Provider.PurgeExpired(context.Background()); err != nil || n == 0 {
			t.Fatalf("purging the expired code: got %d rows, %v; want the code purged", n, err)
		}
		resp, page := h.runAttack("code-replay")
		mustStop(t, resp, page, "400 invalid_grant", `data-ref="RFC 6749 Section 4.1.3"`,
			"The provider has forgotten this login&#39;s authorization code", "has nothing to revoke")
		mustNotContain(t, "code-replay of a purged code", page, "now revoked")
		if got := h.bearer(token); got != http.StatusOK {
			t.Errorf("after the replay of a purged code the access token gets %d, want 200", got)
		}
		_, home := h.get(h.client.URL + "/")
		mustContain(t, "home page", home, `action="/resource"`)
		mustNotContain(t, "home page", home, "no longer work")
	})
}

// TestE2EAttackWithTheProviderDownSaysSo: when the provider does not
// answer, each demonstration that calls it says so, with no defence and no
// aftermath (whose ✗ would read as a defence that failed), and leaves the
// login's tokens as they were.
func TestE2EAttackWithTheProviderDownSaysSo(t *testing.T) {
	t.Parallel()
	h := newHarnessConfig(t, providertest.Options{DPoPNonce: true}, func(c *config.Config) { c.DPoP = "on" })
	h.login()
	h.provider.Close()
	for name, answer := range map[string]string{
		"code-replay":           "the provider did not answer",
		"token-in-query":        "the provider did not answer",
		"dpop-replay":           "the provider did not answer",
		"redirect-uri-mismatch": "the provider did not answer",
		"refresh-reuse":         "the first, legitimate refresh failed: no answer",
	} {
		resp, page := h.runAttack(name)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s with the provider down: got %d, want 200", name, resp.StatusCode)
		}
		mustContain(t, name+" with the provider down", page, answer, "No response:")
		mustNotContain(t, name+" with the provider down", page, "The defence", "The aftermath", `class="fail"`, `class="pass"`, "now revoked")
	}
	_, home := h.get(h.client.URL + "/")
	mustNotContain(t, "home page", home, "no longer work")
}
