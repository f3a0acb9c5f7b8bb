package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/client/internal/wirelog"
)

// harness runs the real provider and this client, each on httptest, and
// the demo user's browser (a cookie jar, redirects not followed, so each
// step of the flow is visible).
type harness struct {
	t        *testing.T
	provider *providertest.Server
	client   *httptest.Server
	app      *App
	user     *providertest.Browser
	spy      *spy
	log      *processtest.Buffer // the client's log, as text
}

// newHarness starts the provider with opts (its RedirectURI is set to the
// client's callback) and the client app, both on 127.0.0.1.
func newHarness(t *testing.T, opts providertest.Options) *harness {
	t.Helper()
	return newHarnessConfig(t, opts, func(*config.Config) {})
}

// newHarnessConfig is newHarness with the client's settings changed by configure.
func newHarnessConfig(t *testing.T, opts providertest.Options, configure func(*config.Config)) *harness {
	t.Helper()
	return newHarnessServing(t, opts, configure, func(*Options, *http.Server) {})
}

// newHarnessServing is newHarnessConfig with the client app's options and
// its server changed by serve before the server starts.
func newHarnessServing(t *testing.T, opts providertest.Options, configure func(*config.Config), serve func(*Options, *http.Server)) *harness {
	t.Helper()
	clientSrv := httptest.NewUnstartedServer(nil)
	clientURL := "http://" + clientSrv.Listener.Addr().String()
	opts.RedirectURI = clientURL + "/callback"
	p := providertest.New(t, opts)

	cfg := config.Default()
	cfg.AuthServer = p.Issuer
	if p.Issuer != p.URL {
		cfg.AuthServerInternal = p.URL
	}
	cfg.RedirectURI = opts.RedirectURI
	cfg.SessionSecret = "e2e test secret"
	configure(&cfg)
	sp := &spy{}
	wire := wirelog.NewLog(captureSize)
	backChannel := &http.Client{Timeout: 10 * time.Second, Transport: &wirelog.Transport{Base: sp, Log: wire}}
	md, err := metadata.Fetch(context.Background(), backChannel, cfg.AuthServer, cfg.BackChannel())
	if err != nil {
		t.Fatalf("fetching the provider's metadata: %v", err)
	}
	var log processtest.Buffer
	appOpts := Options{Config: cfg, Metadata: md, HTTPClient: backChannel, Wire: wire, Logger: mustLogger(t, &log)}
	serve(&appOpts, clientSrv.Config)
	app, err := New(appOpts)
	if err != nil {
		t.Fatal(err)
	}
	clientSrv.Config.Handler = app.Handler()
	clientSrv.Start()
	t.Cleanup(clientSrv.Close)

	user := providertest.NewBrowser(t)
	user.Client.Timeout = 10 * time.Second
	user.Client.Transport = hostRewriter{from: strings.TrimPrefix(p.Issuer, "http://"), to: strings.TrimPrefix(p.URL, "http://")}
	return &harness{t: t, provider: p, client: clientSrv, app: app, user: user, spy: sp, log: &log}
}

// newDockerHarness runs the provider as docker compose does: its issuer (what
// the browser uses, AUTH_SERVER) is a name only the browser resolves, and the
// client reaches it at another address (AUTH_SERVER_INTERNAL).
func newDockerHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, providertest.Options{Issuer: "http://provider.public.test"})
}

// forEachStore runs test on SQLite, then PostgreSQL, in parallel.
func forEachStore(t *testing.T, test func(t *testing.T, postgres bool)) {
	for _, store := range []struct {
		name     string
		postgres bool
	}{{"SQLite", false}, {"PostgreSQL", true}} {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			test(t, store.postgres)
		})
	}
}

// hostRewriter is the browser's resolver: it sends requests for the
// provider's public name to where the provider listens.
type hostRewriter struct{ from, to string }

func (r hostRewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == r.from && r.from != r.to {
		req = req.Clone(req.Context())
		req.URL.Host = r.to
	}
	return http.DefaultTransport.RoundTrip(req)
}

