package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/oauth-reference/provider/providertest"
)

// The browser tests click through README's "Walkthrough in a browser" in
// real Chromium, driven over the DevTools protocol by chromedp, against this
// client and the real provider, both on 127.0.0.1 (newHarness). They hold
// what the HTTP tests above cannot: that the pages work in a browser — the
// forms, the cookies across the redirects, the SPA's script with WebCrypto
// and its cross-origin requests under the client's Content Security Policy.
//
// Chromium is looked up on PATH. Where it is missing the tests skip, except
// in CI (the environment variable CI is set), where they fail: CI installs
// it (.ci/run).

// browserTestTimeout bounds a whole browser test, Chromium's start included:
// a page that never shows what a test waits for fails the test then.
const browserTestTimeout = 30 * time.Second

// chromiumNames are the executables looked up on PATH, Debian's first.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// tab is one headless Chromium with one tab, for one test. It records the
// errors its pages log or throw, and the answers of the provider's token
// endpoint that its pages fetch.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	errors  []string                     // console errors, uncaught exceptions, error entries of the browser log
	fetched map[string]*network.Response // by URL, the responses to the pages' fetch requests
}

// newTab starts Chromium for t; it is closed when t ends, or killed when
// browserTestTimeout has passed.
func newTab(t *testing.T) *tab {
	t.Helper()
	path := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), browserTestTimeout)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // Chromium will not run as root (as in CI) with its sandbox
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// None of Chromium's own traffic: this machine reaches nothing but
		// the loopback servers of the test.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// No --user-data-dir: chromedp starts each browser with a fresh
		// temporary profile and deletes it when the browser has exited.
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tb := &tab{t: t, fetched: map[string]*network.Response{}}
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(tb.listen))
	t.Cleanup(func() {
		cancelTab() // closes the browser
		cancelAlloc()
		cancel()
	})
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	// The page behaves as the focused page of a focused window, as a reader's
	// does: headless, whether the window has the focus depends on the
	// browser's own timing.
	if _, err := chromedp.Call(tabCtx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	tb.ctx = tabCtx
	return tb
}

// chromiumPath finds Chromium, or skips t (fails it in CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range chromiumNames {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("none of %v is on PATH: CI must install Chromium (.ci/run)", chromiumNames)
	}
	t.Skipf("none of %v is on PATH: install Chromium to run the browser tests", chromiumNames)
	return ""
}

// listen records the tab's events that the tests check. chromedp calls it
// in the tab's event loop, in the order of arrival, so every event sent
// before the answer to a command has been recorded when the command returns.
func (tb *tab) listen(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				if a.Description != "" {
					args = append(args, a.Description)
				} else {
					args = append(args, string(a.Value))
				}
			}
			tb.errors = append(tb.errors, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		tb.errors = append(tb.errors, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
	case *log.EventEntryAdded:
		// Chromium asks every origin for /favicon.ico, which neither server
		// has: the browser's own request, not an error of a page. A page
		// asking for a trace the provider does not keep (teaching mode off
		// there, or no CORS on it yet) is refused as it expects.
		if ev.Entry.Level == log.EntryLevelError && !strings.HasSuffix(ev.Entry.URL, "/favicon.ico") &&
			!strings.Contains(ev.Entry.URL+" "+ev.Entry.Text, "/debug/trace/") {
			tb.errors = append(tb.errors, fmt.Sprintf("browser log (%s) %s: %s", ev.Entry.Source, ev.Entry.URL, ev.Entry.Text))
		}
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeFetch {
			tb.fetched[ev.Response.URL] = ev.Response
		}
	}
}

// consoleErrors returns the errors recorded so far.
func (tb *tab) consoleErrors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.errors...)
}

// noConsoleErrors fails the test if a page logged or threw an error.
func (tb *tab) noConsoleErrors() {
	tb.t.Helper()
	for _, e := range tb.consoleErrors() {
		tb.t.Errorf("the browser reported an error: %s", e)
	}
}

// fetchResponse returns the response to a page's fetch of rawURL.
func (tb *tab) fetchResponse(rawURL string) *network.Response {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.fetched[rawURL]
}

