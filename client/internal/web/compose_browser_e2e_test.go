package web

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// TestBrowserComposeChannels opens the home page of a client that reaches
// the provider as docker compose has it: the browser at the public issuer,
// the client's own calls at another address (AUTH_SERVER_INTERNAL). In
// teaching mode the page shows both, open, and that discovery names the
// issuer the client trusts: the picture of README's docker compose
// walkthrough.
func TestBrowserComposeChannels(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarnessConfig(t, providertest.Options{Issuer: "http://localhost:8080"},
		func(c *config.Config) { c.TeachingMode = config.TeachingOn })
	tb.do("setting the window", chromedp.EmulateViewport(1000, 700))
	tb.do("opening the home page", chromedp.Navigate(h.client.URL+"/"), shows(chromedp.CSS(`details.channels[open]`)))
	mustContain(t, "the channels", tb.text(), "Where the client reaches the provider", "issuer agrees",
		"http://localhost:8080", "AUTH_SERVER_INTERNAL", h.provider.URL)
	tb.screenshot("compose-channels", "details.channels")
	tb.noConsoleErrors()
}
