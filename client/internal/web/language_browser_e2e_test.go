package web

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/oauth-reference/provider/providertest"
)

// The Chinese browser tests run the flows a learner who reads Chinese
// follows, in real Chromium: the language chosen on the switch with the
// keyboard, then every page checked for English sentences (englishRuns) and
// saved as docs/screenshots/zh-TW-*.png by make screenshots (README.zh-TW.md
// shows them).

// chooseChinese opens the client's home page and picks 繁體中文 on the
// language switch with the keyboard.
func (tb *tab) chooseChinese(h *harness) {
	tb.t.Helper()
	tb.do("choosing 繁體中文 on the switch",
		chromedp.EmulateViewport(1000, 760),
		chromedp.Navigate(h.client.URL+"/"),
		chromedp.Focus(chromedp.CSS(`form.lang button[value="zh-TW"]`)),
		chromedp.KeyEvent(kb.Enter),
		shows(chromedp.CSS(`html[lang="zh-Hant-TW"] form.lang button[aria-current][value="zh-TW"]`)),
	)
}

// checkChinese fails unless the page the tab shows (as its script has
// built it) is marked zh-Hant-TW and has no English sentence outside the
// protocol's own words.
func (tb *tab) checkChinese(name string) {
	tb.t.Helper()
	page := run(tb, "reading "+name, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	mustBeChinese(tb.t, name, page)
}

// mustBeChinese is checkChinese, then the page's screenshot, zh-TW-name.
func (tb *tab) mustBeChinese(name string) {
	tb.t.Helper()
	tb.checkChinese(name)
	tb.screenshot("zh-TW-"+name, "")
}

// signInChinese is step (B) at the provider, whose page must speak the
// language the client asked for with ui_locales.
func (tb *tab) signInChinese() {
	tb.t.Helper()
	tb.do("waiting for the provider's page", shows(chromedp.CSS("#password")))
	if lang := run(tb, "reading the provider's language", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "zh-Hant-TW" {
		tb.t.Errorf("the provider's sign-in page is in %q, want zh-Hant-TW (ui_locales=zh-TW)", lang)
	}
	tb.checkChinese("the provider's sign-in page")
	tb.signIn("allow")
}

// newChineseTab starts Chromium and the servers for t, and chooses
// 繁體中文 on the client's home page.
func newChineseTab(t *testing.T) (*tab, *harness) {
	t.Helper()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	tb.chooseChinese(h)
	return tb, h
}

// logInChinese logs in from the home page, signing in at the provider in
// Chinese, and waits for the walkthrough.
func (tb *tab) logInChinese(h *harness) {
	tb.t.Helper()
	tb.openAndLogIn(h)
	tb.signInChinese()
	tb.waitWalkthrough()
}

func TestBrowserChineseWalkthroughAndInspector(t *testing.T) {
	t.Parallel()
	tb, h := newChineseTab(t)
	tb.mustBeChinese("home")
	// The ASCII figure is one image to a screen reader, named in Chinese.
	if label := run(tb, "reading the figure's label", chromedp.Evaluate[string](`(document.querySelector("pre[role=img]") || {}).ariaLabel || ""`)); !strings.Contains(label, "授權碼流程") {
		t.Errorf("the figure's aria-label is %q, want the figure named in Chinese", label)
	}
	tb.logInChinese(h)
	tb.scrollTo("#walkthrough")
	tb.mustBeChinese("walkthrough")

	tb.do("opening the token inspector", chromedp.Navigate(h.client.URL+"/tokens"))
	// The countdown script writes its words in the page's language.
	run(tb, "waiting for the countdown", chromedp.Poll[bool](`[...document.querySelectorAll("time.countdown")].some(e => / 秒後\)$/.test(e.textContent))`))
	tb.mustBeChinese("inspector")
	tb.noConsoleErrors()
}

func TestBrowserChineseAttackLab(t *testing.T) {
	t.Parallel()
	tb, h := newChineseTab(t)
	tb.logInChinese(h)
	tb.do("opening the attack lab", chromedp.Navigate(h.client.URL+"/attacks"))
	tb.mustBeChinese("attack-lab")
	tb.startAttack(h, "code-replay")
	tb.do("waiting for the result", shows(chromedp.CSS(`#result`)))
	tb.mustBeChinese("attack-code-replay")
	tb.noConsoleErrors()
}

// hopTimeRE is a hop's time as every page shows it.
var hopTimeRE = regexp.MustCompile(`^\d\d:\d\d:\d\d$`)

func TestBrowserChineseSPA(t *testing.T) {
	t.Parallel()
	tb, h := newChineseTab(t)
	tb.openSPAAndLogIn(h)
	tb.do("waiting for the provider's page", shows(chromedp.CSS("#password")))
	if got := tb.location().Query().Get("ui_locales"); got != "zh-TW" {
		t.Errorf("the SPA's authorization request has ui_locales=%q, want zh-TW", got)
	}
	tb.signInChinese()
	tb.do("waiting for the SPA's callback page", shows(chromedp.CSS("#login")))
	outcome := tb.spaOutcome()
	mustContain(t, "the SPA's profile", outcome, `"name": "Demo User"`)
	hops := run(tb, "reading the hops", chromedp.Text(chromedp.CSS("#hops")))
	mustContain(t, "the SPA's hops", hops, "授權請求 (authorization request)", "state 是這個分頁在 (A) 送出的值", "ID 權杖驗證 (E)")
	// Each hop's tags: its channel in the page's language, and its time as
	// the server's hops show it (15:04:05), not in the browser's locale.
	tags := run(tb, "reading the hops' tags", chromedp.Evaluate[[][]string](
		`[...document.querySelectorAll("#hops .hop h3")].map((h) => [...h.querySelectorAll(".tag")].map((e) => e.textContent))`))
	if len(tags) < 3 {
		t.Fatalf("the SPA shows %d hops, want (A), (C), (D) and more", len(tags))
	}
	for i, tag := range tags {
		if len(tag) != 2 || (tag[0] != "前端通道 (front channel)" && tag[0] != "後端通道 (back channel)") || !hopTimeRE.MatchString(tag[1]) {
			t.Errorf("hop %d has tags %q, want its channel in Chinese and a time hh:mm:ss", i, tag)
		}
	}
	if title := run(tb, "reading the title", chromedp.Evaluate[string](`document.title`)); !strings.HasPrefix(title, "純瀏覽器應用") {
		t.Errorf("the SPA's title is %q, want it in Chinese", title)
	}
	tb.mustBeChinese("spa")
	tb.noConsoleErrors()
}