// do runs actions in the tab, failing the test with what the tab shows if
// one fails.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.fatal(what, err)
	}
}

// run runs one action that returns a value.
func run[T any](tb *tab, what string, action chromedp.Action[T]) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, action)
	if err != nil {
		tb.fatal(what, err)
	}
	return v
}

// fatal ends the test, saying where the tab was and what it showed.
func (tb *tab) fatal(what string, err error) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	tb.t.Fatalf("%s: %v\nthe tab is at %s, showing:\n%s\nbrowser errors: %q", what, err, loc, body, tb.consoleErrors())
}

// loaded waits until the tab's page has loaded. Chromium hands DevTools
// its document again when the page's DOMContentLoaded fires, and every
// node id given out before is dead from then on; an element can be visible
// well before that, while a script the page loads holds up its parser (as
// the token inspector's countdown.js does). An action that finds its node
// then and clicks or reads it after fails with "No node with given id
// found", so a test waits for this before it touches a page the tab has
// just opened (Navigate waits for the load itself).
func loaded() chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](loadedJS)
}

// loadedJS is true once the tab's page has loaded (see loaded).
const loadedJS = `document.readyState === "complete"`

// shows waits until the page the tab has just opened shows sel and has
// loaded (see loaded).
func shows[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.WaitVisible(sel), loaded())
}

// text returns the text the page shows in its main element.
func (tb *tab) text() string {
	tb.t.Helper()
	return run(tb, "reading the page", chromedp.Text(chromedp.CSS("main")))
}

// location returns the tab's URL.
func (tb *tab) location() *url.URL {
	tb.t.Helper()
	u, err := url.Parse(run(tb, "reading the location", chromedp.Location()))
	if err != nil {
		tb.t.Fatal(err)
	}
	return u
}

// openAndLogIn is step (A): the client's home page, then its Log in link,
// which leads to the provider.
func (tb *tab) openAndLogIn(h *harness) {
	tb.do("opening the client's home page",
		chromedp.Navigate(h.client.URL+"/"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
	)
}

// openSPAAndLogIn is the SPA's step (A): its page, then its Log in
// button, whose script sends the browser to the provider.
func (tb *tab) openSPAAndLogIn(h *harness) {
	tb.do("opening the SPA", chromedp.Navigate(h.client.URL+"/spa"), chromedp.Click(chromedp.CSS("#login")))
}

// logIn is a whole login from the client's home page: (A), then the demo
// user signs in and allows (B), then the walkthrough once (C)–(E) are done.
func (tb *tab) logIn(h *harness) {
	tb.t.Helper()
	tb.openAndLogIn(h)
	tb.signIn("allow")
	tb.waitWalkthrough()
}

// waitWalkthrough waits for the client's walkthrough: the login is done.
func (tb *tab) waitWalkthrough() {
	tb.t.Helper()
	tb.do("waiting for the walkthrough", shows(chromedp.CSS(`#walkthrough`)))
}

// signIn is step (B) at the provider's login and consent page: the demo
// user's credentials, then the button of the decision ("allow" or "deny").
func (tb *tab) signIn(decision string) {
	tb.t.Helper()
	tb.do("signing in at the provider",
		shows(chromedp.CSS("#password")),
		chromedp.Clear(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), providertest.DemoUsername),
		chromedp.SendKeys(chromedp.CSS("#password"), providertest.DemoPassword),
		chromedp.Click(chromedp.CSS("button."+decision)),
	)
}

