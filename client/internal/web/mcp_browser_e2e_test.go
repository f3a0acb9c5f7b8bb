package web

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oauth-reference/provider/providertest"
)

// startMCPWithTheKeyboard opens the MCP walkthrough's page and starts a run
// as a keyboard user does: the focus on its button, then Enter. The tab is
// then at the provider's sign-in page.
func (tb *tab) startMCPWithTheKeyboard(h *harness) {
	tb.t.Helper()
	tb.do("opening the MCP page", chromedp.Navigate(h.client.URL+mcpPath), shows(chromedp.CSS(`#mcp-start`)))
	tb.do("starting the run with the keyboard", chromedp.Focus(chromedp.CSS(`#mcp-start`)), chromedp.KeyEvent("\r"))
}

// TestBrowserMCPWalkthrough drives the MCP walkthrough in Chromium: the
// page (with the discovery fallbacks a full client makes, which it does
// not need here), a run started from the keyboard, the sign-in at the
// provider, and the seven steps' hops with the provider's checks; a second
// run reuses the registration.
func TestBrowserMCPWalkthrough(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	tb.do("setting the window", chromedp.EmulateViewport(1000, 900))
	tb.do("opening the home page", chromedp.Navigate(h.client.URL+"/"), shows(chromedp.CSS(`nav a[href="/mcp"]`)))
	tb.do("following the MCP link", chromedp.Click(chromedp.CSS(`nav a[href="/mcp"]`)), shows(chromedp.CSS(`#mcp-start`)))
	mustContain(t, "the MCP page", tb.text(), "Connect as an MCP client", "none yet: the first run registers", h.client.URL+mcpCallbackPath,
		"also falls back, when a 401 names no metadata", "MCP, Authorization Server Discovery")
	tb.screenshot("mcp-page", "")

	tb.startMCPWithTheKeyboard(h)
	tb.signIn("allow")
	tb.do("waiting for the result", shows(chromedp.CSS(`#connected`)))
	text := tb.text()
	mustContain(t, "the result", text, "Connected: the resource answered the token", h.provider.Issuer,
		"(1)The resource, without a token", "(2)Protected resource metadata", "(3)Authorization server metadata",
		"(4)Client registration, as a public client", "(5)Authorization request, with resource", "(6)Authorization response",
		"(6)Access token request, with resource", "(7)The resource, with the token",
		"the challenge names the resource's metadata (resource_metadata)", "the access token's aud names the resource asked for",
		"The provider's checks")
	tb.screenshot("mcp-walkthrough", "")
	tb.scrollTo(`section.hop`)
	tb.screenshot("mcp-walkthrough-challenge", "")
	tb.scrollTo(`section.hop.back ~ section.hop.back ~ section.hop.back ~ section.hop.back ~ section.hop.front ~ section.hop.front ~ section.hop.back`)
	tb.screenshot("mcp-walkthrough-token", "")

	// The provider remembers the sign-in: it asks only for consent.
	tb.do("running it again", chromedp.Click(chromedp.CSS(`#result button`)), shows(chromedp.CSS("button.allow")), chromedp.Click(chromedp.CSS("button.allow")))
	tb.do("waiting for the second result", shows(chromedp.CSS(`#connected`)))
	mustContain(t, "the second result", tb.text(), "(4)Client read: does the provider still know this client?")
	if n := h.spy.registrationCount(); n != 2 { // the key client's at start, and the MCP client's
		t.Errorf("%d registrations, want 2: the key client's and one for the MCP client", n)
	}
	tb.noConsoleErrors()
}

// TestBrowserNarrowScreenMCP: the MCP page and a run's result in a 390 px
// window, usable with the keyboard alone.
func TestBrowserNarrowScreenMCP(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	tb.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
	tb.do("opening the MCP page", chromedp.Navigate(h.client.URL+mcpPath), shows(chromedp.CSS(`#mcp-start`)))
	tb.checkNarrow("mcp")
	tb.startMCPWithTheKeyboard(h)
	tb.signIn("allow")
	tb.do("waiting for the result", shows(chromedp.CSS(`#connected`)))
	tb.checkNarrow("mcp-result")
	tb.noConsoleErrors()
}
