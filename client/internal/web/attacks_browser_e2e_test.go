package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/chromedp/chromedp"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// The attack lab in Chromium: each demonstration is started with its
// button on /attacks, and its result page must show the answer, the check
// that stopped it (the provider's, from its trace, or the client's own) and
// an aftermath whose every check passed. The pages are read by their
// elements (#answer, #defence and its data-by and data-ref, the aftermath's
// li.pass), not their prose, so a translated page reads the same; what the
// attack left behind is then checked from outside the browser too.

// attackWant is what an attack's result page must show.
type attackWant struct {
	name      string
	answer    string // a protocol value the answer shows, e.g. "invalid_grant"
	by        string // who stopped it: "provider" or "client"
	ref       string // the section of the check that stopped it
	aftermath int    // how many aftermath checks, every one passed
}

// attackShown is what an attack's result page shows, read from its elements.
type attackShown struct {
	Answer    string   `json:"answer"`
	By        string   `json:"by"`
	Ref       string   `json:"ref"`
	Aftermath []string `json:"aftermath"` // each check's class: "pass" or "fail"
}

// readAttackJS reads an attackShown from the result page.
const readAttackJS = `(() => {
  const defence = document.querySelector('#defence');
  return {
    answer: document.querySelector('#answer').innerText,
    by: defence.dataset.by || '',
    ref: defence.dataset.ref || '',
    aftermath: [...document.querySelectorAll('#result ul.checks > li')].map(li => li.className),
  };
})()`

// startAttack opens the attack lab and presses the button of the attack
// named name.
func (tb *tab) startAttack(h *harness, name string) {
	tb.t.Helper()
	tb.do("starting "+name,
		chromedp.Navigate(h.client.URL+"/attacks"),
		chromedp.Click(chromedp.CSS(`form[action="/attacks/`+name+`"] button`)),
	)
}

// checkAttack waits for the result of the attack want names, checks it
// against want, and saves its screenshot as attack-{name}.png.
func (tb *tab) checkAttack(want attackWant) {
	tb.t.Helper()
	tb.do("waiting for the result of "+want.name, shows(chromedp.CSS(`#result`)))
	got := run(tb, "reading the result of "+want.name, chromedp.Evaluate[attackShown](readAttackJS))
	if !containsWord(got.Answer, want.answer) {
		tb.t.Errorf("%s: the answer shows %q, want it to name %q", want.name, got.Answer, want.answer)
	}
	if got.By != want.by || got.Ref != want.ref {
		tb.t.Errorf("%s: the defence is the %s's check of %q, want the %s's of %q", want.name, got.By, got.Ref, want.by, want.ref)
	}
	if len(got.Aftermath) != want.aftermath || slices.ContainsFunc(got.Aftermath, func(c string) bool { return c != "pass" }) {
		tb.t.Errorf("%s: the aftermath's checks are %q, want %d that passed", want.name, got.Aftermath, want.aftermath)
	}
	tb.screenshot("attack-"+want.name, "")
}

// containsWord reports whether s contains word, between spaces or
// punctuation (an empty word is in every s).
func containsWord(s, word string) bool {
	return word == "" || slices.Contains(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(":;,()", r)
	}), word)
}

// approveAtProvider is step (B) of a demonstration that goes through the
// provider: the consent page, with the sign-in fields when the provider has
// no login session for this browser.
func (tb *tab) approveAtProvider() {
	tb.t.Helper()
	tb.do("waiting for the provider's consent page", shows(chromedp.CSS(`button.allow`)))
	if run(tb, "looking for the password field", chromedp.Evaluate[bool](`document.querySelector('#password') !== null`)) {
		tb.signIn("allow")
		return
	}
	tb.do("approving", chromedp.Click(chromedp.CSS(`button.allow`)))
}

