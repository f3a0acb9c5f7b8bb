package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/providertest"

	"github.com/oauth-reference/client/internal/config"
)

func TestE2EWalkthroughShowsEveryHop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	cb := h.authorize("allow")
	code := cb.Query().Get("code")
	resp, _ := h.get(cb.String())
	h.location(resp, http.StatusFound)
	h.fetchResource()
	_, page := h.get(h.client.URL + "/")
	home := html.UnescapeString(page)
	mustContain(t, "walkthrough", home,
		// (A) each parameter, with its meaning and section
		"Authorization request", "code_challenge_method", "S256", "RFC 7636 Section 4.3", "https://www.rfc-editor.org/rfc/rfc7636#section-4.3",
		"OIDC Core Section 3.1.2.1", "https://openid.net/specs/openid-connect-core-1_0.html#rfc.section.3.1.2.1",
		// (C) the callback and the client's checks
		"Authorization response", "state is one this browser's session is waiting for", "iss is the issuer the request went to",
		// (D) as sent, (E) as received, and the ID token checks
		"POST "+h.provider.URL+"/oauth/token", "Basic base64(testclient:••••••)", "code_verifier=••••••", "200 OK",
		"ID token validation (E)", "nonce is the one this login sent in (A)",
		// later: the resource calls, Authorization masked
		"Protected resource request", "GET "+h.provider.URL+"/protected/resource", "Authorization: Bearer eyJ",
		// the provider's own checks, from its trace (teaching mode: the issuer is http on 127.0.0.1)
		"The provider's checks", "the code was issued to this client", "authorization code consumed")
	mustNotContain(t, "walkthrough", home, code, h.spy.lastAccessToken(), "testsecret")
	checkTraceLinks(t, h, page)
	mustContain(t, "walkthrough", home, code[:6]+"…")
	for _, step := range []string{"A", "B", "C", "D", "E"} {
		mustContain(t, "diagram", page, `<b class="done">(`+step+`)</b>`)
	}
	order := []string{"(A)</span>Authorization request", "(C)</span>Authorization response", "(D)</span>Access token request", "Protected resource request"}
	last := -1
	for _, s := range order {
		i := strings.Index(page, s)
		if i < last {
			t.Errorf("%q comes before the hop before it: the hops are out of order", s)
		}
		last = i
	}
}

var continueRE = regexp.MustCompile(`class="button next"`)