func TestBrowserAuthorizationCodeFlow(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})

	// (A) The client's home page; Log in goes to the provider.
	tb.openAndLogIn(h)
	// (B) Sign in and allow; (C)–(E) the client exchanges the code and
	// lands on its home page, which shows the user and the tokens.
	tb.signIn("allow")
	tb.do("waiting for the client's home page, logged in", shows(chromedp.CSS(`form[action="/logout"]`)))
	if loc := tb.location(); loc.String() != h.client.URL+"/" {
		t.Errorf("after the callback the tab is at %s, want %s/ (the code out of the address bar)", loc, h.client.URL)
	}
	home := tb.text()
	mustContain(t, "home page", home, "Signed in as Demo User", "demo@example.com", "user1",
		"Access token", "Refresh token", "ID token", `"typ": "at+jwt"`, `"nonce"`, "expires in 59 minutes")
	access := h.spy.lastAccessToken()
	source := run(tb, "reading the home page's HTML", chromedp.OuterHTML(chromedp.CSS("html")))
	mustNotContain(t, "home page", source, access, "testsecret")
	mustContain(t, "home page", home, access[:6]+"…"+access[len(access)-4:])

	// (E) Fetch resource: the client calls the provider's resource server.
	tb.do("fetching the resource",
		chromedp.Click(chromedp.CSS(`form[action="/resource"] button`)),
		shows(`//h1[text()="Protected resources"]`),
	)
	mustContain(t, "resource page", tb.text(), "This page is secured.", `"name": "Demo User"`, "200 OK")

	// Log out: the client revokes both tokens (RFC 7009), then sends the
	// browser to the provider's end_session_endpoint
	// (OIDC RP-Initiated Logout) with no token in the URL, so the provider
	// asks the user to confirm; it then ends the login session there and
	// sends the browser back to the client's home page with the logout's
	// state.
	tb.do("logging out",
		chromedp.Click(chromedp.CSS(`main a[href="/"]`)), // back to the overview
		shows(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		shows(chromedp.CSS(`form[action="/oauth/logout"] button.allow`)),
	)
	if loc := tb.location(); loc.Query().Has("id_token_hint") || loc.Path != "/oauth/logout" {
		t.Errorf("the provider's logout confirmation is at %s, want /oauth/logout without id_token_hint", loc)
	}
	mustNotContain(t, "the logout request's URL", tb.location().String(), h.spy.lastTokens()...)
	tb.screenshot("logout-confirm", "")
	tb.do("confirming the logout at the provider",
		chromedp.Click(chromedp.CSS(`form[action="/oauth/logout"] button.allow`)),
		shows(`//h1[text()="Logged out"]`),
	)
	tb.screenshot("logout", "")
	if loc := tb.location(); loc.Host != h.client.Listener.Addr().String() || loc.Path != "/" || loc.Query().Get("state") == "" {
		t.Errorf("after logout the tab is at %s, want the client's post-logout redirect URI %s/ with state", loc, h.client.URL)
	}
	text := tb.text()
	if strings.Count(text, "(revoked)") != 2 || strings.Count(text, "(inactive)") != 2 {
		t.Errorf("logout page does not show two revocations and two inactive tokens:\n%s", text)
	}
	mustContain(t, "logout page", text, "ended your login session there")
	if status := h.bearer(access); status != http.StatusUnauthorized {
		t.Errorf("after logout: /protected/resource answered %d, want 401", status)
	}

	// Log in again: the provider's login session has ended, so its page
	// asks for the password again (README, "Logout").
	tb.do("logging in again",
		chromedp.Click(chromedp.CSS(`main a[href="/"]`)), // back to the overview
		shows(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		shows(chromedp.CSS("button.allow")),
	)
	fields := run(tb, "counting the login page's credential fields",
		chromedp.Evaluate[int](`document.querySelectorAll("input[name=username], input[name=password]").length`))
	if fields != 2 {
		t.Errorf("after logout the provider's page has %d credential fields, want the username and password", fields)
	}
	tb.signIn("allow")
	tb.do("waiting for the home page after the second login", shows(chromedp.CSS(`form[action="/logout"]`)))
	mustContain(t, "home page after the second login", tb.text(), "Signed in as Demo User")
	if got := h.spy.tokenRequests(); len(got) != 2 || got[0] != "authorization_code" || got[1] != "authorization_code" {
		t.Errorf("token requests = %v, want [authorization_code authorization_code]", got)
	}
	tb.noConsoleErrors()
}

func TestBrowserDeny(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	tb.openAndLogIn(h)
	tb.signIn("deny")
	tb.do("waiting for the access denied page", shows(`//h1[text()="Access denied"]`))
	if loc := tb.location(); loc.Path != "/callback" || loc.Query().Get("error") != "access_denied" {
		t.Errorf("the tab is at %s, want the client's /callback with error=access_denied", loc)
	}
	mustContain(t, "access denied page", tb.text(), "access_denied", "nothing was exchanged", "Log in again")
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Errorf("token requests = %v, want none", got)
	}
	// No check of the console: the page is a 403, which Chromium logs as a
	// failed load.
}

