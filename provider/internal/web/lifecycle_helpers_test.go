package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/providertest"
)

// newFakeClock is the provider's injected clock for a test. It starts on a
// whole second, as auth_time (in seconds) can.
func newFakeClock() *clocktest.Clock { return clocktest.New(time.Now().UTC().Truncate(time.Second)) }

// spaRedirectURI is the public demo client's registered redirect URI.
const spaRedirectURI = "http://localhost:3000/spa/callback"

// spaConfig is the public demo client (no secret: it sends client_id in the body).
func spaConfig(srv *providertest.Server, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: "spa-client", RedirectURL: spaRedirectURI, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams},
	}
}

// tokens runs the whole authorization code flow for cfg in browser b, with
// PKCE, and returns the token response.
func (b *browser) tokens(srv *providertest.Server, cfg *oauth2.Config, opts ...oauth2.AuthCodeOption) *oauth2.Token {
	b.t.Helper()
	verifier := oauth2.GenerateVerifier()
	loc := b.Approve(cfg.AuthCodeURL("state-1", append(opts, oauth2.S256ChallengeOption(verifier))...))
	code := loc.Query().Get("code")
	if code == "" {
		b.t.Fatalf("no code in %s", loc.Redacted())
	}
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		b.t.Fatalf("Exchange: %v", err)
	}
	return tok
}

// refresh redeems a refresh token through x/oauth2's TokenSource.
func refresh(cfg *oauth2.Config, refreshToken string) (*oauth2.Token, error) {
	return cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refreshToken}).Token()
}

// retrieveError returns the OAuth error response behind a failed token request.
func retrieveError(t *testing.T, err error) *oauth2.RetrieveError {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("got error %v, want an OAuth error response", err)
	}
	return re
}

// oauthErrorCode returns the "error" of a failed token request and its HTTP status.
func oauthErrorCode(t *testing.T, err error) (string, int) {
	t.Helper()
	re := retrieveError(t, err)
	return re.ErrorCode, re.Response.StatusCode
}

// wantOAuthError checks that a token request failed with the given error code.
func wantOAuthError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want error %s", want)
	}
	if got, _ := oauthErrorCode(t, err); got != want {
		t.Fatalf("got error %q (%v), want %q", got, err, want)
	}
}

// clientAuth is how a raw request to the revocation or introspection
// endpoint authenticates its client.
type clientAuth struct {
	id, secret string
	basic      bool // HTTP Basic; else client_id (and client_secret) in the body
}

var (
	demoBasic = clientAuth{id: "testclient", secret: "testsecret", basic: true}
	demoPost  = clientAuth{id: "testclient", secret: "testsecret"}
	spaAuth   = clientAuth{id: "spa-client"}
	noAuth    = clientAuth{}
)

// demoAuths are the demo client's two authentication methods.
var demoAuths = []struct {
	name string
	auth clientAuth
}{{"client_secret_basic", demoBasic}, {"client_secret_post", demoPost}}

// basic is the header of HTTP Basic client authentication: id and secret
// form-encoded, then joined and base64-encoded (RFC 6749 Section 2.3.1).
func basic(id, secret string) map[string]string {
	return map[string]string{"Authorization": basicAuth(id, secret)}
}

// basicAuth is the Authorization value of basic.
func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// apply adds the client's credentials to a form and a header set.
func (a clientAuth) apply(form url.Values, header map[string]string) {
	switch {
	case a.basic:
		header["Authorization"] = basicAuth(a.id, a.secret)
	case a.id != "":
		form.Set("client_id", a.id)
		if a.secret != "" {
			form.Set("client_secret", a.secret)
		}
	}
}

