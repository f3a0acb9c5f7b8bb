package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// approvedClients is how many registered clients the user approves in
// TestE2ESessionRemembersBoundedConsents: more than the session cookie
// could hold all the approvals of.
const approvedClients = 45

// loopbackConfig is a confidential client registered on a loopback
// redirect URI: only a confidential client's request may be approved
// without the user (RFC 8252 Section 8.6).
func loopbackConfig(srv *providertest.Server, reg registration) *oauth2.Config {
	return &oauth2.Config{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, RedirectURL: reg.RedirectURIs[0], Scopes: []string{"openid", "read"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
}

// authURL is cfg's authorization request with PKCE and prompt (none if "").
func authURL(cfg *oauth2.Config, prompt string) string {
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(oauth2.GenerateVerifier())}
	if prompt != "" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", prompt))
	}
	return cfg.AuthCodeURL("st", opts...)
}

// approveSavingSession lets b approve authURL and checks that the answer
// writes the session cookie, within the 4096 bytes browsers keep
// (RFC 6265 Section 6.1).
func (b *browser) approveSavingSession(authURL string) {
	b.t.Helper()
	resp, page := b.Get(authURL)
	resp, page = b.Decide(resp, page, "allow")
	providertest.RedirectOf(b.t, resp, page)
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "provider_session" {
			session = c
		}
	}
	switch {
	case session == nil:
		b.t.Fatal("the approval wrote no session cookie: the session was not saved")
	case len(session.Value) >= 4096:
		b.t.Fatalf("the session cookie is %d bytes, want under 4096", len(session.Value))
	}
}

// silentError sends cfg's authorization request with prompt=none, naming
// resources, and returns the error of the redirect back ("" for a code).
func (b *browser) silentError(cfg *oauth2.Config, resources ...string) string {
	b.t.Helper()
	resp, page := b.Get(withResources(authURL(cfg, "none"), resources...))
	q := providertest.RedirectOf(b.t, resp, page).Query()
	if q.Get("error") == "" && q.Get("code") == "" {
		b.t.Fatalf("prompt=none: neither a code nor an error in %v", q)
	}
	return q.Get("error")
}

// TestE2ESessionRemembersBoundedConsents: the login session remembers the
// user's approvals for prompt=none in its cookie, the newest ones within a
// bound, so however many clients the user approves the cookie is written
// and stays under 4096 bytes: the newest approvals still answer prompt=none
// with a code, the oldest are forgotten (consent_required,
// OIDC Core Section 3.1.2.6), and a later sign-in with the password keeps the user
// signed in. On SQLite and PostgreSQL.
func TestE2ESessionRemembersBoundedConsents(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.RegistrationsPerHour = approvedClients }})
		clients := make([]*oauth2.Config, approvedClients)
		for i := range clients {
			reg := register(t, srv, fmt.Sprintf(`{"client_name":"App %d","redirect_uris":["http://127.0.0.1:49152/callback"],
				"token_endpoint_auth_method":"client_secret_basic","grant_types":["authorization_code"],"scope":"openid read"}`, i))
			clients[i] = loopbackConfig(srv, reg)
		}
		b := newBrowser(t)
		for _, cfg := range clients {
			b.approveSavingSession(authURL(cfg, "consent"))
		}

		for _, cfg := range clients[:3] {
			if got := b.silentError(cfg); got != "consent_required" {
				t.Errorf("prompt=none for one of the oldest approved clients: got error %q, want consent_required (forgotten)", got)
			}
		}
		for _, cfg := range clients[approvedClients-10:] {
			if got := b.silentError(cfg); got != "" {
				t.Errorf("prompt=none for one of the newest approved clients: got error %q, want a code", got)
			}
		}

		newest := clients[approvedClients-1]
		b.approveSavingSession(authURL(newest, "login"))
		if !b.loggedIn(srv) {
			t.Error("after a sign-in with the password: not signed in")
		}
		if got := b.silentError(newest); got != "" {
			t.Errorf("prompt=none after the sign-in for the client just approved: got error %q, want a code", got)
		}
	})
}

// TestE2ESessionForgoesAConsentTooLongToKeep: a sign-in with the password
// and approval for a client whose client_id (the URL of its metadata
// document, up to 4096 bytes) would not fit in the session cookie does not
// remember that approval; the cookie is written, the user stays signed in,
// and the approvals the session held are kept. On SQLite and PostgreSQL.
func TestE2ESessionForgoesAConsentTooLongToKeep(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		srv := newServer(documentOptions(docs))
		b := newBrowser(t)
		demo := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
		b.approveSavingSession(authURL(demo, "consent"))

		long := documentConfig(srv, docs.document(t, "/"+strings.Repeat("c", 3000)+".json", "max-age=3600", nil))
		b.approveSavingSession(authURL(long, "login"))
		if !b.loggedIn(srv) {
			t.Error("after a sign-in with the password: not signed in")
		}
		if got := b.silentError(demo); got != "" {
			t.Errorf("prompt=none for the client approved before: got error %q, want a code", got)
		}
	})
}
