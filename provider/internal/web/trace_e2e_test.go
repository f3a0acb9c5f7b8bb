package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/providertest"
	"github.com/oauth-reference/provider/specref"
)

// Known secrets of the traced walk: none of them may appear in any trace.
const (
	walkClientSecret  = "cs-Kq7vWz3xRt9pLm2n"
	walkPassword      = "pw-Hd8fJs6aYe4uBc1o"
	walkWrongPassword = "pw-Wrong5gTn2vXq8zR"
	walkWrongSecret   = "cs-Wrong7cVb4nMa1sD"
)

// trace is the JSON of GET /debug/trace/{request_id}, as a test reads it.
type trace struct {
	RequestID string       `json:"request_id"`
	Time      string       `json:"time"`
	Method    string       `json:"method"`
	Path      string       `json:"path"`
	ClientID  string       `json:"client_id"`
	Status    int          `json:"status"`
	Outcome   string       `json:"outcome"`
	Checks    []traceCheck `json:"checks"`
	Changes   []string     `json:"changes"`
}

// traceCheck is one rule a trace shows, and whether the request passed it.
type traceCheck struct {
	Rule   string `json:"rule"`
	Ref    string `json:"ref"`
	Passed bool   `json:"passed"`
}

// walker sends the requests of the traced walk through one browser-like
// client (cookie jar, no redirects followed) and remembers, for each, its
// X-Request-Id and what its trace must show.
type walker struct {
	t       *testing.T
	srv     *providertest.Server
	browser *browser
	steps   []walkStep
	secrets map[string]string // name → value
}

// walkStep is one request of the walk and what its trace must say. checks
// lists, in order, a distinctive part of each rule the provider applied;
// every check passed except, for a refusal (an error status, or an error
// code as the outcome), the last. A nil checks means "no expectation". refs
// maps a distinctive part of a rule to the section its checks must cite.
type walkStep struct {
	name    string
	traced  bool // a trace must exist even when checks and outcome are not given
	id      string
	outcome string
	checks  []string
	changes []string
	refs    map[string]string
}

func newWalker(t *testing.T, srv *providertest.Server) *walker {
	return &walker{t: t, srv: srv, secrets: map[string]string{
		"client secret": walkClientSecret, "password": walkPassword,
		"wrong password": walkWrongPassword, "wrong client secret": walkWrongSecret,
	}, browser: newBrowser(t)}
}

// secret remembers a value that no trace may contain, and returns it.
func (w *walker) secret(name, value string) string {
	w.t.Helper()
	if value == "" {
		w.t.Fatalf("the walk got no %s", name)
	}
	w.secrets[name] = value
	return value
}

// do sends one request and records its step; it returns the status and body.
func (w *walker) do(step walkStep, method, path string, form url.Values, header map[string]string) (int, string, http.Header) {
	w.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, w.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := w.browser.Client.Do(req)
	if err != nil {
		w.t.Fatalf("%s: %v", step.name, err)
	}
	page := providertest.ReadBody(w.t, resp)
	step.id = resp.Header.Get("X-Request-Id")
	w.steps = append(w.steps, step)
	return resp.StatusCode, page, resp.Header
}

// token posts to the token endpoint and returns the status and answer.
func (w *walker) token(step walkStep, form url.Values, header map[string]string) (int, tokenResponse) {
	w.t.Helper()
	status, body, _ := w.do(step, "POST", "/oauth/token", form, header)
	var tr tokenResponse
	if err := json.Unmarshal([]byte(body), &tr); err != nil {
		w.t.Fatalf("%s: %q: %v", step.name, body, err)
	}
	return status, tr
}

