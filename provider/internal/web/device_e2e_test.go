package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/providertest"
)

// deviceGrantType is the grant_type of the device access token request
// (RFC 8628 Section 3.4), form-encoded.
const deviceGrantType = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"

// displayedUserCode is the user code's display form (RFC 8628 Section 6.1).
var displayedUserCode = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

// deviceConfig is the public device client as golang.org/x/oauth2 sees it.
func deviceConfig(srv *providertest.Server, scopes ...string) *oauth2.Config {
	return &oauth2.Config{ClientID: "device-client", Scopes: scopes, Endpoint: oauth2.Endpoint{
		DeviceAuthURL: srv.URL + "/oauth/device/code", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
}

// newDeviceServer starts the provider on a fake clock, with the default
// polling interval (5 s) when pollInterval is 0. A 1 s interval keeps the
// real-time polling of x/oauth2's DeviceAccessToken short.
func newDeviceServer(t *testing.T, pollInterval time.Duration) (*providertest.Server, *clocktest.Clock) {
	clock := newFakeClock()
	return providertest.New(t, providertest.Options{Now: clock.Now, DevicePollInterval: pollInterval}), clock
}

// startDevice makes the device authorization request (RFC 8628 Section 3.1).
func startDevice(t *testing.T, cfg *oauth2.Config) *oauth2.DeviceAuthResponse {
	t.Helper()
	da, err := cfg.DeviceAuth(context.Background())
	if err != nil {
		t.Fatalf("DeviceAuth: %v", err)
	}
	return da
}

// decideThroughPage runs the whole user side in a fresh browser.
func decideThroughPage(t *testing.T, da *oauth2.DeviceAuthResponse, decision string) {
	t.Helper()
	b := newBrowser(t)
	resp, consent := b.EnterUserCode(da.VerificationURIComplete)
	if resp, page := b.Decide(resp, consent, decision); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /device (%s): got %d, want 200: %s", decision, resp.StatusCode, page)
	}
}

// poll sends one device access token request (RFC 8628 Section 3.4) as the
// device client; it returns the status and the "error" ("" on success).
func poll(t *testing.T, srv *providertest.Server, deviceCode string) (int, string) {
	t.Helper()
	resp, body := rawPost(t, srv.URL+"/oauth/token",
		"grant_type="+deviceGrantType+"&client_id=device-client&device_code="+url.QueryEscape(deviceCode), nil)
	var e struct{ Error string }
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("poll: body %q is not JSON: %v", body, err)
	}
	return resp.StatusCode, e.Error
}

// storedInterval is the polling interval the provider now expects of the device.
func storedInterval(t *testing.T, srv *providertest.Server, deviceCode string) time.Duration {
	t.Helper()
	d, err := srv.Provider.Store.GetDeviceCode(context.Background(), oauth.HashSecret(deviceCode))
	if err != nil {
		t.Fatalf("GetDeviceCode: %v", err)
	}
	return d.Interval
}

// startDecided starts a provider on a fake clock from newServer, makes a
// device authorization request for "read" and, unless decision is "", has
// the user make it ("allow" or "deny") at /device.
func startDecided(t *testing.T, newServer func(providertest.Options) *providertest.Server, decision string) (*providertest.Server, *clocktest.Clock, *oauth2.DeviceAuthResponse) {
	t.Helper()
	clock := newFakeClock()
	srv := newServer(providertest.Options{Now: clock.Now})
	da := startDevice(t, deviceConfig(srv, "read"))
	if decision != "" {
		decideThroughPage(t, da, decision)
	}
	return srv, clock, da
}