// liveText returns the text of the element id, after checking that it
// sits in a live region of role (status or alert) that is shown even when
// the element is not: a region that appears with its message is not
// announced.
func (tb *tab) liveText(id, role string) string {
	tb.t.Helper()
	got := run(tb, "reading the live region of #"+id, chromedp.Evaluate[[]string](`(() => {
  const e = document.getElementById("`+id+`"), region = e.closest('[role="`+role+`"]');
  return [!region ? "none" : region.checkVisibility() ? "shown" : "hidden", e.textContent];
})()`))
	if got[0] != "shown" {
		tb.t.Errorf("#%s is in no shown live region of role %s (%s)", id, role, got[0])
	}
	return got[1]
}

// spaOutcome waits for the SPA to show the profile it fetched, or an error,
// and returns it.
func (tb *tab) spaOutcome() string {
	tb.t.Helper()
	return run(tb, "waiting for the profile", chromedp.Poll[string](`(() => {
		const err = document.getElementById("error");
		if (!err.hidden) return "error: " + err.textContent;
		return document.getElementById("profile").textContent;
	})()`))
}

// TestBrowserSPARefusesAResponseWithoutIss: a response that carries this
// tab's state but no iss, from a provider whose metadata says it always
// sends one, is refused as missing its issuer (RFC 9207 Section 2.4), not
// as naming another.
func TestBrowserSPARefusesAResponseWithoutIss(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	if !h.app.public.AuthorizationResponseIssParameterSupported {
		t.Fatal("the provider does not advertise authorization_response_iss_parameter_supported")
	}
	tb.openSPAAndLogIn(h)
	tb.do("waiting for the provider's page", shows(chromedp.CSS("#password")))
	state := tb.location().Query().Get("state")
	tb.do("coming back without iss", chromedp.Navigate(h.client.URL+"/spa/callback?code=x&state="+url.QueryEscape(state)))
	outcome := tb.spaOutcome()
	mustContain(t, "the refusal", outcome, "carries no iss", "authorization_response_iss_parameter_supported")
	mustNotContain(t, "the refusal", outcome, "Wrong issuer")
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Errorf("token requests = %v, want none", got)
	}
}

