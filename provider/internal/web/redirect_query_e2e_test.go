package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2ERedirectURIQueryKept: a redirect URI's own query "MUST be retained
// when adding additional query parameters" (RFC 6749 Section 3.1.2): the
// authorization response, an error response and the redirect after a
// logout keep the registered query byte for byte (no reordering, no
// re-encoding, a parameter without "=" left so) and add theirs after it.
// The demo client's URI comes from the configuration, the others from
// dynamic registration. On each store.
func TestE2ERedirectURIQueryKept(t *testing.T) {
	const (
		configured = "https://rp.example/cb?flag&z=1&a=%7E"
		registered = "http://127.0.0.1:49152/cb?"
		postLogout = "http://127.0.0.1:49152/bye?x=1&a=b"
	)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{RedirectURI: configured})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
		cfg.RedirectURL = configured
		// after is the Location wanted: uri, then params, state and iss.
		after := func(uri, sep string, params url.Values) string {
			params.Set("state", "s")
			params.Set("iss", srv.Issuer)
			return uri + sep + params.Encode()
		}

		t.Run("the authorization response (RFC 6749 Section 4.1.2)", func(t *testing.T) {
			verifier := oauth2.GenerateVerifier()
			b := newBrowser(t)
			resp, page := b.Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
			resp, page = b.Decide(resp, page, "allow")
			loc := providertest.RedirectOf(t, resp, page)
			code := loc.Query().Get("code")
			if got, want := resp.Header.Get("Location"), after(configured, "&", url.Values{"code": {code}}); got != want {
				t.Errorf("Location: got %q, want %q", got, want)
			}
			if _, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier)); err != nil {
				t.Errorf("exchange with the registered redirect_uri: %v", err)
			}
		})

		t.Run("an error response (RFC 6749 Section 4.1.2.1)", func(t *testing.T) {
			resp, body := noRedirectsGet(t, cfg.AuthCodeURL("s", oauth2.SetAuthURLParam("scope", "bogus")))
			want := after(configured, "&", url.Values{"error": {string(oauth.ErrInvalidScope)}, "error_description": {"unknown scope: 'bogus'"}})
			if got := providertest.RedirectOf(t, resp, body).String(); got != want {
				t.Errorf("Location: got %q, want %q", got, want)
			}
		})

		reg := register(t, srv, `{"redirect_uris":["`+registered+`"],"post_logout_redirect_uris":["`+postLogout+`"],
			"token_endpoint_auth_method":"none","grant_types":["authorization_code"],"scope":"openid read"}`)

		t.Run("a registered query that is empty: nothing but the response after the ?", func(t *testing.T) {
			params := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {registered}, "state": {"s"}}
			resp, body := noRedirectsGet(t, srv.URL+"/oauth/authorize?"+params.Encode()) // no code_challenge: invalid_request
			want := after(registered, "", url.Values{"error": {string(oauth.ErrInvalidRequest)},
				"error_description": {"PKCE is required for public clients: send code_challenge with code_challenge_method=S256"}})
			if got := providertest.RedirectOf(t, resp, body).String(); got != want {
				t.Errorf("Location: got %q, want %q", got, want)
			}
		})

		for _, state := range []string{"s", ""} {
			t.Run("the redirect after a logout (OIDC RP-Initiated Logout Section 3), state "+state, func(t *testing.T) {
				b := newBrowser(t)
				b.tokens(srv, cfg) // signed in
				params := url.Values{"client_id": {reg.ClientID}, "post_logout_redirect_uri": {postLogout}}
				want := postLogout
				if state != "" {
					params.Set("state", state)
					want += "&state=" + state
				}
				_, page := b.logout(srv, http.MethodGet, params)
				form := providertest.FormFields(page)
				form.Set("decision", "logout")
				resp, page := b.PostForm(srv.URL+"/oauth/logout", form)
				if got := providertest.RedirectOf(t, resp, page).String(); got != want {
					t.Errorf("Location: got %q, want %q", got, want)
				}
			})
		}
	})
}

// noRedirectsGet sends a GET and returns the answer, redirects not followed.
func noRedirectsGet(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp, providertest.ReadBody(t, resp)
}
