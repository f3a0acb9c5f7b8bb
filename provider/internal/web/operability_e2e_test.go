package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/web"
	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// metricValue returns the value of the sample named series (name and
// labels exactly as exposed) in a Prometheus text page, or "".
func metricValue(page, series string) string {
	for line := range strings.SplitSeq(page, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			return rest
		}
	}
	return ""
}

func getMetrics(t *testing.T, u string) string {
	t.Helper()
	resp, body := callResource(t, u, "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: got %d %q, want 200 text/plain", u, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return body
}

// TestE2EMetricsCountTheFlow runs a code exchange, a refresh, a refresh token
// reuse, a code replay, a wrong password and an unknown path, and checks
// each counter of /metrics — and that no raw path becomes a label.
func TestE2EMetricsCountTheFlow(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
	code, verifier, tok := exchangeCode(t, srv, cfg)
	if _, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("a replayed code was accepted")
	}
	if _, err := refresh(cfg, tok.RefreshToken); err == nil {
		t.Fatal("the refresh token of a replayed code's grant still works")
	}
	_, _, tok2 := exchangeCode(t, srv, cfg)
	if _, err := refresh(cfg, tok2.RefreshToken); err != nil {
		t.Fatal(err)
	}
	_, _ = refresh(cfg, tok2.RefreshToken) // reuse
	rawPost(t, srv.URL+"/oauth/authenticate", okAuth+demoUser+"&password=wrong", nil)
	callResource(t, srv.URL+"/no/such/path/c0ffee", "")

	page := getMetrics(t, srv.URL+"/metrics")
	for series, want := range map[string]string{
		`oauth_tokens_issued_total{grant_type="authorization_code"}`:                  "2",
		`oauth_tokens_issued_total{grant_type="refresh_token"}`:                       "1",
		`oauth_token_errors_total{error="invalid_grant"}`:                             "3",
		`oauth_refresh_reuse_detected_total`:                                          "1",
		`oauth_code_replay_detected_total`:                                            "1",
		`oauth_login_failures_total`:                                                  "1",
		`http_requests_total{method="POST",route="/oauth/token",status="200"}`:        "3",
		`http_requests_total{method="POST",route="/oauth/token",status="400"}`:        "3",
		`http_requests_total{method="GET",route="unmatched",status="404"}`:            "1",
		`http_request_duration_seconds_count{route="/oauth/token"}`:                   "6",
		`http_requests_total{method="POST",route="/oauth/authenticate",status="400"}`: "1",
	} {
		if got := metricValue(page, series); got != want {
			t.Errorf("%s: got %q, want %q", series, got, want)
		}
	}
	for _, family := range []string{"go_goroutines", "process_resident_memory_bytes", "oauth_rate_limited_total"} {
		if !strings.Contains(page, "# TYPE "+family+" ") {
			t.Errorf("/metrics has no %s", family)
		}
	}
	if strings.Contains(page, "c0ffee") {
		t.Error("a raw request path became a label: cardinality is unbounded")
	}
}

// TestE2EMetricsCountEachGrantType: tokens issued are counted under the
// grant type the token endpoint parsed, for each of the four; a grant type
// the provider does not support is counted as its error, never as a label.
func TestE2EMetricsCountEachGrantType(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
	_, _, tok := exchangeCode(t, srv, cfg)
	if _, err := refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret", TokenURL: srv.URL + "/oauth/token"}
	if _, err := cc.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	da := startDevice(t, deviceConfig(srv, "read"))
	decideThroughPage(t, da, "allow")
	if status, code := poll(t, srv, da.DeviceCode); status != http.StatusOK {
		t.Fatalf("device poll after approval: got %d %q, want tokens", status, code)
	}
	rawPost(t, srv.URL+"/oauth/token", "grant_type=urn:example:c0ffee&client_id=testclient&client_secret=testsecret", nil)

	page := getMetrics(t, srv.URL+"/metrics")
	for _, grantType := range []oauth.GrantType{oauth.GrantTypeAuthorizationCode, oauth.GrantTypeRefreshToken,
		oauth.GrantTypeClientCredentials, oauth.GrantTypeDeviceCode} {
		if got := metricValue(page, `oauth_tokens_issued_total{grant_type="`+string(grantType)+`"}`); got != "1" {
			t.Errorf("oauth_tokens_issued_total{grant_type=%q}: got %q, want \"1\"", grantType, got)
		}
	}
	if got := metricValue(page, `oauth_token_errors_total{error="unsupported_grant_type"}`); got != "1" {
		t.Errorf(`oauth_token_errors_total{error="unsupported_grant_type"}: got %q, want "1"`, got)
	}
	if strings.Contains(page, "c0ffee") {
		t.Error("a grant type the request sent became a label: cardinality is unbounded")
	}
}