func TestBrowserSPA(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	h := newHarness(t, providertest.Options{DPoPNonce: true})

	// Logged out, the page offers the login only: the hidden buttons stay hidden.
	tb.do("opening the SPA", chromedp.Navigate(h.client.URL+"/spa"), loaded())
	if shown := run(tb, "reading the SPA's buttons", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("main button")].filter((b) => b.checkVisibility()).map((b) => b.id)`)); strings.Join(shown, ",") != "login" {
		t.Errorf("logged out, the SPA shows the buttons %q, want only login", shown)
	}

	// (A) The page's script builds the request: PKCE S256 with WebCrypto.
	tb.openSPAAndLogIn(h)
	tb.do("waiting for the provider's page", shows(chromedp.CSS("#password")))
	q := tb.location().Query()
	for name, want := range map[string]string{
		"response_type": "code", "client_id": "spa-client", "redirect_uri": h.client.URL + "/spa/callback",
		"code_challenge_method": "S256",
	} {
		if got := q.Get(name); got != want {
			t.Errorf("authorization request: %s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"state", "nonce", "code_challenge", "dpop_jkt"} {
		if len(q.Get(name)) != 43 {
			t.Errorf("authorization request: %s = %q, want 256 bits, base64url (43 characters)", name, q.Get(name))
		}
	}

	// (B) Sign in and allow; (C)–(E) in the page: the token request and the
	// profile call are cross-origin fetches the provider allows with CORS.
	tb.signIn("allow")
	tb.do("waiting for the SPA's callback page", shows(chromedp.CSS("#login")))
	outcome := tb.spaOutcome()
	mustContain(t, "profile", outcome, `"name": "Demo User"`, `"id": "user1"`)
	mustContain(t, "profile call", run(tb, "reading the profile call", chromedp.Text(chromedp.CSS("#profile-title"))),
		"GET "+h.provider.URL+"/user/profile → 200")
	mustContain(t, "decoded ID token", run(tb, "reading the ID token", chromedp.Text(chromedp.CSS("#idtoken"))),
		`"aud": "spa-client"`, `"nonce"`)
	mustContain(t, "decoded access token", run(tb, "reading the decoded token", chromedp.Text(chromedp.CSS("#decoded"))),
		`"client_id": "spa-client"`, `"sub": "user1"`)
	hops := run(tb, "reading the hops", chromedp.Text(chromedp.CSS("#hops")))
	mustContain(t, "the SPA's hops", hops, "(A)Authorization request", "code_challenge_method", "(C)Authorization response",
		"state is the one this tab sent in (A)", "(D)Access token request and response", "code_verifier=••••••",
		"HTTP 200", `"token_type": "DPoP"`, "ID token validation (E)", "nonce is the one this tab sent in (A)",
		"Protected resource request", "Authorization: DPoP eyJ",
		// the provider's checks of the token request, from its trace
		"The provider's checks", "a public client presents no secret", "code_verifier matches the S256 code_challenge",
		// RFC 9449: each token and resource request carries a proof, shown
		// decoded; the first token request learns the server's nonce.
		"The DPoP proof, decoded", `"typ": "dpop+jwt"`, `"ath": "`, "use_dpop_nonce", "DPoP-Nonce: ")
	extractable := run(tb, "reading the DPoP key", chromedp.Evaluate[bool](`dpop.key.privateKey.extractable`))
	if extractable {
		t.Error("the SPA's DPoP private key is extractable, want a non-extractable WebCrypto key (RFC 9449 Section 11.4)")
	}
	// The one check that may fail: the provider's nonce check of the first
	// token request (RFC 9449 Section 8), which the page then retries.
	failed := run(tb, "reading the failed checks", chromedp.Evaluate[[]string](`hops.flatMap((h) =>
		[...(h.checks || []), ...((h.trace || {}).checks || [])]).filter((c) => !c.passed).map((c) => c.rule)`))
	if len(failed) > 1 || len(failed) == 1 && !strings.Contains(failed[0], "nonce") {
		t.Errorf("failed checks: got %q, want at most the nonce check of the first token request:\n%s", failed, hops)
	}
	// Every check's RFC reference links its section or appendix, as the
	// server-rendered pages' do (xray.Ref): the form rule's
	// "RFC 6749 Appendix B" too.
	unlinked := run(tb, "reading the unlinked references", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#hops span[translate="no"]')]
		.map((e) => e.textContent).filter((t) => /^RFC \d+ (Section|Appendix) /.test(t))`))
	appendix := run(tb, "reading the appendix links", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#hops a[href$="rfc6749#appendix-B"]')].map((a) => a.textContent)`))
	if len(unlinked) > 0 || len(appendix) == 0 {
		t.Errorf("references shown without a link: %q; links to RFC 6749 Appendix B: %q, want at least one", unlinked, appendix)
	}
	// Each trace links its row on the provider's traces page, opened.
	rows := run(tb, "reading the trace links", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#hops h4 a[href*="/debug/traces?"]')].map((a) => a.href)`))
	if len(rows) == 0 {
		t.Error("no trace of the SPA's hops links the provider's traces page")
	}
	for _, row := range rows {
		u, err := url.Parse(row)
		id := u.Query().Get("request_id")
		if err != nil || u.Query().Get("client_id") != "spa-client" || u.Fragment != "trace-"+id {
			t.Errorf("trace link %q: want spa-client's requests, the request's id and its row as the fragment", row)
			continue
		}
		if _, page := h.get(row); !regexp.MustCompile(`<details id="trace-` + id + `" class="trace[^"]*" open>`).MatchString(page) {
			t.Errorf("the provider's traces page at %s does not show request %s open", row, id)
		}
	}
	if loc := tb.location(); loc.Path != "/spa" || loc.RawQuery != "" {
		t.Errorf("after the callback the tab is at %s, want /spa without the code", loc)
	}
	tb.do("setting the window", chromedp.EmulateViewport(1000, 720))
	tb.scrollTo("#hops-title")
	tb.screenshot("spa", "")

	tokenEndpoint := h.provider.URL + "/oauth/token"
	resp := tb.fetchResponse(tokenEndpoint)
	if resp == nil {
		t.Fatalf("no response to the page's fetch of %s reached the page", tokenEndpoint)
	}
	if resp.Status != http.StatusOK {
		t.Errorf("the token request answered %d, want 200", resp.Status)
	}
	if acao := header(resp.Headers, "Access-Control-Allow-Origin"); acao != "*" && acao != h.client.URL {
		t.Errorf("token response Access-Control-Allow-Origin = %q, want * or %s", acao, h.client.URL)
	}

	leftovers := run(tb, "reading the storage",
		chromedp.Evaluate[int](`localStorage.length + (sessionStorage.getItem("spa-pending") === null ? 0 : 1)`))
	if leftovers != 0 {
		t.Errorf("the SPA left %d entries in web storage, want none (tokens live in a variable; the PKCE verifier is used once)", leftovers)
	}

	// Refresh, then Log out: each a hop of its own, the refresh token rotated
	// and both tokens revoked.
	// The hops that do not change keep their elements while new ones
	// arrive: a reader's focus in hop (A) stays where it was.
	run(tb, "focusing a link of hop (A)", chromedp.Evaluate[bool](`(window.linkA = document.querySelector("#hops a")).focus() ?? true`))
	run(tb, "refreshing", chromedp.Evaluate[bool](`document.getElementById("refresh").click() ?? true`))
	run(tb, "waiting for the refresh", chromedp.Poll[bool](`document.getElementById("hops").textContent.includes("Refresh token grant") &&
		document.getElementById("hops").textContent.split("Protected resource request").length === 3 && !document.getElementById("notice").hidden`))
	if !run(tb, "reading the focus", chromedp.Evaluate[bool](`document.activeElement === linkA && linkA.isConnected`)) {
		t.Error("the refresh's hops replaced hop (A): the link focused in it lost the focus")
	}
	access := run(tb, "reading the access token in memory", chromedp.Evaluate[string](`tokens.access_token`))
	if status := h.bearer(access); status != http.StatusUnauthorized {
		t.Errorf("the SPA's DPoP-bound access token sent as a Bearer token (a thief without the key) got %d, want 401", status)
	}
	mustContain(t, "the notice after the refresh", tb.liveText("notice", "status"), "Tokens refreshed")
	// Log out with the keyboard: the button hides itself, and the focus
	// goes to the notice, which is also announced (WCAG 2.4.3, 4.1.3).
	tb.do("logging out with the keyboard", chromedp.Focus(chromedp.CSS("#logout")), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS("#notice")))
	mustContain(t, "the notice after the logout", tb.liveText("notice", "status"), "Logged out")
	if focus := run(tb, "reading the focus", chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.tagName`)); focus != "notice" {
		t.Errorf("after Log out the focus is on %s, want the notice (the button it was on is hidden)", focus)
	}
	if n := strings.Count(run(tb, "reading the hops", chromedp.Text(chromedp.CSS("#hops"))), "Token revocation"); n != 2 {
		t.Errorf("%d revocation hops, want 2", n)
	}
	if status := h.bearer(access); status != http.StatusUnauthorized {
		t.Errorf("after the SPA's logout its access token gets %d at the resource server, want 401", status)
	}
	storage := run(tb, "reading the storage", chromedp.Evaluate[string](`JSON.stringify(sessionStorage)`))
	mustNotContain(t, "sessionStorage", storage, access)

	// A reload shows the tab's story again, not a false state mismatch.
	tb.do("reloading", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#notice")))
	// The error's region is there before any error, so that one is announced.
	if shown := tb.liveText("error", "alert"); shown != "" {
		t.Errorf("after a reload the SPA shows an error: %s", shown)
	}
	mustContain(t, "hops after a reload", run(tb, "reading the hops", chromedp.Text(chromedp.CSS("#hops"))), "(A)Authorization request", "Token revocation")
	// The one error the browser may log: the first token request's 400
	// use_dpop_nonce, which the page answers by retrying with the nonce.
	for _, e := range tb.consoleErrors() {
		if !strings.Contains(e, "/oauth/token: Failed to load resource: the server responded with a status of 400") {
			t.Errorf("the browser reported an error: %s", e)
		}
	}
}

func TestE2EConsentPageRefusesFraming(t *testing.T) {
	t.Parallel()
	// RFC 9700 Section 4.16: a page that takes credentials or a decision must
	// not be framed (clickjacking). Both headers, for old and new browsers.
	h := newHarness(t, providertest.Options{})
	resp, _ := h.get(h.client.URL + "/login")
	authURL := h.location(resp, http.StatusFound)
	form := authURL.Query()
	form.Set("username", providertest.DemoUsername)
	form.Set("password", "wrong")
	loginPage, _ := h.get(authURL.String())
	if loginPage.StatusCode != http.StatusOK {
		t.Errorf("the login and consent page: got status %d, want 200", loginPage.StatusCode)
	}
	again, body := h.do(http.MethodPost, h.provider.URL+"/oauth/authenticate", form)
	mustContain(t, "the answer to a wrong password", body, `name="password"`)
	for what, r := range map[string]*http.Response{
		"the login and consent page":                  loginPage,
		"the page shown again after a wrong password": again,
	} {
		if got := r.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options = %q, want DENY", what, got)
		}
		mustContain(t, what+" CSP", r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	}
}

func TestBrowserConsentPageRefusesFraming(t *testing.T) {
	t.Parallel()
	// An attacker's page frames the provider's consent page, under a
	// transparent layer, say (clickjacking; RFC 9700 Section 4.16). Beside it,
	// as a control, a provider response that may be framed: the metadata.
	tb := newTab(t)
	h := newHarness(t, providertest.Options{})
	resp, _ := h.get(h.client.URL + "/login")
	consent := h.location(resp, http.StatusFound).String()
	control := h.provider.URL + "/.well-known/oauth-authorization-server"
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><script>var loaded = 0;</script>
<iframe src="%s" onload="loaded++"></iframe><iframe src="%s" onload="loaded++"></iframe>`,
			html.EscapeString(consent), html.EscapeString(control))
	}))
	t.Cleanup(attacker.Close)

	tb.do("opening the attacker's page", chromedp.Navigate(attacker.URL))
	run(tb, "waiting for both frames", chromedp.Poll[bool](`loaded === 2`))
	tree, err := chromedp.Call(tb.ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		t.Fatalf("reading the frames: %v", err)
	}
	var frames []string
	shown := map[string]bool{}
	for _, child := range tree.FrameTree.ChildFrames {
		shown[child.Frame.URL] = true
		frames = append(frames, child.Frame.URL)
	}
	if shown[consent] {
		t.Errorf("the browser shows the consent page in the attacker's frame; frames: %q", frames)
	}
	if !shown[control] {
		t.Errorf("the control frame did not show %s, so the test proves nothing; frames: %q", control, frames)
	}
	if errs := strings.Join(tb.consoleErrors(), "\n"); !strings.Contains(errs, "frame-ancestors 'none'") {
		t.Errorf("the browser did not report the refusal (CSP frame-ancestors); it reported:\n%s", errs)
	}
}

// header returns the value of a header the browser reports, by any case of
// its name.
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return fmt.Sprint(v)
		}
	}
	return ""
}
