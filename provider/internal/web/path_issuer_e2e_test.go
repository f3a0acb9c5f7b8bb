package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/providertest"
)

// tenantPath is the path of the issuer that TestE2EPagesUnderPathIssuer's
// proxy strips.
const tenantPath = "/tenant"

// newTenantProxy starts the provider with the issuer http://host/tenant
// behind a proxy on host that does what README's "Behind a
// TLS-terminating proxy" asks of one: it hands /tenant/X on as /X, and the
// RFC 8414 and RFC 9728 well-known URLs of the issuer unchanged. Every other
// path of the host is not the provider's: the proxy answers 404 itself.
func newTenantProxy(t *testing.T) (issuer string) {
	proxy := httptest.NewUnstartedServer(nil)
	issuer = "http://" + proxy.Listener.Addr().String() + tenantPath
	srv := providertest.New(t, providertest.Options{Issuer: issuer, DevicePollInterval: time.Second})
	backend, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	toProvider := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(backend) }}
	mux := http.NewServeMux()
	mux.Handle(tenantPath+"/", http.StripPrefix(tenantPath, toProvider))
	mux.Handle(oauth.PathAuthorizationServerMetadata+tenantPath, toProvider)
	mux.Handle(oauth.PathProtectedResourceMetadata+tenantPath, toProvider)
	proxy.Config.Handler = mux
	proxy.Start()
	t.Cleanup(proxy.Close)
	return issuer
}

// pageLink finds the URL of each form action, link and embedded resource
// of a page.
var pageLink = regexp.MustCompile(`\s(?:action|href|src)="([^"]*)"`)

// wantLinksUnderIssuer checks that every form action, link and embedded
// resource of a page that points to the issuer's host resolves under the
// issuer, as a browser resolves it against the page's URL
// (RFC 3986 Section 5.2); the one exception is the metadata URL of
// RFC 8414 Section 3.1, before the issuer's path. It checks that the page
// linked at least once to the provider, too.
func wantLinksUnderIssuer(t *testing.T, resp *http.Response, page, issuer string) {
	t.Helper()
	iss, _ := url.Parse(issuer)
	metadata := iss.Scheme + "://" + iss.Host + oauth.PathAuthorizationServerMetadata + iss.Path
	ours := 0
	for _, m := range pageLink.FindAllStringSubmatch(page, -1) {
		u, err := resp.Request.URL.Parse(html.UnescapeString(m[1]))
		if err != nil {
			t.Errorf("%s: link %q: %v", resp.Request.URL, m[1], err)
			continue
		}
		if u.Host != iss.Host {
			continue // another site: the RFC, the client's redirect URI
		}
		ours++
		if u.String() != metadata && !strings.HasPrefix(u.String(), issuer+"/") {
			t.Errorf("%s: %s resolves to %s, want it under the issuer %s", resp.Request.URL, strings.TrimSpace(m[0]), u, issuer)
		}
	}
	if ours == 0 {
		t.Errorf("%s: no link or form to the provider on the page:\n%s", resp.Request.URL, page)
	}
}

// wantCookiePath checks that each cookie a response sets has the issuer's
// path, so the browser sends it to this issuer's pages only
// (RFC 6265 Section 5.1.4), and that it sets one.
func wantCookiePath(t *testing.T, resp *http.Response, path string) {
	t.Helper()
	if len(resp.Cookies()) == 0 {
		t.Errorf("%s %s: no cookie set, want the login session", resp.Request.Method, resp.Request.URL)
	}
	for _, c := range resp.Cookies() {
		if c.Path != path {
			t.Errorf("%s %s: cookie %s has Path %q, want %q", resp.Request.Method, resp.Request.URL, c.Name, c.Path, path)
		}
	}
}