// TestE2EDeviceFlow walks RFC 8628 end to end with golang.org/x/oauth2 as the
// device: DeviceAuth, the user at /device, DeviceAccessToken, the resource.
func TestE2EDeviceFlow(t *testing.T) {
	srv, _ := newDeviceServer(t, time.Second)
	cfg := deviceConfig(srv, "openid", "read")
	da := startDevice(t, cfg)
	if !displayedUserCode.MatchString(da.UserCode) || da.VerificationURI != srv.URL+"/device" {
		t.Fatalf("got user_code %q at %q, want the form WDJB-MJHT at %s/device", da.UserCode, da.VerificationURI, srv.URL)
	}

	b := newBrowser(t)
	resp, consent := b.EnterUserCode(da.VerificationURIComplete)
	for _, want := range []string{"Demo device (CLI)", da.UserCode, "<code>openid</code>", "<code>read</code>", `name="password"`} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(consent, want) {
			t.Fatalf("consent page: got %d, want 200 naming %q: %s", resp.StatusCode, want, consent)
		}
	}
	resp, done := b.Decide(resp, consent, "allow")
	if resp.StatusCode != http.StatusOK || !strings.Contains(done, "Return to your device") {
		t.Fatalf("approval: got %d, want 200 with \"Return to your device\": %s", resp.StatusCode, done)
	}

	tok, err := cfg.DeviceAccessToken(context.Background(), da)
	if err != nil {
		t.Fatalf("DeviceAccessToken: %v", err)
	}
	if tok.RefreshToken == "" || tok.Extra("id_token") == nil || tok.Extra("scope") != "openid read" {
		t.Errorf("got refresh token %t, id_token %t, scope %v; want both and \"openid read\"",
			tok.RefreshToken != "", tok.Extra("id_token") != nil, tok.Extra("scope"))
	}
	resp, body := callResource(t, srv.URL+"/user/profile", tok.AccessToken)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"user1"`) {
		t.Errorf("GET /user/profile: got %d %s, want 200 for user1", resp.StatusCode, body)
	}
	if status, code := poll(t, srv, da.DeviceCode); status != http.StatusBadRequest || code != "invalid_grant" {
		t.Errorf("second redemption: got %d %q, want 400 invalid_grant (the device code is single use)", status, code)
	}
}

// TestE2EDeviceFlowDenied: the user's denial ends x/oauth2's polling with
// access_denied (RFC 8628 Section 3.5).
func TestE2EDeviceFlowDenied(t *testing.T) {
	srv, _ := newDeviceServer(t, time.Second)
	cfg := deviceConfig(srv, "read")
	da := startDevice(t, cfg)
	b := newBrowser(t)
	resp, consent := b.EnterUserCode(da.VerificationURIComplete)
	resp, page := b.Decide(resp, consent, "deny")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Request denied") {
		t.Fatalf("denial: got %d, want 200 \"Request denied\": %s", resp.StatusCode, page)
	}
	_, err := cfg.DeviceAccessToken(context.Background(), da)
	wantOAuthError(t, err, "access_denied")
}

// TestE2EDevicePolling observes each polling answer of RFC 8628 Section 3.5
// with raw requests on the fake clock.
func TestE2EDevicePolling(t *testing.T) {
	type step struct {
		after    time.Duration // how far the clock moves before the poll
		want     string        // the error; "" = tokens
		interval time.Duration // the interval expected after it; 0 = not checked
	}
	tests := []struct {
		name     string
		decision string // made at /device before polling: "", "allow" or "deny"
		steps    []step
	}{
		{"polling before the user decides answers authorization_pending (RFC 8628 Section 3.5)", "",
			[]step{{0, "authorization_pending", 5 * time.Second}, {5 * time.Second, "authorization_pending", 5 * time.Second}}},
		{"polling sooner than the interval answers slow_down and grows it by 5s (RFC 8628 Section 3.5)", "", []step{
			{0, "authorization_pending", 5 * time.Second},
			{time.Second, "slow_down", 10 * time.Second},
			{time.Second, "slow_down", 15 * time.Second},
			{15 * time.Second, "authorization_pending", 15 * time.Second},
			{14 * time.Second, "slow_down", 20 * time.Second},
		}},
		{"polling after the user denied answers access_denied (RFC 8628 Section 3.5)", "deny",
			[]step{{0, "access_denied", 0}, {5 * time.Second, "access_denied", 0}}},
		{"polling after expires_in answers expired_token (RFC 8628 Section 3.5)", "",
			[]step{{0, "authorization_pending", 0}, {15 * time.Minute, "expired_token", 0}}},
		{"an approved request gets tokens once; the device code is then invalid_grant", "allow",
			[]step{{0, "", 0}, {5 * time.Second, "invalid_grant", 0}}},
		{"an approval left unredeemed past expires_in answers expired_token", "allow",
			[]step{{15 * time.Minute, "expired_token", 0}}},
	}
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				srv, clock, da := startDecided(t, newServer, tc.decision)
				for i, s := range tc.steps {
					clock.Advance(s.after)
					status, code := poll(t, srv, da.DeviceCode)
					if code != s.want || (code == "") != (status == http.StatusOK) {
						t.Fatalf("poll %d: got %d %q, want %q", i+1, status, code, s.want)
					}
					if got := storedInterval(t, srv, da.DeviceCode); s.interval != 0 && got != s.interval {
						t.Errorf("poll %d: interval got %s, want %s", i+1, got, s.interval)
					}
				}
			})
		}
	})
}

// TestE2EDeviceExpiredAfterPurge: a device that polls after its code expired
// and the purge ran still learns expired_token (RFC 8628 Section 3.5), until
// as long again as the code lived; past that the purge has deleted the code,
// so the store stays bounded, and the poll is invalid_grant.
func TestE2EDeviceExpiredAfterPurge(t *testing.T) {
	tests := []struct{ name, decision string }{
		{"a request nobody decided on", ""},
		{"an approval left unredeemed", "allow"},
		{"a denied request", "deny"},
	}
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				srv, clock, da := startDecided(t, newServer, tc.decision)
				ttl, elapsed := srv.Provider.Config.DeviceCodeTTL, time.Duration(0)
				for _, s := range []struct {
					after time.Duration // how far the clock moves before the purge and the poll
					want  string
				}{
					{ttl + srv.Provider.Config.PurgeInterval, "expired_token"}, // a purge ran after the expiry
					{ttl - srv.Provider.Config.PurgeInterval, "expired_token"}, // as long again as it lived
					{time.Second, "invalid_grant"},                             // the code is purged
				} {
					clock.Advance(s.after)
					elapsed += s.after
					if _, err := srv.Provider.PurgeExpired(t.Context()); err != nil {
						t.Fatalf("PurgeExpired: %v", err)
					}
					if status, code := poll(t, srv, da.DeviceCode); status != http.StatusBadRequest || code != s.want {
						t.Fatalf("poll %s after the code was issued, after a purge: got %d %q, want 400 %q",
							elapsed, status, code, s.want)
					}
				}
			})
		}
	})
}

// TestE2EDeviceConcurrentPolls: of polls that arrive together, on time, one
// is answered authorization_pending and the others slow_down, since they
// came sooner than the interval after it (RFC 8628 Section 3.5).
func TestE2EDeviceConcurrentPolls(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Now: newFakeClock().Now})
		da := startDevice(t, deviceConfig(srv, "read"))
		body := "grant_type=" + deviceGrantType + "&client_id=device-client&device_code=" + url.QueryEscape(da.DeviceCode)
		const polls = 8
		answers := make([]string, polls)
		var wg sync.WaitGroup
		for i := range polls {
			wg.Go(func() { answers[i] = tokenError(srv.URL, body) })
		}
		wg.Wait()
		got := map[string]int{}
		for _, a := range answers {
			got[a]++
		}
		if want := map[string]int{"authorization_pending": 1, "slow_down": polls - 1}; !maps.Equal(got, want) {
			t.Errorf("answers to %d concurrent polls: got %v, want %v", polls, got, want)
		}
	})
}

// TestE2EDevicePollingOnTime: golang.org/x/oauth2's DeviceAccessToken polls
// on a ticker, each poll sent one interval after the one before, as
// RFC 8628 Section 3.5 asks; the provider, on the real clock, stamps each
// poll after its own delays, and must not count them against the device:
// every poll is authorization_pending, none slow_down.
func TestE2EDevicePollingOnTime(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		t.Parallel() // each store's polls take 10 s of real time
		srv := newServer(providertest.Options{DevicePollInterval: time.Second})
		cfg := deviceConfig(srv, "read")
		da := startDevice(t, cfg)
		ctx, stop := context.WithCancel(t.Context())
		defer stop()
		answers := &pollAnswers{last: 10, stop: stop}
		ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: answers})
		if _, err := cfg.DeviceAccessToken(ctx, da); !errors.Is(err, context.Canceled) {
			t.Fatalf("DeviceAccessToken: got %v, want it stopped after %d polls", err, answers.last)
		}
		for i, got := range answers.codes {
			if got != "authorization_pending" {
				t.Errorf("poll %d of %d: got %q, want authorization_pending (x/oauth2 sends each poll an interval after the one before)",
					i+1, answers.last, got)
			}
		}
	})
}

// pollAnswers is an http.RoundTripper for a polling device: it records
// the "error" of each answer and, after the last-th, stops the polling.
type pollAnswers struct {
	last  int
	stop  context.CancelFunc
	codes []string
}

// RoundTrip sends req and records the "error" of its answer.
func (a *pollAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var e struct{ Error string }
	if err := json.Unmarshal(body, &e); err != nil {
		e.Error = "body: " + err.Error()
	}
	if a.codes = append(a.codes, e.Error); len(a.codes) == a.last {
		a.stop()
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// tokenError posts form to the token endpoint of the provider at base and
// returns the "error" of the answer, or what went wrong; unlike poll, it
// may run outside the test's goroutine.
func tokenError(base, form string) string {
	resp, err := http.Post(base+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var e struct{ Error string }
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		return "body: " + err.Error()
	}
	return e.Error
}

// TestE2EDeviceCodeUnharmedByOthers: bad token requests and bad page requests
// by others change nothing about a pending device code: the device's first
// real poll is not slowed down (none of them counted as a poll), and its
// approval still yields tokens. Each refusal's trace ends with the rule
// that refused it: an unknown code and another client's code get one
// answer on the wire, and their traces tell them apart.
func TestE2EDeviceCodeUnharmedByOthers(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := newFakeClock()
		testDeviceCodeUnharmedByOthers(t, newServer(providertest.Options{Now: clock.Now}), clock)
	})
}

// testDeviceCodeUnharmedByOthers is TestE2EDeviceCodeUnharmedByOthers
// against srv, whose clock is clock.
func testDeviceCodeUnharmedByOthers(t *testing.T, srv *providertest.Server, clock *clocktest.Clock) {
	ctx := context.Background()
	other := store.Client{ID: "other-device", Name: "Another device", Type: store.Public,
		GrantTypes: []string{string(oauth.GrantTypeDeviceCode)}, Scopes: oauth.SupportedScopes(), DefaultScope: "read"}
	if err := srv.Provider.Store.UpsertClient(ctx, other); err != nil {
		t.Fatal(err)
	}
	da := startDevice(t, deviceConfig(srv, "read"))
	dc := url.QueryEscape(da.DeviceCode)
	grant := "grant_type=" + deviceGrantType
	bad := []struct{ name, body, want, rule string }{
		{"another client's device code is invalid_grant", grant + "&client_id=other-device&device_code=" + dc, "invalid_grant", "issued to this client"},
		{"a client not registered for the grant is unauthorized_client", grant + "&client_id=testclient&client_secret=testsecret&device_code=" + dc, "unauthorized_client", "registered for this grant type"},
		{"a public client not registered for the grant is unauthorized_client", grant + "&client_id=spa-client&device_code=" + dc, "unauthorized_client", "registered for this grant type"},
		{"an unknown client is invalid_client", grant + "&client_id=nobody&device_code=" + dc, "invalid_client", "registered client"},
		{"a repeated device_code is invalid_request", grant + "&client_id=device-client&device_code=" + dc + "&device_code=" + dc, "invalid_request", "sent at most once"},
		{"a repeated client_id is invalid_request", grant + "&client_id=device-client&client_id=device-client&device_code=" + dc, "invalid_request", "sent at most once"},
		{"an unknown device code is invalid_grant", grant + "&client_id=device-client&device_code=" + dc + "x", "invalid_grant", "one this server issued"},
	}
	for _, tc := range bad {
		resp, body := rawPost(t, srv.URL+"/oauth/token", tc.body, nil)
		var e struct{ Error string }
		_ = json.Unmarshal([]byte(body), &e)
		if resp.StatusCode/100 != 4 || e.Error != tc.want {
			t.Errorf("%s: got %d %s, want 4xx %s", tc.name, resp.StatusCode, body, tc.want)
		}
		got, _ := traceOf(t, srv, resp)
		if n := len(got.Checks); n == 0 || got.Checks[n-1].Passed || !strings.Contains(got.Checks[n-1].Rule, tc.rule) {
			t.Errorf("%s: the trace's checks are %+v, want them to end with the failed rule %q", tc.name, got.Checks, tc.rule)
		}
	}
	intruder := newBrowser(t)
	_, page := intruder.Get(srv.URL + "/device")
	form := providertest.FormFields(page)
	for _, guess := range []string{"BBBB-BBBB", "CCCC-CCCC", "not a code"} {
		form.Set("user_code", guess)
		intruder.PostForm(srv.URL+"/device", form)
	}
	form.Set("user_code", da.UserCode)
	form.Set("decision", "deny")
	form.Set("csrf_token", "forged")
	if resp, _ := intruder.PostForm(srv.URL+"/device", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a denial with a forged CSRF token: got %d, want 403", resp.StatusCode)
	}

	if status, code := poll(t, srv, da.DeviceCode); code != "authorization_pending" {
		t.Fatalf("the device's first poll: got %d %q, want authorization_pending", status, code)
	}
	decideThroughPage(t, da, "allow")
	clock.Advance(5 * time.Second)
	if status, code := poll(t, srv, da.DeviceCode); status != http.StatusOK {
		t.Errorf("after approval: got %d %q, want the tokens", status, code)
	}
}

// TestE2EDevicePage covers the verification page's own rules.
func TestE2EDevicePage(t *testing.T) {
	t.Run("the page cannot be framed (RFC 9700 Section 4.16)", func(t *testing.T) {
		srv, _ := newDeviceServer(t, 0)
		resp, _ := newBrowser(t).Get(srv.URL + "/device")
		if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("got X-Frame-Options %q, CSP %q; want DENY and frame-ancestors 'none'",
				resp.Header.Get("X-Frame-Options"), resp.Header.Get("Content-Security-Policy"))
		}
	})
	t.Run("a user signed in at the authorization endpoint approves without the password", func(t *testing.T) {
		srv, _ := newDeviceServer(t, 0)
		b := newBrowser(t)
		b.Approve(demoConfig(srv, oauth2.AuthStyleInHeader, "read").AuthCodeURL("s"))
		da := startDevice(t, deviceConfig(srv, "read"))
		resp, consent := b.EnterUserCode(da.VerificationURIComplete)
		if providertest.AsksPassword(consent) || !strings.Contains(consent, "Signed in as <strong>Demo User</strong> (<code>demo</code>)") {
			t.Fatalf("consent page of a signed-in user: want no password field, and who is signed in: %s", consent)
		}
		if resp, page := b.Decide(resp, consent, "allow"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Return to your device") {
			t.Fatalf("approval through the login session: got %d: %s", resp.StatusCode, page)
		}
		if status, code := poll(t, srv, da.DeviceCode); status != http.StatusOK {
			t.Errorf("poll after approval: got %d %q, want tokens", status, code)
		}
	})
	t.Run("a wrong password shows the consent page again with 400 and approves nothing", func(t *testing.T) {
		srv, _ := newDeviceServer(t, 0)
		b := newBrowser(t)
		da := startDevice(t, deviceConfig(srv, "read"))
		_, consent := b.EnterUserCode(da.VerificationURIComplete)
		form := providertest.FormFields(consent)
		form.Set("username", providertest.DemoUsername)
		form.Set("password", "wrong")
		form.Set("decision", "allow")
		resp, page := b.PostForm(da.VerificationURI, form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Wrong username or password") || !providertest.AsksPassword(page) {
			t.Fatalf("got %d, want 401 with the sign-in form again: %s", resp.StatusCode, page)
		}
		if _, code := poll(t, srv, da.DeviceCode); code != "authorization_pending" {
			t.Errorf("poll: got %q, want authorization_pending", code)
		}
	})
	outcomes := []struct {
		name    string
		prepare func(t *testing.T, clock *clocktest.Clock, da *oauth2.DeviceAuthResponse) string // returns the code to enter
		status  int
		want    string
	}{
		{"an unknown code shows the form again with 400", func(*testing.T, *clocktest.Clock, *oauth2.DeviceAuthResponse) string { return "BBBB-BBBB" },
			http.StatusBadRequest, "That code is not valid"},
		{"a malformed code is unknown, not an error", func(*testing.T, *clocktest.Clock, *oauth2.DeviceAuthResponse) string { return "<script>" },
			http.StatusBadRequest, "That code is not valid"},
		{"an expired code has its own page", func(_ *testing.T, clock *clocktest.Clock, da *oauth2.DeviceAuthResponse) string {
			clock.Advance(15 * time.Minute)
			return da.UserCode
		}, http.StatusBadRequest, "This code has expired"},
		{"an already-used code has its own page", func(t *testing.T, _ *clocktest.Clock, da *oauth2.DeviceAuthResponse) string {
			decideThroughPage(t, da, "deny")
			return strings.ToLower(da.UserCode)
		}, http.StatusBadRequest, "This code was already used"},
	}
	for _, tc := range outcomes {
		t.Run(tc.name, func(t *testing.T) {
			srv, clock := newDeviceServer(t, 0)
			da := startDevice(t, deviceConfig(srv, "read"))
			typed := tc.prepare(t, clock, da)
			b := newBrowser(t)
			_, page := b.Get(srv.URL + "/device")
			form := providertest.FormFields(page)
			form.Set("user_code", typed)
			resp, page := b.PostForm(srv.URL+"/device", form)
			if resp.StatusCode != tc.status || !strings.Contains(page, tc.want) || strings.Contains(page, "<script>") {
				t.Errorf("got %d, want %d with %q (and input escaped): %s", resp.StatusCode, tc.status, tc.want, page)
			}
		})
	}
}

// TestE2EDevicePrefillOnce: verification_uri_complete's user_code
// prefills the code entry form (RFC 8628 Section 3.3.1); sent twice, it
// prefills neither copy (RFC 6749 Section 3.1) and the form is shown empty,
// 200, for the user to type the code the device shows; the trace says why.
func TestE2EDevicePrefillOnce(t *testing.T) {
	srv, _ := newDeviceServer(t, 0)
	b := newBrowser(t)
	if resp, page := b.Get(srv.URL + "/device?user_code=BCDF-GHJK"); resp.StatusCode != http.StatusOK || !strings.Contains(page, `value="BCDF-GHJK"`) {
		t.Fatalf("one user_code: got %d, want 200 with the code prefilled: %s", resp.StatusCode, page)
	}
	resp, page := b.Get(srv.URL + "/device?user_code=BCDF-GHJK&user_code=WDJB-MJHT")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="user_code" type="text" value=""`) {
		t.Fatalf("a repeated user_code: got %d, want 200 with the form empty: %s", resp.StatusCode, page)
	}
	got, _ := traceOf(t, srv, resp)
	if n := len(got.Checks); n != 1 || got.Checks[0].Passed || got.Checks[0].Ref != "RFC 6749 Section 3.1" {
		t.Errorf("trace of a repeated user_code: got checks %+v, want RFC 6749 Section 3.1 failed", got.Checks)
	}
}

