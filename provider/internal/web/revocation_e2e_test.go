package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2ERevocation holds the revocation endpoint to [RFC 7009], per token
// type and per client: the client authenticates (a public one by its
// client_id alone), may revoke only its own tokens, and any token it sends
// gets 200 ("invalid tokens do not cause an error response",
// RFC 7009 Section 2.2).
// Revoking a refresh token revokes the access tokens of its grant too. On
// SQLite and PostgreSQL.
func TestE2ERevocation(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		testRevocation(t, newServer(providertest.Options{}))
	})
}

func testRevocation(t *testing.T, srv *providertest.Server) {
	b := newBrowser(t)
	demo := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
	spa := spaConfig(srv, "read")

	for _, tc := range demoAuths {
		t.Run("revoking an access token ends that token only (RFC 7009 Section 2.1)/"+tc.name, func(t *testing.T) {
			first := b.in(t).tokens(srv, demo)
			second, err := refresh(demo, first.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			revoke(t, srv, first.AccessToken, tc.auth, "token_type_hint", "access_token")
			wantDead(t, srv, "the revoked access token", first.AccessToken)
			wantAlive(t, srv, "another access token of the same grant", second.AccessToken)
			if _, err := refresh(demo, second.RefreshToken); err != nil {
				t.Errorf("refresh after revoking an access token: got %v, want tokens", err)
			}
		})
	}

	for _, tc := range demoAuths {
		t.Run("revoking a refresh token ends it and the access tokens of its grant (RFC 7009 Section 2.1)/"+tc.name, func(t *testing.T) {
			tok := b.in(t).tokens(srv, demo)
			revoke(t, srv, tok.RefreshToken, tc.auth, "token_type_hint", "refresh_token")
			_, err := refresh(demo, tok.RefreshToken)
			wantOAuthError(t, err, "invalid_grant")
			wantDead(t, srv, "the grant's access token", tok.AccessToken)
		})
	}

	t.Run("revoking a client credentials token ends it (RFC 7009 Section 2.1)", func(t *testing.T) {
		cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret",
			TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}
		revoked, err := cc.Token(context.Background())
		if err != nil {
			t.Fatalf("client credentials: %v", err)
		}
		other, err := cc.Token(context.Background())
		if err != nil {
			t.Fatalf("client credentials: %v", err)
		}
		revoke(t, srv, revoked.AccessToken, demoPost)
		wantDead(t, srv, "the revoked token", revoked.AccessToken)
		wantAlive(t, srv, "another client credentials token", other.AccessToken)
	})

	t.Run("a wrong token_type_hint does not stop a revocation (RFC 7009 Section 2.1)", func(t *testing.T) {
		tok := b.in(t).tokens(srv, demo)
		revoke(t, srv, tok.AccessToken, demoBasic, "token_type_hint", "refresh_token")
		wantDead(t, srv, "the access token sent with the refresh_token hint", tok.AccessToken)

		tok = b.in(t).tokens(srv, demo)
		revoke(t, srv, tok.RefreshToken, demoBasic, "token_type_hint", "access_token")
		_, err := refresh(demo, tok.RefreshToken)
		wantOAuthError(t, err, "invalid_grant")
	})

	t.Run("revoking another client's token answers 200 and changes nothing (RFC 7009 Section 2.1)", func(t *testing.T) {
		spaTok := b.in(t).tokens(srv, spa)
		revoke(t, srv, spaTok.AccessToken, demoBasic)
		revoke(t, srv, spaTok.RefreshToken, demoPost)
		demoTok := b.in(t).tokens(srv, demo)
		revoke(t, srv, demoTok.AccessToken, spaAuth)
		revoke(t, srv, demoTok.RefreshToken, spaAuth)

		if status, challenge := resourceStatus(t, srv, spaTok.AccessToken); status != http.StatusOK {
			t.Errorf("the public client's access token: got %d (%s), want 200", status, challenge)
		}
		if _, err := refresh(spa, spaTok.RefreshToken); err != nil {
			t.Errorf("the public client's refresh token: got %v, want tokens", err)
		}
		wantAlive(t, srv, "the confidential client's access token", demoTok.AccessToken)
		if _, err := refresh(demo, demoTok.RefreshToken); err != nil {
			t.Errorf("the confidential client's refresh token: got %v, want tokens", err)
		}
	})

	t.Run("a public client revokes its own tokens with its client_id alone (RFC 7009 Section 2.1)", func(t *testing.T) {
		tok := b.in(t).tokens(srv, spa)
		revoke(t, srv, tok.AccessToken, spaAuth)
		if status, _ := resourceStatus(t, srv, tok.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("the revoked access token: got %d, want 401", status)
		}
		tok = b.in(t).tokens(srv, spa)
		revoke(t, srv, tok.RefreshToken, spaAuth)
		_, err := refresh(spa, tok.RefreshToken)
		wantOAuthError(t, err, "invalid_grant")
		if status, _ := resourceStatus(t, srv, tok.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("the grant's access token: got %d, want 401", status)
		}
	})

	t.Run("an invalid, unknown or already revoked token answers 200 (RFC 7009 Section 2.2)", func(t *testing.T) {
		tok := b.in(t).tokens(srv, demo)
		revoke(t, srv, tok.RefreshToken, demoBasic)
		for _, token := range []string{"garbage", "a.b.c", strings.Repeat("x", 2000), tok.RefreshToken, tok.AccessToken + "x"} {
			revoke(t, srv, token, demoBasic)
		}
	})

	// Each is a 401 with a challenge (RFC 9110 Section 15.5.2), whichever way the client authenticated.
	tests := []struct {
		name string
		auth clientAuth
	}{
		{"no client authentication is 401 invalid_client and revokes nothing (RFC 7009 Section 2.1)", noAuth},
		{"a wrong secret by HTTP Basic is 401 invalid_client with WWW-Authenticate and revokes nothing (RFC 6749 Section 5.2)", clientAuth{id: "testclient", secret: "wrong", basic: true}},
		{"a wrong secret in the body is 401 invalid_client and revokes nothing (RFC 6749 Section 5.2)", clientAuth{id: "testclient", secret: "wrong"}},
		{"the client_id of a confidential client without its secret is 401 invalid_client (RFC 7009 Section 2.1)", clientAuth{id: "testclient"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := b.in(t).tokens(srv, demo)
			for _, token := range []string{tok.AccessToken, tok.RefreshToken} {
				resp, body := tokenQuery(t, srv, "/oauth/revoke", token, tc.auth)
				if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"invalid_client"`) {
					t.Errorf("got %d %s, want 401 invalid_client", resp.StatusCode, body)
				}
				if got := resp.Header.Get("WWW-Authenticate"); got == "" {
					t.Errorf("WWW-Authenticate: got none, want a challenge")
				}
			}
			wantAlive(t, srv, "the access token", tok.AccessToken)
			if _, err := refresh(demo, tok.RefreshToken); err != nil {
				t.Errorf("the refresh token: got %v, want tokens", err)
			}
		})
	}
}
