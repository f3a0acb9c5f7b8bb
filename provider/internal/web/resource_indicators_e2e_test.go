package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// mcpResource is an extra resource server (RESOURCES) in these tests.
const mcpResource = "https://mcp.example/mcp"

// audOf is the "aud" claim of a JWT access token, as JSON.
func audOf(t *testing.T, jwt string) string {
	t.Helper()
	var claims struct{ Aud json.RawMessage }
	jwttest.Decode(t, jwt, jwttest.Claims, &claims)
	return string(claims.Aud)
}

// withResources adds the resource parameters to an authorization URL.
func withResources(authURL string, resources ...string) string {
	for _, r := range resources {
		authURL += "&resource=" + url.QueryEscape(r)
	}
	return authURL
}

// TestE2EResourceIndicators: a client names the resource server a token is for
// (RFC 8707); the token's aud is that one resource; a refresh may narrow to
// another granted one; an unknown resource is invalid_target.
func TestE2EResourceIndicators(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.Resources = []string{mcpResource} }})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		verifier := oauth2.GenerateVerifier()
		authURL := withResources(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), mcpResource, srv.Issuer)
		loc := newBrowser(t).Approve(authURL)
		code := loc.Query().Get("code")

		tok, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", mcpResource))
		if err != nil {
			t.Fatalf("exchange for %s: %v", mcpResource, err)
		}
		if got := audOf(t, tok.AccessToken); got != `"`+mcpResource+`"` {
			t.Errorf("aud: got %s, want %q (RFC 8707 Section 2.2)", got, mcpResource)
		}
		if resp, _ := callResource(t, srv.URL+"/protected/resource", tok.AccessToken); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a token for %s at the provider's own resource: got %d, want 401", mcpResource, resp.StatusCode)
		}

		narrowed, err := cfg.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err == nil {
			t.Errorf("a refresh naming no resource of a grant with two: got aud %s, want invalid_target", audOf(t, narrowed.AccessToken))
		}
		resp, body := rawPost(t, srv.URL+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
			"resource": {srv.Issuer}}.Encode(), basic("testclient", "testsecret"))
		own := jsonField(body, "access_token")
		if resp.StatusCode != http.StatusOK || audOf(t, own) != `"`+srv.Issuer+`"` {
			t.Fatalf("a refresh narrowed to the provider's own resource: got %d %.200s", resp.StatusCode, body)
		}
		if resp, _ := callResource(t, srv.URL+"/protected/resource", own); resp.StatusCode != http.StatusOK {
			t.Errorf("the narrowed token at the provider's resource: got %d, want 200", resp.StatusCode)
		}
		resp, body = rawPost(t, srv.URL+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {jsonField(body, "refresh_token")},
			"resource": {"https://unknown.example/"}}.Encode(), basic("testclient", "testsecret"))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_target") {
			t.Errorf("a refresh for an unknown resource: got %d %s, want 400 invalid_target", resp.StatusCode, body)
		}

		resp, body = rawPost(t, srv.URL+"/oauth/introspect", url.Values{"token": {tok.AccessToken}}.Encode(),
			basic("testclient", "testsecret"))
		if !strings.Contains(body, `"active":true`) || !strings.Contains(body, mcpResource) {
			t.Errorf("introspection of the %s token: got %d %s, want active with its aud", mcpResource, resp.StatusCode, body)
		}
	})
}