// TestE2EDeviceCSRF: a decision without the session's CSRF token is refused
// with 403 and changes nothing, even with the right password.
func TestE2EDeviceCSRF(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(form url.Values, other string)
	}{
		{"a missing CSRF token is refused with 403", func(form url.Values, _ string) { form.Del("csrf_token") }},
		{"a tampered CSRF token is refused with 403", func(form url.Values, _ string) { form.Set("csrf_token", form.Get("csrf_token")+"x") }},
		{"another session's CSRF token is refused with 403", func(form url.Values, other string) { form.Set("csrf_token", other) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newDeviceServer(t, 0)
			da := startDevice(t, deviceConfig(srv, "read"))
			_, otherPage := newBrowser(t).Get(srv.URL + "/device")
			b := newBrowser(t)
			_, consent := b.EnterUserCode(da.VerificationURIComplete)
			for _, decision := range []string{"allow", "deny"} {
				form := providertest.FormFields(consent)
				form.Set("username", providertest.DemoUsername)
				form.Set("password", providertest.DemoPassword)
				form.Set("decision", decision)
				tc.tamper(form, providertest.FormFields(otherPage).Get("csrf_token"))
				if resp, page := b.PostForm(da.VerificationURI, form); resp.StatusCode != http.StatusForbidden {
					t.Fatalf("%s: got %d, want 403: %s", decision, resp.StatusCode, page)
				}
			}
			if _, code := poll(t, srv, da.DeviceCode); code != "authorization_pending" {
				t.Errorf("poll: got %q, want authorization_pending (nothing changed)", code)
			}
		})
	}
}

