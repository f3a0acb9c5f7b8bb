package web

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oauth-reference/provider/providertest"
)

// narrowWidth is the window width of the narrow-screen checks: a phone's
// (390 CSS pixels).
const narrowWidth = 390

// overflowJS lists what sticks out of the window when the page is wider
// than it (empty when it is not): each element whose right edge is past
// the window and that no box of its own scrolls or clips, and each element
// whose text runs past it (a long word, a URL: the text overflows though
// its box does not). A page wider than the window with neither is still
// listed, as "the page".
const overflowJS = `(() => {
  const w = window.innerWidth;
  const wide = document.documentElement.scrollWidth;
  if (wide <= w) return [];
  const clipped = (e) => {
    for (let p = e; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const past = (box) => box.right > w + 0.5;
  const found = [...document.body.querySelectorAll('*')]
    .filter((e) => past(e.getBoundingClientRect()) && !clipped(e.parentElement))
    .map((e) => [e, e.getBoundingClientRect().right, '']);
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = texts.nextNode(); n; n = texts.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(n);
    const box = range.getBoundingClientRect();
    const e = n.parentElement;
    if (past(box) && !clipped(e) && !found.some(([f]) => f === e)) found.push([e, box.right, 'text of ']);
  }
  const listed = found.slice(0, 6).map(([e, right, what]) => what + e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    [...e.classList].map((c) => '.' + c).join('') + ' (right edge at ' + Math.round(right) + ' px of ' + w + ')');
  return listed.length > 0 ? listed : ['the page (' + wide + ' px wide)'];
})()`

// markControlsJS numbers the page's visible controls (data-kb) and starts
// recording which of them gets the focus, and whether it shows it: an
// outline or a box shadow. It returns how many there are, and how many
// Tab stops the page has: the controls and the boxes that scroll sideways
// (Chromium lets the keyboard scroll them).
const markControlsJS = `(() => {
  const visible = (e) => e.checkVisibility(); // not hidden, nor inside a closed <details>
  const controls = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
    .filter((e) => !e.disabled && visible(e));
  const scrollers = [...document.querySelectorAll('pre, div, td')]
    .filter((e) => visible(e) && e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX !== 'visible');
  controls.forEach((e, i) => { e.dataset.kb = i; });
  window.kbFocused = [];
  document.addEventListener('focusin', (ev) => {
    const s = getComputedStyle(ev.target);
    const shown = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    window.kbFocused.push({kb: ev.target.dataset.kb ?? '', shown: shown,
      name: ev.target.tagName.toLowerCase() + ' ' + (ev.target.textContent || ev.target.name || '').trim().slice(0, 40)});
  });
  document.activeElement && document.activeElement.blur();
  window.scrollTo(0, 0);
  return [controls.length, controls.length + scrollers.length];
})()`

// focusStop is one element the Tab key reached.
type focusStop struct {
	KB    string `json:"kb"`    // its number from markControlsJS
	Shown bool   `json:"shown"` // it showed the focus
	Name  string `json:"name"`
}

// checkNarrow checks the page the tab shows in a narrow window: the page
// is no wider than the window (long tokens and URLs wrap, or scroll inside
// their own box), and the Tab key reaches every visible control, each
// showing that it has the focus.
func (tb *tab) checkNarrow(page string) {
	tb.t.Helper()
	if wide := run(tb, "measuring "+page, chromedp.Evaluate[[]string](overflowJS)); len(wide) > 0 {
		tb.t.Errorf("%s is wider than a %d px window: %q", page, narrowWidth, wide)
	}
	counts := run(tb, "numbering the controls of "+page, chromedp.Evaluate[[2]int](markControlsJS))
	n := counts[0]
	tabs := make([]chromedp.Action[chromedp.Void], counts[1]+1)
	for i := range tabs {
		tabs[i] = chromedp.KeyEvent("\t")
	}
	tb.do("pressing Tab through "+page, tabs...)
	stops := run(tb, "reading the focus of "+page, chromedp.Evaluate[[]focusStop](`window.kbFocused`))
	reached := map[string]bool{}
	for _, s := range stops {
		reached[s.KB] = true
		if !s.Shown {
			tb.t.Errorf("%s: %q has the focus but shows no outline", page, s.Name)
		}
	}
	var missed []string
	for i := range n {
		if !reached[strconv.Itoa(i)] {
			missed = append(missed, strconv.Itoa(i))
		}
	}
	if len(missed) > 0 {
		names := run(tb, "naming the controls missed", chromedp.Evaluate[[]string](`[`+strings.Join(missed, ",")+`].map((i) => {
			const e = document.querySelector('[data-kb="' + i + '"]');
			return e.outerHTML.slice(0, 120);
		})`))
		tb.t.Errorf("%s: Tab did not reach %d of its %d controls: %q", page, len(missed), n, names)
	}
	run(tb, "scrolling to the top", chromedp.Evaluate[bool](`document.activeElement.blur(); window.scrollTo(0, 0); true`))
	// In a directory of their own, to look at, not in the README.
	if err := os.MkdirAll(filepath.Join(screenshotDir(tb.t), "narrow"), 0o755); err != nil {
		tb.t.Fatal(err)
	}
	tb.screenshot(filepath.Join("narrow", page), "")
}