// TestE2EResourceDroppedFromResources: a provider restarted without a
// resource server in RESOURCES issues no more tokens for it
// (RFC 8707 Section 2), from a grant made before, whether the refresh or
// the code exchange names it or not: a grant left with no resource server
// this provider still serves is invalid_target; one left with some narrows
// to them. On each store.
func TestE2EResourceDroppedFromResources(t *testing.T) {
	eachSharedDatabase(t, func(t *testing.T, databaseURL string, _ *clocktest.Clock) {
		const issuer = "http://issuer.test"
		start := func(resources ...string) *providertest.Server {
			return providertest.New(t, providertest.Options{Configure: func(c *config.Config) {
				c.DatabaseURL, c.Issuer, c.Resources = databaseURL, issuer, resources
			}})
		}
		before := start(mcpResource)
		cfg := demoConfig(before, oauth2.AuthStyleInHeader, "read")
		codeFor := func(resources ...string) (code, verifier string) {
			verifier = oauth2.GenerateVerifier()
			loc := newBrowser(t).Approve(withResources(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), resources...))
			return loc.Query().Get("code"), verifier
		}
		refreshTokenFor := func(resources ...string) string {
			code, verifier := codeFor(resources...)
			tok, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", resources[0]))
			if err != nil {
				t.Fatalf("exchange of a code for %v: %v", resources, err)
			}
			return tok.RefreshToken
		}
		onlyMCP, mcpAndOwn := refreshTokenFor(mcpResource), refreshTokenFor(mcpResource, issuer)
		pendingCode, verifier := codeFor(mcpResource)

		after := start() // mcpResource dropped from RESOURCES
		tokenAt := func(form url.Values) (*http.Response, string) {
			return rawPost(t, after.URL+"/oauth/token", form.Encode(), basic("testclient", "testsecret"))
		}
		for _, tc := range []struct {
			name string
			form url.Values
			want string
		}{
			{"a refresh naming no resource", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {onlyMCP}}, "no longer"},
			{"a refresh naming the dropped resource", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {onlyMCP}, "resource": {mcpResource}},
				"is not one this server issues tokens for"},
			{"a code exchange naming no resource", url.Values{"grant_type": {"authorization_code"}, "code": {pendingCode},
				"code_verifier": {verifier}, "redirect_uri": {demoRedirectURI}}, "no longer"},
		} {
			resp, body := tokenAt(tc.form)
			if resp.StatusCode != http.StatusBadRequest || jsonField(body, "error") != "invalid_target" || !strings.Contains(body, tc.want) {
				t.Errorf("%s of a grant for %s only, after it left RESOURCES: got %d %.200s, want 400 invalid_target, %q",
					tc.name, mcpResource, resp.StatusCode, body, tc.want)
			}
		}
		resp, body := tokenAt(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {mcpAndOwn}})
		if resp.StatusCode != http.StatusOK || audOf(t, jsonField(body, "access_token")) != `"`+issuer+`"` {
			t.Errorf("a refresh naming no resource of a grant for %s and the provider's own, after %s left RESOURCES: got %d %.200s, want aud %q",
				mcpResource, mcpResource, resp.StatusCode, body, issuer)
		}
	})
}

// TestE2EResourcesArePartOfConsent: the consent page names the resource
// servers the token will be for, the requested ones or the provider's own,
// in each language; an approval is remembered with them, and prompt=none
// succeeds only for resource servers the user approved before
// (RFC 8707 Section 2, OIDC Core Section 3.1.2.1): one never approved is
// consent_required. On each store.
func TestE2EResourcesArePartOfConsent(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.Resources = []string{mcpResource} }})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		b := newBrowser(t)
		for _, tc := range []struct {
			name, url string
			want      []string
		}{
			{"naming no resource", authURL(cfg, "consent"), []string{srv.Issuer, "It may use this access only at these servers:", "this server, where you sign in"}},
			{"naming " + mcpResource, withResources(authURL(cfg, "consent"), mcpResource), []string{mcpResource, "It may use this access only at these servers:"}},
			{"naming " + mcpResource + " in zh-TW", withResources(authURL(cfg, "consent"), mcpResource) + "&ui_locales=zh-TW",
				[]string{mcpResource, "它只能在這些伺服器上使用這項存取權："}},
		} {
			if _, page := b.Get(tc.url); !containsAll(page, tc.want) {
				t.Errorf("the consent page %s: want %q in\n%s", tc.name, tc.want, page)
			}
		}

		b.approveSavingSession(authURL(cfg, "consent"))
		if got := b.silentError(cfg); got != "" {
			t.Errorf("prompt=none for the provider's own, approved before: got error %q, want a code", got)
		}
		if got := b.silentError(cfg, mcpResource); got != "consent_required" {
			t.Errorf("prompt=none for %s after an approval without it: got error %q, want consent_required", mcpResource, got)
		}
		b.approveSavingSession(withResources(authURL(cfg, "consent"), mcpResource))
		if got := b.silentError(cfg, mcpResource); got != "" {
			t.Errorf("prompt=none for %s, approved before: got error %q, want a code", mcpResource, got)
		}
	})
}