// TestE2EDeviceGuessingLimited: user-code entry is rate-limited per address
// and wrong guesses are bounded (RFC 8628 Section 5.1), with a 429 page.
func TestE2EDeviceGuessingLimited(t *testing.T) {
	tooMany := func(t *testing.T, resp *http.Response, page string) {
		t.Helper()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(page, "Too many attempts") {
			t.Fatalf("got %d (Retry-After %q), want 429 with Retry-After and a clear page: %s", resp.StatusCode, resp.Header.Get("Retry-After"), page)
		}
	}
	t.Run("the 11th wrong code from one address in a window answers 429 (RFC 8628 Section 5.1)", func(t *testing.T) {
		srv, clock := newDeviceServer(t, 0)
		b := newBrowser(t)
		_, page := b.Get(srv.URL + "/device")
		form := providertest.FormFields(page)
		for i := range oauth.WrongUserCodesPerAddress {
			form.Set("user_code", "BBBB-BBB"+string("BCDFGHJKLMNP"[i]))
			if resp, page := b.PostForm(srv.URL+"/device", form); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("wrong code %d: got %d, want 400: %s", i+1, resp.StatusCode, page)
			}
		}
		da := startDevice(t, deviceConfig(srv, "read"))
		form.Set("user_code", da.UserCode)
		resp, page := b.PostForm(srv.URL+"/device", form)
		tooMany(t, resp, page) // even the right code, until the failures slide out
		wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil {
			t.Fatalf("Retry-After %q: %v", resp.Header.Get("Retry-After"), err)
		}
		clock.Advance(time.Duration(wait) * time.Second)
		da = startDevice(t, deviceConfig(srv, "read"))
		if resp, page := b.EnterUserCode(da.VerificationURIComplete); resp.StatusCode != http.StatusOK {
			t.Errorf("after the Retry-After of %d s: got %d, want 200: %s", wait, resp.StatusCode, page)
		}
	})
	t.Run("more than 20 code entries a minute from one address answer 429", func(t *testing.T) {
		srv, clock := newDeviceServer(t, 0)
		b := newBrowser(t)
		_, page := b.Get(srv.URL + "/device")
		form := providertest.FormFields(page)
		form.Set("user_code", "too short") // not a guess: no code can match it
		for i := range oauth.UserCodeEntriesPerMinute {
			if resp, page := b.PostForm(srv.URL+"/device", form); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("entry %d: got %d, want 400: %s", i+1, resp.StatusCode, page)
			}
		}
		resp, page := b.PostForm(srv.URL+"/device", form)
		tooMany(t, resp, page)
		clock.Advance(time.Minute)
		if resp, page := b.PostForm(srv.URL+"/device", form); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("the next minute: got %d, want 400 (let in, unknown): %s", resp.StatusCode, page)
		}
	})
}

