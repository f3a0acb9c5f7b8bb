package web

import (
	"os"
	"path/filepath"
	"testing"

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

func TestBrowserWalkthrough(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	tb.do("setting the window", chromedp.EmulateViewport(1000, 820))
	tb.openAndLogIn(h)
	tb.signIn("allow")
	tb.do("waiting for the walkthrough", chromedp.WaitVisible(chromedp.CSS(`#walkthrough`)))
	home := tb.text()
	mustContain(t, "walkthrough", home, "(A)Authorization request", "(C)Authorization response", "(D)Access token request and response",
		"code_challenge_method", "S256", "state is one this browser's session is waiting for", "iss is the issuer the request went to",
		"(E) Response, as received", "nonce is the one this login sent in (A)", "Basic base64(testclient:••••••)")
	tb.screenshot("walkthrough-home", "")
	tb.do("scrolling to (A)", chromedp.ScrollIntoView(chromedp.CSS(`#walkthrough`)))
	tb.screenshot("walkthrough-hops", "")
	tb.noConsoleErrors()
}