// spy is the back channel's base transport: it counts the client's token
// requests by grant type and remembers the last token response, so tests can
// check "no exchange" and use a token the client never shows.
type spy struct {
	mu          sync.Mutex
	grants      []string
	tokenForms  []url.Values // the token requests' bodies, as sent
	accessToken string
	// tokens are the last token response's access, refresh and ID tokens
	// (those it carried).
	tokens []string
	// registrationAccessToken is from the last registration's answer
	// (RFC 7591 Section 3.2.1): the app registers its key client at start.
	registrationAccessToken string
	registrations           int // the registration requests sent (POST /oauth/register)
	// trace, when set, answers GET /debug/trace/{id} in the provider's
	// place with the JSON it returns, and counts the requests.
	trace      func(id string) string
	traceAsked int
	traceLangs []string // the Accept-Language of each trace request
	// beforePAR, when set, runs before a pushed authorization request is
	// sent: a test holds it there, as a slow provider would.
	beforePAR func()
}

func (s *spy) RoundTrip(req *http.Request) (*http.Response, error) {
	if id, ok := strings.CutPrefix(req.URL.Path, "/debug/trace/"); ok {
		s.mu.Lock()
		trace := s.trace
		s.traceAsked++
		s.traceLangs = append(s.traceLangs, req.Header.Get("Accept-Language"))
		s.mu.Unlock()
		if trace != nil {
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(trace(id))), Request: req}, nil
		}
	}
	s.mu.Lock()
	beforePAR := s.beforePAR
	s.mu.Unlock()
	if beforePAR != nil && strings.HasSuffix(req.URL.Path, "/oauth/par") {
		beforePAR()
	}
	isToken := strings.HasSuffix(req.URL.Path, "/oauth/token")
	if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/oauth/register") {
		s.mu.Lock()
		s.registrations++
		s.mu.Unlock()
	}
	if isToken {
		body, _ := req.GetBody()
		b, _ := io.ReadAll(body)
		form, _ := url.ParseQuery(string(b))
		s.mu.Lock()
		s.grants = append(s.grants, form.Get("grant_type"))
		s.tokenForms = append(s.tokenForms, form)
		s.mu.Unlock()
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !(isToken || strings.HasSuffix(req.URL.Path, "/oauth/register")) {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	var answer struct {
		AccessToken             string `json:"access_token"`
		RefreshToken            string `json:"refresh_token"`
		IDToken                 string `json:"id_token"`
		RegistrationAccessToken string `json:"registration_access_token"`
	}
	_ = json.Unmarshal(b, &answer)
	s.mu.Lock()
	defer s.mu.Unlock()
	if answer.AccessToken != "" {
		s.accessToken = answer.AccessToken
		s.tokens = slices.DeleteFunc([]string{answer.AccessToken, answer.RefreshToken, answer.IDToken}, func(t string) bool { return t == "" })
	}
	if answer.RegistrationAccessToken != "" {
		s.registrationAccessToken = answer.RegistrationAccessToken
	}
	return resp, nil
}

func (s *spy) tokenRequests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.grants...)
}

func (s *spy) tokenRequestForms() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.tokenForms...)
}

// lastTokens returns the last token response's access, refresh and ID
// tokens, those it carried.
func (s *spy) lastTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens
}

func (s *spy) lastAccessToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accessToken
}