// TestE2EMetricsRateLimited counts each limit being hit: wrong passwords
// at sign-in, wrong user codes at /device.
func TestE2EMetricsRateLimited(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	for range oauth.WrongPasswordsPerAddress + 2 {
		rawPost(t, srv.URL+"/oauth/authenticate", okAuth+demoUser+"&password=wrong", nil)
	}
	resp, page := newBrowser(t).Get(srv.URL + "/device")
	form := url.Values{"csrf_token": {providertest.FormFields(page).Get("csrf_token")}, "user_code": {"BBBB-BBBB"}}
	for range oauth.WrongUserCodesPerAddress + 1 {
		postFrom(srv, "192.0.2.10", "/device", form, resp.Header.Get("Set-Cookie"))
	}
	metrics := getMetrics(t, srv.URL+"/metrics")
	for limit, want := range map[string]string{"password": "2", "user_code": "1"} {
		if got := metricValue(metrics, `oauth_rate_limited_total{limit="`+limit+`"}`); got != want {
			t.Errorf(`oauth_rate_limited_total{limit=%q}: got %q, want %q`, limit, got, want)
		}
	}
	// The HELP line names every limit the counter has a series for.
	help, _, _ := strings.Cut(metrics[strings.Index(metrics, "# HELP oauth_rate_limited_total "):], "\n")
	for _, series := range regexp.MustCompile(`oauth_rate_limited_total\{limit="([a-z_]+)"\}`).FindAllStringSubmatch(metrics, -1) {
		if !strings.Contains(help, series[1]) {
			t.Errorf("%s: does not name the limit %q", help, series[1])
		}
	}
}

// TestE2EMetricsRegistrationRateLimited: a registration refused by
// REGISTRATIONS_PER_HOUR counts under limit="registration", exposed at 0
// before, and is logged, the first of the two refused a warning; the other
// limits do not move.
func TestE2EMetricsRegistrationRateLimited(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		var log processtest.Buffer
		srv := newServer(providertest.Options{LogOutput: &log, Configure: func(c *config.Config) { c.RegistrationsPerHour = 1 }})
		wantLimits := func(when string, want map[string]string) {
			t.Helper()
			metrics := getMetrics(t, srv.URL+"/metrics")
			for limit, n := range want {
				if got := metricValue(metrics, `oauth_rate_limited_total{limit="`+limit+`"}`); got != n {
					t.Errorf(`%s: oauth_rate_limited_total{limit=%q}: got %q, want %q`, when, limit, got, n)
				}
			}
		}
		wantLimits("at the start", map[string]string{"registration": "0", "password": "0", "user_code": "0", "device_authorization": "0"})
		register(t, srv, nativeClient)
		for range 2 {
			if resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, ""); resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("registration over the limit: got %d %s, want 429", resp.StatusCode, body)
			}
		}
		wantLimits("after two refusals", map[string]string{"registration": "2", "password": "0", "user_code": "0"})
		wantRefusalsLogged(t, &log, "registration", 2)
	})
}