func TestE2EStepByStepPausesThreeTimes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})

	// (A) The request is shown, not followed.
	resp, page := h.get(h.client.URL + "/login?step_by_step=on")
	if resp.StatusCode != http.StatusOK || !continueRE.MatchString(page) {
		t.Fatalf("GET /login?step_by_step=on: got %d, want 200 and a Continue link:\n%s", resp.StatusCode, page)
	}
	m := regexp.MustCompile(`class="button next" href="([^"]+/oauth/authorize\?[^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no Continue link to the authorization endpoint:\n%s", page)
	}
	authURL, _ := url.Parse(html.UnescapeString(m[1]))
	mustContain(t, "step A", html.UnescapeString(page), "code_challenge_method", authURL.Query().Get("state"))

	// (C) The response is checked and held: no exchange yet.
	cb := h.signIn(authURL, "allow")
	resp, page = h.get(cb.String())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("callback in step-by-step mode: got %d, want 200:\n%s", resp.StatusCode, page)
	}
	mustContain(t, "step C", html.UnescapeString(page), "state is one this browser's session is waiting for", `href="/callback/exchange"`)
	mustNotContain(t, "step C", page, cb.Query().Get("code"))
	_, home := h.get(h.client.URL + "/")
	mustContain(t, "home page while paused", home, "paused at (C)", `href="/callback/exchange"`)
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Fatalf("token requests after (C) = %v, want none", got)
	}

	// Before (E): the token request as it will be sent, and still none sent.
	resp, page = h.get(h.client.URL + "/callback/exchange")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /callback/exchange: got %d:\n%s", resp.StatusCode, page)
	}
	mustContain(t, "step D", html.UnescapeString(page), "as it will be sent", "grant_type=authorization_code", "Basic base64(testclient:••••••)",
		`action="/callback/exchange"`)
	mustNotContain(t, "step D", page, cb.Query().Get("code"), "testsecret", "‹")
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Fatalf("token requests after the preview = %v, want none", got)
	}

	// Continue needs the CSRF token; with it, (D) and (E) happen.
	if resp, _ := h.do(http.MethodPost, h.client.URL+"/callback/exchange", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /callback/exchange without the CSRF token: got %d, want 403", resp.StatusCode)
	}
	csrf := csrfRE.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no CSRF token on the step D page:\n%s", page)
	}
	resp, _ = h.do(http.MethodPost, h.client.URL+"/callback/exchange", url.Values{csrfField: {csrf[1]}})
	if loc := h.location(resp, http.StatusFound); loc.Path != "/" {
		t.Errorf("after Continue: redirected to %s, want /", loc)
	}
	if got := h.spy.tokenRequests(); len(got) != 1 || got[0] != "authorization_code" {
		t.Errorf("token requests = %v, want [authorization_code]", got)
	}
	_, home = h.get(h.client.URL + "/")
	mustContain(t, "home page", home, "Signed in as Demo User", "ID token validation (E)")
	mustNotContain(t, "home page", home, "paused at (C)")

	// The held response is spent: continuing again finds nothing, whether
	// from the old page (its CSRF token replaced at login) or a new one.
	for _, token := range []string{csrf[1], h.csrfToken()} {
		resp, page := h.do(http.MethodPost, h.client.URL+"/callback/exchange", url.Values{csrfField: {token}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "No login to continue") {
			t.Errorf("a second Continue: got %d, want 409 saying no login waits:\n%s", resp.StatusCode, page)
		}
	}
}

// TestE2EStepByStepPreviewMarksWhatIsMadeAtSend: with DPOP=on and the
// "Sign with a key" switch, the preview of (D) shows where the request's DPoP
// proof and client assertion go, as placeholders, and decodes neither: both
// are made fresh when the request is sent (RFC 9449 Section 4.2,
// RFC 7523 Section 3), and the hop of the request sent shows those, decoded.
func TestE2EStepByStepPreviewMarksWhatIsMadeAtSend(t *testing.T) {
	t.Parallel()
	h := newHarnessConfig(t, providertest.Options{DPoPNonce: true}, func(c *config.Config) { c.DPoP = "on" })
	_, page := h.get(h.client.URL + "/login?step_by_step=on&key=on")
	m := regexp.MustCompile(`class="button next" href="([^"]+/oauth/authorize\?[^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no Continue link to the authorization endpoint:\n%s", page)
	}
	authURL, _ := url.Parse(html.UnescapeString(m[1]))
	h.get(h.signIn(authURL, "allow").String())
	_, page = h.get(h.client.URL + "/callback/exchange")
	preview := html.UnescapeString(page)
	mustContain(t, "step D", preview, "as it will be sent", "DPoP: ‹a fresh DPoP proof, made when you send›",
		"The client assertion, decoded", "‹a fresh assertion, with its own jti and iat, signed when you send›",
		"The parts in ‹ › are made only when you send")
	mustNotContain(t, "step D", preview, "The DPoP proof, decoded", `"jti"`)
	csrf := csrfRE.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no CSRF token on the step D page:\n%s", page)
	}
	resp, _ := h.do(http.MethodPost, h.client.URL+"/callback/exchange", url.Values{csrfField: {csrf[1]}})
	h.location(resp, http.StatusFound)
	_, home := h.get(h.client.URL + "/")
	sent := html.UnescapeString(strings.Join(hopsOfStep(home, "D"), ""))
	mustContain(t, "the sent (D) hops", sent, "The DPoP proof, decoded", `"typ": "dpop+jwt"`, "The client assertion, decoded", `"jti"`)
	mustNotContain(t, "the sent (D) hops", sent, "‹")
}