// do sends a request from the browser and returns the response with its body read.
func (h *harness) do(method, rawURL string, form url.Values) (*http.Response, string) {
	h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := h.user.Client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// get is do for GET.
func (h *harness) get(rawURL string) (*http.Response, string) {
	h.t.Helper()
	return h.do(http.MethodGet, rawURL, nil)
}

// location returns the Location of a redirect, failing unless status is want.
func (h *harness) location(resp *http.Response, want int) *url.URL {
	h.t.Helper()
	if resp.StatusCode != want {
		h.t.Fatalf("%s %s: got status %d, want %d", resp.Request.Method, resp.Request.URL, resp.StatusCode, want)
	}
	loc, err := resp.Location()
	if err != nil {
		h.t.Fatalf("%s: no Location: %v", resp.Request.URL, err)
	}
	return loc
}

// authorize performs steps (A) and (B): GET /login on the client, then the
// provider's login form with the demo user and the given decision. It
// returns the authorization response: the provider's redirect to /callback.
func (h *harness) authorize(decision string) *url.URL {
	h.t.Helper()
	resp, _ := h.get(h.client.URL + "/login")
	return h.signIn(h.location(resp, http.StatusFound), decision)
}

// signIn performs step (B): the provider's login and consent page at
// authURL, answered by the demo user with decision. It returns the
// authorization response: the provider's redirect back to this client.
func (h *harness) signIn(authURL *url.URL, decision string) *url.URL {
	h.t.Helper()
	resp, page := h.user.Get(authURL.String())
	resp, page = h.user.Decide(resp, page, decision)
	cb := providertest.RedirectOf(h.t, resp, page)
	if !strings.HasPrefix(cb.String(), h.client.URL+"/") || cb.Query().Get("state") == "" {
		h.t.Fatalf("provider redirected to %s, want this client's redirect URI with the state", cb)
	}
	return cb
}

// login performs the whole flow and returns the home page.
func (h *harness) login() string {
	h.t.Helper()
	resp, _ := h.get(h.authorize("allow").String())
	if loc := h.location(resp, http.StatusFound); loc.Path != "/" {
		h.t.Fatalf("callback redirected to %s, want /", loc)
	}
	_, home := h.get(h.client.URL + "/")
	return home
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfToken reads the CSRF token from the home page's forms.
func (h *harness) csrfToken() string {
	h.t.Helper()
	_, home := h.get(h.client.URL + "/")
	m := csrfRE.FindStringSubmatch(home)
	if m == nil {
		h.t.Fatalf("no CSRF token on the home page:\n%s", home)
	}
	return m[1]
}

// fetchResource presses "Fetch resource": POST /resource with the
// session's CSRF token.
func (h *harness) fetchResource() (*http.Response, string) {
	h.t.Helper()
	return h.do(http.MethodPost, h.client.URL+"/resource", url.Values{"csrf_token": {h.csrfToken()}})
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("%s does not contain %q:\n%s", what, want, body)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if b != "" && strings.Contains(body, b) {
			t.Errorf("%s contains %q", what, b)
		}
	}
}

func TestE2ELoginShowsUserTokensAndResource(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	home := h.login()
	if got := h.spy.tokenRequests(); len(got) != 1 || got[0] != "authorization_code" {
		t.Fatalf("token requests = %v, want [authorization_code]", got)
	}
	mustContain(t, "home page", home,
		"Signed in as Demo User", "demo@example.com", "user1",
		`&#34;typ&#34;: &#34;at&#43;jwt&#34;`, // the access token's header, decoded (HTML-escaped)
		"expires in 59 minutes",
		"grant_type=authorization_code", "Basic base64(testclient:••••••)", // step D on the wire, masked
		`action="/logout"`, `action="/refresh"`, `action="/resource"`)
	access := h.spy.lastAccessToken()
	mustNotContain(t, "home page", home, access, "testsecret")
	mustContain(t, "home page", home, access[:6]+"…"+access[len(access)-4:])

	resp, page := h.fetchResource()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /resource: %d", resp.StatusCode)
	}
	mustContain(t, "resource page", page, "This page is secured.", "&#34;id&#34;: &#34;user1&#34;", "200 OK")
	mustNotContain(t, "resource page", page, access, "had expired")
}

