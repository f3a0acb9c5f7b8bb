package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2ELoginWithPAR logs in with the PAR switch on: the browser carries
// only client_id and a request_uri, the provider finds the pushed request
// by it, and the walkthrough shows the push as a hop before (A), with both
// URLs side by side.
func TestE2ELoginWithPAR(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	_, home := h.get(h.client.URL + "/")
	mustContain(t, "home page", home, `name="par" value="on"`)

	resp, _ := h.get(h.client.URL + "/login?par=on")
	authURL := h.location(resp, http.StatusFound)
	q := authURL.Query()
	if len(q) != 2 || q.Get("client_id") != "testclient" || !strings.HasPrefix(q.Get("request_uri"), "urn:ietf:params:oauth:request_uri:") {
		t.Fatalf("authorization URL %s: want only client_id and a request_uri", authURL)
	}
	resp, _ = h.get(h.signIn(authURL, "allow").String())
	if loc := h.location(resp, http.StatusFound); loc.Path != "/" {
		t.Fatalf("callback redirected to %s, want /", loc)
	}
	_, home = h.get(h.client.URL + "/")
	mustContain(t, "home page", home, "Signed in as", "openid profile email read",
		"Pushed authorization request", "201 Created", "With PAR: the URL your browser carried", "Without PAR: the URL it replaces")
	mustNotContain(t, "home page", home, "client_secret=")
	pushed, redirect := strings.Index(home, "Pushed authorization request"), strings.Index(home, `(A)</span>Authorization request`)
	if redirect < 0 || pushed > redirect {
		t.Errorf("the pushed request (at %d) must come before (A) (at %d)", pushed, redirect)
	}
}

// TestE2ELoginWithoutPAR sends the long URL when the switch is off, and
// when the provider does not advertise a PAR endpoint, where the home page
// has no switch either.
func TestE2ELoginWithoutPAR(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	wantLong := func(login string) {
		t.Helper()
		resp, _ := h.get(h.client.URL + login)
		q := h.location(resp, http.StatusFound).Query()
		if q.Has("request_uri") || q.Get("scope") == "" || q.Get("state") == "" {
			t.Errorf("GET %s: authorization request %v, want the long one", login, q)
		}
	}
	wantLong("/login")
	h.app.public.PushedAuthorizationRequestEndpoint, h.app.back.PushedAuthorizationRequestEndpoint = "", ""
	_, home := h.get(h.client.URL + "/")
	mustNotContain(t, "home page", home, `name="par"`)
	wantLong("/login?par=on")
}

// TestE2ERefusedPARShowsTheExchange shows the provider's refusal of a
// pushed request, with the exchange, and sends the browser nowhere.
func TestE2ERefusedPARShowsTheExchange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.app.oauth.ClientSecret = "not-the-secret" // the secret the pushed request authenticates with (authenticatedPost)
	resp, body := h.get(h.client.URL + "/login?par=on")
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("GET /login?par=on with a wrong secret: status %d, want 502", resp.StatusCode)
	}
	mustContain(t, "error page", body, "The pushed authorization request failed", "Pushed authorization request", "401", "invalid_client")
	mustNotContain(t, "error page", body, "not-the-secret")
}

// TestE2EVisitorHangsUpDuringPAR: a visitor who hangs up while the client
// pushes its authorization request cancels the push with the visitor's
// request. The provider refused nothing: that is logged at info, with no
// warning, and recorded as 499, not as a 502 (README, "Logs").
func TestE2EVisitorHangsUpDuringPAR(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	visitor, hangUp := context.WithCancel(context.Background())
	h.spy.mu.Lock()
	h.spy.beforePAR = hangUp
	h.spy.mu.Unlock()
	answer := httptest.NewRecorder()
	h.client.Config.Handler.ServeHTTP(answer, httptest.NewRequestWithContext(visitor, http.MethodGet, "/login?par=on", nil))
	requestID := answer.Header().Get("X-Request-Id")

	logged := h.log.String()
	if !regexp.MustCompile(`(?m)^.*level=INFO msg="request canceled by the caller".*request_id=` + requestID).MatchString(logged) {
		t.Errorf("the log does not say at info that the visitor hung up:\n%s", logged)
	}
	if regexp.MustCompile(`(?m)^.*level=(WARN|ERROR) .*request_id=` + requestID).MatchString(logged) {
		t.Errorf("a visitor hanging up is logged as a warning or an error:\n%s", logged)
	}
	line := regexp.MustCompile(`(?m)^.*msg=request .*request_id=` + requestID + `$`).FindString(logged)
	if !strings.Contains(line, " status=499 ") {
		t.Errorf("request line: got %q, want status=499", line)
	}
	_, metrics := h.get(h.client.URL + "/metrics")
	for series, want := range map[string]bool{
		`http_requests_total{method="GET",route="/login",status="499"} 1`: true,
		`route="/login",status="502"`:                                     false,
	} {
		if strings.Contains(metrics, series) != want {
			t.Errorf("/metrics holds %s: got %v, want %v", series, !want, want)
		}
	}
}
