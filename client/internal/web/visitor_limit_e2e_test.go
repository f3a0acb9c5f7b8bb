package web

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// visitor is a browser that reaches the client app from an address of its
// own: a server in front of the app gives its requests that address as
// their RemoteAddr, as if each visitor connected from elsewhere.
type visitor struct {
	t   *testing.T
	url string // the app, as this visitor reaches it
	*providertest.Browser
}

// visitorAt returns a new visitor of h's app whose requests come from addr.
func (h *harness) visitorAt(addr string) *visitor {
	h.t.Helper()
	app := h.client.Config.Handler
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = net.JoinHostPort(addr, "40000")
		app.ServeHTTP(w, r)
	}))
	h.t.Cleanup(front.Close)
	return &visitor{t: h.t, url: front.URL, Browser: providertest.NewBrowser(h.t)}
}

// startDeviceRun posts the device grant's form, with the CSRF token of the
// page, and returns the answer.
func (v *visitor) startDeviceRun() (*http.Response, string) {
	v.t.Helper()
	_, page := v.Get(v.url + devicePath)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		v.t.Fatalf("no CSRF token on the device page:\n%s", page)
	}
	return v.PostForm(v.url+devicePath, url.Values{"csrf_token": {m[1]}})
}

// providerRequests counts the requests to route in the provider's log.
func providerRequests(log *processtest.Buffer, route string) int {
	return strings.Count(log.String(), "route="+route+" ")
}

// wantRefused checks a refusal by the app's limit per visitor: 429 with
// Retry-After, a page that says why, and no request to the provider.
func wantRefused(t *testing.T, what string, resp *http.Response, page string, sent, before int, explains string) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("%s: got %d, want 429:\n%s", what, resp.StatusCode, page)
	}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("%s: Retry-After %q, want the seconds until one more is allowed", what, resp.Header.Get("Retry-After"))
	}
	mustContain(t, what, page, "Too many requests", explains, "Nothing was sent to the provider.", "RFC 6585 Section 4")
	if sent != before {
		t.Errorf("%s: the provider got %d requests, want none", what, sent-before)
	}
}

// TestE2EOneVisitorCannotSpendTheDeviceBudget: the provider allows the
// client's one address 60 device authorization requests an hour, for all
// its visitors. A visitor who starts more than deviceStartsPerHour runs gets
// 429 from the client, and the provider no request, while another visitor
// still starts a run. A forged form (no CSRF token), which another site can
// make the visitor's browser send, spends none of the visitor's runs.
func TestE2EOneVisitorCannotSpendTheDeviceBudget(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		var log processtest.Buffer
		h := newHarness(t, providertest.Options{Postgres: postgres, LogOutput: &log})
		a, b := h.visitorAt("192.0.2.1"), h.visitorAt("192.0.2.2")
		for range deviceStartsPerHour + 1 {
			if resp, page := a.PostForm(a.url+devicePath, url.Values{"csrf_token": {"forged"}}); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("a forged run: got %d, want 403:\n%s", resp.StatusCode, page)
			}
		}
		for i := range deviceStartsPerHour {
			if resp, page := a.startDeviceRun(); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("run %d of visitor A: got %d, want 303:\n%s", i+1, resp.StatusCode, page)
			}
		}
		if got := providerRequests(&log, "/oauth/device/code"); got != deviceStartsPerHour {
			t.Fatalf("the provider logged %d device authorization requests, want %d", got, deviceStartsPerHour)
		}
		resp, page := a.startDeviceRun()
		wantRefused(t, "visitor A's run past the limit", resp, page, providerRequests(&log, "/oauth/device/code"), deviceStartsPerHour,
			fmt.Sprintf("it starts at most %d runs an hour for each visitor", deviceStartsPerHour))
		mustContain(t, "the refusal", page, fmt.Sprintf("You can start another run in %d minutes.", 60/deviceStartsPerHour))

		if resp, page := b.startDeviceRun(); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("visitor B's first run: got %d, want 303:\n%s", resp.StatusCode, page)
		}
		if _, page := b.Get(b.url + devicePath); !userCodeRE.MatchString(page) {
			t.Errorf("visitor B's run shows no user code:\n%s", page)
		}
	})
}

// TestE2EOneVisitorCannotSpendThePARBudget: the same for logins with PAR,
// past pushesPerHour; the refusal is in the visitor's language, and a login
// without PAR is not limited.
func TestE2EOneVisitorCannotSpendThePARBudget(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		var log processtest.Buffer
		h := newHarness(t, providertest.Options{Postgres: postgres, LogOutput: &log})
		a, b := h.visitorAt("192.0.2.1"), h.visitorAt("2001:db8:1:2::1")
		for i := range pushesPerHour {
			if resp, page := a.Get(a.url + "/login?par=on"); resp.StatusCode != http.StatusFound {
				t.Fatalf("login %d of visitor A with PAR: got %d, want 302:\n%s", i+1, resp.StatusCode, page)
			}
		}
		before := providerRequests(&log, "/oauth/par")
		resp, page := a.Get(a.url + "/login?par=on")
		wantRefused(t, "visitor A's login with PAR past the limit", resp, page, providerRequests(&log, "/oauth/par"), before,
			"it pushes at most 60 an hour for each visitor")

		req, _ := http.NewRequest(http.MethodGet, a.url+"/login?par=on", nil)
		req.Header.Set("Accept-Language", "zh-TW")
		resp, err := a.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "the refusal in Chinese", providertest.ReadBody(t, resp), "請求太多了", "它每小時最多替每位訪客推送 60 次")

		if resp, _ := a.Get(a.url + "/login"); resp.StatusCode != http.StatusFound {
			t.Errorf("visitor A's login without PAR: got %d, want 302", resp.StatusCode)
		}
		resp, page = b.Get(b.url + "/login?par=on")
		if loc, _ := resp.Location(); resp.StatusCode != http.StatusFound || loc == nil || !loc.Query().Has("request_uri") {
			t.Fatalf("visitor B's first login with PAR: got %d to %v, want 302 with a request_uri:\n%s", resp.StatusCode, loc, page)
		}
	})
}