func TestE2ELoginRequestCarriesStatePKCEAndNonce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	resp, _ := h.get(h.client.URL + "/login")
	first := h.location(resp, http.StatusFound).Query()
	resp, _ = h.get(h.client.URL + "/login")
	second := h.location(resp, http.StatusFound).Query()

	for name, want := range map[string]string{
		"response_type": "code", "client_id": "testclient", "redirect_uri": h.client.URL + "/callback",
		"scope": "openid profile email read", "code_challenge_method": "S256",
	} {
		if got := first.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"state", "nonce", "code_challenge"} {
		if len(first.Get(name)) < 43 {
			t.Errorf("%s = %q: want at least 256 bits, base64url", name, first.Get(name))
		}
		if first.Get(name) == second.Get(name) {
			t.Errorf("%s repeats across logins", name)
		}
	}
	var cookie string
	for _, c := range resp.Header.Values("Set-Cookie") {
		cookie += c
	}
	if cookie == "" {
		// The second /login reuses the session of the first.
		resp, _ := (&http.Client{CheckRedirect: h.user.Client.CheckRedirect}).Get(h.client.URL + "/login")
		cookie = strings.Join(resp.Header.Values("Set-Cookie"), "; ")
	}
	mustContain(t, "Set-Cookie", cookie, "client_session=", "HttpOnly", "SameSite=Lax")
	mustNotContain(t, "Set-Cookie", cookie, first.Get("state"), second.Get("state"))
}

func TestE2ECallbackRefusesBadResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		tamper     func(q url.Values)
		wantStatus int
		wantText   string
	}{
		{"tampered state is refused, no exchange (RFC 6749 Section 10.12)",
			func(q url.Values) { q.Set("state", q.Get("state")+"x") }, http.StatusForbidden, "State mismatch"},
		{"missing state is refused, no exchange (RFC 6749 Section 10.12)",
			func(q url.Values) { q.Del("state") }, http.StatusForbidden, "State mismatch"},
		{"another issuer is refused, no exchange (RFC 9207 Section 2.4)",
			func(q url.Values) { q.Set("iss", "https://evil.example") }, http.StatusForbidden, "names another issuer"},
		{"iss with a trailing slash is another issuer: simple string comparison (RFC 9207 Section 2.4)",
			func(q url.Values) { q.Set("iss", q.Get("iss")+"/") }, http.StatusForbidden, "Wrong issuer"},
		{"missing iss is refused when the provider advertises it (RFC 9207 Section 2.4)",
			func(q url.Values) { q.Del("iss") }, http.StatusForbidden, "without the iss parameter"},
		{"repeated parameters are refused (RFC 6749 Section 3.1)",
			func(q url.Values) { q.Add("code", "again") }, http.StatusBadRequest, "more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, providertest.Options{})
			cb := h.authorize("allow")
			q := cb.Query()
			tt.tamper(q)
			bad := *cb
			bad.RawQuery = q.Encode()
			resp, body := h.get(bad.String())
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			mustContain(t, "error page", body, tt.wantText)
			if got := h.spy.tokenRequests(); len(got) != 0 {
				t.Errorf("token requests = %v, want none", got)
			}
		})
	}
}

// TestE2ECallbackWithNeitherCodeNorError: a response with this login's
// state but neither a code nor an error is refused, quoting
// RFC 6749 Section 4.1.2, and spends the login, as the page says: the real
// response that comes after it is refused as a state mismatch.
func TestE2ECallbackWithNeitherCodeNorError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	cb := h.authorize("allow")
	q := cb.Query()
	q.Del("code")
	bad := *cb
	bad.RawQuery = q.Encode()
	resp, page := h.get(bad.String())
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("got status %d, want 400", resp.StatusCode)
	}
	mustContain(t, "error page", page, "neither a code nor an error", "this login is now spent",
		"RFC 6749 Section 4.1.2: &#34;code REQUIRED. The authorization code generated by the authorization server.&#34;")
	if resp, page := h.get(cb.String()); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "State mismatch") {
		t.Errorf("the real response after it: got %d, want 403 State mismatch (the login is spent)", resp.StatusCode)
	}
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Errorf("token requests = %v, want none", got)
	}
}

