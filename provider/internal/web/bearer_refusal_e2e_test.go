package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EBearerRefusalNamesCheck: a resource refuses an access token with
// invalid_token and says which check of RFC 9068 Section 4 the token failed,
// in error_description (challenge and JSON body) and as the trace's failed
// rule, at each resource, without echoing anything of the token. A token
// seen before (verified and cached) expires like any other. Introspection
// still answers only {"active":false} (RFC 7662 Section 2.2), and its trace
// names the same check. On each store.
func TestE2EBearerRefusalNamesCheck(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := newFakeClock()
		srv := newServer(providertest.Options{Now: clock.Now, Configure: func(c *config.Config) { c.Resources = []string{mcpResource} }})
		fresh := func(resource string) string {
			form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
			if resource != "" {
				form.Set("resource", resource)
			}
			resp, body := rawPost(t, srv.URL+"/oauth/token", form.Encode(), basic("testclient", "testsecret"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("client_credentials for %q: got %d %s", resource, resp.StatusCode, body)
			}
			return jsonField(body, "access_token")
		}
		used := func() string { // a token the resource has accepted (and cached)
			tok := fresh("")
			if status, challenge := resourceStatus(t, srv, tok); status != http.StatusOK {
				t.Fatalf("a fresh token: got %d %q, want 200", status, challenge)
			}
			return tok
		}
		const invalid = "the access token is not a valid token of this server (signature, kid, typ, iss or format)"
		for _, tc := range []struct {
			name, rule, description string
			token                   func() string
			inactive                string // the rule introspection's trace ends with when it says {"active":false}
		}{
			{"a token for another resource (RFC 9068 Section 4)", "was issued for this resource",
				"the access token was not issued for this resource (aud)", func() string { return fresh(mcpResource) }, ""},
			{"a token seen before, now expired (RFC 7519 Section 4.1.4)", "has not expired",
				"the access token has expired", func() string { tok := used(); clock.Advance(time.Hour); return tok }, "has not expired"},
			{"a token whose iat is ahead of the resource's clock (RFC 9068 Section 4)", "has not expired",
				"the access token is not valid yet (iat or nbf is in the future)", func() string { tok := fresh(""); clock.Advance(-2 * time.Minute); return tok }, "has not expired"},
			{"a token with a tampered signature (RFC 9068 Section 4)", "JWT of this server", invalid, func() string { return tampered(fresh("")) }, "JWT of this server"},
			// Not a JWT, so looked up as a refresh token.
			{"not a JWT (RFC 9068 Section 4)", "JWT of this server", invalid, func() string { return "not-a-token" }, "the refresh token is known"}, // not a JWT, so introspection looks it up as a refresh token
		} {
			t.Run(tc.name, func(t *testing.T) {
				tok := tc.token()
				for _, path := range []string{"/protected/resource", "/user/profile", "/userinfo"} {
					resp, body := callResource(t, srv.URL+path, tok)
					challenge := resp.Header.Get("WWW-Authenticate")
					if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(challenge, `error="invalid_token", error_description="`+tc.description+`"`) ||
						jsonField(body, "error_description") != tc.description {
						t.Errorf("GET %s: got %d, challenge %q, body %s; want 401 invalid_token with %q", path, resp.StatusCode, challenge, body, tc.description)
					}
					got, raw := traceOf(t, srv, resp)
					checkEndsWith(t, "trace at "+path, got, "RFC 9068 Section 4", "invalid_token")
					if n := len(got.Checks); n == 0 || !strings.Contains(got.Checks[n-1].Rule, tc.rule) {
						t.Errorf("trace at %s: got checks %+v, want the last one about %q", path, got.Checks, tc.rule)
					}
					for _, part := range append(strings.Split(tok, "."), mcpResource) {
						if len(part) >= 8 && strings.Contains(challenge+body+raw, part) {
							t.Errorf("GET %s: the answer or its trace echoes %q", path, part)
						}
					}
				}
				resp, body := tokenQuery(t, srv, "/oauth/introspect", tok, demoBasic)
				if tc.inactive == "" {
					if !strings.HasPrefix(body, `{"active":true,`) {
						t.Errorf("introspection: got %s, want it active (a token of another resource of this server)", body)
					}
					return
				}
				if body != `{"active":false}` {
					t.Errorf("introspection: got %s, want only {\"active\":false}", body)
				}
				// Its trace says why, as a resource's does.
				got, _ := traceOf(t, srv, resp)
				if n := len(got.Checks); n == 0 || got.Checks[n-1].Passed || !strings.Contains(got.Checks[n-1].Rule, tc.inactive) || got.Outcome != "token inactive" {
					t.Errorf("introspection's trace: got %q, checks %+v; want the last one failed, about %q", got.Outcome, got.Checks, tc.inactive)
				}
			})
		}
	})
}

// tampered is a JWT with one character of its signature changed.
func tampered(jwt string) string {
	i := strings.LastIndexByte(jwt, '.') + 10
	flipped := byte('A')
	if jwt[i] == 'A' {
		flipped = 'B'
	}
	return jwt[:i] + string(flipped) + jwt[i+1:]
}
