package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth-reference/provider/providertest"
)

// devicePollInterval is the interval the device tests' provider announces:
// the least RFC 8628 Section 3.2 allows, in whole seconds.
const devicePollInterval = time.Second

// pollWait is a little more than the interval: a load after it polls.
const pollWait = devicePollInterval + 150*time.Millisecond

var (
	userCodeRE = regexp.MustCompile(`id="user-code" translate="no">([A-Z]{4}-[A-Z]{4})<`)
	verifyRE   = regexp.MustCompile(`href="([^"]+)" target="_blank" rel="noopener" id="verify"`)
)

// deviceStart starts a run of the device grant's page as the browser does:
// the page (for the form's CSRF token), the form (303 back to the page),
// the page. It returns the page and the verification_uri_complete it links to.
func (h *harness) deviceStart() (page, verify string) {
	h.t.Helper()
	_, page = h.get(h.client.URL + devicePath)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		h.t.Fatalf("no CSRF token on the device page:\n%s", page)
	}
	resp, body := h.do(http.MethodPost, h.client.URL+devicePath, url.Values{"csrf_token": {m[1]}})
	if loc := h.location(resp, http.StatusSeeOther); loc.Path != devicePath {
		h.t.Fatalf("POST %s went to %s, want the page:\n%s", devicePath, loc, body)
	}
	_, page = h.get(h.client.URL + devicePath)
	v := verifyRE.FindStringSubmatch(page)
	if v == nil || !userCodeRE.MatchString(page) {
		h.t.Fatalf("the waiting page shows no user code and link:\n%s", page)
	}
	return page, html.UnescapeString(v[1])
}

// deviceDecide plays the user at the provider's verification URI, in a
// browser of their own (RFC 8628 Section 3.3).
func (h *harness) deviceDecide(verify, decision string) {
	h.t.Helper()
	b := providertest.NewBrowser(h.t)
	b.Client.Transport = h.user.Client.Transport // the public issuer's name resolved
	resp, consent := b.EnterUserCode(verify)
	if resp, page := b.Decide(resp, consent, decision); resp.StatusCode != http.StatusOK {
		h.t.Fatalf("POST /device (%s): got %d:\n%s", decision, resp.StatusCode, page)
	}
}

// devicePolls counts the device access token requests the client sent.
func (h *harness) devicePolls() int {
	grants := h.spy.tokenRequests()
	return len(slices.DeleteFunc(grants, func(g string) bool { return g != string(deviceGrant) }))
}

// devicePage loads the page after pollWait, and checks that it sent polls
// token requests in all.
func (h *harness) devicePage(polls int) string {
	h.t.Helper()
	time.Sleep(pollWait)
	resp, page := h.get(h.client.URL + devicePath)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: got %d, want 200:\n%s", devicePath, resp.StatusCode, page)
	}
	if got := h.devicePolls(); got != polls {
		h.t.Errorf("%d token requests in all, want %d", got, polls)
	}
	return page
}

// TestE2EDeviceFlowApproved runs the device grant's page against the real
// provider: the user code and link, a reload before the interval that
// sends nothing, a poll answered authorization_pending, the user's
// approval at the provider, then the tokens and the resource.
func TestE2EDeviceFlowApproved(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		h := newHarness(t, providertest.Options{Postgres: postgres, DevicePollInterval: devicePollInterval})
		page, verify := h.deviceStart()
		mustContain(t, "the waiting page", page, `<noscript><meta http-equiv="refresh" content="1"></noscript>`, `data-refresh="1"`,
			`<script src="/static/device-poll.js" nonce="`, `<p role="status" class="sr" id="poll-status">`, h.provider.Issuer+"/device?user_code=",
			"Device authorization request", "RFC 8628 Section 3.1", "the provider answered 200 with device_code, user_code and verification_uri",
			"verification_uri_complete carries the user code", "&#34;interval&#34;: 1", `target="_blank" rel="noopener"`, "(opens in a new tab)", "polls automatically every 1 second,")
		mustNotContain(t, "the waiting page", page, "Device access token request (a poll)")
		if _, again := h.get(h.client.URL + devicePath); h.devicePolls() != 0 {
			t.Errorf("a reload before the interval sent a token request:\n%s", again)
		}
		page = h.devicePage(1)
		mustContain(t, "the first poll", page, "Device access token request (a poll)", "authorization_pending: the user has not decided yet",
			"grant_type=urn:ietf:params:oauth:grant-type:device_code", `id="waiting"`)

		h.deviceDecide(verify, "allow")
		page = h.devicePage(2)
		mustContain(t, "the approved run", page, `id="approved"`, "the provider issued tokens: the user approved",
			"The resource, with the token", "&#34;id&#34;: &#34;user1&#34;", "200 OK", "The provider&#39;s checks")
		mustNotContain(t, "the approved run", page, h.spy.lastAccessToken(), `http-equiv="refresh"`, "data-refresh", "device-poll.js")
		for _, form := range h.spy.tokenRequestForms() {
			if form.Get("device_code") == "" || form.Get("client_id") != h.app.cfg.DeviceClientID || form.Has("client_secret") {
				t.Errorf("a poll sent %v, want the device_code and the public client's client_id, no secret", form)
			}
		}
		h.devicePage(2) // the run is over: no more polls

		// Another browser has no run of its own.
		if _, fresh := providertest.NewBrowser(t).Get(h.client.URL + devicePath); userCodeRE.MatchString(fresh) || !strings.Contains(fresh, "Start the device grant") {
			t.Errorf("another browser sees this browser's run:\n%s", fresh)
		}
	})
}

