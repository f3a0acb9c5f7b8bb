package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/providertest"
)

// openIDClientTokens is a token response as openid-client returned it.
type openIDClientTokens struct {
	tokenResponse
	ExpiresIn int `json:"expires_in"`
}

// validatedIDToken holds claims of an ID token openid-client validated.
type validatedIDToken struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience any    `json:"aud"`
	Nonce    string `json:"nonce"`
	AuthTime int64  `json:"auth_time"`
}

// openIDClientRefusal is what openid-client made of an error answer (see
// refusal in interop/openid-client/lines.mjs).
type openIDClientRefusal struct {
	Status           int    `json:"status"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Challenges       []struct {
		Scheme     string            `json:"scheme"`
		Parameters map[string]string `json:"parameters"`
	} `json:"challenges"`
}

// challenge returns the parameters of the challenge of scheme (lower
// case, as the library spells it), nil when there is none.
func (r openIDClientRefusal) challenge(scheme string) map[string]string {
	for _, c := range r.Challenges {
		if c.Scheme == scheme {
			return c.Parameters
		}
	}
	return nil
}

// TestE2EInteropOpenIDClientDeviceGrant: openid-client runs the device
// authorization grant (RFC 8628) as the public device client and polls;
// once it has met authorization_pending, the user, at the
// verification_uri, types the user code, signs in and decides. Approval
// gives it tokens (an ID token it validated among them) that work at
// /userinfo and refresh, also bound to its DPoP key (RFC 9449) with server
// nonces; denial gives the library's access_denied (RFC 8628 Section 3.5).
func TestE2EInteropOpenIDClientDeviceGrant(t *testing.T) {
	needOpenIDClient(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		for _, tc := range []struct {
			name, decision string
			dpop           bool
		}{{"allow", "allow", false}, {"deny", "deny", false}, {"allow with DPoP and nonces", "allow", true}} {
			t.Run(tc.name, func(t *testing.T) {
				srv := newServer(providertest.Options{DevicePollInterval: time.Second, DPoPNonce: tc.dpop})
				args := []string{srv.Issuer, "device-client"}
				if tc.dpop {
					args = append(args, "dpop")
				}
				s := startOpenIDClient(t, "device.mjs", args...)
				var start struct {
					UserCode        string `json:"user_code"`
					VerificationURI string `json:"verification_uri"`
				}
				s.next(&start)
				waitForMetric(t, srv, `oauth_token_errors_total{error="authorization_pending"}`)
				enterUserCode(newBrowser(t), start.VerificationURI, start.UserCode, tc.decision)
				var got struct {
					Tokens    openIDClientTokens `json:"tokens"`
					IDToken   validatedIDToken   `json:"id_token"`
					UserInfo  map[string]any     `json:"userinfo"`
					Refreshed openIDClientTokens `json:"refreshed"`
					openIDClientRefusal
				}
				s.next(&got)
				s.wait()
				if tc.decision == "deny" {
					if got.Status != http.StatusBadRequest || got.Error != "access_denied" {
						t.Errorf("after the user denied: got %+v, want 400 access_denied", got.openIDClientRefusal)
					}
					return
				}
				if got.Error != "" || got.IDToken.Subject != "user1" || got.IDToken.Audience != "device-client" || got.UserInfo["sub"] != "user1" {
					t.Errorf("after the user approved: got %+v, want tokens for user1 with an ID token for device-client", got)
				}
				if wantType := map[bool]string{false: "bearer", true: "dpop"}[tc.dpop]; !strings.EqualFold(got.Tokens.TokenType, wantType) ||
					!strings.EqualFold(got.Refreshed.TokenType, wantType) || got.Refreshed.RefreshToken == "" {
					t.Errorf("token_type: got %q, then %q after a refresh; want %s both times", got.Tokens.TokenType, got.Refreshed.TokenType, wantType)
				}
				wantBearer := map[bool]int{false: http.StatusOK, true: http.StatusUnauthorized}[tc.dpop]
				if status, _ := resourceStatus(t, srv, got.Refreshed.AccessToken); status != wantBearer {
					t.Errorf("the refreshed access token as a Bearer token: got %d, want %d", status, wantBearer)
				}
			})
		}
	})
}

// waitForMetric waits, up to 10 s, until the provider's /metrics shows series.
func waitForMetric(t *testing.T, srv *providertest.Server, series string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); metricValue(getMetrics(t, srv.URL+"/metrics"), series) == ""; {
		if time.Now().After(deadline) {
			t.Fatalf("/metrics shows no %s after 10 s", series)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// enterUserCode plays the user at the verification URI
// (RFC 8628 Section 3.3): the code typed into the page's form, then the
// sign-in and decision.
func enterUserCode(b *browser, verificationURI, userCode, decision string) {
	b.t.Helper()
	_, page := b.Get(verificationURI)
	form := providertest.FormFields(page)
	form.Set("user_code", userCode)
	resp, page := b.PostForm(verificationURI, form)
	if resp, page = b.Decide(resp, page, decision); resp.StatusCode != http.StatusOK {
		b.t.Fatalf("POST /device (%s): got %d, want 200: %s", decision, resp.StatusCode, page)
	}
}

// TestE2EInteropOpenIDClientCredentials: openid-client gets a token with
// the client credentials grant (RFC 6749 Section 4.4), introspects it
// (RFC 7662), revokes it (RFC 7009) and introspects it again; a wrong
// secret gets 401 invalid_client with a Basic challenge (RFC 6749 Section 5.2).
func TestE2EInteropOpenIDClientCredentials(t *testing.T) {
	needOpenIDClient(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		s := startOpenIDClient(t, "client_credentials.mjs", srv.Issuer, "testclient", "testsecret")
		var got struct {
			Tokens        openIDClientTokens
			Before, After introspection
			WrongSecret   openIDClientRefusal `json:"wrong_secret"`
		}
		s.next(&got)
		s.wait()
		if got.Tokens.TokenType != "bearer" && got.Tokens.TokenType != "Bearer" || got.Tokens.RefreshToken != "" {
			t.Errorf("token response: got %+v, want a Bearer token and no refresh token (RFC 6749 Section 4.4.3)", got.Tokens)
		}
		want := introspection{Active: true, Scope: "read", ClientID: "testclient", Subject: "testclient", TokenType: "Bearer", ExpiresAt: got.Before.ExpiresAt}
		if got.Before != want || got.Before.ExpiresAt == 0 {
			t.Errorf("introspection before revocation: got %+v, want %+v with exp", got.Before, want)
		}
		if got.After != (introspection{}) {
			t.Errorf("introspection after revocation: got %+v, want only active:false", got.After)
		}
		if w := got.WrongSecret; w.Status != http.StatusUnauthorized || w.Error != "invalid_client" || w.challenge("basic") == nil {
			t.Errorf("a wrong secret: got %+v, want 401 invalid_client with a Basic challenge", w)
		}
	})
}

// TestE2EInteropOpenIDClientOIDCAndLogout: openid-client as an OpenID
// Connect relying party, without PAR: the code flow with state, nonce and
// PKCE, the ID token validated by the library, /userinfo for the ID
// token's subject, introspection and revocation of the refresh token
// (which ends the grant: /userinfo then answers 401 with an invalid_token
// challenge, RFC 6750 Section 3.1), then RP-Initiated Logout with the ID token as
// id_token_hint: the browser that follows it comes back to the registered
// post_logout_redirect_uri with the state, signed out.
func TestE2EInteropOpenIDClientOIDCAndLogout(t *testing.T) {
	needOpenIDClient(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		s := startOpenIDClient(t, "oidc.mjs", srv.Issuer, "testclient", "testsecret", demoRedirectURI, demoPostLogoutURI)
		b := newBrowser(t)
		s.approve(b)
		var got struct {
			IDToken       validatedIDToken `json:"id_token"`
			UserInfo      map[string]any   `json:"userinfo"`
			Before, After struct{ Access, Refresh introspection }
			UserInfoAfter openIDClientRefusal `json:"userinfo_after"`
			LogoutURL     string              `json:"logout_url"`
		}
		s.next(&got)
		s.wait()
		if got.IDToken.Issuer != srv.Issuer || got.IDToken.Subject != "user1" || got.IDToken.Nonce == "" || got.IDToken.AuthTime == 0 {
			t.Errorf("ID token: got %+v, want one for user1 with nonce and auth_time", got.IDToken)
		}
		if got.UserInfo["sub"] != "user1" || got.UserInfo["email"] != "demo@example.com" || got.UserInfo["name"] != "Demo User" {
			t.Errorf("userinfo: got %v, want user1's name and email", got.UserInfo)
		}
		if !got.Before.Access.Active || !got.Before.Refresh.Active || got.Before.Refresh.Subject != "user1" || got.Before.Refresh.ClientID != "testclient" {
			t.Errorf("introspection before revocation: got %+v, want both tokens active, for user1 and testclient", got.Before)
		}
		if got.After.Access.Active || got.After.Refresh.Active {
			t.Errorf("introspection after revoking the refresh token: got %+v, want both inactive", got.After)
		}
		if u := got.UserInfoAfter; u.Status != http.StatusUnauthorized || u.challenge("bearer")["error"] != "invalid_token" {
			t.Errorf("/userinfo with the revoked token: got %+v, want 401 with a Bearer invalid_token challenge", u)
		}
		resp, page := b.Get(got.LogoutURL)
		back := providertest.RedirectOf(t, resp, page)
		if logout, _ := url.Parse(got.LogoutURL); back.String() != demoPostLogoutURI+"?state="+logout.Query().Get("state") {
			t.Errorf("logout: redirected to %s, want %s with the state", back, demoPostLogoutURI)
		}
		if b.loggedIn(srv) {
			t.Error("after the logout the browser is still signed in at the provider")
		}
	})
}

// TestE2EInteropOpenIDClientRegistration: openid-client registers a
// public client (RFC 7591, token_endpoint_auth_method "none") and signs
// the user in with it, PKCE and its client_id alone; then it refreshes and
// revokes the new refresh token (RFC 7009 Section 2.1), which ends the grant.
func TestE2EInteropOpenIDClientRegistration(t *testing.T) {
	needOpenIDClient(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		s := startOpenIDClient(t, "register.mjs", srv.Issuer, demoRedirectURI)
		s.approve(newBrowser(t))
		var got struct {
			Client struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
				AuthMethod   string `json:"token_endpoint_auth_method"`
			}
			Tokens    openIDClientTokens `json:"tokens"`
			IDToken   validatedIDToken   `json:"id_token"`
			Refreshed openIDClientTokens `json:"refreshed"`
		}
		s.next(&got)
		s.wait()
		if got.Client.ClientID == "" || got.Client.ClientSecret != "" || got.Client.AuthMethod != "none" {
			t.Errorf("registration: got %+v, want a client_id, no secret, token_endpoint_auth_method none", got.Client)
		}
		if got.IDToken.Subject != "user1" || got.IDToken.Audience != got.Client.ClientID || got.Tokens.RefreshToken == "" {
			t.Errorf("tokens of the registered client: got %+v, ID token %+v; want user1's, for %s", got.Tokens, got.IDToken, got.Client.ClientID)
		}
		if got.Refreshed.RefreshToken == "" || got.Refreshed.RefreshToken == got.Tokens.RefreshToken {
			t.Errorf("refresh: got %+v, want a rotated refresh token", got.Refreshed)
		}
		if status, _ := resourceStatus(t, srv, got.Refreshed.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("the refreshed access token after its refresh token was revoked: got %d, want 401", status)
		}
	})
}
