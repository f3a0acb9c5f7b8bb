package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EUserProfileHonoursScope: /user/profile answers the id always, the
// name only with scope profile and the email only with scope email, as
// the consent page promised ([OIDC Core Section 5.4]); its refusals are
// TestE2EUserResourceRefusals.
func TestE2EUserProfileHonoursScope(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	b := newBrowser(t)
	tests := []struct {
		name   string
		scopes []string
		want   map[string]any
	}{
		{"read alone: the id only", []string{"read"}, map[string]any{"id": "user1"}},
		{"read profile: the id and the name", []string{"read", "profile"}, map[string]any{"id": "user1", "name": "Demo User"}},
		{"read email: the id and the email", []string{"read", "email"}, map[string]any{"id": "user1", "email": "demo@example.com"}},
		{"read profile email: all three", []string{"read", "profile", "email"},
			map[string]any{"id": "user1", "name": "Demo User", "email": "demo@example.com"}},
		{"openid read profile: openid adds nothing here", []string{"openid", "read", "profile"}, map[string]any{"id": "user1", "name": "Demo User"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := b.in(t).tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, tc.scopes...))
			resp, body := callResource(t, srv.URL+"/user/profile", tok.AccessToken)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d %s, want 200", resp.StatusCode, body)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("profile %q: %v", body, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("profile (-want +got):\n%s", diff)
			}
		})
	}
}

// TestE2EUserResourceRefusals, on each store: at /user/profile and
// /userinfo a user's token without the scope they need is 403
// insufficient_scope naming it (RFC 6750 Section 3.1, OIDC Core Section 5.3.3),
// so the client asks for it; a client credentials token, which no scope
// gives a user, is 403 insufficient_scope too, with its error_description,
// but its challenge names no scope, which would send the client round a
// step-up to the same refusal (MCP Authorization, Runtime Insufficient Scope Errors).
func TestE2EUserResourceRefusals(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		user := newBrowser(t).tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "profile", "email")).AccessToken
		cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret", Scopes: []string{"read"},
			TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
		client, err := cc.Token(context.Background())
		if err != nil {
			t.Fatalf("client credentials: %v", err)
		}
		tests := []struct {
			name, path, token, wantScope string
		}{
			{`a user's token without read at /user/profile: scope="read"`, "/user/profile", user, "read"},
			{`a user's token without openid at /userinfo: scope="openid"`, "/userinfo", user, "openid"},
			{"a client credentials token with read at /user/profile: no scope", "/user/profile", client.AccessToken, ""},
			{"a client credentials token at /userinfo: no scope", "/userinfo", client.AccessToken, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := callResource(t, srv.URL+tc.path, tc.token)
				challenge := resp.Header.Get("WWW-Authenticate")
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(challenge, `error="insufficient_scope"`) {
					t.Fatalf("got %d (%s) %s, want 403 insufficient_scope", resp.StatusCode, challenge, body)
				}
				if m := scopeParam.FindStringSubmatch(challenge); (m == nil) != (tc.wantScope == "") || (m != nil && m[1] != tc.wantScope) {
					t.Errorf("WWW-Authenticate: got %q, want scope %q (none: no scope attribute)", challenge, tc.wantScope)
				}
				if tc.wantScope == "" && !strings.Contains(challenge, `error_description="this resource needs a token issued for a user"`) {
					t.Errorf("WWW-Authenticate: got %q, want the error_description that says why", challenge)
				}
				if strings.Contains(body, "demo@example.com") || strings.Contains(body, "Demo User") {
					t.Errorf("a refused request leaked the user's claims: %s", body)
				}
			})
		}
	})
}
