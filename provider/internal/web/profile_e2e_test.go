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
// the consent page promised ([OIDC Core Section 5.4]); without read, or
// without a user, it is 403 insufficient_scope naming read.
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

	refusals := []struct {
		name  string
		token func(t *testing.T) string
	}{
		{"a user's token without read: 403 insufficient_scope, scope=\"read\" (RFC 6750 Section 3.1)", func(t *testing.T) string {
			return b.in(t).tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "profile", "email")).AccessToken
		}},
		{"a client credentials token has no user: 403 insufficient_scope, scope=\"read\" (RFC 6750 Section 3.1)", func(t *testing.T) string {
			cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret", Scopes: []string{"read"},
				TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
			tok, err := cc.Token(context.Background())
			if err != nil {
				t.Fatalf("client credentials: %v", err)
			}
			return tok.AccessToken
		}},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := callResource(t, srv.URL+"/user/profile", tc.token(t))
			challenge := resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(challenge, `error="insufficient_scope"`) {
				t.Fatalf("got %d (%s) %s, want 403 insufficient_scope", resp.StatusCode, challenge, body)
			}
			if !strings.Contains(challenge, `scope="read"`) {
				t.Errorf("WWW-Authenticate: got %q, want scope=\"read\"", challenge)
			}
			if strings.Contains(body, "demo@example.com") || strings.Contains(body, "Demo User") {
				t.Errorf("a refused request leaked the profile: %s", body)
			}
		})
	}
}
