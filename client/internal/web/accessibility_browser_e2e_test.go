package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oauth-reference/provider/providertest"
)

// TestBrowserAccessibility checks every HTML page of both programs with
// axe-core against the rules of WCAG 2.0 and 2.1, levels A and AA, in
// English and in Chinese, each page in the state a user meets it in. axe
// comes from interop/axe (npm ci --prefix interop/axe): the test puts its
// script into the page it checks, which itself loads nothing from outside.
//
// The pages, from the GET routes of both routers that render a template
// (client/internal/web/app.go, provider/internal/web/server.go):
//
//	client  /                 logged out; logged in (the walkthrough); after the logout (the revocations)
//	client  /login            step by step: (A); /callback: (C); /exchange: (D)
//	client  /tokens           the token inspector
//	client  /resource         the resource call (POST /refresh: the refresh's result)
//	client  /attacks          the lab, and the results of token-in-query and code-replay (POST /attacks/:name)
//	client  /spa              logged out and logged in (/spa/callback returns there)
//	client  /machine          before and after a run (POST /machine)
//	client  /device-flow      before a run, waiting for the user (polling automatically, and by hand), approved (POST /device-flow)
//	client  /mcp              before and after a run (/mcp/callback returns there)
//	client  /no-such-page     the error page
//	provider /                home
//	provider /oauth/authorize login and consent; consent when signed in; a bad redirect_uri (error.html);
//	                          an error for a self-registered client (leave.html)
//	provider /device          code entry, a wrong code, consent, done
//	provider /oauth/logout    the confirmation, "still signed in", signed out
//	provider /debug/traces    the teaching trace viewer
//
// Not here: the provider's GET /protected/resource page, which answers
// only a request with a bearer token, and so no browser's own visit (the
// client's resource page shows its text).
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	src := axeSource(t)
	h := newHarness(t, providertest.Options{DevicePollInterval: devicePollInterval})
	selfRegistered := h.selfRegister()
	for _, lang := range []string{"en", "zh-TW"} {
		// A tab of its own for each part: each within browserTestTimeout.
		for _, part := range []struct {
			name string
			walk func(*axeTab, *harness)
		}{
			{"login", walkLoginPages},
			{"labs", walkLabPages},
			{"provider", func(at *axeTab, h *harness) { walkProviderPagesAxe(at, h, selfRegistered) }},
		} {
			t.Run(lang+"/"+part.name, func(t *testing.T) {
				at := &axeTab{tab: newTab(t), src: src, lang: lang}
				// The client speaks the language chosen on its switch, and
				// asks the provider for it; the provider's own pages speak
				// the browser's.
				switch {
				case lang == "zh-TW" && part.name == "provider":
					at.speak(lang)
				case lang == "zh-TW":
					at.chooseChinese(h)
				}
				at.do("setting the window", chromedp.EmulateViewport(wideWidth, 900))
				part.walk(at, h)
			})
		}
	}
}

// wideWidth is the width of a laptop's window, the one every page is
// checked at; the main pages are checked at narrowWidth too.
const wideWidth = 1280

// axeDir holds the Node project that pins axe-core.
var axeDir = filepath.Join("..", "..", "..", "interop", "axe")

// axeSource returns the script of axe-core, or skips t without it (fails
// it in CI, where .ci/run installs it).
func axeSource(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(axeDir, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		const how = "run: npm ci --prefix interop/axe"
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core is not installed (%v): %s", err, how)
		}
		t.Skipf("axe-core is not installed (%v): %s", err, how)
	}
	return string(src)
}

// axeTab is a tab that checks its pages with axe-core.
type axeTab struct {
	*tab
	src  string // axe.min.js
	lang string // "en" or "zh-TW", in the name of each page
}

// axeRunJS runs axe on the page with the rules of WCAG 2.0 and 2.1, A and
// AA, and returns the violations.
const axeRunJS = `axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  resultTypes: ['violations'],
}).then((r) => r.violations.map((v) => ({
  id: v.id, impact: v.impact || '', help: v.help,
  targets: v.nodes.map((n) => n.target.join(' ')),
})))`

// axeViolation is one rule a page breaks, and where.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"` // a CSS selector of each element
}

// check runs axe on the page the tab shows, at wideWidth and, when narrow,
// at narrowWidth too, and fails the test with a line for each violation.
func (at *axeTab) check(page string, narrow bool) {
	at.t.Helper()
	at.checkAt(page, wideWidth)
	if narrow {
		at.do("setting a phone's window", chromedp.EmulateViewport(narrowWidth, 844))
		at.checkAt(page, narrowWidth)
		at.do("setting the window", chromedp.EmulateViewport(wideWidth, 900))
	}
}

