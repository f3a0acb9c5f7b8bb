package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/providertest"
)

// issuerTransport is what stands between a browser and a provider whose
// issuer is https on a public name, as README's "Behind a TLS-terminating
// proxy" asks: it sends each request for the issuer's host to the
// provider's listener over http, without the issuer's path. The browser
// sees the https URLs, so its cookie jar keeps and sends Secure cookies.
type issuerTransport struct {
	issuer *url.URL
	to     string // the provider's listener, host:port
}

func (tr issuerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != tr.issuer.Host {
		return nil, fmt.Errorf("%s is not the issuer's host %s", req.URL, tr.issuer.Host)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = "http", tr.to
	out.URL.Path, out.URL.RawPath = strings.TrimPrefix(req.URL.Path, tr.issuer.Path), ""
	resp, err := http.DefaultTransport.RoundTrip(out)
	if resp != nil {
		resp.Request = req // the page's URL, which its form actions resolve against, is the browser's
	}
	return resp, err
}

// browserAt returns the demo user's browser for srv, reached at its issuer.
func browserAt(t *testing.T, srv *providertest.Server) *browser {
	issuer, err := url.Parse(srv.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	b.Client.Transport = issuerTransport{issuer: issuer, to: strings.TrimPrefix(srv.URL, "http://")}
	return b
}

// TestE2ESessionCookieNameAndAttributes: the login session cookie's name
// and attributes follow the issuer (RFC 6265bis Section 4.1.3.1,
// RFC 6265bis Section 4.1.3.2): over https it is __Host-provider_session,
// Secure, Path=/ and without Domain, or __Secure-provider_session, Secure,
// with the issuer's path as Path, when the issuer has one; over http
// (local development) it keeps the name provider_session, without Secure:
// a browser refuses a prefixed cookie without Secure.
func TestE2ESessionCookieNameAndAttributes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		issuer, name, path string
		secure             bool
	}{
		{"https://op.example.test", "__Host-provider_session", "/", true},
		{"https://op.example.test/tenant1", "__Secure-provider_session", "/tenant1", true},
		{"http://op.example.test", "provider_session", "/", false},
	}
	for _, tc := range tests {
		t.Run(tc.issuer, func(t *testing.T) {
			t.Parallel()
			srv := providertest.New(t, providertest.Options{Issuer: tc.issuer})
			resp, _ := browserAt(t, srv).Get(tc.issuer + oauth.PathDeviceVerification)
			cookies := resp.Cookies()
			if len(cookies) != 1 {
				t.Fatalf("GET %s set %d cookies, want the login session's: %q", oauth.PathDeviceVerification, len(cookies), resp.Header.Values("Set-Cookie"))
			}
			c := cookies[0]
			if c.Name != tc.name || c.Secure != tc.secure || c.Path != tc.path || c.Domain != "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("Set-Cookie: %s\nwant the name %s, Secure %v, Path=%s, no Domain, HttpOnly, SameSite=Lax", c, tc.name, tc.secure, tc.path)
			}
		})
	}
}

// TestE2ETossedSessionCookieIsIgnored: with an https issuer, a session
// cookie under the name without prefix, which another host of the domain
// can set with Domain (cookie tossing), is not the login session, even
// when it holds a live one: here the attacker's own, after he signed in.
// The victim's browser is asked for the password, not signed in as the
// attacker, whose every later approval would be the attacker's.
func TestE2ETossedSessionCookieIsIgnored(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Issuer: "https://op.example.test"})
		web := &oauth2.Config{ClientID: "testclient", RedirectURL: demoRedirectURI, Scopes: []string{"read"},
			Endpoint: oauth2.Endpoint{AuthURL: srv.Issuer + oauth.PathAuthorize}}
		authURL := web.AuthCodeURL("state-1", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))

		attacker := browserAt(t, srv)
		attacker.Approve(authURL)
		if _, page := attacker.Get(authURL); providertest.AsksPassword(page) {
			t.Fatal("the attacker's own browser is asked for the password again: his sign-in made no session")
		}
		issuer, _ := url.Parse(srv.Issuer)
		var session string
		for _, c := range attacker.Client.Jar.Cookies(issuer) {
			session = c.Value
		}

		req, _ := http.NewRequest(http.MethodGet, authURL, nil)
		req.AddCookie(&http.Cookie{Name: "provider_session", Value: session})
		resp, err := browserAt(t, srv).Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if page := providertest.ReadBody(t, resp); resp.StatusCode != http.StatusOK || !providertest.AsksPassword(page) {
			t.Errorf("the tossed cookie: got %d, want 200 and the password asked for, not the attacker's session:\n%s", resp.StatusCode, page)
		}
	})
}