// TestE2EDeviceFlowByHand: the reader can stop the page's automatic
// polling (WCAG 2.2 Success Criterion 2.2.1); polling then goes on by hand,
// each "Poll now" past the interval sending one token request, and the
// page can be set polling automatically again. A HEAD never polls.
func TestE2EDeviceFlowByHand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{DevicePollInterval: devicePollInterval})
	page, _ := h.deviceStart()
	mustContain(t, "the waiting page", page, `http-equiv="refresh"`, `href="/device-flow?by_hand=1" id="by-hand"`)
	_, page = h.get(h.client.URL + devicePath + "?by_hand=1")
	mustContain(t, "the page by hand", page, `id="poll-now"`, "you stopped this page's automatic polling", "at least 1 second after the last poll", `<a href="/device-flow">`)
	mustNotContain(t, "the page by hand", page, `http-equiv="refresh"`, "data-refresh", "device-poll.js")
	if h.devicePolls() != 0 {
		t.Errorf("a load by hand before the interval sent a token request")
	}
	time.Sleep(pollWait)
	if h.do(http.MethodHead, h.client.URL+devicePath, nil); h.devicePolls() != 0 {
		t.Errorf("a HEAD past the interval sent a token request (RFC 9110 Section 9.2.1: HEAD is safe)")
	}
	_, page = h.get(h.client.URL + devicePath + "?by_hand=1")
	mustContain(t, "a poll by hand", page, "Device access token request (a poll)", `id="poll-now"`)
	mustNotContain(t, "a poll by hand", page, `http-equiv="refresh"`)
	if got := h.devicePolls(); got != 1 {
		t.Errorf("%d token requests after a poll by hand past the interval, want 1", got)
	}
}

// TestE2EDeviceFlowDenied: the user denies at the provider; the next poll
// is answered access_denied, which ends the run, shown as such.
func TestE2EDeviceFlowDenied(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		h := newHarness(t, providertest.Options{Postgres: postgres, DevicePollInterval: devicePollInterval})
		_, verify := h.deviceStart()
		h.deviceDecide(verify, "deny")
		page := h.devicePage(1)
		mustContain(t, "the denied run", page, `id="failed"`, "The user denied the request", "access_denied",
			"RFC 8628 Section 3.5: &#34;access_denied: The authorization request was denied.&#34;", "Device access token request (a poll)")
		mustNotContain(t, "the denied run", page, `http-equiv="refresh"`, "data-refresh", `id="approved"`)
		h.devicePage(1)
	})
}

// TestE2EDeviceFlowSlowDown: a poll the provider finds too soon is answered
// slow_down; the client adds 5 seconds to the interval
// (RFC 8628 Section 3.5), and a reload before that sends no token request.
func TestE2EDeviceFlowSlowDown(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		var mu sync.Mutex
		var frozen time.Time // the provider's clock stops here, so the second poll is too soon for it
		now := func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			if frozen.IsZero() {
				return time.Now()
			}
			return frozen
		}
		h := newHarness(t, providertest.Options{Postgres: postgres, DevicePollInterval: devicePollInterval, Now: now})
		h.deviceStart()
		mu.Lock()
		frozen = time.Now()
		mu.Unlock()
		h.devicePage(1)
		page := h.devicePage(2)
		mustContain(t, "the slowed run", page, "slow_down: the device waits 5 seconds longer between polls, from now on", "6s", "polls automatically every 6 seconds,",
			`<meta http-equiv="refresh" content="6">`, `data-refresh="6"`, `id="waiting"`)
		for range 3 {
			if _, again := h.get(h.client.URL + devicePath); h.devicePolls() != 2 {
				t.Fatalf("a reload within the grown interval sent a token request:\n%s", again)
			}
			time.Sleep(pollWait)
		}
	})
}

