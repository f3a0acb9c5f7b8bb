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

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// inactive is the whole answer about a token that is not active: "the
// authorization server SHOULD NOT include any additional information about
// an inactive token" ([RFC 7662 Section 2.2]).
const inactive = `{"active":false}`

// TestE2EIntrospection holds the introspection endpoint to [RFC 7662]: only
// confidential clients may ask, and a client learns about its own active
// tokens only; an expired, revoked, used, foreign or malformed token is
// {"active":false}. On SQLite and PostgreSQL.
func TestE2EIntrospection(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := newFakeClock()
		testIntrospection(t, newServer(providertest.Options{Now: clock.Now}), clock)
	})
}

func testIntrospection(t *testing.T, srv *providertest.Server, clock *clocktest.Clock) {
	b := newBrowser(t)
	demo := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")

	// answer introspects token as the client and returns the raw JSON.
	answer := func(t *testing.T, token string, auth clientAuth) string {
		t.Helper()
		resp, body := tokenQuery(t, srv, "/oauth/introspect", token, auth)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /oauth/introspect: got %d %s, want 200", resp.StatusCode, body)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control: got %q, want no-store", got)
		}
		return strings.TrimSpace(body)
	}
	// wantInactive checks that the answer is exactly {"active":false}.
	wantInactive := func(t *testing.T, name, token string, auth clientAuth) {
		t.Helper()
		if got := answer(t, token, auth); got != inactive {
			t.Errorf("%s: got %s, want %s", name, got, inactive)
		}
	}

	for _, tc := range demoAuths {
		t.Run("a client's own active access token: active, scope, client_id, sub, exp, token_type (RFC 7662 Section 2.2)/"+tc.name, func(t *testing.T) {
			tok := b.in(t).tokens(srv, demo)
			var got struct {
				introspection
				Issuer string `json:"iss"`
			}
			if err := json.Unmarshal([]byte(answer(t, tok.AccessToken, tc.auth)), &got); err != nil {
				t.Fatal(err)
			}
			want := introspection{Active: true, Scope: "openid read", ClientID: "testclient", Subject: "user1",
				ExpiresAt: int64(jwttest.Part(t, tok.AccessToken, jwttest.Claims)["exp"].(float64)), TokenType: "Bearer"}
			if diff := cmp.Diff(want, got.introspection); diff != "" {
				t.Errorf("introspection (-want +got):\n%s", diff)
			}
			if got.Issuer != srv.Issuer {
				t.Errorf("iss: got %q, want %q", got.Issuer, srv.Issuer)
			}
		})
	}

	t.Run("a client's own refresh token is active, with its scope and user, and no token_type (RFC 7662 Section 2.2)", func(t *testing.T) {
		tok := b.in(t).tokens(srv, demo)
		raw := answer(t, tok.RefreshToken, demoBasic)
		var got introspection
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		if !got.Active || got.Scope != "openid read" || got.ClientID != "testclient" || got.Subject != "user1" {
			t.Errorf("got %+v, want an active refresh token of testclient for user1 with scope %q", got, "openid read")
		}
		// token_type is a type of access token (RFC 6749 Section 5.1): a
		// refresh token has none, and "refresh_token" is a token_type_hint.
		if strings.Contains(raw, `"token_type"`) {
			t.Errorf("got %s, want no token_type for a refresh token", raw)
		}
	})

	t.Run("a client credentials token is active with sub = client_id (RFC 7662 Section 2.2)", func(t *testing.T) {
		cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret",
			TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
		tok, err := cc.Token(context.Background())
		if err != nil {
			t.Fatalf("client credentials: %v", err)
		}
		if got := introspect(t, srv, tok.AccessToken); !got.Active || got.Subject != "testclient" {
			t.Errorf("got %+v, want active with sub testclient", got)
		}
	})

	t.Run("another client's tokens are inactive (RFC 7662 Section 2.2)", func(t *testing.T) {
		tok := b.in(t).tokens(srv, spaConfig(srv, "read"))
		wantInactive(t, "the public client's access token", tok.AccessToken, demoBasic)
		wantInactive(t, "the public client's refresh token", tok.RefreshToken, demoPost)
	})

	t.Run("an expired access token is inactive (RFC 7662 Section 2.2)", func(t *testing.T) {
		tok := b.in(t).tokens(srv, demo)
		clock.Advance(srv.Provider.Config.AccessTokenTTL)
		wantInactive(t, "the expired access token", tok.AccessToken, demoBasic)
	})

	t.Run("a revoked access or refresh token is inactive (RFC 7662 Section 2.2)", func(t *testing.T) {
		tok := b.in(t).tokens(srv, demo)
		revoke(t, srv, tok.AccessToken, demoBasic)
		wantInactive(t, "the revoked access token", tok.AccessToken, demoBasic)
		resp, _ := tokenQuery(t, srv, "/oauth/introspect", tok.AccessToken, demoBasic)
		got, _ := traceOf(t, srv, resp)
		checkEndsWith(t, "the trace of the revoked access token's introspection", got, "RFC 7662 Section 2.2", "token inactive")
		if !introspect(t, srv, tok.RefreshToken).Active {
			t.Errorf("the grant's refresh token after revoking an access token: got inactive, want active")
		}

		tok = b.in(t).tokens(srv, demo)
		revoke(t, srv, tok.RefreshToken, demoBasic)
		wantInactive(t, "the revoked refresh token", tok.RefreshToken, demoBasic)
		resp, _ = tokenQuery(t, srv, "/oauth/introspect", tok.RefreshToken, demoBasic)
		got, _ = traceOf(t, srv, resp)
		checkEndsWith(t, "the trace of the revoked refresh token's introspection", got, "RFC 6749 Section 6", "token inactive")
		for _, c := range got.Checks[:len(got.Checks)-1] {
			if strings.Contains(c.Rule, "revoked") {
				t.Errorf("the trace of the revoked refresh token's introspection: got %q passed, want revocation checked only by the failed last rule", c.Rule)
			}
		}
		wantInactive(t, "the access token of the revoked grant", tok.AccessToken, demoBasic)
	})

	t.Run("a used refresh token is inactive (RFC 9700 Section 4.14.2)", func(t *testing.T) {
		tok := b.in(t).tokens(srv, demo)
		if _, err := refresh(demo, tok.RefreshToken); err != nil {
			t.Fatalf("refresh: %v", err)
		}
		wantInactive(t, "the used refresh token", tok.RefreshToken, demoBasic)
	})

	t.Run("a malformed, forged or unknown token is inactive (RFC 7662 Section 2.2)", func(t *testing.T) {
		tok := b.in(t).tokens(srv, demo)
		forged := tok.AccessToken[:strings.LastIndex(tok.AccessToken, ".")+1] + "AAAA"
		for _, token := range []string{"garbage", "a.b.c", forged, tok.RefreshToken + "x", strings.Repeat("y", 2000)} {
			wantInactive(t, "token "+token[:min(len(token), 20)], token, demoBasic)
		}
	})

	// Each is a 401 with a challenge (RFC 9110 Section 15.5.2), whichever way the client authenticated.
	tests := []struct {
		name string
		auth clientAuth
	}{
		{"a public client may not introspect: 401 invalid_client (RFC 7662 Section 2.1)", spaAuth},
		{"no client authentication is 401 invalid_client (RFC 7662 Section 2.1)", noAuth},
		{"a wrong secret by HTTP Basic is 401 invalid_client with WWW-Authenticate (RFC 6749 Section 5.2)", clientAuth{id: "testclient", secret: "wrong", basic: true}},
		{"the client_id of a confidential client without its secret is 401 invalid_client (RFC 7662 Section 2.1)", clientAuth{id: "testclient"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := b.in(t).tokens(srv, spaConfig(srv, "read"))
			resp, body := tokenQuery(t, srv, "/oauth/introspect", tok.AccessToken, tc.auth)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"invalid_client"`) {
				t.Errorf("got %d %s, want 401 invalid_client", resp.StatusCode, body)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got == "" {
				t.Errorf("WWW-Authenticate: got none, want a challenge")
			}
		})
	}
}