// containsAll reports whether s contains each of subs.
func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestE2EResourceIndicatorRefusals: what RFC 8707 Section 2 refuses, at the
// authorization endpoint (redirected invalid_target) and the token endpoint,
// on each store. Any absolute URI without a fragment is a resource
// indicator (urn:x too): one this server does not know is unknown, and the
// refusal, which the redirect hands to the client, lists none it knows.
func TestE2EResourceIndicatorRefusals(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.Resources = []string{mcpResource} }})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		const notAbsolute = "must be an absolute URI without a fragment"
		for _, tc := range []struct{ name, resource, want string }{
			{"an unknown resource", "https://unknown.example/", "is not one this server issues tokens for"},
			{"an absolute URI of another scheme, unknown (RFC 8707 Section 2)", "urn:x", "is not one this server issues tokens for"},
			{"a relative one", "/api", notAbsolute},
			{"one with a fragment", mcpResource + "#x", notAbsolute},
			{"a colon in a host that is no IPv6 address (RFC 3986 Section 3.2.2)", "wss://mcp.example:x:/mcp", notAbsolute},
			{"one with a password, not repeated (RFC 3986 Section 3.2.1)", "https://alice:hunter2@unknown.example/api",
				"resource 'https://xxxxx@unknown.example/api' is not one this server issues tokens for"},
		} {
			resp, page := newBrowser(t).Get(withResources(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), tc.resource))
			loc := providertest.RedirectOf(t, resp, page)
			description := loc.Query().Get("error_description")
			if loc.Query().Get("error") != "invalid_target" || !strings.Contains(description, tc.want) {
				t.Errorf("%s at the authorization endpoint: got %s, want error=invalid_target, %q", tc.name, loc.Redacted(), tc.want)
			}
			if tc.want != notAbsolute && (strings.Contains(description, mcpResource) || strings.Contains(description, srv.Issuer)) {
				t.Errorf("%s: the refusal lists the resources this server knows: %q", tc.name, description)
			}
		}
		cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret", TokenURL: srv.URL + "/oauth/token",
			Scopes: []string{"read"}, AuthStyle: oauth2.AuthStyleInHeader}
		tok, err := cc.Token(t.Context())
		if err != nil || audOf(t, tok.AccessToken) != `"`+srv.Issuer+`"` {
			t.Fatalf("client_credentials without resource: %v, want aud = the issuer", err)
		}
		cc.EndpointParams = url.Values{"resource": {mcpResource}}
		if tok, err = cc.Token(t.Context()); err != nil || audOf(t, tok.AccessToken) != `"`+mcpResource+`"` {
			t.Errorf("client_credentials for %s: %v", mcpResource, err)
		}
		for _, unknown := range []string{"https://unknown.example/", "urn:x"} {
			cc.EndpointParams = url.Values{"resource": {unknown}}
			if _, err = cc.Token(t.Context()); err == nil || !strings.Contains(err.Error(), "invalid_target") || strings.Contains(err.Error(), mcpResource) {
				t.Errorf("client_credentials for the unknown resource %s: got %v, want invalid_target naming no known resource", unknown, err)
			}
		}
		cc.EndpointParams = url.Values{"resource": {mcpResource, srv.Issuer}}
		if _, err = cc.Token(t.Context()); err == nil || !strings.Contains(err.Error(), "invalid_target") {
			t.Errorf("two resources for one token: got %v, want invalid_target", err)
		}
	})
}