func bearerHeader(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// The rules each kind of request starts with, as distinctive parts of their text.
var (
	formRules = []string{"x-www-form-urlencoded"}
	// The parameters of a GET to the authorization or logout endpoint: a query that decodes.
	queryRules = []string{"the query is a valid"}
	// A form that signs a user in: first, that it is not another site's.
	signInForm = join([]string{"not from another site"}, formRules)
	// The same, from a browser with a login session: then, that no logout ended it.
	sessionForm = join([]string{"not from another site", "not ended by a logout"}, formRules)
	// A body with client credentials: no parameter repeated, the
	// credentials' form (Basic, or in the body), in the order the parser
	// checks them; at the token endpoint, then grant_type present.
	basicForm     = join(formRules, []string{"request parameter this endpoint reads", "HTTP Basic", "one authentication method", "beside HTTP Basic credentials"})
	bodyForm      = join(formRules, []string{"request parameter this endpoint reads", "one authentication method"})
	basicToken    = join(basicForm, []string{"names its grant_type"})
	bodyToken     = join(bodyForm, []string{"names its grant_type"})
	clientRules   = []string{"identifies itself", "registered client", "presents its secret"}
	publicRules   = []string{"identifies itself", "registered client", "public client presents no secret"}
	authzRules    = []string{"client_id and redirect_uri are each sent at most once", "carries client_id", "registered client", "redirect_uri exactly matches"}
	redirectRules = []string{"each parameter this endpoint reads, resource aside", "at most 4096 bytes", "no request object", "no request_uri to fetch", "response_mode, if sent, is query", "carries response_type", "response_type is code",
		"registered for the authorization code grant", "scope is known"}
	pkceRules   = []string{"code_challenge_method is S256", "43 base64url"}
	oidcRules   = []string{"prompt holds known values"}
	tokenCheck  = []string{"JWT of this server", "issued for this resource", "has not expired", "nor its grant is revoked"}
	tokenRules  = join([]string{"not in the query string", "carries an access token", `Authorization header is "Bearer"`}, tokenCheck)
	bearerRules = join(tokenRules, []string{"DPoP-bound access token is not accepted as a Bearer token"})
	// A token in a POST body: the form, then the method of RFC 6750 Section 2.2.
	bodyTokenRules = []string{"valid x-www-form-urlencoded form", "not in the query string", "carries an access token", "one way only", "POST form body carries the token"}
)

func join(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestE2ETraces walks every protocol endpoint — the authorization code flow
// with PKCE, refresh, resource calls, userinfo, introspection, revocation,
// client credentials, the device flow, and bad requests — with known
// secrets, then reads the trace of every answer: each shows the rules the
// provider applied in order (a refusal ends with the failed one), the store
// changes in words, and no secret, not even its first eight characters.
// It runs on SQLite and on PostgreSQL.
func TestE2ETraces(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			clock := clocktest.New(time.Now().UTC().Truncate(time.Second))
			configure := func(c *config.Config) { c.ClientSecret, c.Password = walkClientSecret, walkPassword }
			if backend == "postgres" {
				dbURL := pgtest.NewSchemas(t).Create(t)
				configure = func(c *config.Config) {
					c.ClientSecret, c.Password, c.DatabaseURL = walkClientSecret, walkPassword, dbURL
				}
			}
			srv := providertest.New(t, providertest.Options{Now: clock.Now, Configure: configure})
			w := newWalker(t, srv)
			walkCodeFlow(w)
			walkDeviceAndClientCredentials(w, clock)
			walkBadRequests(w)
			walkPushedRegisteredAndLogout(w)
			w.checkTraces()
		})
	}
}