func TestE2EFailedTokenRequestShowsTheExchangeAndCauses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.app.oauth.ClientSecret = "not-the-secret"
	resp, page := h.get(h.authorize("allow").String())
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback with a wrong client secret: got %d, want 400:\n%s", resp.StatusCode, page)
	}
	page = html.UnescapeString(page)
	mustContain(t, "failed step D", page, "invalid_client", "Likely causes", "Basic base64(urlencode(client_id)",
		"POST "+h.provider.URL+"/oauth/token", "401 Unauthorized", "WWW-Authenticate", "What happened, hop by hop",
		"The provider's checks", ": invalid_client)", `<li class="fail">`)
	mustNotContain(t, "failed step D", page, "not-the-secret")
	// The failed story stays for the home page.
	_, home := h.get(h.client.URL + "/")
	mustContain(t, "home page", html.UnescapeString(home), "Your login, hop by hop", "401 Unauthorized")
}

func TestE2EProviderErrorWithAnUnknownState(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	const planted = "eyJhbGciOiJSUzI1NiJ9.PLANTEDTOKENPAYLOAD.signature"
	q := url.Values{"error": {"access_denied"}, "error_description": {"The user said no"}, "state": {"never-issued"},
		"iss": {h.provider.Issuer}, "access_token": {planted}}
	resp, page := h.get(h.client.URL + "/callback?" + q.Encode())
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("got %d, want 403", resp.StatusCode)
	}
	page = html.UnescapeString(page)
	mustContain(t, "error page", page, "access_denied", "The user said no", "did not start",
		"127.0.0.1 instead of localhost", "RFC 6749 Section 10.12",
		"✗</span><span class=\"sr\">failed: </span>state is one this browser's session is waiting for", "eyJhbG…")
	mustNotContain(t, "error page", page, planted)
}

// TestE2ECallbackShowsALongErrorShortened: the redirection endpoint takes
// whatever query a browser brings; a 30 KB error and error_description are
// shown cut, not echoed whole in the page and its walkthrough.
func TestE2ECallbackShowsALongErrorShortened(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	long := strings.Repeat("e", 30<<10)
	for _, state := range []string{"never-issued", ""} {
		q := url.Values{"error": {long}, "error_description": {long + "d"}, "iss": {h.provider.Issuer}}
		if state != "" {
			q.Set("state", state)
		}
		resp, page := h.get(h.client.URL + "/callback?" + q.Encode())
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("state %q: got %d, want 403", state, resp.StatusCode)
		}
		if len(page) > 40<<10 || strings.Contains(page, long[:2<<10]) {
			t.Errorf("state %q: a page of %d bytes that echoes the error whole; want it shortened", state, len(page))
		}
		mustContain(t, "error page", html.UnescapeString(page), strings.Repeat("e", 1000)+"…")
	}
}

func TestE2ECanonicalOrigin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	_, port, _ := strings.Cut(strings.TrimPrefix(h.client.URL, "http://"), ":")
	for _, tt := range []struct {
		host, want string
	}{
		{"localhost:" + port, h.client.URL + "/spa?x=1"}, // another loopback name: sent to REDIRECT_URI's
		{"127.0.0.1:" + port, ""},                        // the canonical origin itself
		{"localhost:1", ""},                              // another port: not this client's origin
		{"client.example:" + port, ""},                   // a proxy's name: left alone
	} {
		req, _ := http.NewRequest(http.MethodGet, h.client.URL+"/spa?x=1", nil)
		req.Host = tt.host
		resp, err := h.user.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch loc := resp.Header.Get("Location"); {
		case tt.want != "" && (resp.StatusCode != http.StatusFound || loc != tt.want):
			t.Errorf("Host %s: got %d to %q, want 302 to %s", tt.host, resp.StatusCode, loc, tt.want)
		case tt.want == "" && resp.StatusCode != http.StatusOK:
			t.Errorf("Host %s: got %d, want 200", tt.host, resp.StatusCode)
		}
	}
}