// TestE2EEmptyResourceIsOmitted: a resource parameter sent without a value
// counts as omitted (RFC 6749 Section 3.1 and RFC 6749 Section 3.2:
// "Parameters sent without a value MUST be treated as if they were omitted
// from the request"), as every other empty parameter does, at the
// authorization, PAR and token endpoints: "resource=" names no resource, so
// the token is for the provider's own; "resource=&resource=<uri>" names
// that one. On each store.
func TestE2EEmptyResourceIsOmitted(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.Resources = []string{mcpResource} }})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		for _, tc := range []struct {
			name      string
			resources []string // each one resource parameter
			wantAud   string
		}{
			{"resource= names none", []string{""}, srv.Issuer},
			{"an empty resource beside another names that one", []string{"", mcpResource}, mcpResource},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantToken := func(endpoint string, resp *http.Response, body string) {
					t.Helper()
					if resp.StatusCode != http.StatusOK || audOf(t, jsonField(body, "access_token")) != `"`+tc.wantAud+`"` {
						t.Errorf("%s: got %d %.200s, want a token for %s", endpoint, resp.StatusCode, body, tc.wantAud)
					}
				}
				exchange := func(endpoint string, loc *url.URL, verifier string) {
					t.Helper()
					code := loc.Query().Get("code")
					if code == "" {
						t.Fatalf("%s: got %s, want a code", endpoint, loc.Redacted())
					}
					resp, body := rawPost(t, srv.URL+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
						"redirect_uri": {demoRedirectURI}, "code_verifier": {verifier}, "resource": tc.resources}.Encode(), basic("testclient", "testsecret"))
					wantToken(endpoint+", then the token endpoint", resp, body)
				}
				verifier := oauth2.GenerateVerifier()
				exchange("the authorization endpoint", newBrowser(t).Approve(withResources(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), tc.resources...)), verifier)

				verifier = oauth2.GenerateVerifier()
				pushed := pushedDemoRequest(verifier)
				pushed["resource"] = tc.resources
				exchange("the PAR endpoint", newBrowser(t).Approve(parAuthorizeURL(srv, "testclient", pushOK(t, srv, pushed, demoBasic))), verifier)

				resp, body := rawPost(t, srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"read"},
					"resource": tc.resources}.Encode(), basic("testclient", "testsecret"))
				wantToken("client_credentials", resp, body)
			})
		}
	})
}

// TestE2EResourceIndicatorSpellings: a resource spelled otherwise than
// configured but equivalent (RFC 3986 Section 6.2.3: "http://example.com"
// and "http://example.com/" name one resource; the scheme and host in any
// case, the default port or none) names that resource, and the token's aud
// is its configured spelling. An MCP client spells a server at the root
// with the slash, as a URL object does. Another path is another resource.
func TestE2EResourceIndicatorSpellings(t *testing.T) {
	srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.Resources = []string{mcpResource} }})
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
	verifier := oauth2.GenerateVerifier()
	loc := newBrowser(t).Approve(withResources(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), srv.Issuer+"/"))
	tok, err := cfg.Exchange(t.Context(), loc.Query().Get("code"), oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", srv.Issuer))
	if err != nil || audOf(t, tok.AccessToken) != `"`+srv.Issuer+`"` {
		t.Fatalf("authorized for %s/, exchanged for %s: %v, want aud %s", srv.Issuer, srv.Issuer, err, srv.Issuer)
	}
	cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret", TokenURL: srv.URL + "/oauth/token",
		Scopes: []string{"read"}, AuthStyle: oauth2.AuthStyleInHeader}
	for spelling, want := range map[string]string{
		strings.ToUpper(srv.Issuer) + "/": srv.Issuer, "https://MCP.example:443/mcp": mcpResource,
		srv.Issuer + "/x": "invalid_target", mcpResource + "/": "invalid_target", "https://mcp.example/MCP": "invalid_target",
	} {
		cc.EndpointParams = url.Values{"resource": {spelling}}
		tok, err := cc.Token(t.Context())
		switch {
		case want == "invalid_target" && (err == nil || !strings.Contains(err.Error(), "invalid_target")):
			t.Errorf("resource %s: got %v, want invalid_target", spelling, err)
		case want != "invalid_target" && (err != nil || audOf(t, tok.AccessToken) != `"`+want+`"`):
			t.Errorf("resource %s: got %v, want aud %s", spelling, err, want)
		}
	}
}