// walkCodeFlow runs the authorization code flow and what follows it.
func walkCodeFlow(w *walker) {
	t := w.t
	verifier := w.secret("code_verifier", oauth2.GenerateVerifier())
	cfg := &oauth2.Config{ClientID: "testclient", RedirectURL: demoRedirectURI, Scopes: []string{"openid", "profile", "read"},
		Endpoint: oauth2.Endpoint{AuthURL: "/oauth/authorize"}}
	authURL := cfg.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n-1"))
	status, page, _ := w.do(walkStep{name: "authorization request", outcome: "login and consent page shown",
		checks: join(queryRules, authzRules, redirectRules, pkceRules, oidcRules),
		refs:   map[string]string{"no request object": "OIDC Core Section 6", "response_mode, if sent": "OIDC Multiple Response Types Section 2.1"}},
		"GET", authURL+"&prompt=consent", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("authorization request: got %d, want 200", status)
	}
	form := providertest.FormFields(page)
	form.Set("username", providertest.DemoUsername)
	form.Set("password", walkWrongPassword)
	w.do(walkStep{name: "wrong password", outcome: "login and consent page shown again: Wrong username or password.",
		checks: join(signInForm, authzRules, redirectRules, pkceRules, oidcRules, []string{"no form field", "1 to 1024 bytes", "within the limit", "right username and password"})},
		"POST", "/oauth/authenticate", form, nil)
	form.Set("password", walkPassword)
	form.Set("decision", "bogus")
	w.do(walkStep{name: "the right password, a decision the page does not offer: the form again, before the sign-in",
		outcome: "login and consent page shown again: Choose Allow or Deny.",
		checks:  join(signInForm, authzRules, redirectRules, pkceRules, oidcRules, []string{"user approved"})},
		"POST", "/oauth/authenticate", form, nil)
	form.Set("decision", "allow")
	status, _, header := w.do(walkStep{name: "sign in and allow", outcome: "authorization code issued",
		checks:  join(signInForm, authzRules, redirectRules, pkceRules, oidcRules, []string{"no form field", "1 to 1024 bytes", "within the limit", "right username and password", "user approved"}),
		changes: []string{"grant created", "authorization code issued"}},
		"POST", "/oauth/authenticate", form, nil)
	loc, _ := url.Parse(header.Get("Location"))
	if status != http.StatusFound || loc == nil {
		t.Fatalf("sign in and allow: got %d, want 302", status)
	}
	code := w.secret("code", loc.Query().Get("code"))

	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {demoRedirectURI}, "code_verifier": {verifier}}
	w.token(walkStep{name: "exchange with a wrong client secret", outcome: "invalid_client",
		checks: join(basicToken, clientRules)}, exchange, basic("testclient", walkWrongSecret))
	codeRules := []string{"supports", "registered for this grant type", "carries the code", "one this server issued", "issued to this client"}
	w.token(walkStep{name: "exchange by another client", outcome: "invalid_grant", checks: join(bodyToken, publicRules, codeRules),
		refs: map[string]string{"issued to this client": "RFC 6749 Section 4.1.3"}},
		url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {demoRedirectURI}, "client_id": {"spa-client"}}, nil)
	// With a code_verifier, its form is checked before the code is read.
	verifiedCodeRules := []string{"supports", "registered for this grant type", "carries the code", "43 to 128", "one this server issued", "issued to this client"}
	status, tok := w.token(walkStep{name: "code exchange", outcome: "tokens issued",
		checks: join(basicToken, clientRules, verifiedCodeRules, []string{"not been used", "not expired", "if sent in both requests, is identical",
			"comes with its code_verifier", "matches the S256", "redirect_uri is sent", "still unused when redeemed"}),
		changes: []string{"authorization code consumed", "refresh token issued"},
		refs: map[string]string{"one authentication method": "RFC 6749 Section 2.3", "names its grant_type": "RFC 6749 Section 4.1.3",
			"one this server issued": "RFC 6749 Section 4.1.3", "x-www-form-urlencoded form in UTF-8, sent without a Content-Encoding, within the size limit": "RFC 6749 Appendix B"}}, exchange, basic("testclient", walkClientSecret))
	if status != http.StatusOK {
		t.Fatalf("code exchange: got %d %+v", status, tok)
	}
	access := w.secret("access token", tok.AccessToken)
	refreshToken := w.secret("refresh token", tok.RefreshToken)
	w.secret("id token", tok.IDToken)

	refreshForm := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken},
		"client_id": {"testclient"}, "client_secret": {walkClientSecret}}
	status, rotated := w.token(walkStep{name: "refresh", outcome: "tokens issued",
		checks: join(bodyToken, clientRules, []string{"supports", "registered for this grant type", "carries the refresh_token",
			"one this server issued", "issued to this client", "not been used", "not expired and its grant", "within the scope originally granted", "within the client's registered scopes",
			"still unused when rotated"}),
		changes: []string{"refresh token rotated: the presented one is retired", "refresh token issued"},
		refs:    map[string]string{"names its grant_type": "RFC 6749 Section 6"}}, refreshForm, nil)
	if status != http.StatusOK {
		t.Fatalf("refresh: got %d %+v", status, rotated)
	}
	access2 := w.secret("rotated access token", rotated.AccessToken)
	refresh2 := w.secret("rotated refresh token", rotated.RefreshToken)

	w.do(walkStep{name: "resource", outcome: "access granted", checks: bearerRules}, "GET", "/protected/resource", nil, bearerHeader(access2))
	w.do(walkStep{name: "profile", outcome: "access granted", checks: join(bearerRules, []string{"issued for a user", "scope this resource needs", "user still exists"})},
		"GET", "/user/profile", nil, bearerHeader(access2))
	w.do(walkStep{name: "userinfo", outcome: "access granted", checks: join(bearerRules, []string{"issued for a user", "scope this resource needs", "user still exists"})},
		"GET", "/userinfo", nil, bearerHeader(access2))
	w.do(walkStep{name: "userinfo, token in the body", outcome: "access granted",
		checks: join(bodyTokenRules, tokenCheck, []string{"DPoP-bound access token is not accepted as a Bearer token", "issued for a user", "scope this resource needs", "user still exists"})},
		"POST", "/userinfo", url.Values{"access_token": {access2}}, nil)
	w.do(walkStep{name: "userinfo, token in the body and the header", outcome: "invalid_request", checks: bodyTokenRules[:4]},
		"POST", "/userinfo", url.Values{"access_token": {access2}}, bearerHeader(access2))
	w.do(walkStep{name: "token in the query", outcome: "invalid_request", checks: []string{"not in the query string"}},
		"GET", "/protected/resource?access_token="+access2, nil, nil)
	// No token: a bare challenge, which names no error code
	// (RFC 6750 Section 3.1), so neither does the trace: its outcome is the status.
	for _, path := range []string{"/protected/resource", "/user/profile", "/userinfo"} {
		w.do(walkStep{name: "no token at " + path, outcome: "refused without an error code", checks: []string{"not in the query string", "carries an access token"}},
			"GET", path, nil, nil)
	}
	w.do(walkStep{name: "introspect", outcome: "token active",
		checks: join(basicForm, []string{"carries the token"}, clientRules, []string{"introspecting client is confidential", "JWT of this server", "resource this server serves", "has not expired", "issued to the introspecting client", "nor its grant is revoked"}),
		refs:   map[string]string{"issued to the introspecting client": "RFC 7662 Section 2.2"}},
		"POST", "/oauth/introspect", url.Values{"token": {access2}}, basic("testclient", walkClientSecret))
	w.do(walkStep{name: "revoke", outcome: "token revoked",
		checks:  join(bodyForm, []string{"carries the token"}, clientRules, []string{"one this server issued: an unexpired access token, or a refresh token", "issued to the client that revokes it"}),
		changes: []string{"grant revoked: its refresh and access tokens are dead"}},
		"POST", "/oauth/revoke", url.Values{"token": {refresh2}, "client_id": {"testclient"}, "client_secret": {walkClientSecret}}, nil)
	w.do(walkStep{name: "a revoked token", outcome: "invalid_token", checks: tokenRules}, "GET", "/protected/resource", nil, bearerHeader(access))
	w.token(walkStep{name: "refresh token reuse", outcome: "invalid_grant",
		checks: join(bodyToken, clientRules, []string{"supports", "registered for this grant type", "carries the refresh_token",
			"one this server issued", "issued to this client", "not been used"}),
		changes: []string{"grant revoked: every access and refresh token of it is dead"}}, refreshForm, nil)
	w.token(walkStep{name: "code replay", outcome: "invalid_grant",
		checks:  join(basicToken, clientRules, verifiedCodeRules, []string{"not been used"}),
		changes: []string{"grant revoked: every token issued from this code is dead"}}, exchange, basic("testclient", walkClientSecret))
}