// fakeTrace is a trace in the shape the provider serves, for any request id.
func fakeTrace(id string) string {
	return `{"request_id": "` + id + `", "time": "2026-12-02T10:00:00Z", "method": "POST", "path": "/oauth/token",
	 "client_id": "testclient", "status": 200, "outcome": "tokens issued",
	 "checks": [{"rule": "the code was issued to this client", "ref": "RFC 6749 Section 4.1.3", "passed": true},
	            {"rule": "code_verifier matches the S256 code_challenge", "ref": "RFC 7636 Section 4.6", "passed": false}],
	 "changes": ["authorization code consumed", "grant created"]}`
}

func TestE2EWalkthroughShowsTheProvidersChecks(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"on", "off"} {
		t.Run("TEACHING_MODE="+mode, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, providertest.Options{})
			h.app.cfg.TeachingMode = mode
			h.spy.mu.Lock()
			h.spy.trace = fakeTrace
			h.spy.mu.Unlock()
			h.get(h.client.URL + "/") // start-up hops: no trace asked for
			h.login()
			_, page := h.get(h.client.URL + "/")
			page = html.UnescapeString(page)
			h.spy.mu.Lock()
			asked := h.spy.traceAsked
			h.spy.mu.Unlock()
			shown := []string{"The provider's checks", "the code was issued to this client", "https://www.rfc-editor.org/rfc/rfc7636#section-4.6",
				"code_verifier matches the S256 code_challenge", "authorization code consumed; grant created"}
			if mode == "off" {
				mustNotContain(t, "walkthrough with teaching mode off", page, shown...)
				mustContain(t, "walkthrough with teaching mode off", page, "Teaching mode is off")
				if asked != 0 {
					t.Errorf("the client asked for %d traces with teaching mode off, want none", asked)
				}
				return
			}
			mustContain(t, "walkthrough", page, shown...)
			mustContain(t, "walkthrough", page, `<li class="fail"><span class="mark">✗</span>`)
			// Traces once fetched are kept: another page view asks for none.
			h.get(h.client.URL + "/")
			h.spy.mu.Lock()
			again := h.spy.traceAsked
			h.spy.mu.Unlock()
			if asked == 0 || again != asked {
				t.Errorf("trace requests: %d for the first view, %d after the second; want some, then no more", asked, again)
			}
		})
	}
}

// traceLinkRE finds the links of a walkthrough's traces to their rows on
// the provider's traces page: the request id twice, in the query and in
// the fragment.
var traceLinkRE = regexp.MustCompile(`<a href="([^"]+/debug/traces\?client_id=testclient&amp;request_id=([A-Z0-9]+)#trace-([A-Z0-9]+))">`)

// checkTraceLinks checks that each trace of the walkthrough page links its
// own row on the provider's traces page, and that the row is there, open.
func checkTraceLinks(t *testing.T, h *harness, page string) {
	t.Helper()
	links := traceLinkRE.FindAllStringSubmatch(page, -1)
	if len(links) == 0 {
		t.Fatal("no trace links its row on the provider's traces page")
	}
	for _, link := range links {
		target, id := html.UnescapeString(link[1]), link[2]
		if link[3] != id || !strings.HasPrefix(target, h.provider.URL+"/") {
			t.Errorf("the link %q: want the provider's page, with request %s in its query and its fragment", target, id)
			continue
		}
		if _, row := h.get(target); !regexp.MustCompile(`<details id="trace-` + id + `" class="trace[^"]*" open>`).MatchString(row) {
			t.Errorf("the provider's traces page at %s does not show request %s open", target, id)
		}
	}
}
