package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// demoRedirectURI is the demo confidential client's registered redirect URI.
const demoRedirectURI = "http://localhost:3000/callback"

// browser is a user-agent with a cookie jar that does not follow redirects,
// so a test can read each Location.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// get fetches a URL and returns the response and its body.
func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	return resp, readBody(b.t, resp)
}

// post submits a form and returns the response and its body.
func (b *browser) post(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.PostForm(u, form)
	if err != nil {
		b.t.Fatalf("POST %s: %v", u, err)
	}
	return resp, readBody(b.t, resp)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formFields returns the hidden fields of the page's form.
func formFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

// allow opens the authorization URL and allows: with the password when the
// page asks for it, else through the login session and its CSRF token
// (which costs no bcrypt, so one browser can approve many requests quickly).
// It returns the redirect back to the client.
func (b *browser) allow(srv *providertest.Server, authURL string) *url.URL {
	b.t.Helper()
	resp, page := b.get(authURL)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET authorize: got status %d, want 200: %s", resp.StatusCode, page)
	}
	form := formFields(page)
	if asksPassword(page) {
		form.Set("username", "demo")
		form.Set("password", "demo")
	}
	form.Set("decision", "allow")
	resp, page = b.post(srv.URL+"/oauth/authenticate", form)
	return redirectOf(b.t, resp, page)
}

// asksPassword reports whether a login + consent page shows the password field.
func asksPassword(page string) bool { return strings.Contains(page, `name="password"`) }

// redirectOf checks that resp is a 302 and returns its Location.
func redirectOf(t *testing.T, resp *http.Response, page string) *url.URL {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("got status %d, want 302: %s", resp.StatusCode, page)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("bad Location: %v", err)
	}
	return loc
}

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
	loc := newBrowser(t).allow(srv, cfg.AuthCodeURL("state-1", opts...))
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %s", loc.Redacted())
	}
	return code
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
	return resp, readBody(t, resp)
}

// noRedirects is an HTTP client that returns redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// rawPost sends a form to the provider without any client library.
func rawPost(t *testing.T, u string, form string, header map[string]string) (*http.Response, string) {
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
	return resp, readBody(t, resp)
}