// TestE2EDeviceBadInput: the device endpoints answer malformed requests with
// the protocol's error (JSON at the API, a page at /device), never a 500
// or a redirect.
func TestE2EDeviceBadInput(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Now: newFakeClock().Now})
		grant := "grant_type=" + deviceGrantType + "&client_id=device-client"
		api := []badRequest{
			{name: "device authorization: GET is not allowed", method: "GET", path: "/oauth/device/code?client_id=device-client", wantStatus: 405, wantError: "invalid_request"},
			{name: "device authorization: no client is invalid_client", method: "POST", path: "/oauth/device/code", body: "scope=read", wantStatus: 401, wantError: "invalid_client"},
			{name: "device authorization: an unknown client is invalid_client", method: "POST", path: "/oauth/device/code", body: "client_id=nobody", wantStatus: 401, wantError: "invalid_client"},
			{name: "device authorization: a malformed Basic header is invalid_client", method: "POST", path: "/oauth/device/code",
				header: map[string]string{"Authorization": "Basic !!!"}, wantStatus: 401, wantError: "invalid_client"},
			{name: "device authorization: a client not registered for the grant is unauthorized_client", method: "POST", path: "/oauth/device/code",
				header: map[string]string{"Authorization": "Basic dGVzdGNsaWVudDp0ZXN0c2VjcmV0"}, wantStatus: 400, wantError: "unauthorized_client"},
			{name: "device authorization: a repeated client_id is invalid_request", method: "POST", path: "/oauth/device/code", body: "client_id=device-client&client_id=device-client", wantStatus: 400, wantError: "invalid_request"},
			{name: "device authorization: a repeated scope is invalid_request", method: "POST", path: "/oauth/device/code", body: "client_id=device-client&scope=read&scope=read", wantStatus: 400, wantError: "invalid_request"},
			{name: "device authorization: an unknown scope is invalid_scope", method: "POST", path: "/oauth/device/code", body: "client_id=device-client&scope=admin", wantStatus: 400, wantError: "invalid_scope"},
			{name: "device authorization: an invalid UTF-8 scope is invalid_request (RFC 6749 Appendix B)", method: "POST", path: "/oauth/device/code", body: "client_id=device-client&scope=%ff%fe", wantStatus: 400, wantError: "invalid_request"},
			{name: "device authorization: a NUL in client_id is invalid_request", method: "POST", path: "/oauth/device/code", body: "client_id=device%00client", wantStatus: 400, wantError: "invalid_request"},
			{name: "device authorization: invalid UTF-8 in client_id is invalid_request", method: "POST", path: "/oauth/device/code", body: "client_id=%ff", wantStatus: 400, wantError: "invalid_request"},
			{name: "device authorization: a scope of 10,000 values is invalid_scope", method: "POST", path: "/oauth/device/code", body: "client_id=device-client&scope=" + strings.Repeat("read+", 10_000), wantStatus: 400, wantError: "invalid_scope"},
			{name: "device authorization: a JSON body is invalid_request", method: "POST", path: "/oauth/device/code", contentType: "application/json", body: `{"client_id":"device-client"}`, wantStatus: 400, wantError: "invalid_request"},
			{name: "device authorization: a broken form is invalid_request", method: "POST", path: "/oauth/device/code", body: "client_id=%zz", wantStatus: 400, wantError: "invalid_request"},
			{name: "device authorization: a 2 MB body is invalid_request", method: "POST", path: "/oauth/device/code", body: "client_id=device-client&x=" + strings.Repeat("a", bigBody), wantStatus: 400, wantError: "invalid_request"},
			{name: "device grant: a missing device_code is invalid_request", method: "POST", path: "/oauth/token", body: grant, wantStatus: 400, wantError: "invalid_request"},
			{name: "device grant: an unknown device_code is invalid_grant", method: "POST", path: "/oauth/token", body: grant + "&device_code=nope", wantStatus: 400, wantError: "invalid_grant"},
			{name: "device grant: a binary device_code is invalid_request (RFC 6749 Appendix B)", method: "POST", path: "/oauth/token", body: grant + "&device_code=%00%ff%fe", wantStatus: 400, wantError: "invalid_request"},
			{name: "device grant: a 60 kB device_code is invalid_grant", method: "POST", path: "/oauth/token", body: grant + "&device_code=" + strings.Repeat("A", 60<<10), wantStatus: 400, wantError: "invalid_grant"},
			{name: "device grant: a repeated device_code is invalid_request", method: "POST", path: "/oauth/token", body: grant + "&device_code=a&device_code=a", wantStatus: 400, wantError: "invalid_request"},
			{name: "device page: a POST without a session is refused with 403", method: "POST", path: "/device", body: "user_code=WDJB-MJHT&decision=allow", wantStatus: 403},
			{name: "device page: a huge user_code in the query is not echoed", method: "GET", path: "/device?user_code=" + strings.Repeat("W", 8<<10), wantStatus: 200},
			{name: "device page: PUT is not allowed", method: "PUT", path: "/device", wantStatus: 405},
		}
		for _, tc := range api {
			t.Run(tc.name, func(t *testing.T) { checkBadRequest(t, srv, tc) })
		}

		// Requests with the session's CSRF token, so they reach the protocol.
		b := newBrowser(t)
		_, page := b.Get(srv.URL + "/device")
		csrf := providertest.FormFields(page).Get("csrf_token")
		da := startDevice(t, deviceConfig(srv, "read"))
		withSession := []struct {
			name, contentType, body string
			want                    int
		}{
			{"a repeated user_code shows the form again with 400", formCT, "csrf_token=" + csrf + "&user_code=" + da.UserCode + "&user_code=BBBB-BBBB", 400},
			{"a repeated decision shows the form again with 400", formCT, "csrf_token=" + csrf + "&user_code=" + da.UserCode + "&decision=deny&decision=allow", 400},
			{"a repeated switch_account shows the form again with 400", formCT, "csrf_token=" + csrf + "&user_code=" + da.UserCode + "&switch_account=1&switch_account=1", 400},
			{"a huge user_code is unknown (400)", formCT, "csrf_token=" + csrf + "&user_code=" + strings.Repeat("W", 60<<10), 400},
			{"a NUL in user_code is unknown (400)", formCT, "csrf_token=" + csrf + "&user_code=WDJB%00MJHT", 400},
			{"invalid UTF-8 in the username shows the consent page again with 400", formCT, "csrf_token=" + csrf + "&user_code=" + da.UserCode + "&decision=allow&username=%ff&password=" + providertest.DemoPassword, 400},
			{"a NUL in the password shows the consent page again with 400", formCT, "csrf_token=" + csrf + "&user_code=" + da.UserCode + "&decision=allow" + demoLogin + "%00", 400},
			{"a decision that is neither allow nor deny shows the consent page again with 400", formCT, "csrf_token=" + csrf + "&user_code=" + da.UserCode + "&decision=maybe", 400},
			{"a multipart body is refused with 400", "multipart/form-data; boundary=x", "--x--", 400},
			{"a broken form is refused with 400", formCT, "csrf_token=" + csrf + "&user_code=%zz", 400},
			{"a 2 MB body is refused with 400", formCT, "csrf_token=" + csrf + "&x=" + strings.Repeat("a", bigBody), 400},
		}
		for _, tc := range withSession {
			t.Run("device page: "+tc.name, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/device", strings.NewReader(tc.body))
				req.Header.Set("Content-Type", tc.contentType)
				resp, err := b.Client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body := providertest.ReadBody(t, resp)
				if resp.StatusCode != tc.want || resp.Header.Get("Location") != "" || strings.Contains(body, "goroutine ") {
					t.Errorf("got %d (Location %q), want %d and a page: %.300s", resp.StatusCode, resp.Header.Get("Location"), tc.want, body)
				}
			})
		}
		if _, code := poll(t, srv, da.DeviceCode); code != "authorization_pending" {
			t.Errorf("the device code after the bad requests: got %q, want authorization_pending", code)
		}
	})
}

