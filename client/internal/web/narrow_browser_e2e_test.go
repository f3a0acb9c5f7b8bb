package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/oauth-reference/provider/providertest"

	"github.com/oauth-reference/client/internal/config"
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

// contrastJS defines contrast(color, e): the contrast ratio of WCAG 2.2
// between a CSS colour and the background at the element e (its own, or
// that of its nearest ancestor that has one; white if none does).
const contrastJS = `
  const rgb = (color) => color.match(/[\d.]+/g).map(Number);
  const luminance = (c) => {
    const linear = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2]);
  };
  const background = (e) => {
    for (let p = e; p; p = p.parentElement) {
      const c = rgb(getComputedStyle(p).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const contrast = (color, e) => {
    const [hi, lo] = [luminance(rgb(color)), luminance(background(e))].sort((a, b) => b - a);
    return (hi + 0.05) / (lo + 0.05);
  };
`

// faintTextJS lists the elements whose own text has less contrast with the
// background behind it than WCAG 2.2 asks (Success Criterion 1.4.3): 4.5:1,
// or 3:1 for large text (24 px, or 18.66 px bold). Each is named with its
// text, colour and contrast.
const faintTextJS = `(() => {` + contrastJS + `
  const faint = [];
  for (const e of document.body.querySelectorAll('*')) {
    const own = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== '');
    if (!own || !e.checkVisibility()) continue;
    const s = getComputedStyle(e);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const ratio = contrast(s.color, e);
    if (ratio < (size >= 24 || (bold && size >= 18.66) ? 3 : 4.5)) {
      faint.push(e.textContent.trim().slice(0, 30) + ' (' + s.color + ', ' + ratio.toFixed(1) + ':1)');
    }
  }
  return faint.slice(0, 8);
})()`

// otherFontJS lists the buttons and text fields whose font is not the
// page's (browsers give controls a font of their own unless the page says
// otherwise), each with that font.
const otherFontJS = `(() => {
  const font = getComputedStyle(document.body).fontFamily;
  return [...document.querySelectorAll('button, input:not([type=hidden], [type=checkbox], [type=radio]), select, textarea')]
    .filter((e) => e.checkVisibility() && getComputedStyle(e).fontFamily !== font)
    .slice(0, 6)
    .map((e) => e.tagName.toLowerCase() + ' ' + (e.textContent || e.name).trim().slice(0, 30) + ' (' + getComputedStyle(e).fontFamily + ')');
})()`

// cardSpacingJS lists the cards (the boxes with a background or a border:
// the client's section.card, the provider's main) whose first or last
// child does not sit at the card's padding, a margin of its own making the
// card roomier at that edge than the others. Each is named with the
// heading or text it starts with and how many pixels too far the child is.
const cardSpacingJS = `(() => {
  const shown = (e) => e.checkVisibility() && getComputedStyle(e).position !== 'absolute';
  const loose = [];
  for (const card of document.querySelectorAll('section.card, main')) {
    const s = getComputedStyle(card);
    if (s.backgroundColor === 'rgba(0, 0, 0, 0)' && s.borderTopStyle === 'none') continue;
    const children = [...card.children].filter(shown);
    if (children.length === 0) continue;
    const box = card.getBoundingClientRect();
    const top = children[0].getBoundingClientRect().top - box.top - parseFloat(s.borderTopWidth) - parseFloat(s.paddingTop);
    const bottom = box.bottom - parseFloat(s.borderBottomWidth) - parseFloat(s.paddingBottom) - children[children.length - 1].getBoundingClientRect().bottom;
    const name = card.textContent.trim().slice(0, 30);
    if (Math.abs(top) > 1) loose.push(name + ': ' + Math.round(top) + ' px at the top');
    if (Math.abs(bottom) > 1) loose.push(name + ': ' + Math.round(bottom) + ' px at the bottom');
  }
  return loose;
})()`