// TestE2EDeviceFlowExpired: the provider finds the device code expired;
// its expired_token ends the run, shown as such.
func TestE2EDeviceFlowExpired(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		var mu sync.Mutex
		skew := time.Duration(0)
		now := func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(skew) }
		h := newHarness(t, providertest.Options{Postgres: postgres, DevicePollInterval: devicePollInterval, Now: now})
		h.deviceStart()
		mu.Lock()
		skew = 16 * time.Minute // past the device code's 15 minutes
		mu.Unlock()
		page := h.devicePage(1)
		mustContain(t, "the expired run", page, `id="failed"`, "The codes expired before the user decided", "expired_token",
			"The provider answered expired_token")
		mustNotContain(t, "the expired run", page, `http-equiv="refresh"`)
	})
}

// TestE2EDeviceFlowThroughAnInternalBackChannel runs the device grant's
// page as in docker compose: the link and verification_uri name the public
// issuer, the client polls at AUTH_SERVER_INTERNAL. (The approval is the
// other tests': hostRewriter answers with the rewritten request, so the
// provider's device form would post to its listening address, without the
// cookie the jar keeps for the public name.)
func TestE2EDeviceFlowThroughAnInternalBackChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{Issuer: "http://provider.public.test", DevicePollInterval: devicePollInterval})
	page, verify := h.deviceStart()
	if !strings.HasPrefix(verify, "http://provider.public.test/device?user_code=") {
		t.Errorf("the page links to %s, want the public verification URI", verify)
	}
	mustContain(t, "the waiting page", page, "POST "+h.provider.URL+"/oauth/device/code")
	mustNotContain(t, "the waiting page", page, `<li class="fail">`)
	page = h.devicePage(1)
	mustContain(t, "the first poll", page, "POST "+h.provider.URL+"/oauth/token", "authorization_pending: the user has not decided yet")
}

// acceptLanguage is a browser's transport that asks every page in lang.
type acceptLanguage struct {
	lang string
	next http.RoundTripper
}

// RoundTrip sends req with the Accept-Language header set to lang.
func (a acceptLanguage) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Accept-Language", a.lang)
	next := a.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

var (
	decisionButtonRE = regexp.MustCompile(`<button[^>]*name="decision"[^>]*>([^<]+)</button>`)
	signInAsDemoRE   = regexp.MustCompile(`<p>[^\n]*<code>demo</code> / <code>demo</code>[^\n]*</p>`)
	userStepRE       = regexp.MustCompile(`<li>[^<\n]*URI[^<\n]*</li>`) // the steps' second: the user's, in plain text
)

// TestE2EDeviceTextsNameTheProviderButtons: in each language, where the
// device page tells the user what to do at the provider (the steps, the
// waiting page polling by itself and by hand), it names the buttons of the
// provider's device page in that language (Approve, Deny; 核准, 拒絕).
func TestE2EDeviceTextsNameTheProviderButtons(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh-TW"} {
		t.Run(lang, func(t *testing.T) {
			h := newHarness(t, providertest.Options{DevicePollInterval: devicePollInterval})
			h.switchLanguage(lang, "")
			_, start := h.get(h.client.URL + devicePath)
			_, verify := h.deviceStart()
			_, waiting := h.get(h.client.URL + devicePath)
			_, byHand := h.get(h.client.URL + devicePath + "?by_hand=1")
			b := providertest.NewBrowser(t)
			b.Client.Transport = acceptLanguage{lang, h.user.Client.Transport}
			_, consent := b.EnterUserCode(verify)
			buttons := decisionButtonRE.FindAllStringSubmatch(consent, -1)
			if len(buttons) != 2 {
				t.Fatalf("the provider's device page has buttons %q, want two:\n%s", buttons, consent)
			}
			texts := map[string]string{"the steps": userStepRE.FindString(start),
				"the waiting page": signInAsDemoRE.FindString(waiting), "the page by hand": signInAsDemoRE.FindString(byHand)}
			for what, text := range texts {
				for _, button := range buttons {
					if text == "" || !strings.Contains(strings.ToLower(text), strings.ToLower(button[1])) {
						t.Errorf("%s in %s does not name the provider's button %q: %q", what, lang, button[1], text)
					}
				}
			}
		})
	}
}