// tokenQuery posts token (and any extra parameters) to the revocation or
// introspection endpoint as the given client.
func tokenQuery(t *testing.T, srv *providertest.Server, path, token string, auth clientAuth, extra ...string) (*http.Response, string) {
	t.Helper()
	form := url.Values{"token": {token}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	header := map[string]string{}
	auth.apply(form, header)
	return rawPost(t, srv.URL+path, form.Encode(), header)
}

// revoke revokes a token and expects the 200 of RFC 7009 Section 2.2.
func revoke(t *testing.T, srv *providertest.Server, token string, auth clientAuth, extra ...string) {
	t.Helper()
	resp, body := tokenQuery(t, srv, "/oauth/revoke", token, auth, extra...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /oauth/revoke: got %d %s, want 200", resp.StatusCode, body)
	}
}

// introspection is the RFC 7662 Section 2.2 answer, as a test reads it.
type introspection struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Subject   string `json:"sub,omitempty"`
	ExpiresAt int64  `json:"exp,omitempty"`
	TokenType string `json:"token_type,omitempty"`
}

// introspect asks the demo client's view of a token.
func introspect(t *testing.T, srv *providertest.Server, token string) introspection {
	t.Helper()
	return introspectAs(t, srv, demoBasic, token)
}

// introspectAs asks the view of a token of the confidential client auth.
func introspectAs(t *testing.T, srv *providertest.Server, auth clientAuth, token string) introspection {
	t.Helper()
	resp, body := tokenQuery(t, srv, "/oauth/introspect", token, auth)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /oauth/introspect: got %d %s, want 200", resp.StatusCode, body)
	}
	var got introspection
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("introspection response %q: %v", body, err)
	}
	return got
}

// resourceStatus calls /protected/resource with an access token and
// returns the status and the WWW-Authenticate header.
func resourceStatus(t *testing.T, srv *providertest.Server, accessToken string) (int, string) {
	t.Helper()
	resp, _ := callResource(t, srv.URL+"/protected/resource", accessToken)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
}

// wantAlive checks that an access token of the demo client works at the
// resource and introspects as active.
func wantAlive(t *testing.T, srv *providertest.Server, name, accessToken string) {
	t.Helper()
	wantAliveFor(t, srv, demoBasic, name, accessToken)
}

// wantAliveFor checks that an access token of the confidential client auth
// works at the resource and introspects as active.
func wantAliveFor(t *testing.T, srv *providertest.Server, auth clientAuth, name, accessToken string) {
	t.Helper()
	if status, challenge := resourceStatus(t, srv, accessToken); status != http.StatusOK {
		t.Errorf("%s at /protected/resource: got %d (%s), want 200", name, status, challenge)
	}
	if !introspectAs(t, srv, auth, accessToken).Active {
		t.Errorf("%s introspection: got active=false, want true", name)
	}
}

// wantDead checks that an access token is refused at the resource with
// invalid_token (RFC 6750 Section 3.1) and introspects as inactive.
func wantDead(t *testing.T, srv *providertest.Server, name, accessToken string) {
	t.Helper()
	status, challenge := resourceStatus(t, srv, accessToken)
	if status != http.StatusUnauthorized || !strings.Contains(challenge, `error="invalid_token"`) {
		t.Errorf("%s at /protected/resource: got %d (%s), want 401 invalid_token", name, status, challenge)
	}
	if got := introspect(t, srv, accessToken); got != (introspection{}) {
		t.Errorf("%s introspection: got %+v, want {active:false}", name, got)
	}
}

// tokenResponse is the token endpoint's JSON, success or error, as a raw
// request reads it.
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	RefreshToken     string `json:"refresh_token"`
	Scope            string `json:"scope"`
	IDToken          string `json:"id_token"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// rawToken posts a token request as the given client and decodes the answer.
func rawToken(t *testing.T, srv *providertest.Server, form url.Values, auth clientAuth) (int, tokenResponse) {
	t.Helper()
	header := map[string]string{}
	auth.apply(form, header)
	resp, body := rawPost(t, srv.URL+"/oauth/token", form.Encode(), header)
	var tr tokenResponse
	if err := json.Unmarshal([]byte(body), &tr); err != nil {
		t.Fatalf("token response %q: %v", body, err)
	}
	return resp.StatusCode, tr
}