// waitPath waits until the tab is at path on some origin, its page loaded.
func (tb *tab) waitPath(path string) {
	tb.t.Helper()
	tb.waitUntil("waiting for "+path, `location.pathname === `+strconv.Quote(path)+` && document.readyState === "complete"`)
}

// waitUntil waits until the script cond is true, across the navigations
// that happen meanwhile: a page that goes away mid-check (Chromium then
// answers "target navigated" or "cannot find context") is checked again on
// the next one.
func (tb *tab) waitUntil(what, cond string) {
	tb.t.Helper()
	var err error
	for range 10 {
		if _, err = chromedp.Run(tb.ctx, chromedp.Poll[bool](cond)); err == nil || tb.ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		tb.fatal(what, err)
	}
}

// The narrow-screen tests walk every page of a login in a 390 px window
// (the provider's sign-in page too): each page must fit the window and be
// usable with the keyboard alone. Three tests, so that each stays well
// within browserTestTimeout under -race.

// TestBrowserNarrowScreenStepByStep: the home page, then a login step by step.
func TestBrowserNarrowScreenStepByStep(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	tb.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
	tb.do("opening the home page", chromedp.Navigate(h.client.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	tb.checkNarrow("home")

	tb.do("logging in step by step",
		chromedp.Click(chromedp.CSS(`input[name="step_by_step"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a.next`)),
	)
	tb.checkNarrow("step-a")
	tb.do("continuing to the provider", chromedp.Click(chromedp.CSS(`a.next`)), chromedp.WaitVisible(chromedp.CSS("#password")))
	tb.checkNarrow("provider-sign-in")
	tb.signIn("allow")
	tb.do("waiting for step C", chromedp.WaitVisible(chromedp.CSS(`a.next`)))
	tb.checkNarrow("step-c")
	tb.do("continuing to (D)", chromedp.Click(chromedp.CSS(`a.next`)), chromedp.WaitVisible(chromedp.CSS(`button.next`)))
	tb.checkNarrow("step-d")
	tb.do("sending the token request", chromedp.Click(chromedp.CSS(`button.next`)), chromedp.WaitVisible(chromedp.CSS(`#walkthrough`)))
	tb.checkNarrow("walkthrough")
	tb.noConsoleErrors()
}

// TestBrowserNarrowScreenPages: the inspector, the resource call, a
// refresh, the attack lab and a result.
func TestBrowserNarrowScreenPages(t *testing.T) {
	t.Parallel()
	tb, h := loggedInTab(t)
	tb.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
	tb.do("opening the inspector", chromedp.Navigate(h.client.URL+"/tokens"), chromedp.WaitVisible(chromedp.CSS(`#family`)))
	tb.checkNarrow("tokens")
	for _, action := range []string{"/resource", "/refresh"} {
		tb.do("opening the home page", chromedp.Navigate(h.client.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form[action="`+action+`"]`)))
		tb.do("pressing the button of "+action,
			chromedp.Click(chromedp.CSS(`form[action="`+action+`"] button`)),
			chromedp.WaitNotPresent(chromedp.CSS(`form[action="`+action+`"]`)),
		)
		tb.waitPath(action)
		tb.checkNarrow(action[1:])
	}
	tb.do("opening the attack lab", chromedp.Navigate(h.client.URL+"/attacks"), chromedp.WaitVisible(chromedp.CSS(`form[action="/attacks/code-replay"]`)))
	tb.checkNarrow("attacks")
	tb.startAttack(h, "token-in-query")
	tb.do("waiting for the result", chromedp.WaitVisible(chromedp.CSS(`#result`)))
	tb.checkNarrow("attack-result")
	tb.noConsoleErrors()
}

// TestBrowserNarrowScreenSPALogout: the SPA, logged in, and the logout.
func TestBrowserNarrowScreenSPALogout(t *testing.T) {
	t.Parallel()
	tb, h := loggedInTab(t)
	tb.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
	tb.openSPAAndLogIn(h)
	tb.approveAtProvider()
	tb.waitUntil("waiting for the SPA's profile", `location.pathname === "/spa" && document.getElementById("profile").textContent.includes("user1")`)
	tb.checkNarrow("spa")

	tb.do("logging out",
		chromedp.Navigate(h.client.URL+"/"),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
	)
	// The provider sends the browser back with the logout's state.
	tb.waitUntil("waiting for the logout page", `location.search.includes("state=") && document.readyState === "complete"`)
	tb.checkNarrow("logout")
	tb.noConsoleErrors()
}

// TestBrowserNarrowScreenLongValues opens the error pages that repeat what
// a request carried, with values too long for a line: each must wrap them
// within a 390 px window, on both stores.
func TestBrowserNarrowScreenLongValues(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 8)
	onBothStores(t, func(t *testing.T, h *harness) {
		tb := newTab(t)
		tb.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
		authorize := h.provider.URL + "/oauth/authorize?response_type=code&client_id="
		for page, u := range map[string]string{
			"provider-unknown-client": authorize + long,
			"provider-redirect-uri":   authorize + "testclient&redirect_uri=" + url.QueryEscape(h.client.URL+"/callback/"+long),
			"client-not-found":        h.client.URL + "/" + long,
		} {
			tb.do("opening "+page, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("h1")))
			tb.checkNarrow("long-" + page)
		}
	})
}