// headingJumpJS lists the visible headings that are more than one level
// below the one before them (an h3 after an h1): a screen reader's outline
// of the page would miss a level.
const headingJumpJS = `(() => {
  let level = 0;
  const jumps = [];
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    if (!h.checkVisibility()) continue;
    const l = Number(h.tagName[1]);
    if (l > level + 1) jumps.push(h.tagName + ' ' + h.textContent.trim().slice(0, 40) + ' after h' + level);
    level = l;
  }
  return jumps;
})()`

// markControlsJS numbers the page's visible controls (data-kb) and starts
// recording which of them gets the focus, and how it shows it: its outline
// and the contrast of the outline's colour with the background around it
// (the outline is drawn outside the element). It returns how many controls
// there are, and how many Tab stops the page has: the controls and the boxes
// that scroll sideways (Chromium lets the keyboard scroll them). It first
// waits for two animation frames: a browser focuses an autofocus field at
// a rendering update, before that update's frame callbacks run, and a field
// it focused after the recording began would be recorded, though no key
// moved the focus (and, focused while the window itself was not, without
// its :focus-visible outline).
const markControlsJS = `(async () => {
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));` + contrastJS + `
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
    const r = ev.target.getBoundingClientRect();
    window.kbFocused.push({kb: ev.target.dataset.kb ?? '', outline: s.outlineStyle + ' ' + s.outlineWidth,
      inView: r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth,
      skip: ev.target.matches('a.skip[href="#main"]'),
      contrast: contrast(s.outlineColor, ev.target.parentElement),
      name: ev.target.tagName.toLowerCase() + ' ' + (ev.target.textContent || ev.target.name || '').trim().slice(0, 40)});
  });
  document.activeElement && document.activeElement.blur();
  window.scrollTo(0, 0);
  return [controls.length, controls.length + scrollers.length];
})()`

// focusStop is one element the Tab key reached.
type focusStop struct {
	KB       string  `json:"kb"`       // its number from markControlsJS
	Outline  string  `json:"outline"`  // its outline's style and width
	Contrast float64 `json:"contrast"` // of the outline's colour with the background around it
	Name     string  `json:"name"`
	InView   bool    `json:"inView"` // whole in the window once focused
	Skip     bool    `json:"skip"`   // the client's skip link
}

// focusOutline is the outline every control of both programs shows when it
// has the focus: drawn by the page, not left to the browser (whose "auto"
// ring differs from one browser to the next), and thick enough to see.
const focusOutline = "solid 3px"

// minFocusContrast is the least contrast of a focus outline with what
// surrounds it: WCAG 2.2's for the parts of a control (Success Criterion
// 1.4.11, Non-text Contrast).
const minFocusContrast = 3