// TestE2EPasswordRefusalsWarnOnce: a flood of wrong passwords over the
// limit is one warning in the log, the other refusals debug lines, while
// oauth_rate_limited_total counts each. On both stores.
func TestE2EPasswordRefusalsWarnOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		var log processtest.Buffer
		srv := newServer(providertest.Options{LogOutput: &log})
		const refused = 5
		for range oauth.WrongPasswordsPerAddress + refused {
			rawPost(t, srv.URL+"/oauth/authenticate", okAuth+demoUser+"&password=not-the-password", nil)
		}
		wantRefusalsCounted(t, srv, &log, map[string]int{"password": refused})
	})
}

// TestE2ERefusalsWarnPerAddress: each address has its own flood of
// refusals under a limit: the first refusal of a second address is a
// warning naming it, though the first address is still being refused, and
// each address's later refusals are debug lines. The addresses come in
// X-Forwarded-For from a trusted proxy. On both stores.
func TestE2ERefusalsWarnPerAddress(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		var log processtest.Buffer
		srv := newServer(providertest.Options{LogOutput: &log, Configure: func(c *config.Config) {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		}})
		addresses := []string{"203.0.113.1", "198.51.100.7"}
		for range oauth.WrongPasswordsPerAddress + 2 {
			for _, address := range addresses {
				rawPost(t, srv.URL+"/oauth/authenticate", okAuth+demoUser+"&password=wrong", map[string]string{"X-Forwarded-For": address})
			}
		}
		wantFloodPerAddress(t, &log, "password", map[string]int{addresses[0]: 2, addresses[1]: 2})
	})
}

// wantFloodPerAddress wants the refusals under limit in the log to be those
// of refused (how many times each address was refused), each address's
// first a warning naming it, its others debug lines.
func wantFloodPerAddress(t *testing.T, log *processtest.Buffer, limit string, refused map[string]int) {
	t.Helper()
	line := regexp.MustCompile(`(?m)^.*level=(WARN|DEBUG) msg="rate limit hit: [^"]*" limit=` + limit + ` client_address=(\S+) `)
	got := map[string]map[string]int{}
	for _, m := range line.FindAllStringSubmatch(log.String(), -1) {
		if got[m[2]] == nil {
			got[m[2]] = map[string]int{}
		}
		got[m[2]][m[1]]++
	}
	for address, n := range refused {
		if got[address]["WARN"] != 1 || got[address]["DEBUG"] != n-1 {
			t.Errorf("refusals of %s under limit=%s: got %d warnings and %d debug lines, want 1 and %d:\n%s",
				address, limit, got[address]["WARN"], got[address]["DEBUG"], n-1, log.String())
		}
	}
	if len(got) != len(refused) {
		t.Errorf("refusals under limit=%s: got them from %d addresses, want %d:\n%s", limit, len(got), len(refused), log.String())
	}
}

// TestE2EMetricsOnTheirOwnListener: with METRICS_ADDR set, the main listener
// has no /metrics; the router's Metrics handler serves them.
func TestE2EMetricsOnTheirOwnListener(t *testing.T) {
	srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" }})
	if resp, _ := callResource(t, srv.URL+"/metrics", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the main listener with METRICS_ADDR set: got %d, want 404", resp.StatusCode)
	}
	rec := httptest.NewRecorder()
	srv.Config.Handler.(*web.Router).Metrics.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "http_requests_total") {
		t.Errorf("the metrics handler: got %d, want 200 with http_requests_total", rec.Code)
	}
}

// TestE2EHealthAndReadiness: /healthz answers while the process runs;
// /readyz answers 200 while the store answers, 503 once it does not.
func TestE2EHealthAndReadiness(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	for path, want := range map[string]string{"/healthz": `{"status":"ok"}`, "/readyz": `{"status":"ready"}`} {
		resp, body := callResource(t, srv.URL+path, "")
		if resp.StatusCode != http.StatusOK || body != want {
			t.Errorf("GET %s: got %d %s, want 200 %s", path, resp.StatusCode, body, want)
		}
	}
	if err := srv.Provider.Store.Close(); err != nil {
		t.Fatal(err)
	}
	if resp, body := callResource(t, srv.URL+"/readyz", ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz with the store closed: got %d %s, want 503", resp.StatusCode, body)
	}
	if resp, _ := callResource(t, srv.URL+"/healthz", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz with the store closed: got %d, want 200 (the process still runs)", resp.StatusCode)
	}
}

