package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// demoRedirectURI is the demo confidential client's registered redirect URI.
const demoRedirectURI = "http://localhost:3000/callback"

// browser is the demo user's browser (providertest.Browser), with the
// flows these tests run through it.
type browser struct {
	*providertest.Browser
	t *testing.T
}

func newBrowser(t *testing.T) *browser { return &browser{providertest.NewBrowser(t), t} }

// in returns the same browser (same cookie jar, so same login session)
// reporting to t, for use inside a subtest.
func (b *browser) in(t *testing.T) *browser { return &browser{b.Browser.In(t), t} }

// demoConfig is the demo confidential client as golang.org/x/oauth2 sees it.
func demoConfig(srv *providertest.Server, style oauth2.AuthStyle, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: "testclient", ClientSecret: "testsecret", RedirectURL: demoRedirectURI, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: style},
	}
}

// authStyles are both client authentication methods, set explicitly:
// auto-detection would hide a broken Basic path.
var authStyles = []struct {
	name  string
	style oauth2.AuthStyle
}{{"client_secret_basic", oauth2.AuthStyleInHeader}, {"client_secret_post", oauth2.AuthStyleInParams}}

// getCode runs the front channel for cfg and returns the code.
func getCode(t *testing.T, srv *providertest.Server, cfg *oauth2.Config, opts ...oauth2.AuthCodeOption) string {
	t.Helper()
	loc := newBrowser(t).Approve(cfg.AuthCodeURL("state-1", opts...))
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %s", loc.Redacted())
	}
	return code
}

// exchangeCode runs the authorization code flow for cfg with PKCE and
// returns the code, its verifier and the tokens the code was exchanged for
// (the code and verifier for tests that replay them or look for them).
func exchangeCode(t *testing.T, srv *providertest.Server, cfg *oauth2.Config) (code, verifier string, tok *oauth2.Token) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	code = getCode(t, srv, cfg, oauth2.S256ChallengeOption(verifier))
	tok, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	return code, verifier, tok
}

// getJSON fetches a JSON document into v.
func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, body := sendJSON(t, http.MethodGet, u, "", "")
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), v) != nil {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
	}
}

// callResource calls a resource with a Bearer token.
func callResource(t *testing.T, u, accessToken string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp, providertest.ReadBody(t, resp)
}

// noRedirects is an HTTP client that returns redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// rawPost sends a form to the provider without any client library.
func rawPost(t testing.TB, u string, form string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	return resp, providertest.ReadBody(t, resp)
}
