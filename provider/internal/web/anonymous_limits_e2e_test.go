package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// anonymousEndpoint is an endpoint anyone may call whose every success
// stores a row (a pending device code, a registered client, a pushed
// request).
type anonymousEndpoint struct {
	name  string
	limit string // the "limit" label and the log line's limit=
	send  func(t *testing.T, srv *providertest.Server, from string) (*http.Response, string)
	ok    int // the status of a success
}

var anonymousEndpoints = []anonymousEndpoint{
	{"device authorization (RFC 8628 Section 3.1)", "device_authorization", deviceAuthorizationFrom, http.StatusOK},
	{"client registration (RFC 7591 Section 3)", "registration", registrationFrom, http.StatusCreated},
	{"pushed authorization request (RFC 9126 Section 2.3)", "pushed_request", pushFrom, http.StatusCreated},
}

// pushFrom pushes an authorization request as the public demo SPA client,
// through a trusted proxy that names from as the client.
func pushFrom(t *testing.T, srv *providertest.Server, from string) (*http.Response, string) {
	form := url.Values{"response_type": {"code"}, "client_id": {"spa-client"}, "redirect_uri": {spaRedirectURI},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
	return rawPost(t, srv.URL+"/oauth/par", form.Encode(), map[string]string{"X-Forwarded-For": from})
}

// deviceAuthorizationFrom asks for a device code as the public demo device
// client, through a trusted proxy that names from as the client.
func deviceAuthorizationFrom(t *testing.T, srv *providertest.Server, from string) (*http.Response, string) {
	return rawPost(t, srv.URL+"/oauth/device/code", "client_id=device-client&scope=read", map[string]string{"X-Forwarded-For": from})
}

// registrationFrom registers a native client through a trusted proxy that
// names from as the client.
func registrationFrom(t *testing.T, srv *providertest.Server, from string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/register", strings.NewReader(nativeClient))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", from)
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, providertest.ReadBody(t, resp)
}

// TestE2EAnonymousRequestLimits: device authorization requests
// (DEVICE_AUTHORIZATIONS_PER_HOUR), registrations (REGISTRATIONS_PER_HOUR)
// and pushed authorization requests (PUSHED_REQUESTS_PER_HOUR) past an address's budget get 429 with Retry-After and a JSON error, store
// nothing, are counted in oauth_rate_limited_total and logged, and leave a
// trace whose outcome is the error code (checkLimitedTrace); another
// address keeps its own budget; and the /64s of one IPv6 /48 together get
// ten times one /64's budget, not 65,536 times. On both stores.
func TestE2EAnonymousRequestLimits(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		for _, e := range anonymousEndpoints {
			t.Run(e.name, func(t *testing.T) { testAnonymousRequestLimit(t, newServer, e) })
		}
	})
}

func testAnonymousRequestLimit(t *testing.T, newServer func(providertest.Options) *providertest.Server, e anonymousEndpoint) {
	const perHour = 2
	var log processtest.Buffer
	clock := clocktest.New(time.Now())
	srv := newServer(providertest.Options{Now: clock.Now, LogOutput: &log, Configure: func(c *config.Config) {
		c.DeviceAuthorizationsPerHour, c.RegistrationsPerHour, c.PushedRequestsPerHour = perHour, perHour, perHour
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}})
	stored := 0
	want := func(from string, accepted bool) {
		t.Helper()
		resp, body := e.send(t, srv, from)
		if accepted {
			if resp.StatusCode != e.ok {
				t.Fatalf("from %s: got %d %s, want %d", from, resp.StatusCode, body, e.ok)
			}
			stored++
			return
		}
		var answer map[string]any
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
			json.Unmarshal([]byte(body), &answer) != nil || answer["error"] != "temporarily_unavailable" || len(answer) != 2 {
			t.Errorf("from %s over the limit: got %d (Retry-After %q) %s, want 429 with Retry-After and a JSON error",
				from, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		checkLimitedTrace(t, srv, resp.Header.Get("X-Request-Id"))
	}
	for range perHour {
		want("198.51.100.7", true)
	}
	want("198.51.100.7", false)
	want("198.51.100.8", true)
	for n := range 10 * perHour {
		want(fmt.Sprintf("2001:db8:5:%x::1", n), true)
	}
	want(fmt.Sprintf("2001:db8:5:%x::1", 10*perHour), false) // a fresh /64 of a /48 that used up its 10 × budget
	want("2001:db8:6::1", true)

	const refused = 2
	if got := metricValue(getMetrics(t, srv.URL+"/metrics"), `oauth_rate_limited_total{limit="`+e.limit+`"}`); got != fmt.Sprint(refused) {
		t.Errorf(`oauth_rate_limited_total{limit=%q}: got %q, want %d`, e.limit, got, refused)
	}
	// two addresses, each refused once: a warning each
	wantFloodPerAddress(t, &log, e.limit, map[string]int{"198.51.100.7": 1, "2001:db8:5:14::/64": 1})
	clock.Advance(25 * time.Hour) // past a device code's lifetime and purge delay, and REGISTRATION_UNUSED_TTL
	if purged, err := srv.Provider.PurgeExpired(t.Context()); err != nil || purged != int64(stored) {
		t.Errorf("rows purged once expired: got %d (%v), want %d, one per accepted request: a refused one stores nothing", purged, err, stored)
	}
}

// checkLimitedTrace reads the trace of the request id refused by a rate
// limit: like every refusal it ends with the failed rule, the limit, and
// its outcome is the error code the answer carries, temporarily_unavailable.
func checkLimitedTrace(t *testing.T, srv *providertest.Server, id string) {
	t.Helper()
	resp, body := callResource(t, srv.URL+"/debug/trace/"+id, "")
	var got trace
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("GET /debug/trace/%s: got %d %s, want 200 and a trace", id, resp.StatusCode, body)
	}
	n := len(got.Checks)
	if got.Outcome != "temporarily_unavailable" || n == 0 || got.Checks[n-1].Passed || !strings.Contains(got.Checks[n-1].Rule, "per hour") {
		t.Errorf("the trace of a request over the limit: got outcome %q, checks %+v; want temporarily_unavailable after the failed limit",
			got.Outcome, got.Checks)
	}
}