// TestE2ECallbackRefusalsInChinese: the refusals of a response without iss
// and of one with neither a code nor an error read in Traditional Chinese,
// with their rules.
func TestE2ECallbackRefusalsInChinese(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		drop string
		want string
	}{
		"no iss (RFC 9207 Section 2.4)":                   {"iss", "用戶端必須 (MUST) 拒絕它沒有 iss 參數的授權回應"},
		"neither code nor error (RFC 6749 Section 4.1.2)": {"code", "這次登入已經用掉了"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, providertest.Options{})
			h.switchLanguage("zh-TW", "")
			cb := h.authorize("allow")
			q := cb.Query()
			q.Del(tt.drop)
			cb.RawQuery = q.Encode()
			_, page := h.get(cb.String())
			mustBeChinese(t, "the refusal", page)
			mustContain(t, "the refusal", page, tt.want)
		})
	}
}

func TestE2EStateIsSingleUse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	cb := h.authorize("allow")
	resp, _ := h.get(cb.String())
	h.location(resp, http.StatusFound)
	resp, body := h.get(cb.String())
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("replayed callback: got %d, want 403", resp.StatusCode)
	}
	mustContain(t, "replayed callback", body, "State mismatch")
	if got := h.spy.tokenRequests(); len(got) != 1 {
		t.Errorf("token requests = %v, want exactly one", got)
	}
}

// TestE2ELoginsInTwoTabs: one browser starts a login in two tabs, and
// approves the second first. The session ID changes at that login (session
// fixation, RFC 9700 Section 4.7), yet the first tab's authorization
// request is still pending in the new session (maxPending): its genuine
// response logs in again, with no "State mismatch", and is then used up.
func TestE2ELoginsInTwoTabs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	resp, _ := h.get(h.client.URL + "/login")
	first := h.location(resp, http.StatusFound)
	resp, _ = h.get(h.client.URL + "/login")
	second := h.location(resp, http.StatusFound)

	for _, tab := range []*url.URL{second, first} {
		cb := h.signIn(tab, "allow")
		resp, body := h.get(cb.String())
		if loc := h.location(resp, http.StatusFound); loc.Path != "/" {
			t.Fatalf("callback of state %s redirected to %s, want / (logged in):\n%s", cb.Query().Get("state"), loc, body)
		}
		_, home := h.get(h.client.URL + "/")
		mustContain(t, "home page", home, "Signed in as Demo User")
		if resp, body := h.get(cb.String()); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "State mismatch") {
			t.Errorf("the callback of state %s again: got %d, want 403 State mismatch", cb.Query().Get("state"), resp.StatusCode)
		}
	}
	if got := h.spy.tokenRequests(); len(got) != 2 {
		t.Errorf("token requests = %v, want one per tab", got)
	}
}

// TestE2ELoginStartedWhileAnotherTabLogsIn: one tab starts a login with
// PAR and the provider is slow to answer the push; meanwhile another tab's
// callback logs in, which replaces the session (RFC 9700 Section 4.7). The
// first tab's request, added once the push is answered, still lands in the
// session the browser's cookie names now: its response logs in, with no
// "State mismatch".
func TestE2ELoginStartedWhileAnotherTabLogsIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	cb := h.authorize("allow")

	pushing, answer := make(chan struct{}), make(chan struct{})
	h.spy.mu.Lock()
	h.spy.beforePAR = func() { close(pushing); <-answer }
	h.spy.mu.Unlock()
	started := make(chan *http.Response, 1)
	go func() {
		resp, err := h.user.Client.Get(h.client.URL + "/login?par=on")
		if err != nil {
			resp = &http.Response{Status: err.Error()}
		} else {
			resp.Body.Close()
		}
		started <- resp
	}()
	<-pushing
	if resp, _ := h.get(cb.String()); resp.StatusCode != http.StatusFound {
		t.Fatalf("the other tab's callback: got %s, want 302 (logged in)", resp.Status)
	}
	close(answer)
	resp := <-started
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /login?par=on: got %s, want 302", resp.Status)
	}
	resp, body := h.get(h.signIn(h.location(resp, http.StatusFound), "allow").String())
	if loc := h.location(resp, http.StatusFound); loc.Path != "/" {
		t.Fatalf("the PAR login's callback redirected to %s, want / (logged in):\n%s", loc, body)
	}
}

func TestE2ECallbackFromAnotherBrowserIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	cb := h.authorize("allow")
	// The attacker's authorization response, planted in a victim's browser
	// that has no session (login CSRF).
	victim := &http.Client{CheckRedirect: h.user.Client.CheckRedirect}
	resp, err := victim.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(h.spy.tokenRequests()) != 0 {
		t.Errorf("got %d and token requests %v, want 403 and none", resp.StatusCode, h.spy.tokenRequests())
	}
}

func TestE2EDenyShowsAccessDenied(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	cb := h.authorize("deny")
	if got := cb.Query().Get("error"); got != "access_denied" {
		t.Fatalf("provider answered error=%q, want access_denied", got)
	}
	resp, body := h.get(cb.String())
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("got status %d, want 403", resp.StatusCode)
	}
	mustContain(t, "access denied page", body, "Access denied", "access_denied", "nothing was exchanged", `href="/login"`)
	if got := h.spy.tokenRequests(); len(got) != 0 {
		t.Errorf("token requests = %v, want none", got)
	}
}

func TestE2ERefreshRotatesTheRefreshToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.login()
	before := h.spy.lastAccessToken()
	resp, page := h.do(http.MethodPost, h.client.URL+"/refresh", url.Values{"csrf_token": {h.csrfToken()}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /refresh: got %d:\n%s", resp.StatusCode, page)
	}
	mustContain(t, "refresh page", page, "Refresh token rotation", `<span class="ok">yes</span>`, "expires in 59 minutes")
	if got := h.spy.tokenRequests(); len(got) != 2 || got[1] != "refresh_token" {
		t.Errorf("token requests = %v, want [authorization_code refresh_token]", got)
	}
	after := h.spy.lastAccessToken()
	if after == before {
		t.Error("the refresh did not give a new access token")
	}
	mustNotContain(t, "refresh page", page, before, after)
	_, page = h.fetchResource()
	mustContain(t, "resource page after refresh", page, "This page is secured.")
}

func TestE2EPostFormsNeedTheCSRFToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.login()
	for _, path := range []string{"/refresh", "/resource", "/logout"} {
		for _, form := range []url.Values{{}, {"csrf_token": {"forged"}}} {
			resp, body := h.do(http.MethodPost, h.client.URL+path, form)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %v: got %d, want 403", path, form, resp.StatusCode)
			}
			mustContain(t, "CSRF error page", body, "CSRF token")
		}
	}
	if got := h.spy.tokenRequests(); len(got) != 1 {
		t.Errorf("token requests = %v, want only the login's", got)
	}
	_, home := h.get(h.client.URL + "/")
	mustContain(t, "home page", home, "Signed in as Demo User")
}

