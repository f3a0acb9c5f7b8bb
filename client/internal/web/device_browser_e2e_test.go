package web

import (
	"fmt"
	"strings"
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
// polling by itself, shows the polls, the tokens and the resource.
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

// focusedJS describes the focused element: <body> when nothing has the
// focus, else its id, or its text and the heading of the hop that holds it.
const focusedJS = `(() => {
  const e = document.activeElement, hop = e.closest("section.hop");
  if (e === document.body) return "<body>";
  return e.id || e.textContent + " in " + (hop ? hop.querySelector("h3").textContent : e.tagName);
})()`

// hopCountJS counts the hops the page shows.
const hopCountJS = `document.querySelectorAll("main section.hop").length`

// TestBrowserDevicePollKeepsFocus: the waiting page polls without
// reloading itself, so a keyboard user's focus stays where they put it
// (WCAG 2.2 Success Criterion 2.4.3; a meta refresh, Failure F41, sent it
// back to the top of a new page at each poll): on the link to poll by hand
// across two polls, then on a link in a hop across the next poll and the
// approval, while each poll adds its hop, and the live region says the run
// was approved.
func TestBrowserDevicePollKeepsFocus(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{DevicePollInterval: devicePollInterval})
	tb.do("setting the window", chromedp.EmulateViewport(wideWidth, 900))
	tb.startWithTheKeyboard(h, devicePath, `#device-start`)
	tb.do("waiting for the user code", shows(chromedp.CSS(`#user-code`)))
	tb.do("focusing the link to poll by hand", chromedp.Focus(chromedp.CSS(`#by-hand`)))
	// The focused element itself, and whether it lost the focus even for
	// a moment (a screen reader would read it again at every poll).
	run(tb, "watching the focus", chromedp.Evaluate[bool](`window.focused = document.activeElement;
		window.focusLost = false; window.focused.addEventListener("blur", () => { window.focusLost = true }); true`))
	hops := run(tb, "counting the hops", chromedp.Evaluate[int](hopCountJS))
	tb.waitUntil("waiting for two polls", fmt.Sprintf("%s >= %d", hopCountJS, hops+2))
	if got := run(tb, "reading the focus", chromedp.Evaluate[string](focusedJS)); got != "by-hand" {
		t.Errorf("after two polls, the focus is on %q, want the link to poll by hand (by-hand)", got)
	}
	if same := run(tb, "comparing the focused element", chromedp.Evaluate[bool](`document.activeElement === window.focused && !window.focusLost`)); !same {
		t.Error("after two polls, the focused link was replaced or lost the focus for a moment, want it untouched")
	}

	link := `main section.hop:first-of-type a[href*="rfc8628"]`
	tb.do("focusing a link in the first hop", chromedp.Focus(chromedp.CSS(link)))
	want := run(tb, "reading the focus", chromedp.Evaluate[string](focusedJS))
	hops = run(tb, "counting the hops", chromedp.Evaluate[int](hopCountJS))
	tb.waitUntil("waiting for a poll", fmt.Sprintf("%s > %d", hopCountJS, hops))
	verify := run(tb, "reading the link", chromedp.Evaluate[string](`document.querySelector("#verify").href`))
	h.deviceDecide(verify, "allow")
	tb.waitUntil("waiting for the approval", `document.getElementById("approved") !== null`)
	if got := run(tb, "reading the focus", chromedp.Evaluate[string](focusedJS)); got != want {
		t.Errorf("after a poll and the approval, the focus is on %q, want %q", got, want)
	}
	if got := run(tb, "reading the live region", chromedp.Evaluate[string](`document.querySelector("[role=status]").textContent`)); !strings.Contains(got, "Approved") {
		t.Errorf("the live region says %q, want the approval", got)
	}
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
	// The denial comes in place, where the Tab key goes on from the
	// control last focused; checkNarrow walks a page from its top, as loaded.
	tb.do("waiting for the denial", shows(chromedp.CSS(`#failed`)), chromedp.Reload(), shows(chromedp.CSS(`#failed`)))
	tb.checkNarrow("device-flow-denied")

	tb.do("opening the machine page", chromedp.Navigate(h.client.URL+machinePath), shows(chromedp.CSS(`#machine-start`)))
	tb.checkNarrow("machine")
	tb.do("running with the keyboard", chromedp.Focus(chromedp.CSS(`#machine-start`)), chromedp.KeyEvent("\r"), shows(chromedp.CSS(`#done`)))
	tb.checkNarrow("machine-result")
	tb.noConsoleErrors()
}

// newTabNoteJS describes the note after the provider's link on the waiting
// page: how many lines it takes, and the text between the link and it.
const newTabNoteJS = `(() => {
  const note = document.querySelector("#verify + span");
  return {lines: note.getClientRects().length, text: note.textContent};
})()`

// TestBrowserNewTabNoteStaysWhole: in a phone's window, in both languages,
// the note after the provider's link on the waiting device page
// ("(opens in a new tab)", 「（在新分頁開啟）」) stays on one line, and in
// Chinese no space comes before its full-width parenthesis, which has room
// of its own.
func TestBrowserNewTabNoteStaysWhole(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]string{"en": " (opens in a new tab)", "zh-TW": "（在新分頁開啟）"} {
		t.Run(lang, func(t *testing.T) {
			tb := newTab(t)
			tb.speak(lang)
			h := newHarness(t, providertest.Options{DevicePollInterval: devicePollInterval})
			tb.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
			tb.startWithTheKeyboard(h, devicePath, `#device-start`)
			tb.do("waiting for the user code", shows(chromedp.CSS(`#user-code`)))
			note := run(tb, "measuring the note", chromedp.Evaluate[struct {
				Lines int    `json:"lines"`
				Text  string `json:"text"`
			}](newTabNoteJS))
			if note.Lines != 1 || note.Text != want {
				t.Errorf("the note after the link in %s: %q on %d lines, want %q on one", lang, note.Text, note.Lines, want)
			}
		})
	}
}
