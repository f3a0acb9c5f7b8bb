package web

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oauth-reference/provider/providertest"
)

// screenshotDir is where the browser tests save their screenshots:
// $SCREENSHOT_DIR when set (make screenshots sets docs/screenshots), else a
// directory under the system's temporary directory.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "oauth-reference-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshots: %v", err)
	}
	return dir
}

// screenshot saves what the tab shows: the element sel, or the viewport
// when sel is "".
func (tb *tab) screenshot(name, sel string) {
	tb.t.Helper()
	var png []byte
	if sel == "" {
		png = run(tb, "taking a screenshot", chromedp.CaptureScreenshot())
	} else {
		png = run(tb, "taking a screenshot of "+sel, chromedp.Screenshot(chromedp.CSS(sel)))
	}
	path := filepath.Join(screenshotDir(tb.t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatalf("saving %s: %v", path, err)
	}
	tb.t.Logf("screenshot: %s", path)
}

// scrollTo scrolls the page so the element sel is at the top of the window.
func (tb *tab) scrollTo(sel string) {
	tb.t.Helper()
	run(tb, "scrolling to "+sel, chromedp.Evaluate[bool](`(() => { document.querySelector(`+strconv.Quote(sel)+`).scrollIntoView(); return true })()`))
}

func TestBrowserWalkthrough(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	tb.do("setting the window", chromedp.EmulateViewport(1000, 720))
	tb.logIn(h)
	home := tb.text()
	mustContain(t, "walkthrough", home, "(A)Authorization request", "(C)Authorization response", "(D)Access token request and response",
		"code_challenge_method", "S256", "state is one this browser's session is waiting for", "iss is the issuer the request went to",
		"(E) Response, as received", "nonce is the one this login sent in (A)", "Basic base64(testclient:••••••)")
	tb.scrollTo(`#diagram`)
	tb.screenshot("walkthrough-diagram", "")
	tb.scrollTo(`#walkthrough`)
	tb.screenshot("walkthrough-a", "")
	tb.scrollTo(`section.hop.back`)
	tb.screenshot("walkthrough-d-e", "")
	// The provider's own checks of the token request, from its trace.
	mustContain(t, "walkthrough", tb.text(), "The provider's checks", "code_verifier matches the S256 code_challenge", "authorization code consumed")
	tb.scrollTo(`section.hop.back h4.trace`)
	tb.screenshot("walkthrough-provider-checks", "")

	// The resource page: each request as sent, each answer as received.
	tb.do("fetching the resource",
		chromedp.Click(chromedp.CSS(`form[action="/resource"] button`)),
		shows(`//h1[text()="Protected resources"]`),
	)
	mustContain(t, "resource page", tb.text(), "Request, as sent", "Authorization: Bearer eyJ", "Response, as received",
		"200 OK", "This page is secured.", `"name": "Demo User"`)
	tb.screenshot("resource", "")
	tb.noConsoleErrors()

	// The provider's side of the same login, every request on one page.
	authorizeTrace := `//details[summary[contains(., "GET /oauth/authorize")]]`
	// The walkthrough links it: the front channel's requests have their
	// checks there only.
	tb.do("following the walkthrough's link to the provider's traces", chromedp.EmulateViewport(1000, 1000),
		chromedp.Navigate(h.client.URL+"/"), chromedp.Click(chromedp.CSS(`#walkthrough + p a[href*="/debug/traces?client_id=testclient"]`)),
		shows(chromedp.CSS("details.trace")))
	// Only the authorization request open (its checks are on no page of the client), at the top of a window, for the README.
	run(tb, "closing the open traces", chromedp.Evaluate[bool](`(() => { document.querySelectorAll('details[open]').forEach(d => d.open = false); return true })()`))
	tb.do("opening the authorization request's trace",
		chromedp.Click(authorizeTrace+`/summary`), shows(authorizeTrace+`//li[contains(., "redirect_uri")]`))
	run(tb, "scrolling to the top", chromedp.Evaluate[bool](`(() => { window.scrollTo(0, 0); return true })()`))
	mustContain(t, "the provider's traces", tb.text(), "What the provider checked", "POST /oauth/token · tokens issued",
		"POST /oauth/authenticate · authorization code issued", "GET /oauth/authorize · login and consent page shown",
		"redirect_uri exactly matches one registered for the client (RFC 9700 Section 2.1)", "code_challenge_method is S256")
	tb.screenshot("provider-traces", "")
	tb.noConsoleErrors()
}

func TestBrowserStepByStep(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	tb.do("setting the window", chromedp.EmulateViewport(1000, 720))

	// The switch is keyboard-usable: focus it, Space ticks it, Enter on the
	// button submits.
	tb.do("ticking Step by step with the keyboard",
		chromedp.Navigate(h.client.URL+"/"),
		chromedp.Focus(chromedp.CSS(`input[name="step_by_step"]`)),
		chromedp.KeyEvent(" "),
	)
	if !run(tb, "reading the switch", chromedp.Evaluate[bool](`document.querySelector('input[name="step_by_step"]').checked`)) {
		t.Fatal("Space on the focused switch did not tick it")
	}
	tb.do("logging in step by step", chromedp.Click(chromedp.CSS(`form[action="/login"] button`)))

	// (A) paused: the request is shown; Continue goes to the provider.
	tb.do("waiting for step A", shows(chromedp.CSS(`a.next`)))
	mustContain(t, "step A", tb.text(), "Step by step: (A) the authorization request", "code_challenge_method", "Continue to the provider (B)")
	tb.screenshot("step-a", "")
	tb.do("continuing to the provider", chromedp.Click(chromedp.CSS(`a.next`)))
	tb.signIn("allow")

	// (C) paused: the response and the client's checks, nothing exchanged.
	tb.do("waiting for step C", shows(chromedp.CSS(`a.next`)))
	mustContain(t, "step C", tb.text(), "Step by step: (C) the authorization response", "state is one this browser's session is waiting for")
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Fatalf("token requests at (C) = %v, want none", got)
	}
	tb.scrollTo(`section.hop.front ~ section.hop.front`)
	tb.screenshot("step-c", "")
	tb.do("continuing to (D)", chromedp.Click(chromedp.CSS(`a.next`)))

	// Before (E): the token request as it will be sent.
	tb.do("waiting for step D", shows(chromedp.CSS(`button.next`)))
	mustContain(t, "step D", tb.text(), "as it will be sent", "grant_type=authorization_code", "Basic base64(testclient:••••••)")
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Fatalf("token requests before (E) = %v, want none", got)
	}
	tb.scrollTo(`section.hop.back`)
	tb.screenshot("step-d", "")
	tb.do("sending the token request with the keyboard",
		chromedp.Focus(chromedp.CSS(`button.next`)),
		chromedp.KeyEvent("\r"),
		shows(chromedp.CSS(`#walkthrough`)),
	)
	mustContain(t, "home page", tb.text(), "Signed in as Demo User", "ID token validation (E)")
	if got := h.spy.tokenRequests(); len(got) != 1 {
		t.Errorf("token requests = %v, want one", got)
	}
	tb.noConsoleErrors()
}