// bearer calls the provider's /protected/resource with token.
func (h *harness) bearer(token string) int {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.provider.URL+"/protected/resource", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestE2EPagesAreNotLoggedInWithoutASession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	resp, home := h.get(h.client.URL + "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	mustContain(t, "home page", home, "RFC 6749 Section 4.1", "(A)", "(E)", `action="/login"`, "/.well-known/oauth-authorization-server")
	mustContain(t, "CSP", resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'", "script-src 'nonce-")
	if resp.Header.Get("Set-Cookie") != "" {
		t.Error("an anonymous visit to / created a session")
	}
	if resp, _ := h.get(h.client.URL + "/resource"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /resource: got %d, want 403", resp.StatusCode)
	}
}

func TestE2ESPAPageAndItsFlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	for _, path := range []string{"/spa", "/spa/callback"} {
		resp, page := h.get(h.client.URL + path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		mustContain(t, path, page, `"client_id":"spa-client"`, `"redirect_uri":"`+h.client.URL+`/spa/callback"`,
			"crypto.subtle.digest", "code_challenge_method")
		mustContain(t, path+" CSP", resp.Header.Get("Content-Security-Policy"), "connect-src 'self' "+h.provider.URL)
	}
	// What the page's script does, step by step, as the browser would.
	h.spaFlow()
}

// spaFlow plays the SPA's script: PKCE authorization as spa-client, then the
// cross-origin token request and resource call the provider must allow.
func (h *harness) spaFlow() {
	h.t.Helper()
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // RFC 7636 Appendix B
	form := url.Values{
		"response_type": {"code"}, "client_id": {"spa-client"}, "redirect_uri": {h.client.URL + "/spa/callback"},
		"scope": {"openid profile read"}, "state": {"s"}, "nonce": {"n"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}
	authURL, _ := url.Parse(h.provider.URL + "/oauth/authorize?" + form.Encode())
	cb := h.signIn(authURL, "allow")
	tokenReq, _ := http.NewRequest(http.MethodPost, h.provider.URL+"/oauth/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")}, "redirect_uri": {form.Get("redirect_uri")},
		"client_id": {"spa-client"}, "code_verifier": {verifier},
	}.Encode()))
	tokenReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tokenReq.Header.Set("Origin", h.client.URL)
	resp, err := http.DefaultClient.Do(tokenReq)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		h.t.Fatalf("SPA token request: got %d", resp.StatusCode)
	}
	if acao := resp.Header.Get("Access-Control-Allow-Origin"); acao != "*" && acao != h.client.URL {
		h.t.Errorf("token response Access-Control-Allow-Origin = %q: the browser would block it", acao)
	}
	if status := h.bearer(tok.AccessToken); status != http.StatusOK {
		h.t.Errorf("SPA access token: /protected/resource answered %d", status)
	}
}

func TestE2ELoginThroughAnInternalBackChannel(t *testing.T) {
	t.Parallel()
	h := newDockerHarness(t)
	resp, _ := h.get(h.client.URL + "/login")
	if loc := h.location(resp, http.StatusFound); loc.Host != "provider.public.test" {
		t.Errorf("the browser is sent to %s, want the public authorization endpoint", loc)
	}
	home := h.login()
	mustContain(t, "home page", home, "Signed in as Demo User", "POST "+h.provider.URL+"/oauth/token")
	_, page := h.fetchResource()
	mustContain(t, "resource page", page, "GET "+h.provider.URL+"/protected/resource", "This page is secured.")
	if page := h.logout(); strings.Count(page, "200 OK</span> (revoked)") != 2 {
		t.Errorf("logout through the back channel:\n%s", page)
	}
}

// TestE2EDPoPThroughAnInternalBackChannel runs the web app with DPOP=on as
// docker compose runs it: the client reaches the provider at another address
// than its issuer. Each proof's htu is the URI the provider knows the
// endpoint by, under its issuer (RFC 9449 Section 4.3: "The htu claim matches
// the HTTP URI value for the HTTP request in which the JWT was received"),
// not the back channel's address, or the provider refuses every proof.
func TestE2EDPoPThroughAnInternalBackChannel(t *testing.T) {
	t.Parallel()
	h := newHarnessConfig(t, providertest.Options{Issuer: "http://provider.public.test", DPoPNonce: true},
		func(c *config.Config) { c.DPoP = "on" })
	home := h.login()
	mustContain(t, "home page", home, "Signed in as Demo User", "bound to this app&#39;s DPoP key",
		`&#34;htu&#34;: &#34;http://provider.public.test/oauth/token&#34;`)
	resp, page := h.fetchResource()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /resource: %d", resp.StatusCode)
	}
	mustContain(t, "resource page", page, "This page is secured.", "&#34;id&#34;: &#34;user1&#34;",
		`&#34;htu&#34;: &#34;http://provider.public.test/protected/resource&#34;`)
}

// TestE2EAnonymousLoginsDoNotSignOutAUser: a flood of cookieless GET /login
// requests, more than the session store holds, starts no session that
// could push out a signed-in user's: after it, the user is still signed in.
func TestE2EAnonymousLoginsDoNotSignOutAUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.login()
	handler := h.client.Config.Handler
	for i := range 10_005 {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
		if rec.Code != http.StatusFound {
			t.Fatalf("anonymous GET /login %d: got %d, want 302", i+1, rec.Code)
		}
	}
	_, home := h.get(h.client.URL + "/")
	mustContain(t, "home page after 10,005 anonymous logins", home, "Signed in as Demo User")
}