// TestE2EDeviceSignInStandsWhenOvertaken: a user who signs in with the
// right password to approve a user code that another browser decided
// between the consent page and the approval sees the used-code page and
// stays signed in: the sign-in ended the browser's old login session, so
// the new one is saved though nothing was decided (a later prompt=none is
// not login_required). On SQLite and PostgreSQL.
func TestE2EDeviceSignInStandsWhenOvertaken(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		srv.Provider.Store = &overtakingDeviceStore{Store: srv.Provider.Store}
		da := startDevice(t, deviceConfig(srv, "read"))
		b := newBrowser(t)
		_, consent := b.EnterUserCode(da.VerificationURIComplete)
		form := providertest.FormFields(consent)
		form.Set("username", providertest.DemoUsername)
		form.Set("password", providertest.DemoPassword)
		form.Set("decision", "allow")
		if resp, page := b.PostForm(da.VerificationURI, form); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "This code was already used") {
			t.Fatalf("approving a code decided meanwhile: got %d, want 400 with the used-code page: %.300s", resp.StatusCode, page)
		}
		if got := b.silentLogin(srv); got == "login_required" {
			t.Errorf("prompt=none after signing in at /device: got %s, want the user signed in", got)
		}
	})
}

// overtakingDeviceStore is a store in which another browser denies each
// user code just before this one's approval is written.
type overtakingDeviceStore struct{ store.Store }

