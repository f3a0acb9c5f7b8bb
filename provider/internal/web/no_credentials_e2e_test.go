package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2ENoCredentials holds every endpoint that takes a bearer token — the
// resources, /userinfo, the registration endpoint under an initial access
// token and the client configuration endpoint — to RFC 6750 Section 3.1: a
// request with no credentials, or with another scheme, gets 401 and a bare
// challenge, and "SHOULD NOT include an error code or other error
// information", in the challenge or the body (as in RFC 6750 Section 3's
// example). A wrong token is invalid_token, in the challenge and the body.
// Either way a resource's challenge names the scope a token for it needs
// (RFC 6750 Section 3; the Model Context Protocol's authorization: "MCP
// servers SHOULD include a scope parameter in the WWW-Authenticate
// header"), and so does its DPoP challenge (RFC 9449 Section 7.1); the
// registration endpoints, whose tokens have no scope, name none.
func TestE2ENoCredentials(t *testing.T) {
	const initial = "initial-access-token-of-at-least-32-chars"
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) {
			c.Registration, c.RegistrationToken = config.RegistrationToken, initial
		}})
		resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, initial)
		var reg registration
		if err := json.Unmarshal([]byte(body), &reg); resp.StatusCode != http.StatusCreated || err != nil {
			t.Fatalf("register: got %d %s, want 201", resp.StatusCode, body)
		}
		endpoints := []struct{ method, path, body, scope string }{
			{http.MethodGet, "/protected/resource", "", "read"},
			{http.MethodGet, "/user/profile", "", "read"},
			{http.MethodGet, "/userinfo", "", "openid"},
			{http.MethodPost, "/userinfo", "", "openid"},
			{http.MethodPost, "/oauth/register", nativeClient, ""},
			{http.MethodGet, "/oauth/register/" + reg.ClientID, "", ""},
			{http.MethodDelete, "/oauth/register/" + reg.ClientID, "", ""},
		}
		credentials := []struct{ name, authorization, wantError string }{
			{"no credentials: a bare challenge and no error in the body (RFC 6750 Section 3.1)", "", ""},
			{"another scheme counts as none (RFC 6750 Section 3.1)", "Basic dGVzdGNsaWVudDp0ZXN0c2VjcmV0", ""},
			{"a wrong token: invalid_token in the challenge and the body (RFC 6750 Section 3.1)", "Bearer wrong", "invalid_token"},
		}
		for _, cr := range credentials {
			t.Run(cr.name, func(t *testing.T) {
				for _, ep := range endpoints {
					resp, body := sendWith(t, ep.method, srv.URL+ep.path, ep.body, cr.authorization)
					checkNoCredentialsAnswer(t, ep.method+" "+ep.path, resp, body, cr.wantError)
					checkChallengeScope(t, ep.method+" "+ep.path, resp, ep.scope)
				}
			})
		}
		t.Run("a wrong token with the DPoP scheme: the DPoP challenge (RFC 9449 Section 7.1)", func(t *testing.T) {
			for _, ep := range endpoints[:4] {
				resp, _ := sendWith(t, ep.method, srv.URL+ep.path, "", "DPoP wrong")
				if challenge := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(challenge, `DPoP error="invalid_token"`) {
					t.Errorf("%s %s: got %d, WWW-Authenticate %q, want 401 with a DPoP invalid_token challenge", ep.method, ep.path, resp.StatusCode, challenge)
				}
				checkChallengeScope(t, ep.method+" "+ep.path, resp, ep.scope)
			}
		})
	})
}

// checkNoCredentialsAnswer checks a 401 with a Bearer challenge whose error
// code, and the body's, is wantError; "" means none at all: no error
// attribute and an empty body.
func checkNoCredentialsAnswer(t *testing.T, request string, resp *http.Response, body, wantError string) {
	t.Helper()
	challenge := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(challenge, "Bearer realm=") {
		t.Errorf("%s: got %d, WWW-Authenticate %q, want 401 with a Bearer challenge", request, resp.StatusCode, challenge)
	}
	if wantError == "" {
		if strings.Contains(challenge, "error") || body != "" {
			t.Errorf("%s: got WWW-Authenticate %q and body %q, want no error information", request, challenge, body)
		}
		return
	}
	var e struct{ Error string }
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error != wantError || !strings.Contains(challenge, `error="`+wantError+`"`) {
		t.Errorf("%s: got WWW-Authenticate %q and body %q, want %s in both", request, challenge, body, wantError)
	}
}

// scopeParam reads the scope="…" attributes of a WWW-Authenticate header.
var scopeParam = regexp.MustCompile(`(?:^|[ ,])scope="([^"]*)"`)

// checkChallengeScope checks that the WWW-Authenticate header of resp names
// wantScope, once; "" means no scope attribute at all.
func checkChallengeScope(t *testing.T, request string, resp *http.Response, wantScope string) {
	t.Helper()
	challenge := resp.Header.Get("WWW-Authenticate")
	var scopes []string
	for _, m := range scopeParam.FindAllStringSubmatch(challenge, -1) {
		scopes = append(scopes, m[1])
	}
	var want []string
	if wantScope != "" {
		want = []string{wantScope}
	}
	if !slices.Equal(scopes, want) {
		t.Errorf("%s: got WWW-Authenticate %q, want scope=%q", request, challenge, wantScope)
	}
}