// walkDeviceAndClientCredentials runs the device flow (with the login
// session of the code flow) and the client credentials grant.
func walkDeviceAndClientCredentials(w *walker, clock *clocktest.Clock) {
	t := w.t
	_, body, _ := w.do(walkStep{name: "device authorization", outcome: "device code issued",
		checks:  join(bodyForm, []string{"device authorization requests per hour, a bound of this server's"}, publicRules, []string{"registered for this grant type", "scope is known"}),
		changes: []string{"device code and user code issued, pending the user's decision"},
		refs:    map[string]string{"device authorization requests per hour": "RFC 8628 Section 3.1"}},
		"POST", "/oauth/device/code", url.Values{"client_id": {"device-client"}, "scope": {"read"}}, nil)
	var da struct {
		DeviceCode string `json:"device_code"`
		UserCode   string `json:"user_code"`
	}
	if err := json.Unmarshal([]byte(body), &da); err != nil {
		t.Fatalf("device authorization: %q: %v", body, err)
	}
	deviceCode := w.secret("device_code", da.DeviceCode)
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {deviceCode}, "client_id": {"device-client"}}
	pollChecks := join(bodyToken, publicRules, []string{"supports", "registered for this grant type", "carries the device_code",
		"one this server issued", "issued to this client", "not been redeemed", "not expired", "not denied", "waited the polling interval"})
	w.token(walkStep{name: "device poll, pending", outcome: "authorization_pending",
		checks: join(pollChecks, []string{"user has approved"}), changes: []string{"poll time recorded"},
		refs: map[string]string{"names its grant_type": "RFC 8628 Section 3.4", "not been redeemed": "RFC 8628 Section 3.5"}}, poll, nil)
	w.token(walkStep{name: "device poll, too soon", outcome: "slow_down",
		checks: pollChecks, changes: []string{"polling interval increased by 5 s"}}, poll, nil)

	_, page, _ := w.do(walkStep{name: "device page"}, "GET", "/device?user_code="+url.QueryEscape(da.UserCode), nil, nil)
	entry := providertest.FormFields(page)
	entry.Set("user_code", da.UserCode)
	_, page, _ = w.do(walkStep{name: "device code entry", outcome: "device consent page shown",
		checks: join(sessionForm, []string{"no form field", "CSRF", "entry rate", "guessing limit", "names a device authorization request", "not been approved or denied", "not expired"})},
		"POST", "/device", entry, nil)
	decision := providertest.FormFields(page)
	decision.Set("user_code", da.UserCode)
	decision.Set("decision", "bogus")
	w.do(walkStep{name: "device decision the page does not offer", outcome: "device consent page shown again: Choose Approve or Deny.",
		checks: join(sessionForm, []string{"no form field", "CSRF", "entry rate", "guessing limit", "names a device authorization request", "not been approved or denied",
			"not expired", "chose to approve or deny"}),
		refs: map[string]string{"chose to approve or deny": "RFC 8628 Section 3.3"}}, "POST", "/device", decision, nil)
	decision.Set("decision", "allow")
	w.do(walkStep{name: "device approval", outcome: "device request approved: grant created",
		checks: join(sessionForm, []string{"no form field", "CSRF", "entry rate", "guessing limit", "names a device authorization request", "not been approved or denied",
			"not expired", "chose to approve or deny", "signed in, recently enough"}),
		changes: []string{"device request approved: grant created"}}, "POST", "/device", decision, nil)
	clock.Advance(10 * time.Second)
	status, tok := w.token(walkStep{name: "device poll, approved", outcome: "tokens issued",
		checks:  join(pollChecks[:len(pollChecks)-1], []string{"user has approved", "grant is in force"}),
		changes: []string{"device code consumed", "refresh token issued"}}, poll, nil)
	if status != http.StatusOK {
		t.Fatalf("device poll, approved: got %d %+v", status, tok)
	}
	w.secret("device access token", tok.AccessToken)
	w.secret("device refresh token", tok.RefreshToken)

	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
	ccChecks := join(basicToken, clientRules, []string{"supports", "registered for this grant type", "confidential client", "scope is known", "describes a user"})
	status, tok = w.token(walkStep{name: "client credentials", outcome: "tokens issued", checks: ccChecks,
		refs: map[string]string{"names its grant_type": "RFC 6749 Section 4.4.2"}}, cc, basic("testclient", walkClientSecret))
	if status != http.StatusOK {
		t.Fatalf("client credentials: got %d %+v", status, tok)
	}
	ccToken := w.secret("client credentials token", tok.AccessToken)
	w.do(walkStep{name: "profile without a user", outcome: "insufficient_scope", checks: join(bearerRules, []string{"issued for a user"})},
		"GET", "/user/profile", nil, bearerHeader(ccToken))
	w.do(walkStep{name: "revoke an access token", outcome: "token revoked",
		checks:  join(basicForm, []string{"carries the token"}, clientRules, []string{"one this server issued: an unexpired access token, or a refresh token", "issued to the client that revokes it"}),
		changes: []string{"access token revoked (its jti is remembered until it expires)"}},
		"POST", "/oauth/revoke", url.Values{"token": {ccToken}}, basic("testclient", walkClientSecret))
}