func (s *overtakingDeviceStore) ApproveDeviceCode(ctx context.Context, userCodeHash string, g store.Grant) error {
	if err := s.Store.DenyDeviceCode(ctx, userCodeHash); err != nil {
		return err
	}
	return s.Store.ApproveDeviceCode(ctx, userCodeHash, g)
}

// TestE2EDeviceAuthorizationWithoutContent: a confidential client that
// authenticates with HTTP Basic and asks for its default scope has no
// parameter to send (RFC 8628 Section 3.1), and a POST without content
// has no Content-Type (RFC 9110 Section 8.3): it gets its codes. A body
// without a Content-Type is still no form.
func TestE2EDeviceAuthorizationWithoutContent(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, `{"token_endpoint_auth_method":"client_secret_basic","scope":"read",
			"grant_types":["urn:ietf:params:oauth:grant-type:device_code"]}`)
		send := func(body string) (int, string) {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/oauth/device/code", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", basicAuth(reg.ClientID, reg.ClientSecret))
			resp, err := noRedirects.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(raw)
		}
		if status, body := send(""); status != http.StatusOK || !strings.Contains(body, `"device_code"`) {
			t.Errorf("POST without content: %d %s, want 200 with a device_code", status, body)
		}
		if status, body := send("scope=read"); status != http.StatusBadRequest || !strings.Contains(body, "application/x-www-form-urlencoded") {
			t.Errorf("POST of a body without Content-Type: %d %s, want 400 naming the form type", status, body)
		}
	})
}
