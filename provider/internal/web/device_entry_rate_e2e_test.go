package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// deviceRefusal is what a refusal of user-code entry is expected to show:
// the page's message, the trace's failed rule, the "limit" label of the
// metric and of the log line, and the bounds of its Retry-After: seconds
// for the entry rate, minutes for the guessing limit, as the page says.
type deviceRefusal struct {
	page, rule, limit            string
	minRetryAfter, maxRetryAfter time.Duration
}

// TestE2EDeviceEntryRateIsNotGuessing: user codes entered faster than
// oauth.UserCodeEntriesPerMinute, even right ones, are refused by the
// entry rate (RFC 8628 Section 5.1) and said to be so: the page asks for a
// few seconds, as Retry-After does, the trace names the entry rate, and
// the metric and the log count it under limit="user_code_entry_rate", not
// as wrong guesses. Wrong codes past their budget are still refused as
// guessing, under limit="user_code". On both stores.
func TestE2EDeviceEntryRateIsNotGuessing(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		var log processtest.Buffer
		clock := newFakeClock()
		srv := newServer(providertest.Options{Now: clock.Now, LogOutput: &log})
		b := newBrowser(t)
		_, page := b.Get(srv.URL + "/device")
		form := providertest.FormFields(page)

		form.Set("user_code", startDevice(t, deviceConfig(srv, "read")).UserCode)
		for i := range oauth.UserCodeEntriesPerMinute {
			if resp, page := b.PostForm(srv.URL+"/device", form); resp.StatusCode != http.StatusOK {
				t.Fatalf("right code, entry %d: got %d, want 200: %s", i+1, resp.StatusCode, page)
			}
		}
		wantDeviceRefusal(t, srv, b, form, deviceRefusal{page: "Codes were entered too quickly from your network. Wait a few seconds",
			rule: "stay within the entry rate", limit: "user_code_entry_rate",
			minRetryAfter: time.Second, maxRetryAfter: time.Minute / oauth.UserCodeEntriesPerMinute})
		wantRefusalsCounted(t, srv, &log, map[string]int{"user_code_entry_rate": 1, "user_code": 0})

		clock.Advance(time.Minute) // the pace's bucket is full again
		for i := range oauth.WrongUserCodesPerAddress {
			form.Set("user_code", "BBBB-BBB"+string("BCDFGHJKLMNP"[i]))
			if resp, page := b.PostForm(srv.URL+"/device", form); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("wrong code %d: got %d, want 400: %s", i+1, resp.StatusCode, page)
			}
		}
		wantDeviceRefusal(t, srv, b, form, deviceRefusal{page: "Too many codes were entered from your network. Wait a few minutes",
			rule: "stay within the guessing limit", limit: "user_code",
			minRetryAfter: time.Minute, maxRetryAfter: 2 * srv.Provider.Config.DeviceCodeTTL})
		wantRefusalsCounted(t, srv, &log, map[string]int{"user_code_entry_rate": 1, "user_code": 1})
	})
}

// wantDeviceRefusal enters form's user code at /device and wants it
// refused as want says: 429 with a Retry-After within its bounds, the
// page's message, and a trace whose last check is
// the failed rule of RFC 8628 Section 5.1.
func wantDeviceRefusal(t *testing.T, srv *providertest.Server, b *browser, form url.Values, want deviceRefusal) {
	t.Helper()
	resp, page := b.PostForm(srv.URL+"/device", form)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over the %s limit: got %d, want 429: %s", want.limit, resp.StatusCode, page)
	}
	wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if after := time.Duration(wait) * time.Second; err != nil || after < want.minRetryAfter || after > want.maxRetryAfter {
		t.Errorf("over the %s limit: got Retry-After %q, want %s to %s", want.limit, resp.Header.Get("Retry-After"), want.minRetryAfter, want.maxRetryAfter)
	}
	if !strings.Contains(page, want.page) {
		t.Errorf("over the %s limit: the page does not say %q: %s", want.limit, want.page, page)
	}
	var got trace
	getJSON(t, srv.URL+"/debug/trace/"+resp.Header.Get("X-Request-Id"), &got)
	n := len(got.Checks)
	if n == 0 || got.Checks[n-1].Passed || !strings.Contains(got.Checks[n-1].Rule, want.rule) || got.Checks[n-1].Ref != "RFC 8628 Section 5.1" {
		t.Errorf("the trace of a refusal over the %s limit: got checks %+v; want the last one failed: %q (RFC 8628 Section 5.1)",
			want.limit, got.Checks, want.rule)
	}
}

// wantRefusalsCounted wants each limit's refusals counted in
// oauth_rate_limited_total and logged (wantRefusalsLogged), under its label.
func wantRefusalsCounted(t *testing.T, srv *providertest.Server, log *processtest.Buffer, want map[string]int) {
	t.Helper()
	metrics := getMetrics(t, srv.URL+"/metrics")
	for limit, n := range want {
		if got := metricValue(metrics, `oauth_rate_limited_total{limit="`+limit+`"}`); got != strconv.Itoa(n) {
			t.Errorf(`oauth_rate_limited_total{limit=%q}: got %q, want %d`, limit, got, n)
		}
		wantRefusalsLogged(t, log, limit, n)
	}
}

// wantRefusalsLogged wants n refusals under limit in the log, each naming
// its request, all in one flood: the first a warning, the others debug
// lines, not a warning each.
func wantRefusalsLogged(t *testing.T, log *processtest.Buffer, limit string, n int) {
	t.Helper()
	line := func(level string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^.*level=` + level + ` msg="rate limit hit: .* from this address; refused" limit=` + limit + ` .*request_id=`)
	}
	warnings, debug := len(line("WARN").FindAllString(log.String(), -1)), len(line("DEBUG").FindAllString(log.String(), -1))
	if want := min(n, 1); warnings != want || debug != n-want {
		t.Errorf("refusals under limit=%s: got %d warnings and %d debug lines, want %d and %d:\n%s", limit, warnings, debug, want, n-want, log.String())
	}
}