// checkNarrow checks the page the tab shows in a narrow window: the page
// is no wider than the window (long tokens and URLs wrap, or scroll inside
// their own box), and the Tab key reaches every visible control, each
// showing that it has the focus with the outline of focusOutline.
func (tb *tab) checkNarrow(page string) {
	tb.t.Helper()
	if wide := run(tb, "measuring "+page, chromedp.Evaluate[[]string](overflowJS)); len(wide) > 0 {
		tb.t.Errorf("%s is wider than a %d px window: %q", page, narrowWidth, wide)
	}
	if faint := run(tb, "measuring the text contrast of "+page, chromedp.Evaluate[[]string](faintTextJS)); len(faint) > 0 {
		tb.t.Errorf("%s: text below the contrast of WCAG 2.2 (4.5:1, 3:1 when large): %q", page, faint)
	}
	if odd := run(tb, "reading the fonts of "+page, chromedp.Evaluate[[]string](otherFontJS)); len(odd) > 0 {
		tb.t.Errorf("%s: controls in another font than the page's: %q", page, odd)
	}
	if loose := run(tb, "measuring the cards of "+page, chromedp.Evaluate[[]string](cardSpacingJS)); len(loose) > 0 {
		tb.t.Errorf("%s: cards whose content does not sit at their padding: %q", page, loose)
	}
	if jumps := run(tb, "reading the headings of "+page, chromedp.Evaluate[[]string](headingJumpJS)); len(jumps) > 0 {
		tb.t.Errorf("%s: headings that skip a level: %q", page, jumps)
	}
	if !run(tb, "asking whether "+page+" has the focus", chromedp.Evaluate[bool](`document.hasFocus()`)) {
		tb.t.Fatalf("%s does not have the focus, so what the Tab key does cannot be judged (newTab turns focus emulation on)", page)
	}
	counts := run(tb, "numbering the controls of "+page, chromedp.Evaluate[[2]int](markControlsJS, chromedp.EvalAwaitPromise))
	n := counts[0]
	tabs := make([]chromedp.Action[chromedp.Void], counts[1]+1)
	for i := range tabs {
		tabs[i] = chromedp.KeyEvent("\t")
	}
	tb.do("pressing Tab through "+page, tabs...)
	stops := run(tb, "reading the focus of "+page, chromedp.Evaluate[[]focusStop](`window.kbFocused`))
	reached := map[string]bool{}
	var unseen []string
	for _, s := range stops {
		reached[s.KB] = true
		if s.Outline != focusOutline || s.Contrast < minFocusContrast {
			unseen = append(unseen, fmt.Sprintf("%s (%s, %.1f:1)", s.Name, s.Outline, s.Contrast))
		}
	}
	if len(unseen) > 0 {
		tb.t.Errorf("%s: %d controls show the focus otherwise than by a %s outline of contrast %d:1 or more with its surroundings: %q",
			page, len(unseen), focusOutline, minFocusContrast, unseen)
	}
	if !strings.Contains(page, "provider-") {
		tb.checkSkipLink(page, stops)
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

// checkSkipLink checks a client page's skip link: the first stop of the
// Tab key (stops), shown in the window once it has the focus, and Enter on
// it moves the focus to the page's main element.
func (tb *tab) checkSkipLink(page string, stops []focusStop) {
	tb.t.Helper()
	if len(stops) == 0 || !stops[0].Skip || !stops[0].InView {
		tb.t.Errorf("%s: the first Tab stop is %+v, want the skip link, shown in the window", page, stops[:min(1, len(stops))])
		return
	}
	tb.do("following the skip link of "+page, chromedp.Focus(chromedp.CSS("a.skip")), chromedp.KeyEvent("\r"))
	if !run(tb, "reading the focus", chromedp.Evaluate[bool](`document.activeElement === document.querySelector("main")`)) {
		tb.t.Errorf("%s: Enter on the skip link did not move the focus to the main element", page)
	}
}

// waitPath waits until the tab is at path on some origin, its page loaded.
func (tb *tab) waitPath(path string) {
	tb.t.Helper()
	tb.waitUntil("waiting for "+path, `location.pathname === `+strconv.Quote(path)+` && `+loadedJS)
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

// TestBrowserNarrowScreenStepByStep: the home page, then a login step by
// step, with DPoP and "Sign with a key", so that the preview of (D) shows
// the placeholders of the proof and the assertion made at send time.
func TestBrowserNarrowScreenStepByStep(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarnessConfig(t, providertest.Options{DPoPNonce: true}, func(c *config.Config) { c.DPoP = "on" })
	tb.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
	tb.do("opening the home page", chromedp.Navigate(h.client.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	tb.checkNarrow("home")

	tb.do("logging in step by step",
		chromedp.Click(chromedp.CSS(`input[name="step_by_step"]`)),
		chromedp.Click(chromedp.CSS(`input[name="key"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		shows(chromedp.CSS(`a.next`)),
	)
	tb.checkNarrow("step-a")
	tb.do("continuing to the provider", chromedp.Click(chromedp.CSS(`a.next`)), shows(chromedp.CSS("#password")))
	tb.checkNarrow("provider-sign-in")
	tb.signIn("allow")
	tb.do("waiting for step C", shows(chromedp.CSS(`a.next`)))
	tb.checkNarrow("step-c")
	tb.do("continuing to (D)", chromedp.Click(chromedp.CSS(`a.next`)), shows(chromedp.CSS(`button.next`)))
	mustContain(t, "step D", tb.text(), "‹a fresh DPoP proof, made when you send›", "‹a fresh assertion, with its own jti and iat, signed when you send›")
	tb.checkNarrow("step-d")
	tb.do("sending the token request", chromedp.Click(chromedp.CSS(`button.next`)), shows(chromedp.CSS(`#walkthrough`)))
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
			chromedp.WaitNotPresent(chromedp.CSS(`form[action="/logout"]`)), // the home page has gone
		)
		tb.waitPath(action)
		tb.checkNarrow(action[1:])
	}
	tb.do("opening the attack lab", chromedp.Navigate(h.client.URL+"/attacks"), chromedp.WaitVisible(chromedp.CSS(`form[action="/attacks/code-replay"]`)))
	tb.checkNarrow("attacks")
	tb.startAttack(h, "token-in-query")
	tb.do("waiting for the result", shows(chromedp.CSS(`#result`)))
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
	// The provider asks to confirm (the request carries no ID token), then
	// sends the browser back with the logout's state.
	tb.do("confirming the logout at the provider", shows(chromedp.CSS("button.allow")), chromedp.Click(chromedp.CSS("button.allow")))
	// The provider's confirmation URL has a state too: wait for the client's page.
	tb.waitUntil("waiting for the logout page", `location.pathname === "/" && location.search.includes("state=") && `+loadedJS)
	tb.checkNarrow("logout")
	tb.noConsoleErrors()
}

// speak makes the tab ask for lang (an Accept-Language value) on every
// request: the language of the provider's pages that no authorization
// request chose.
func (tb *tab) speak(lang string) {
	tb.t.Helper()
	headers := network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang}}
	if _, err := chromedp.Call(tb.ctx, network.SetExtraHTTPHeaders, headers); err != nil {
		tb.t.Fatalf("asking for %s: %v", lang, err)
	}
}

// deviceAuthorization starts the device grant of the demo device client
// ([RFC 8628 Section 3.1]) and returns its verification_uri_complete.
//
// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
func (h *harness) deviceAuthorization() string {
	h.t.Helper()
	resp, body := h.do(http.MethodPost, h.provider.URL+"/oauth/device/code",
		url.Values{"client_id": {"device-client"}, "scope": {"openid profile offline_access"}})
	var answer struct {
		Complete string `json:"verification_uri_complete"`
	}
	if err := json.Unmarshal([]byte(body), &answer); resp.StatusCode != http.StatusOK || err != nil || answer.Complete == "" {
		h.t.Fatalf("device authorization: got %d %s, want 200 with verification_uri_complete (%v)", resp.StatusCode, body, err)
	}
	return answer.Complete
}

// TestBrowserNarrowScreenProviderPages walks the provider's pages a user
// meets outside a client's login — its home page, the device grant's
// pages, the logout pages, the traces — in English and in Chinese, each in a 390 px
// window, on both stores.
func TestBrowserNarrowScreenProviderPages(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, h *harness) {
		for _, lang := range []string{"en", "zh-TW"} {
			tb := newTab(t)
			tb.speak(lang)
			tb.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
			tb.checkProviderPages(h, lang)
		}
	})
}

// cardInsetJS measures how far the provider's card (its main element) is
// from the nearer side of the window.
const cardInsetJS = `(() => {
  const box = document.querySelector('main').getBoundingClientRect();
  return Math.min(box.left, window.innerWidth - box.right);
})()`

// minCardInset is the least room between the provider's card and the side
// of a phone's window: a card flush with the glass looks cut off.
const minCardInset = 8

// checkProviderPages checks each page of TestBrowserNarrowScreenProviderPages
// (walkProviderPages) with checkNarrow, its card for room at the window's
// sides, and checkChinese when lang is zh-TW.
func (tb *tab) checkProviderPages(h *harness, lang string) {
	tb.t.Helper()
	tb.walkProviderPages(h, func(page string) {
		tb.checkNarrow("provider-" + page + "-" + lang)
		if inset := run(tb, "measuring the card of "+page, chromedp.Evaluate[float64](cardInsetJS)); inset < minCardInset {
			tb.t.Errorf("the provider's %s page: its card is %.0f px from the window's edge, want %d px or more", page, inset, minCardInset)
		}
		if lang == "zh-TW" {
			tb.checkChinese("the provider's " + page + " page")
		}
	})
}

// walkProviderPages opens the provider's pages a user meets outside a
// client's login, and calls check with the name of each: home,
// device-code (a wrong code), device-consent, device-result, logout (the
// confirmation), logged-out and traces.
func (tb *tab) walkProviderPages(h *harness, check func(page string)) {
	tb.t.Helper()
	p := h.provider.URL
	tb.do("opening the provider's home page", chromedp.Navigate(p+"/"), chromedp.WaitVisible(chromedp.CSS("main ul")))
	check("home")
	tb.do("entering a wrong code",
		chromedp.Navigate(p+"/device"),
		chromedp.SendKeys(chromedp.CSS("#user_code"), "BCDF-GHJK"),
		chromedp.Click(chromedp.CSS("button.allow")),
		shows(chromedp.CSS(".error")),
	)
	check("device-code")
	tb.do("opening the device's link", chromedp.Navigate(h.deviceAuthorization()), chromedp.Click(chromedp.CSS("button.allow")))
	tb.do("waiting for the device consent page", shows(chromedp.CSS("button.deny")))
	check("device-consent")
	tb.signIn("allow")
	tb.do("waiting for the device's result", chromedp.WaitNotPresent(chromedp.CSS("button.allow")))
	tb.waitUntil("waiting for the device's result to load", loadedJS)
	check("device-result")
	logout := p + "/oauth/logout?client_id=testclient&post_logout_redirect_uri=" + url.QueryEscape(h.client.URL+"/")
	tb.do("asking to sign out", chromedp.Navigate(logout), chromedp.WaitVisible(chromedp.CSS("button.deny")))
	// The request carries no ID token, so its sender is unproven: the
	// focus is on the safe choice, and one Enter keeps the session.
	tb.waitUntil("waiting for the focus on Stay signed in", `document.activeElement.value === "stay"`)
	check("logout")
	tb.do("signing out", chromedp.Navigate(p+"/oauth/logout"), chromedp.Click(chromedp.CSS("button.allow")),
		chromedp.WaitNotPresent(chromedp.CSS("button.allow")))
	tb.waitUntil("waiting for the logged-out page to load", loadedJS)
	check("logged-out")
	tb.do("opening the traces", chromedp.Navigate(p+"/debug/traces"), shows(chromedp.CSS("details.trace")))
	check("traces")
}

// errorLookJS describes how the page's first .error box looks: its border,
// colours and corners.
const errorLookJS = `(() => {
  const s = getComputedStyle(document.querySelector('.error'));
  return [s.borderLeft, s.borderTopStyle, s.backgroundColor, s.color, s.borderRadius].join('; ');
})()`

// TestBrowserNarrowScreenLongValues opens the error pages that repeat what
// a request carried, with values too long for a line: each must wrap them
// within a 390 px window, and show the error in the same box in both
// programs, on both stores.
func TestBrowserNarrowScreenLongValues(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 8)
	onBothStores(t, func(t *testing.T, h *harness) {
		tb := newTab(t)
		tb.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
		authorize := h.provider.URL + "/oauth/authorize?response_type=code&client_id="
		looks := map[string]string{} // of the error's box, by page
		for page, u := range map[string]string{
			"provider-unknown-client": authorize + long,
			"provider-redirect-uri":   authorize + "testclient&redirect_uri=" + url.QueryEscape(h.client.URL+"/callback/"+long),
			"client-not-found":        h.client.URL + "/" + long,
		} {
			tb.do("opening "+page, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("h1")))
			tb.checkNarrow("long-" + page)
			looks[page] = run(tb, "reading the error's look", chromedp.Evaluate[string](errorLookJS))
		}
		// Both programs show an error in the same box.
		if looks["provider-unknown-client"] != looks["client-not-found"] || looks["provider-redirect-uri"] != looks["client-not-found"] {
			t.Errorf("the error's box differs between the programs: %q", looks)
		}
	})
}