// TestE2ETrustedProxies: the password limit (kept in the store) keys by
// X-Forwarded-For only on connections from TRUSTED_PROXIES; from anyone
// else the header is ignored, so it cannot buy a fresh budget. On both
// stores.
func TestE2ETrustedProxies(t *testing.T) {
	eachStore(t, testTrustedProxies)
}

func testTrustedProxies(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	for _, tt := range []struct {
		name         string
		proxies      []netip.Prefix
		otherLimited bool // is a second forwarded address limited by the first one's wrong passwords?
	}{
		{"no trusted proxies: X-Forwarded-For is ignored", nil, true},
		{"a trusted proxy: each forwarded address has its own budget", []netip.Prefix{loopback}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.TrustedProxies = tt.proxies }})
			wrong := func(forwardedFor string) int {
				resp, _ := rawPost(t, srv.URL+"/oauth/authenticate", okAuth+demoUser+"&password=wrong",
					map[string]string{"X-Forwarded-For": forwardedFor})
				return resp.StatusCode
			}
			for range oauth.WrongPasswordsPerAddress {
				wrong("198.51.100.7, 203.0.113.1")
			}
			if got := wrong("203.0.113.1"); got != http.StatusTooManyRequests {
				t.Errorf("the address that sent the wrong passwords: got %d, want 429", got)
			}
			if got := wrong("203.0.113.2"); (got == http.StatusTooManyRequests) != tt.otherLimited {
				t.Errorf("another forwarded address: got %d, limited = %v, want limited = %v", got, got == http.StatusTooManyRequests, tt.otherLimited)
			}
		})
	}
}

// TestE2EIssuerNeverFromTheRequest: Host and X-Forwarded-* do not change the
// issuer or the endpoints in the metadata.
func TestE2EIssuerNeverFromTheRequest(t *testing.T) {
	srv := providertest.New(t, providertest.Options{Issuer: "https://as.example", Configure: func(c *config.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/.well-known/openid-configuration", nil)
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("X-Forwarded-Proto", "http")
	req.Header.Set("Forwarded", "host=evil.example;proto=http")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := providertest.ReadBody(t, resp)
	var md struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
	}
	if err := json.Unmarshal([]byte(body), &md); err != nil {
		t.Fatal(err)
	}
	if md.Issuer != "https://as.example" || md.AuthorizationEndpoint != "https://as.example/oauth/authorize" || strings.Contains(body, "evil") {
		t.Errorf("got issuer %q, authorization_endpoint %q; want them from ISSUER only", md.Issuer, md.AuthorizationEndpoint)
	}
}

// requestLine matches one request line of the text log.
var requestLine = regexp.MustCompile(`(?m)^.*msg=request .*$`)

// TestE2ERequestLogLines checks the per-request line: request id (the one
// answered in X-Request-Id), method, route (not the query), status,
// duration, client_id and the OAuth error code.
func TestE2ERequestLogLines(t *testing.T) {
	var log processtest.Buffer
	srv := providertest.New(t, providertest.Options{LogOutput: &log})
	resp, _ := rawPost(t, srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}.Encode(),
		map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("testclient:wrong-secret"))})
	id := resp.Header.Get("X-Request-Id")
	lines := requestLine.FindAllString(log.String(), -1)
	if len(lines) != 1 {
		t.Fatalf("got %d request lines, want 1:\n%s", len(lines), log.String())
	}
	for _, want := range []string{"request_id=" + id, "method=POST", "route=/oauth/token", "status=401", "duration=",
		"client_id=testclient", "error=invalid_client"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("the request line lacks %q: %s", want, lines[0])
		}
	}
}