// walkBadRequests sends requests the provider must refuse.
func walkBadRequests(w *walker) {
	w.do(walkStep{name: "wrong content type", outcome: "invalid_request", checks: formRules},
		"POST", "/oauth/token", nil, map[string]string{"Content-Type": "text/plain"})
	repeated := url.Values{"grant_type": {"client_credentials", "client_credentials"}, "client_secret": {walkClientSecret}}
	w.token(walkStep{name: "repeated parameter", outcome: "invalid_request", checks: join(formRules, []string{"request parameter this endpoint reads"})}, repeated, nil)
	w.token(walkStep{name: "no grant_type", outcome: "invalid_request", checks: basicToken,
		refs: map[string]string{"names its grant_type": "RFC 6749 Section 5.2"}}, url.Values{"scope": {"read"}}, basic("testclient", walkClientSecret))
	w.token(walkStep{name: "a code this server never issued", outcome: "invalid_grant",
		checks: join(basicToken, clientRules, []string{"supports", "registered for this grant type", "carries the code", "one this server issued"}),
		refs:   map[string]string{"one this server issued": "RFC 6749 Section 4.1.3"}},
		url.Values{"grant_type": {"authorization_code"}, "code": {"xx"}, "redirect_uri": {demoRedirectURI}}, basic("testclient", walkClientSecret))
	w.token(walkStep{name: "unsupported grant type", outcome: "unsupported_grant_type",
		checks: join(basicToken, clientRules, []string{"supports"})},
		url.Values{"grant_type": {"password"}, "username": {providertest.DemoUsername}, "password": {walkPassword}}, basic("testclient", walkClientSecret))
	w.token(walkStep{name: "unknown resource", outcome: "invalid_target",
		checks: join(basicToken, clientRules, []string{"supports", "registered for this grant type", "confidential client", "scope is known",
			"describes a user", "resource server this provider serves"})},
		url.Values{"grant_type": {"client_credentials"}, "resource": {"https://unknown.example/api"}}, basic("testclient", walkClientSecret))
	w.token(walkStep{name: "malformed Basic credentials", outcome: "invalid_client", checks: join(formRules, []string{"request parameter this endpoint reads", "HTTP Basic"})},
		url.Values{"grant_type": {"client_credentials"}}, map[string]string{"Authorization": "Basic " + walkClientSecret})
	signIn, _ := url.ParseQuery(okAuth + demoUser + "&decision=allow")
	signIn.Set("password", walkPassword)
	w.do(walkStep{name: "sign-in form from another site", outcome: "invalid_request", checks: []string{"not from another site"}},
		"POST", "/oauth/authenticate", signIn, map[string]string{"Sec-Fetch-Site": "cross-site"})
	w.do(walkStep{name: "unregistered redirect_uri", outcome: "invalid_request", checks: join(queryRules, authzRules)}, "GET",
		"/oauth/authorize?response_type=code&client_id=testclient&redirect_uri="+url.QueryEscape(demoRedirectURI+"x"), nil, nil)
	w.do(walkStep{name: "unknown client", outcome: "invalid_client", checks: join(queryRules, authzRules[:3])}, "GET",
		"/oauth/authorize?response_type=code&client_id=nobody&redirect_uri="+url.QueryEscape(demoRedirectURI), nil, nil)
	w.do(walkStep{name: "code_challenge_method without code_challenge", outcome: "invalid_request",
		checks: join(queryRules, authzRules, redirectRules, []string{"code_challenge_method comes with a code_challenge"}),
		refs:   map[string]string{"code_challenge_method comes with": "RFC 7636 Section 4.3"}}, "GET",
		"/oauth/authorize?response_type=code&client_id=testclient&code_challenge_method=S256&redirect_uri="+url.QueryEscape(demoRedirectURI), nil, nil)
	w.do(walkStep{name: "request_uri to fetch", outcome: "request_uri_not_supported", checks: join(queryRules, authzRules, redirectRules[:4]),
		refs: map[string]string{"no request_uri to fetch": "OIDC Core Section 6.2"}}, "GET",
		"/oauth/authorize?response_type=code&client_id=testclient&request_uri=https%3A%2F%2Frp.example%2Fr.jwt&redirect_uri="+url.QueryEscape(demoRedirectURI), nil, nil)
	w.do(walkStep{name: "response_mode fragment", outcome: "invalid_request", checks: join(queryRules, authzRules, redirectRules[:5]),
		refs: map[string]string{"response_mode, if sent": "OIDC Multiple Response Types Section 2.1"}}, "GET",
		"/oauth/authorize?response_type=code&client_id=testclient&response_mode=fragment&redirect_uri="+url.QueryEscape(demoRedirectURI), nil, nil)
	w.do(walkStep{name: "PKCE plain", outcome: "invalid_request", checks: join(queryRules, authzRules, redirectRules, pkceRules[:1])}, "GET",
		"/oauth/authorize?response_type=code&client_id=testclient&code_challenge=abc&code_challenge_method=plain&redirect_uri="+url.QueryEscape(demoRedirectURI), nil, nil)
}