// TestE2EPagesUnderPathIssuer: with an issuer that has a path, behind a
// proxy that strips it (README, "Behind a TLS-terminating proxy"), the
// user signs in and approves at the authorization endpoint, approves a
// device at the verification URI, and signs out, all through the proxy:
// every form posts, and every page links, under the issuer
// (RFC 8414 Section 2: the endpoints are the issuer's), the traces page
// names its JSON traces there too, and the login session cookie is the
// issuer's path's alone.
func TestE2EPagesUnderPathIssuer(t *testing.T) {
	t.Parallel()
	issuer := newTenantProxy(t)
	var meta oauth.Metadata
	getJSON(t, issuer+oauth.PathOpenIDConfiguration, &meta)
	b := newBrowser(t)

	resp, page := b.Get(issuer + "/")
	wantLinksUnderIssuer(t, resp, page, issuer)
	req, _ := http.NewRequest(http.MethodGet, issuer+"/no-such-page", nil)
	req.Header.Set("Accept", "text/html") // a browser's navigation: the not-found page, which links home
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	wantLinksUnderIssuer(t, resp, providertest.ReadBody(t, resp), issuer)
	resp, page = b.Get(issuer + "/debug/traces")
	wantLinksUnderIssuer(t, resp, page, issuer)
	if want := "<code>" + tenantPath + "/debug/trace/{X-Request-Id}</code>"; !strings.Contains(page, want) {
		t.Errorf("the traces page does not name its JSON traces under the issuer, %s:\n%s", want, page)
	}

	web := &oauth2.Config{ClientID: "testclient", ClientSecret: "testsecret", RedirectURL: demoRedirectURI, Scopes: []string{"read"},
		Endpoint: oauth2.Endpoint{AuthURL: meta.AuthorizationEndpoint, TokenURL: meta.TokenEndpoint, AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	resp, page = b.Get(web.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier)))
	wantLinksUnderIssuer(t, resp, page, issuer)
	wantCookiePath(t, resp, tenantPath)
	resp, page = b.Decide(resp, page, "allow")
	wantCookiePath(t, resp, tenantPath)
	code := providertest.RedirectOf(t, resp, page).Query().Get("code")
	if _, err := web.Exchange(t.Context(), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if cookies := b.Client.Jar.Cookies(&url.URL{Scheme: "http", Host: resp.Request.URL.Host, Path: "/"}); len(cookies) != 0 {
		t.Errorf("the host's root gets the cookies %v, want none: they are the issuer's", cookies)
	}

	device := &oauth2.Config{ClientID: "device-client", Scopes: []string{"read"},
		Endpoint: oauth2.Endpoint{DeviceAuthURL: meta.DeviceAuthorizationEndpoint, TokenURL: meta.TokenEndpoint, AuthStyle: oauth2.AuthStyleInParams}}
	da := startDevice(t, device)
	resp, page = b.Get(da.VerificationURIComplete)
	wantLinksUnderIssuer(t, resp, page, issuer)
	resp, page = b.EnterUserCode(da.VerificationURIComplete)
	wantLinksUnderIssuer(t, resp, page, issuer)
	if providertest.AsksPassword(page) {
		t.Errorf("the device consent page asks for the password, want the login session of the sign-in above")
	}
	if resp, page = b.Decide(resp, page, "allow"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Device connected") {
		t.Fatalf("approving the device: got %d, want 200 and Device connected:\n%s", resp.StatusCode, page)
	}
	if _, err := device.DeviceAccessToken(t.Context(), da); err != nil {
		t.Fatalf("DeviceAccessToken: %v", err)
	}

	resp, page = b.Get(meta.EndSessionEndpoint)
	wantLinksUnderIssuer(t, resp, page, issuer)
	if resp, page = b.Decide(resp, page, "logout"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "You are signed out") {
		t.Fatalf("confirming the logout: got %d, want 200 and the signed-out page:\n%s", resp.StatusCode, page)
	}
	wantCookiePath(t, resp, tenantPath)
	if _, page := b.Get(web.AuthCodeURL("state-2", oauth2.S256ChallengeOption(verifier))); !providertest.AsksPassword(page) {
		t.Error("after the logout the authorization page skips the password, want it asked for")
	}
}