func TestBrowserFailedTokenRequest(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	h.app.oauth.ClientSecret = "not-the-secret"
	tb.do("setting the window", chromedp.EmulateViewport(1000, 720))
	tb.openAndLogIn(h)
	tb.signIn("allow")
	tb.do("waiting for the error page", shows(`//h2[text()="Likely causes"]`))
	mustContain(t, "failed step D", tb.text(), "invalid_client", "Basic base64(urlencode(client_id)", "401 Unauthorized")
	tb.screenshot("failed-step-d", "")
	// No check of the console: the page is a 400, which Chromium logs as a
	// failed load.
}

// loggedInTab returns a tab of a 1000×900 window, logged in to the client
// of a fresh harness, on the home page.
func loggedInTab(t *testing.T) (*tab, *harness) {
	h := newHarness(t, providertest.Options{})
	return loggedInTabOf(t, h), h
}

// loggedInTabOf returns a tab of a 1000×900 window, logged in to the
// client of h, on the home page.
func loggedInTabOf(t *testing.T, h *harness) *tab {
	tb := newTab(t)
	tb.do("setting the window", chromedp.EmulateViewport(1000, 900))
	tb.logIn(h)
	return tb
}

func TestBrowserTokenInspector(t *testing.T) {
	t.Parallel()
	tb, _ := loggedInTab(t)
	tb.do("opening the inspector",
		chromedp.Click(chromedp.CSS(`a[href="/tokens"]`)),
		shows(chromedp.CSS(`#family`)),
	)
	// The countdown script has run: it writes "(in 59m 59s)".
	run(tb, "waiting for the countdown", chromedp.Poll[bool](`[...document.querySelectorAll("time.countdown")].some(e => e.textContent.includes("(in "))`))
	mustContain(t, "inspector", tb.text(), "Token inspector", "valid: signed by a key of the provider's JWKS", "active", "issued with the login")
	// The reveal button's note stands apart from it, beside it or below.
	apart := run(tb, "measuring the reveal button and its note", chromedp.Evaluate[bool](`(() => {
  const button = document.querySelector('form[action="/tokens/reveal"] button').getBoundingClientRect();
  const note = document.querySelector('form[action="/tokens/reveal"] span').getBoundingClientRect();
  return note.left - button.right >= 8 || note.top >= button.bottom;
})()`))
	if !apart {
		t.Error("the note of the Reveal my access token button touches the button")
	}
	tb.screenshot("token-inspector", "")

	// The countdowns can be paused from the keyboard, and started again
	// (WCAG 2.2.2, Pause, Stop, Hide).
	const countdownsJS = `[...document.querySelectorAll("time.countdown")].map(e => e.textContent).join("\n")`
	const pressedJS = `document.getElementById("pause-countdowns").getAttribute("aria-pressed")`
	if !run(tb, "looking for the pause button", chromedp.Evaluate[bool](`document.getElementById("pause-countdowns")?.checkVisibility() === true`)) {
		t.Fatal("the inspector shows no button #pause-countdowns to pause its countdowns")
	}
	tb.do("pausing the countdowns with the keyboard", chromedp.Focus(chromedp.CSS("#pause-countdowns")), chromedp.KeyEvent("\r"))
	if pressed := run(tb, "reading the button", chromedp.Evaluate[string](pressedJS)); pressed != "true" {
		t.Errorf("the pause button, pressed: aria-pressed = %q, want true", pressed)
	}
	paused := run(tb, "reading the countdowns", chromedp.Evaluate[string](countdownsJS))
	time.Sleep(1500 * time.Millisecond) // more than a tick
	if now := run(tb, "reading the countdowns", chromedp.Evaluate[string](countdownsJS)); now != paused {
		t.Errorf("paused, the countdowns still move: %q, then %q", paused, now)
	}
	tb.do("starting the countdowns again", chromedp.KeyEvent("\r"))
	if pressed := run(tb, "reading the button", chromedp.Evaluate[string](pressedJS)); pressed != "false" {
		t.Errorf("the pause button, pressed again: aria-pressed = %q, want false", pressed)
	}
	run(tb, "waiting for the countdowns to move again", chromedp.Poll[bool](countdownsJS+` !== `+strconv.Quote(paused)))
	tb.noConsoleErrors()
}