// walkPushedRegisteredAndLogout pushes an authorization request (RFC 9126)
// and uses it, registers a client (RFC 7591) and reads it with its
// registration access token (RFC 7592), and logs out with an ID token hint.
func walkPushedRegisteredAndLogout(w *walker) {
	t := w.t
	push := url.Values{"response_type": {"code"}, "client_id": {"testclient"}, "redirect_uri": {demoRedirectURI}, "scope": {"openid read"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
	_, body, _ := w.do(walkStep{name: "PAR", outcome: "request_uri issued",
		checks: join(basicForm, []string{"pushed authorization requests per hour"}, clientRules, []string{"carries no request_uri", "names the authenticated client"},
			authzRules, redirectRules, pkceRules, []string{"as stored, is at most 16 KiB"}),
		changes: []string{"pushed authorization request stored, under a one-time request_uri"}},
		"POST", "/oauth/par", push, basic("testclient", walkClientSecret))
	var pushed struct {
		RequestURI string `json:"request_uri"`
	}
	_ = json.Unmarshal([]byte(body), &pushed)
	requestURI := pushed.RequestURI
	w.secret("request_uri's reference", strings.TrimPrefix(requestURI, "urn:ietf:params:oauth:request_uri:"))

	k := registerKeyClient(t, w.srv)
	assertion := w.secret("client assertion", k.assertion(t, w.srv.Issuer))
	w.token(walkStep{name: "client credentials, private_key_jwt", outcome: "tokens issued",
		checks: join(formRules, []string{"request parameter this endpoint reads", "one authentication method", "client_assertion_type is", "single signed JWT",
			"names the same client", "names its grant_type", "identifies itself", "registered client", "token_endpoint_auth_method it registered",
			"signed by the registered key its kid names", `"iss" and "sub"`, `"aud" names`, "is current", `"jti" was never used`,
			"supports", "registered for this grant type", "confidential client", "scope is known", "describes a user"}),
		changes: []string{"client_assertion jti recorded as used"}},
		url.Values{"grant_type": {"client_credentials"}, "scope": {"read"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}, nil)
	w.do(walkStep{name: "authorization by request_uri", traced: true}, "GET",
		"/oauth/authorize?"+url.Values{"client_id": {"testclient"}, "request_uri": {requestURI}}.Encode(), nil, nil)

	req, _ := http.NewRequest("POST", w.srv.URL+"/oauth/register", strings.NewReader(`{"redirect_uris":["http://127.0.0.1:9999/cb"],"client_name":"walk"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.browser.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body = providertest.ReadBody(t, resp)
	w.steps = append(w.steps, walkStep{name: "registration", id: resp.Header.Get("X-Request-Id"), outcome: "client registered", traced: true})
	var reg struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		AccessToken  string `json:"registration_access_token"`
	}
	if err := json.Unmarshal([]byte(body), &reg); err != nil || reg.ClientID == "" {
		t.Fatalf("registration: %d %q", resp.StatusCode, body)
	}
	if reg.ClientSecret != "" {
		w.secret("registered client secret", reg.ClientSecret)
	}
	rat := w.secret("registration access token", reg.AccessToken)
	w.do(walkStep{name: "registration read", traced: true}, "GET", "/oauth/register/"+reg.ClientID, nil, bearerHeader(rat))
	w.do(walkStep{name: "registration read with a wrong token", traced: true}, "GET", "/oauth/register/"+reg.ClientID, nil, bearerHeader(walkWrongSecret))

	idToken := w.secrets["id token"]
	logout := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"http://localhost:3000/"}, "state": {"s-1"}}
	w.do(walkStep{name: "logout", traced: true}, "GET", "/oauth/logout?"+logout.Encode(), nil, nil)
}

// checkTraces reads the trace of every step and checks it.
func (w *walker) checkTraces() {
	t := w.t
	paths := map[string]bool{}
	for _, step := range w.steps {
		resp, body := callResource(t, w.srv.URL+"/debug/trace/"+step.id, "")
		if step.checks == nil && step.outcome == "" && !step.traced {
			continue // a page that checks nothing need not leave a trace
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: GET /debug/trace/%s: got %d, want 200", step.name, step.id, resp.StatusCode)
			continue
		}
		for name, secret := range w.secrets {
			if strings.Contains(body, secret) || (len(secret) >= 8 && strings.Contains(body, secret[:8])) {
				t.Errorf("%s: the trace holds the %s (or its first 8 characters): %s", step.name, name, body)
			}
		}
		var got trace
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("%s: trace %q: %v", step.name, body, err)
		}
		paths[got.Path] = true
		w.checkTrace(step, got)
	}
	for _, p := range []string{"/oauth/authorize", "/oauth/authenticate", "/oauth/token", "/oauth/revoke", "/oauth/introspect",
		"/oauth/device/code", "/device", "/userinfo", "/protected/resource", "/user/profile", "/oauth/par", "/oauth/register",
		"/oauth/logout"} {
		if !paths[p] {
			t.Errorf("no trace of %s: the walk missed an endpoint", p)
		}
	}
}

// checkTrace compares one trace with its step's expectations.
func (w *walker) checkTrace(step walkStep, got trace) {
	t := w.t
	if got.RequestID != step.id || got.Time == "" || got.Method == "" || got.Status == 0 {
		t.Errorf("%s: got request_id %q, time %q, method %q, status %d; want the step's id and all set", step.name, got.RequestID, got.Time, got.Method, got.Status)
	}
	if step.outcome != "" && got.Outcome != step.outcome {
		t.Errorf("%s: outcome: got %q, want %q", step.name, got.Outcome, step.outcome)
	}
	if step.checks == nil {
		return // only its existence and its secrets are checked
	}
	var rules []string
	for _, c := range got.Checks {
		rules = append(rules, c.Rule+" ("+c.Ref+")")
		if specref.URL(c.Ref) == "" { // the form of every rule's ref: TestRuleRefsHaveOneFormAndALink
			t.Errorf("%s: ref %q of check %q has no link (specref.URL)", step.name, c.Ref, c.Rule)
		}
	}
	match := len(got.Checks) == len(step.checks)
	for i := 0; match && i < len(step.checks); i++ {
		match = strings.Contains(got.Checks[i].Rule, step.checks[i])
	}
	if !match {
		t.Errorf("%s: checks:\n got  %q\n want %q", step.name, rules, step.checks)
		return
	}
	// A refusal: an error status, or an error code (not words) as the outcome, as when redirected.
	refused := got.Status >= 400 || !strings.Contains(got.Outcome, " ")
	for i, c := range got.Checks {
		if want := !(refused && i == len(got.Checks)-1); c.Passed != want {
			t.Errorf("%s: check %q: got passed=%v, want %v", step.name, c.Rule, c.Passed, want)
		}
	}
	if strings.Join(got.Changes, "|") != strings.Join(step.changes, "|") {
		t.Errorf("%s: changes: got %q, want %q", step.name, got.Changes, step.changes)
	}
	checkRefs(t, step, got)
}

// checkRefs checks that every check of a trace whose rule holds a part
// named in step.refs cites that part's section, and that each part is in
// some rule.
func checkRefs(t *testing.T, step walkStep, got trace) {
	for part, ref := range step.refs {
		found := false
		for _, c := range got.Checks {
			if strings.Contains(c.Rule, part) {
				found = true
				if c.Ref != ref {
					t.Errorf("%s: %q cites %s, want %s", step.name, c.Rule, c.Ref, ref)
				}
			}
		}
		if !found {
			t.Errorf("%s: no rule holds %q", step.name, part)
		}
	}
}

// TestE2ETraceEndpoint checks GET /debug/trace/{request_id}: the JSON keys of
// the README's "Traces" section, readable from a browser page of another origin, 404 for an unknown
// id and for a request the router refused (saying that those are not
// traced, not that the trace expired), and 404 for every id when teaching
// mode is off.
func TestE2ETraceEndpoint(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	resp, _ := rawPost(t, srv.URL+"/oauth/token", "grant_type=client_credentials&scope=read", basic("testclient", "testsecret"))
	id := resp.Header.Get("X-Request-Id")
	resp, body := callResource(t, srv.URL+"/debug/trace/"+id, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /debug/trace/%s: got %d %s, want 200", id, resp.StatusCode, body)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin: got %q, want *", got)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"request_id", "time", "method", "path", "client_id", "status", "outcome", "refused", "checks", "changes"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("the trace lacks %q: %s", k, body)
		}
		delete(keys, k)
	}
	if len(keys) != 0 {
		t.Errorf("the trace has keys the README does not name: %v", keys)
	}
	var got trace
	_ = json.Unmarshal([]byte(body), &got)
	if _, err := time.Parse(time.RFC3339, got.Time); err != nil || got.Method != "POST" || got.Path != "/oauth/token" ||
		got.ClientID != "testclient" || got.Status != 200 || got.Outcome != "tokens issued" || got.Changes == nil {
		t.Errorf("got %+v, want POST /oauth/token by testclient, 200, tokens issued, an RFC 3339 time, changes []", got)
	}
	if resp, _ := callResource(t, srv.URL+"/debug/trace/"+strings.Repeat("A", 26), ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown id: got %d, want 404", resp.StatusCode)
	}
	refused, _ := callResource(t, srv.URL+"/oauth/token", "") // 405: the router refuses it, and it is not traced
	if resp, body := callResource(t, srv.URL+"/debug/trace/"+refused.Header.Get("X-Request-Id"), ""); resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(body, "requests the router refuses: an unknown path, a method not allowed") || !strings.Contains(body, "the newest 1024 for 15 minutes") {
		t.Errorf("the id of a GET /oauth/token (%d): got %d %s, want 404 saying such requests are not traced, and which are kept: the newest 1024 for 15 minutes",
			refused.StatusCode, resp.StatusCode, body)
	}

	off := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.TeachingMode = config.TeachingOff }})
	resp, _ = rawPost(t, off.URL+"/oauth/token", "grant_type=client_credentials&scope=read", basic("testclient", "testsecret"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("client credentials with teaching off: got %d", resp.StatusCode)
	}
	if resp, _ := callResource(t, off.URL+"/debug/trace/"+resp.Header.Get("X-Request-Id"), ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("teaching mode off: got %d, want 404", resp.StatusCode)
	}
}

// TestE2ETraceKeepsAShortPath: a trace keeps a path that holds a client_id
// naming no registered client as its route's pattern (README, "Traces"),
// so 1024 traces of 30 KB paths hold little.
func TestE2ETraceKeepsAShortPath(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	long := "/oauth/register/" + strings.Repeat("x", 30_000)
	resp, _ := sendJSON(t, http.MethodGet, srv.URL+long, "", "no-such-token")
	resp, body := callResource(t, srv.URL+"/debug/trace/"+resp.Header.Get("X-Request-Id"), "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the trace of a long path: got %d %s, want 200", resp.StatusCode, body)
	}
	var got trace
	_ = json.Unmarshal([]byte(body), &got)
	if want := "/oauth/register/:client_id"; got.Path != want {
		t.Errorf("path: got %d bytes starting %.30q, want %s", len(got.Path), got.Path, want)
	}
}

// answerWatcher is a ResponseWriter that, the moment the answer's status
// goes out, asks the same router for the request's trace.
type answerWatcher struct {
	*httptest.ResponseRecorder
	router      http.Handler
	traceStatus int
}

func (w *answerWatcher) WriteHeader(code int) {
	if w.traceStatus == 0 {
		rec := httptest.NewRecorder()
		w.router.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/trace/"+w.Header().Get("X-Request-Id"), nil))
		w.traceStatus = rec.Code
	}
	w.ResponseRecorder.WriteHeader(code)
}

func (w *answerWatcher) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.ResponseRecorder.Write(b)
}

// TestE2ETraceFiledBeforeAnswer checks that a request's trace can be read as
// soon as its answer starts, so a client that fetches it right after the
// answer never misses it: a token answer (body), a refusal, and a redirect.
func TestE2ETraceFiledBeforeAnswer(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	router := srv.Config.Handler
	for _, tc := range []struct{ name, method, target, body string }{
		{"tokens", "POST", "/oauth/token", "grant_type=client_credentials&scope=read"},
		{"a refusal", "POST", "/oauth/token", "grant_type=password"},
		{"a redirect", "GET", "/oauth/authorize?response_type=token&client_id=testclient&redirect_uri=" + url.QueryEscape(demoRedirectURI), ""},
	} {
		req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("testclient", "testsecret")
		w := &answerWatcher{ResponseRecorder: httptest.NewRecorder(), router: router}
		router.ServeHTTP(w, req)
		if w.traceStatus != http.StatusOK {
			t.Errorf("%s (answered %d): the trace, read as the answer started: got %d, want 200", tc.name, w.Code, w.traceStatus)
		}
	}
}