// TestE2EProtectedResourceMetadata: the provider's resource server describes
// itself (RFC 9728 Section 3), and its 401 answers point there
// (RFC 9728 Section 5.1).
func TestE2EProtectedResourceMetadata(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	resp, body := sendJSON(t, http.MethodGet, srv.URL+"/.well-known/oauth-protected-resource", "", "")
	var m struct {
		Resource               string   `json:"resource"`
		AuthorizationServers   []string `json:"authorization_servers"`
		ScopesSupported        []string `json:"scopes_supported"`
		BearerMethodsSupported []string `json:"bearer_methods_supported"`
		DPoPSigningAlgs        []string `json:"dpop_signing_alg_values_supported"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &m) != nil {
		t.Fatalf("GET /.well-known/oauth-protected-resource: %d %s", resp.StatusCode, body)
	}
	if !slices.Contains(m.DPoPSigningAlgs, "ES256") || slices.Contains(m.DPoPSigningAlgs, "none") {
		t.Errorf("dpop_signing_alg_values_supported: got %q, want the asymmetric algorithms, ES256 among them (RFC 9728 Section 2)", m.DPoPSigningAlgs)
	}
	if m.Resource != srv.Issuer || strings.Join(m.AuthorizationServers, " ") != srv.Issuer ||
		strings.Join(m.BearerMethodsSupported, " ") != "header" {
		t.Errorf("metadata: got %+v", m)
	}
	// scopes_supported: the scopes the resource's endpoints use, those its
	// challenges name and profile and email, which widen /user/profile and
	// /userinfo; not write, which none uses, nor offline_access, which MCP
	// servers "SHOULD NOT include" there (MCP Authorization, revision
	// 2026-07-28, Refresh Tokens).
	if want := []string{"openid", "profile", "email", "read"}; !slices.Equal(m.ScopesSupported, want) {
		t.Errorf("scopes_supported: got %q, want %q (RFC 9728 Section 2)", m.ScopesSupported, want)
	}
	want := `resource_metadata="` + srv.Issuer + `/.well-known/oauth-protected-resource"`
	for name, token := range map[string]string{"no token": "", "a bad token": "not-a-token"} {
		for _, path := range []string{"/protected/resource", "/user/profile", "/userinfo"} {
			resp, _ := callResource(t, srv.URL+path, token)
			challenge := resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(challenge, want) {
				t.Errorf("%s at %s: got %d, WWW-Authenticate %q; want 401 with %s", name, path, resp.StatusCode, challenge, want)
			}
			if scope := scopeParam.FindStringSubmatch(challenge); scope == nil || !slices.Contains(m.ScopesSupported, scope[1]) {
				t.Errorf("%s at %s: WWW-Authenticate %q, want a scope of scopes_supported %q", name, path, challenge, m.ScopesSupported)
			}
		}
	}
}

// TestE2EMetadataOfPathIssuer: an issuer with a path component
// (https://as.example/tenant, behind a proxy that strips /tenant) has its
// metadata where RFC 8414 Section 3 puts it, the well-known string inserted
// before the path, and where OIDC Discovery Section 4 does, appended; so
// has its resource identifier (RFC 9728 Section 3). Another path is not
// found.
func TestE2EMetadataOfPathIssuer(t *testing.T) {
	const issuer = "http://127.0.0.1:1/tenant"
	srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.Issuer = issuer }})
	for path, want := range map[string]string{
		"/.well-known/oauth-authorization-server/tenant": `"issuer":"` + issuer + `"`,
		"/.well-known/openid-configuration":              `"issuer":"` + issuer + `"`,
		"/.well-known/oauth-protected-resource/tenant":   `"resource":"` + issuer + `"`,
	} {
		if resp, body := sendJSON(t, http.MethodGet, srv.URL+path, "", ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: got %d %.120s, want 200 with %s", path, resp.StatusCode, body, want)
		}
	}
	for _, path := range []string{"/.well-known/oauth-authorization-server/other", "/.well-known/oauth-authorization-server/tenant/x",
		"/.well-known/oauth-protected-resource/other"} {
		if resp, body := sendJSON(t, http.MethodGet, srv.URL+path, "", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d %.120s, want 404", path, resp.StatusCode, body)
		}
	}
}

// TestE2EProtectedResourceMetadataLocation: the resource_metadata of the
// challenges is the URL that RFC 9728 Section 3.1 forms from the resource
// identifier (ACCESS_TOKEN_AUDIENCE, default ISSUER), the well-known string
// inserted between the host and the path; the provider serves the metadata
// at that path and query, and at no other, with "resource" identical to the
// identifier (RFC 9728 Section 3.3). An issuer with a path stands behind a
// proxy that strips it and passes the well-known URL on unchanged, as does
// the origin of an audience elsewhere (README, "Resource indicators and
// protected resource metadata").
func TestE2EProtectedResourceMetadataLocation(t *testing.T) {
	const pathIssuer = "http://127.0.0.1:1/tenant"
	for _, tc := range []struct {
		name         string
		opts         providertest.Options
		resource     func(base string) string // base: the server's URL
		metadataURL  func(base string) string
		metadataPath string
	}{
		{"the default, the issuer", providertest.Options{},
			func(base string) string { return base },
			func(base string) string { return base + "/.well-known/oauth-protected-resource" }, "/.well-known/oauth-protected-resource"},
		{"an issuer with a path", providertest.Options{Issuer: pathIssuer},
			func(string) string { return pathIssuer },
			func(string) string { return "http://127.0.0.1:1/.well-known/oauth-protected-resource/tenant" }, "/.well-known/oauth-protected-resource/tenant"},
		{"ACCESS_TOKEN_AUDIENCE with a path, on the issuer's origin", providertest.Options{Configure: func(c *config.Config) { c.Audience = c.Issuer + "/api" }},
			func(base string) string { return base + "/api" },
			func(base string) string { return base + "/.well-known/oauth-protected-resource/api" }, "/.well-known/oauth-protected-resource/api"},
		{"ACCESS_TOKEN_AUDIENCE with two segments: an encoded slash is not a slash (RFC 3986 Section 2.2)", providertest.Options{Configure: func(c *config.Config) { c.Audience = c.Issuer + "/api/v1" }},
			func(base string) string { return base + "/api/v1" },
			func(base string) string { return base + "/.well-known/oauth-protected-resource/api/v1" }, "/.well-known/oauth-protected-resource/api/v1"},
		{"ACCESS_TOKEN_AUDIENCE at the root, with the slash: no slash after the host", providertest.Options{Configure: func(c *config.Config) { c.Audience = c.Issuer + "/" }},
			func(base string) string { return base + "/" },
			func(base string) string { return base + "/.well-known/oauth-protected-resource" }, "/.well-known/oauth-protected-resource"},
		{"ACCESS_TOKEN_AUDIENCE with a query: the metadata is at that query only", providertest.Options{Configure: func(c *config.Config) { c.Audience = c.Issuer + "/api?v=1" }},
			func(base string) string { return base + "/api?v=1" },
			func(base string) string { return base + "/.well-known/oauth-protected-resource/api?v=1" }, "/.well-known/oauth-protected-resource/api?v=1"},
		{"ACCESS_TOKEN_AUDIENCE on another origin", providertest.Options{Configure: func(c *config.Config) { c.Audience = mcpResource }},
			func(string) string { return mcpResource },
			func(string) string { return "https://mcp.example/.well-known/oauth-protected-resource/mcp" }, "/.well-known/oauth-protected-resource/mcp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := providertest.New(t, tc.opts)
			for path, token := range map[string]string{"/protected/resource": "", "/userinfo": "not-a-token"} {
				resp, _ := callResource(t, srv.URL+path, token)
				m := resourceMetadataParam.FindStringSubmatch(resp.Header.Get("WWW-Authenticate"))
				if m == nil || m[1] != tc.metadataURL(srv.URL) {
					t.Errorf("GET %s: got WWW-Authenticate %q, want resource_metadata=%q", path, resp.Header.Get("WWW-Authenticate"), tc.metadataURL(srv.URL))
				}
			}
			resp, body := sendJSON(t, http.MethodGet, srv.URL+tc.metadataPath, "", "")
			if want := tc.resource(srv.URL); resp.StatusCode != http.StatusOK || jsonField(body, "resource") != want {
				t.Errorf("GET %s: got %d %.120s, want 200 with resource %q", tc.metadataPath, resp.StatusCode, body, want)
			}
			for _, suffix := range []string{"", "/", "/tenant", "/api", "/mcp", "/api/x", "/other", "%2Fapi", "/api%2Fv1",
				"?v=1", "/api?v=2", "/api?v=1&v=2", "/api?v%3D1"} {
				if path := "/.well-known/oauth-protected-resource" + suffix; path != tc.metadataPath {
					if resp, body := sendJSON(t, http.MethodGet, srv.URL+path, "", ""); resp.StatusCode != http.StatusNotFound {
						t.Errorf("GET %s: got %d %.120s, want 404 (the metadata is at %s only)", path, resp.StatusCode, body, tc.metadataPath)
					}
				}
			}
		})
	}
}

// TestE2EDeviceResourceIndicators: the device access token request checks
// resource as the other grants do (RFC 8707 Section 2). A device
// authorization request names no resource, so its grant is for the
// provider's own: naming that one gets it as aud, and an unknown,
// malformed or ungranted resource is invalid_target. A refused poll,
// before or after the user's approval, leaves the device code as it was.
func TestE2EDeviceResourceIndicators(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := newFakeClock()
		srv := newServer(providertest.Options{Now: clock.Now, Configure: func(c *config.Config) { c.Resources = []string{mcpResource} }})
		da := startDevice(t, deviceConfig(srv, "read"))
		pollFor := func(resource string) (*http.Response, string) {
			return rawPost(t, srv.URL+"/oauth/token", "grant_type="+deviceGrantType+"&client_id=device-client&device_code="+
				url.QueryEscape(da.DeviceCode)+"&resource="+url.QueryEscape(resource), nil)
		}
		refused := func(when string) {
			t.Helper()
			before, err := srv.Provider.Store.GetDeviceCode(t.Context(), oauth.HashSecret(da.DeviceCode))
			if err != nil {
				t.Fatal(err)
			}
			// No empty resource here: it counts as omitted (TestE2EEmptyResourceIsOmitted).
			for _, resource := range []string{"https://unknown.example/", "relative#frag", mcpResource} {
				if resp, body := pollFor(resource); resp.StatusCode != http.StatusBadRequest || jsonField(body, "error") != "invalid_target" {
					t.Errorf("%s, resource %q: got %d %s, want 400 invalid_target", when, resource, resp.StatusCode, body)
				}
			}
			if after, err := srv.Provider.Store.GetDeviceCode(t.Context(), oauth.HashSecret(da.DeviceCode)); err != nil || !reflect.DeepEqual(after, before) {
				t.Errorf("%s: the refused polls changed the device code: %+v, want %+v (%v)", when, after, before, err)
			}
		}
		refused("pending")
		decideThroughPage(t, da, "allow")
		refused("approved")
		resp, body := pollFor(srv.Issuer + "/")
		if resp.StatusCode != http.StatusOK || audOf(t, jsonField(body, "access_token")) != `"`+srv.Issuer+`"` {
			t.Errorf("the provider's own resource: got %d %.200s, want 200 and aud %s", resp.StatusCode, body, srv.Issuer)
		}
	})
}