// TestBrowserAttacks runs every demonstration of the lab but code-replay
// and dpop-replay (their own tests below) in one browser, logged in once:
// those that leave the login's tokens alive first, refresh-reuse, which
// kills them, last.
func TestBrowserAttacks(t *testing.T) {
	t.Parallel()
	tb, h := loggedInTab(t)
	token := h.spy.lastAccessToken()

	tb.startAttack(h, "token-in-query")
	tb.checkAttack(attackWant{name: "token-in-query", answer: "400", by: "provider", ref: "RFC 6750 Section 2.3", aftermath: 2})
	if got := h.bearer(token); got != http.StatusOK {
		t.Errorf("after token-in-query the access token gets %d, want 200: only the way it was sent was refused", got)
	}

	for _, want := range []attackWant{
		{name: "state-forgery", answer: "403", by: "client", ref: "RFC 6749 Section 10.12", aftermath: 2},
		{name: "iss-mixup", answer: "403", by: "client", ref: "RFC 9207 Section 2.4", aftermath: 2},
		{name: "redirect-uri-mismatch", answer: "400", by: "provider", ref: "RFC 9700 Section 2.1", aftermath: 2},
	} {
		tb.startAttack(h, want.name)
		tb.checkAttack(want)
	}
	if got := h.spy.tokenRequests(); len(got) != 1 {
		t.Errorf("token requests after the forged responses = %v, want only the login's: no forged code was exchanged", got)
	}

	tb.startAttack(h, "pkce-wrong-verifier")
	tb.approveAtProvider()
	tb.checkAttack(attackWant{name: "pkce-wrong-verifier", answer: "invalid_grant", by: "provider", ref: "RFC 7636 Section 4.6", aftermath: 2})
	if got := h.spy.lastAccessToken(); got != token {
		t.Error("the provider issued an access token for a wrong code_verifier")
	}

	tb.startAttack(h, "refresh-reuse")
	tb.checkAttack(attackWant{name: "refresh-reuse", answer: "invalid_grant", by: "provider", ref: "RFC 9700 Section 4.14.2", aftermath: 3})
	if got := h.bearer(h.spy.lastAccessToken()); got != http.StatusUnauthorized {
		t.Errorf("after refresh-reuse the newest access token gets %d, want 401", got)
	}
	tb.noConsoleErrors()
}

func TestBrowserAttackCodeReplay(t *testing.T) {
	t.Parallel()
	tb, h := loggedInTab(t)
	tb.do("opening the attack lab",
		chromedp.Navigate(h.client.URL+"/attacks"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/attacks/code-replay"]`)),
	)
	tb.screenshot("attack-lab", "")
	token := h.spy.lastAccessToken()
	tb.startAttack(h, "code-replay")
	tb.checkAttack(attackWant{name: "code-replay", answer: "invalid_grant", by: "provider", ref: "RFC 6749 Section 4.1.2", aftermath: 2})
	if got := h.bearer(token); got != http.StatusUnauthorized {
		t.Errorf("after code-replay the access token gets %d, want 401", got)
	}
	tb.do("going home", chromedp.Navigate(h.client.URL+"/"), shows(chromedp.CSS("#dead")))
	if home := tb.text(); !strings.Contains(home, "code-replay revoked every token") || strings.Contains(home, "Fetch resource") {
		t.Errorf("the home page after code-replay does not say the tokens are dead, or offers to use them:\n%s", home)
	}
	tb.screenshot("home-tokens-dead", "")
	tb.noConsoleErrors()
}

// TestBrowserAttackDPoPReplay runs dpop-replay with the client's DPOP=on
// and the provider's nonces.
func TestBrowserAttackDPoPReplay(t *testing.T) {
	t.Parallel()
	h := newHarnessConfig(t, providertest.Options{DPoPNonce: true}, func(c *config.Config) { c.DPoP = "on" })
	tb := loggedInTabOf(t, h)
	tb.startAttack(h, "dpop-replay")
	tb.checkAttack(attackWant{name: "dpop-replay", answer: "401", by: "provider", ref: "RFC 9449 Section 11.1", aftermath: 4})
	if got := h.bearer(h.spy.lastAccessToken()); got != http.StatusUnauthorized {
		t.Errorf("the DPoP-bound access token as a Bearer token gets %d, want 401", got)
	}
	tb.noConsoleErrors()
}