// TestE2EDPoPBindsTheTokens runs the web app with DPOP=on against a provider
// that requires nonces (RFC 9449): its tokens come back bound (token_type
// DPoP), the resources accept them with proofs, the walkthrough shows each
// proof decoded, and the bound token is refused as a Bearer token.
func TestE2EDPoPBindsTheTokens(t *testing.T) {
	t.Parallel()
	h := newHarnessConfig(t, providertest.Options{DPoPNonce: true}, func(c *config.Config) { c.DPoP = "on" })
	home := h.login()
	mustContain(t, "home page", home, "bound to this app&#39;s DPoP key", "The DPoP proof, decoded",
		`&#34;typ&#34;: &#34;dpop&#43;jwt&#34;`, `&#34;htu&#34;: &#34;`+h.provider.URL+`/oauth/token&#34;`, "use_dpop_nonce")
	resp, page := h.fetchResource()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /resource: %d", resp.StatusCode)
	}
	mustContain(t, "resource page", page, "This page is secured.", "&#34;id&#34;: &#34;user1&#34;", "&#34;ath&#34;", "Authorization: DPoP ")
	req, _ := http.NewRequest(http.MethodGet, h.provider.URL+"/protected/resource", nil)
	req.Header.Set("Authorization", "Bearer "+h.spy.lastAccessToken())
	stolen, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	stolen.Body.Close()
	if stolen.StatusCode != http.StatusUnauthorized {
		t.Errorf("the app's bound token used as a Bearer token: got %d, want 401", stolen.StatusCode)
	}
}

// TestE2EIDTokenChecksSitOnTheResponseThatCarriedIt: with DPOP=on and a
// provider that requires nonces, the first token request is refused with
// use_dpop_nonce and carries no ID token (RFC 9449 Section 8); only the
// retry's response, which carried it, shows the ID token checks.
func TestE2EIDTokenChecksSitOnTheResponseThatCarriedIt(t *testing.T) {
	t.Parallel()
	h := newHarnessConfig(t, providertest.Options{DPoPNonce: true}, func(c *config.Config) { c.DPoP = "on" })
	tokenHops := hopsOfStep(h.login(), "D")
	if len(tokenHops) != 2 {
		t.Fatalf("the home page shows %d token request hops, want 2 (refused for the nonce, then the retry)", len(tokenHops))
	}
	refused, answered := tokenHops[0], tokenHops[1]
	mustContain(t, "the refused hop", refused, "use_dpop_nonce")
	mustNotContain(t, "the refused hop", refused, "ID token validation (E)", "nonce is the one this login sent in (A)")
	mustContain(t, "the answered hop", answered, "HTTP <span class=\"ok\">200 OK</span>", "ID token validation (E)",
		"nonce is the one this login sent in (A)")
}

// hopsOfStep returns the HTML of each hop of step on page, in order.
func hopsOfStep(page, step string) []string {
	var hops []string
	for _, hop := range strings.Split(page, `<section class="card hop`)[1:] {
		if strings.Contains(hop, `<span class="step">(`+step+`)</span>`) {
			hops = append(hops, hop)
		}
	}
	return hops
}

// TestE2ELoginShowsItsKeyFetch: the first login's ID token check needs the
// provider's JWKS (RFC 7517 Section 5), which the client fetches then; that
// login shows the fetch among its hops, and the next login, whose keys come
// from the client's cache, says so and shows none.
func TestE2ELoginShowsItsKeyFetch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	jwks := "GET " + h.app.back.JWKSURI
	first := h.login()
	mustContain(t, "first login", first, "The provider&#39;s signing keys (JWKS)", jwks,
		"The client fetched the keys during this login")
	second := h.login()
	mustContain(t, "second login", second, "The keys came from the client&#39;s cache")
	mustNotContain(t, "second login", second, jwks, "The client fetched the keys during this login")
}