// checkAt is check at one width.
func (at *axeTab) checkAt(page string, width int) {
	at.t.Helper()
	name := fmt.Sprintf("%s [%s, %d px]", page, at.lang, width)
	at.waitUntil("waiting for "+name+" to load", loadedJS)
	if !run(at.tab, "looking for axe", chromedp.Evaluate[bool](`typeof axe !== "undefined"`)) {
		run(at.tab, "putting axe into "+name, chromedp.Evaluate[bool](at.src+"\n;true"))
	}
	for _, v := range run(at.tab, "running axe on "+name, chromedp.Evaluate[[]axeViolation](axeRunJS, chromedp.EvalAwaitPromise)) {
		at.t.Errorf("%s: %s (%s) at %s: %s", name, v.ID, v.Impact, strings.Join(v.Targets, ", "), v.Help)
	}
}

// walkLoginPages checks the client's home page, a login step by step with
// the provider's sign-in page, the walkthrough, the inspector, the
// resource and refresh results, the logout (the provider's confirmation,
// the client's page of revocations) and the client's error page.
func walkLoginPages(at *axeTab, h *harness) {
	at.do("opening the home page", chromedp.Navigate(h.client.URL+"/"), shows(chromedp.CSS(`form[action="/login"]`)))
	at.check("client home, logged out", true)
	at.do("logging in step by step",
		chromedp.Click(chromedp.CSS(`input[name="step_by_step"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		shows(chromedp.CSS(`a.next`)),
	)
	at.check("client step (A)", true)
	at.do("continuing to the provider", chromedp.Click(chromedp.CSS(`a.next`)), shows(chromedp.CSS("#password")))
	at.check("provider sign-in and consent", true)
	at.signIn("allow")
	at.do("waiting for step C", shows(chromedp.CSS(`a.next`)))
	at.check("client step (C)", false)
	at.do("continuing to (D)", chromedp.Click(chromedp.CSS(`a.next`)), shows(chromedp.CSS(`button.next`)))
	at.check("client step (D)", false)
	at.do("sending the token request", chromedp.Click(chromedp.CSS(`button.next`)), shows(chromedp.CSS(`#walkthrough`)))
	at.check("client home, logged in (walkthrough)", true)
	at.do("opening the inspector", chromedp.Navigate(h.client.URL+"/tokens"), shows(chromedp.CSS(`#family`)))
	at.check("client token inspector", true)
	for _, action := range []string{"/resource", "/refresh"} {
		at.do("pressing the button of "+action,
			chromedp.Navigate(h.client.URL+"/"),
			chromedp.Click(chromedp.CSS(`form[action="`+action+`"] button`)),
			chromedp.WaitNotPresent(chromedp.CSS(`form[action="/logout"]`)), // the home page has gone
		)
		at.waitPath(action)
		at.check("client "+action, false)
	}
	at.do("logging out",
		chromedp.Navigate(h.client.URL+"/"),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		shows(chromedp.CSS("button.allow")),
	)
	at.check("provider logout confirmation", false)
	at.do("confirming the logout", chromedp.Click(chromedp.CSS("button.allow")))
	at.waitUntil("waiting for the logout page", `location.pathname === "/" && location.search.includes("state=") && `+loadedJS)
	at.check("client logged out (revocations)", false)
	at.do("opening a page that is not there", chromedp.Navigate(h.client.URL+"/no-such-page"), shows(chromedp.CSS("h1")))
	at.check("client error page", false)
}

// walkLabPages logs in, then checks the attack lab and two results, the
// SPA logged out and in (with the provider's consent page of a signed-in
// user), the client credentials page, the device grant's page and the MCP
// page, each before and after a run (the MCP run with the provider's
// consent page, which warns of its loopback redirect URI), and the
// provider's page of a user who chose to stay signed in there when the
// client logged out.
func walkLabPages(at *axeTab, h *harness) {
	at.logIn(h)
	at.do("opening the attack lab", chromedp.Navigate(h.client.URL+"/attacks"), shows(chromedp.CSS(`form[action="/attacks/code-replay"]`)))
	at.check("client attack lab", true)
	for _, name := range []string{"token-in-query", "code-replay"} { // code-replay last: it revokes the login's tokens
		at.startAttack(h, name)
		at.do("waiting for the result", shows(chromedp.CSS(`#result`)))
		at.check("client attack "+name, name == "code-replay")
	}

	at.do("opening the SPA", chromedp.Navigate(h.client.URL+"/spa"), shows(chromedp.CSS("#login")))
	at.check("client SPA, logged out", false)
	at.do("logging in", chromedp.Click(chromedp.CSS("#login")), shows(chromedp.CSS("button.allow")))
	at.check("provider consent, signed in", true)
	at.do("approving", chromedp.Click(chromedp.CSS("button.allow")))
	at.waitUntil("waiting for the SPA's profile", `location.pathname === "/spa" && document.getElementById("profile").textContent.includes("user1")`)
	at.check("client SPA, logged in", true)

	at.do("opening the machine page", chromedp.Navigate(h.client.URL+machinePath), shows(chromedp.CSS(`#machine-start`)))
	at.check("client machine", false)
	at.do("running it", chromedp.Click(chromedp.CSS(`#machine-start`)), shows(chromedp.CSS(`#done`)))
	at.check("client machine, run", true)

	at.do("opening the device page", chromedp.Navigate(h.client.URL+devicePath), shows(chromedp.CSS(`#device-start`)))
	at.check("client device grant", false)
	at.do("starting it", chromedp.Click(chromedp.CSS(`#device-start`)), shows(chromedp.CSS(`#user-code`)))
	// While it waits, its script polls without reloading it; its meta
	// refresh, for a browser without scripting, is in <noscript>, which
	// neither the browser nor axe (rule meta-refresh) sees here.
	at.check("client device grant, waiting", true)
	at.do("stopping the automatic polling", chromedp.Click(chromedp.CSS(`#by-hand`)), shows(chromedp.CSS(`#poll-now`)))
	at.check("client device grant, polling by hand", false)
	verify := run(at.tab, "reading the link", chromedp.Evaluate[string](`document.querySelector("#verify").href`))
	h.deviceDecide(verify, "allow")
	at.do("letting the page poll automatically again", chromedp.Navigate(h.client.URL+devicePath))
	at.waitUntil("waiting for the approval", `document.getElementById("approved") !== null && `+loadedJS)
	at.check("client device grant, approved", false)

	at.do("opening the MCP page", chromedp.Navigate(h.client.URL+mcpPath), shows(chromedp.CSS(`#mcp-start`)))
	at.check("client MCP", false)
	at.do("starting a run", chromedp.Click(chromedp.CSS(`#mcp-start`)), shows(chromedp.CSS("p.warning")))
	at.check("provider consent, a self-registered client on loopback (warned)", true)
	at.do("approving", chromedp.Click(chromedp.CSS("button.allow")))
	at.do("waiting for the result", shows(chromedp.CSS(`#connected`)))
	at.check("client MCP, run", true)

	at.do("logging out, then staying signed in at the provider",
		chromedp.Navigate(h.client.URL+"/"),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		shows(chromedp.CSS("button.deny")),
		chromedp.Click(chromedp.CSS("button.deny")),
		chromedp.WaitNotPresent(chromedp.CSS("button.deny")),
	)
	at.check("provider still signed in", false)
}

// walkProviderPagesAxe checks the device page before a code is entered,
// the error pages of an authorization request (a bad redirect_uri; an
// error for a self-registered client, selfRegistered), then the provider's
// pages of walkProviderPages.
func walkProviderPagesAxe(at *axeTab, h *harness, selfRegistered string) {
	at.do("opening the device page", chromedp.Navigate(h.provider.URL+"/device"), shows(chromedp.CSS("#user_code")))
	at.check("provider device code entry", true)
	authorize := h.provider.URL + "/oauth/authorize?response_type=code&client_id="
	at.do("sending a bad redirect_uri", chromedp.Navigate(authorize+"testclient&redirect_uri="+url.QueryEscape(h.client.URL+"/elsewhere")),
		shows(chromedp.CSS(".error")))
	at.check("provider authorization error (redirect_uri)", true)
	at.do("sending a bad scope for a self-registered client",
		chromedp.Navigate(authorize+selfRegistered+"&redirect_uri="+url.QueryEscape(selfRegisteredRedirectURI)+"&scope=no-such-scope"),
		shows(chromedp.CSS("a.button.allow")))
	at.check("provider leave for an unvouched redirect URI", false)
	at.walkProviderPages(h, func(page string) { at.check("provider "+page, true) })
}

// selfRegisteredRedirectURI is the redirect URI of the client that
// selfRegister registers: an https URI, which the provider does not vouch for.
const selfRegisteredRedirectURI = "https://app.example/callback"

// selfRegister registers a client at the provider's registration endpoint
// ([RFC 7591 Section 3.1]) and returns its client_id.
//
// [RFC 7591 Section 3.1]: https://www.rfc-editor.org/rfc/rfc7591#section-3.1
func (h *harness) selfRegister() string {
	h.t.Helper()
	body := `{"client_name":"Self-registered app","redirect_uris":["` + selfRegisteredRedirectURI + `"],"token_endpoint_auth_method":"none"}`
	resp, err := h.user.Client.Post(h.provider.URL+"/oauth/register", "application/json", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var reg struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reg); err != nil || resp.StatusCode != http.StatusCreated || reg.ClientID == "" {
		h.t.Fatalf("registering a client: got %d (%v), want 201 with a client_id", resp.StatusCode, err)
	}
	return reg.ClientID
}
