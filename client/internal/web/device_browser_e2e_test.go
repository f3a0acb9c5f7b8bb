package web

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oauth-reference/provider/providertest"
)

// startWithTheKeyboard opens path from the menu's link and presses the
// button sel as a keyboard user does: the focus on it, then Enter.
func (tb *tab) startWithTheKeyboard(h *harness, path, sel string) {
	tb.t.Helper()
	tb.do("opening the home page", chromedp.Navigate(h.client.URL+"/"), shows(chromedp.CSS(`nav a[href="`+path+`"]`)))
	tb.do("following the menu's link to "+path, chromedp.Click(chromedp.CSS(`nav a[href="`+path+`"]`)), shows(chromedp.CSS(sel)))
	tb.do("starting the run with the keyboard", chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent("\r"))
}

// TestBrowserDeviceFlow drives the device grant's page in Chromium: a run
// started from the keyboard shows the user code and the link to the
// provider; the test approves there with its own HTTP client, and the page,
// reloading itself, shows the polls, the tokens and the resource.
func TestBrowserDeviceFlow(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{DevicePollInterval: devicePollInterval})
	tb.do("setting the window", chromedp.EmulateViewport(1000, 900))
	tb.startWithTheKeyboard(h, devicePath, `#device-start`)
	tb.do("waiting for the user code", shows(chromedp.CSS(`#user-code`)))
	text := tb.text()
	mustContain(t, "the waiting page", text, "Device grant, hop by hop", "On another device, enter this code", h.provider.Issuer+"/device?user_code=",
		"(1)Device authorization request")
	tb.screenshot("device-flow", "")
	verify := run(tb, "reading the link", chromedp.Evaluate[string](`document.querySelector("#verify").href`))

	h.deviceDecide(verify, "allow")
	tb.do("waiting for the page to poll and show the result", shows(chromedp.CSS(`#approved`)))
	mustContain(t, "the result", tb.text(), "Approved: the device holds tokens", "Device access token request (a poll)",
		"the provider issued tokens: the user approved", "The resource, with the token", "The provider's checks")
	tb.scrollTo(`section.hop:nth-last-of-type(2)`)
	tb.screenshot("device-flow-token", "")
	tb.noConsoleErrors()
}

// TestBrowserMachine drives the client credentials page in Chromium: a run
// started from the keyboard, its five hops with the provider's checks.
func TestBrowserMachine(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	tb.do("setting the window", chromedp.EmulateViewport(1000, 900))
	tb.startWithTheKeyboard(h, machinePath, `#machine-start`)
	tb.do("waiting for the result", shows(chromedp.CSS(`#done`)))
	mustContain(t, "the result", tb.text(), "Client credentials, hop by hop", "(1)Client credentials grant", "(2)Token introspection",
		"(3)Protected resource request", "(4)Token revocation", "(5)Token introspection, after the revocation",
		`"active": false: the revoked token is dead`, "The provider's checks")
	tb.screenshot("machine", "")
	tb.scrollTo(`section.hop.back ~ section.hop.back ~ section.hop.back ~ section.hop.back ~ section.hop.back`)
	tb.screenshot("machine-revoked", "")
	tb.noConsoleErrors()
}

// TestBrowserNarrowScreenDeviceAndMachine: both pages, before and after a
// run, in a 390 px window, started with the keyboard alone.
func TestBrowserNarrowScreenDeviceAndMachine(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{DevicePollInterval: devicePollInterval})
	tb.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
	tb.do("opening the device page", chromedp.Navigate(h.client.URL+devicePath), shows(chromedp.CSS(`#device-start`)))
	tb.checkNarrow("device-flow")
	tb.do("starting with the keyboard", chromedp.Focus(chromedp.CSS(`#device-start`)), chromedp.KeyEvent("\r"), shows(chromedp.CSS(`#user-code`)))
	tb.checkNarrow("device-flow-waiting")
	verify := run(tb, "reading the link", chromedp.Evaluate[string](`document.querySelector("#verify").href`))
	h.deviceDecide(verify, "deny")
	tb.do("waiting for the denial", shows(chromedp.CSS(`#failed`)))
	tb.checkNarrow("device-flow-denied")

	tb.do("opening the machine page", chromedp.Navigate(h.client.URL+machinePath), shows(chromedp.CSS(`#machine-start`)))
	tb.checkNarrow("machine")
	tb.do("running with the keyboard", chromedp.Focus(chromedp.CSS(`#machine-start`)), chromedp.KeyEvent("\r"), shows(chromedp.CSS(`#done`)))
	tb.checkNarrow("machine-result")
	tb.noConsoleErrors()
}
