package web_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EDemoAccountHint: the sign-in pages (the login and consent page,
// the device consent page) and the home page suggest the demo account only
// in teaching mode, with the configured OAUTH_USERNAME, and only while its
// password is still the public default "demo": a password set in
// OAUTH_PASSWORD is never shown, as `make run` never prints it. The home
// page names the demo client at the origin of REDIRECT_URI. On both stores.
func TestE2EDemoAccountHint(t *testing.T) {
	const secret, clientRedirectURI = "S3cret-pass-123", "http://127.0.0.1:26402/callback"
	cases := []struct {
		name      string
		configure func(*config.Config)
		hint      string // "": no account suggested
	}{
		{"teaching mode and the default password: the configured username, with demo",
			func(c *config.Config) { c.Username = "alice" }, "<code>alice</code> / <code>demo</code>"},
		{"a password set in OAUTH_PASSWORD is never shown",
			func(c *config.Config) { c.Password = secret }, ""},
		{"teaching mode off: no account suggested",
			func(c *config.Config) { c.TeachingMode = config.TeachingOff }, ""},
	}
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				srv := newServer(providertest.Options{RedirectURI: clientRedirectURI, Configure: tc.configure})
				pages := signInPages(t, srv, clientRedirectURI)
				_, pages["home page"] = getPage(t, srv.URL+"/", nil)
				for name, page := range pages {
					if tc.hint != "" && !strings.Contains(page, tc.hint) {
						t.Errorf("%s: no hint %s:\n%s", name, tc.hint, page)
					}
					if tc.hint == "" && (strings.Contains(page, "<code>demo</code> / <code>demo</code>") || strings.Contains(page, secret)) {
						t.Errorf("%s suggests an account:\n%s", name, page)
					}
				}
				if !strings.Contains(pages["home page"], "the demo client at <code>http://127.0.0.1:26402</code>") {
					t.Errorf("the home page does not name the demo client at the origin of REDIRECT_URI:\n%s", pages["home page"])
				}
			})
		}
	})
}

// signInPages returns the provider's two pages that ask for a password, in
// a fresh browser: the login and consent page of the demo client, whose
// redirect URI is redirectURI, and the device consent page.
func signInPages(t *testing.T, srv *providertest.Server, redirectURI string) map[string]string {
	t.Helper()
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
	cfg.RedirectURL = redirectURI
	resp, consent := newBrowser(t).Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if resp.StatusCode != http.StatusOK || !providertest.AsksPassword(consent) {
		t.Fatalf("GET authorize: got %d, want the login and consent page:\n%s", resp.StatusCode, consent)
	}
	resp, device := newBrowser(t).EnterUserCode(startDevice(t, deviceConfig(srv, "read")).VerificationURIComplete)
	if resp.StatusCode != http.StatusOK || !providertest.AsksPassword(device) {
		t.Fatalf("POST /device: got %d, want the device consent page:\n%s", resp.StatusCode, device)
	}
	return map[string]string{"login and consent page": consent, "device consent page": device}
}
