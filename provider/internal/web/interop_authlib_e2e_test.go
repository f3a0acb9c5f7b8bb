package web_test

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/providertest"
)

// authlibDir holds the script that runs Authlib.
var authlibDir = filepath.Join("..", "..", "..", "interop", "authlib")

// needAuthlib returns the Python that has Authlib and the requests
// library its client imports (Debian's python3-authlib and
// python3-requests); without them the test skips, except in CI (CI set),
// where .ci/run installs them and the test must run.
func needAuthlib(t *testing.T) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import authlib, requests").Run(); err != nil {
		missingInterop(t, "Authlib or requests is not installed ("+err.Error()+")", "apt-get install python3-authlib python3-requests")
	}
	return python
}

// TestE2EInteropAuthlib drives the provider with Authlib (Python), an
// independent client library, registered for private_key_jwt: the code flow
// with PKCE (RFC 7636), introspection (RFC 7662) and a refresh, each request
// authenticated with Authlib's own assertion (RFC 7523 Section 2.2), on each store.
func TestE2EInteropAuthlib(t *testing.T) {
	python := needAuthlib(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		kc := registerKeyClient(t, srv)
		private, err := json.Marshal(jose.JSONWebKey{Key: kc.key, KeyID: "k1"})
		if err != nil {
			t.Fatal(err)
		}
		s := startInteropScript(t, "Authlib", authlibDir, python, "private_key_jwt.py", srv.Issuer, kc.ClientID, demoRedirectURI, string(private))
		s.approve(newBrowser(t))
		var got struct {
			Tokens, Refreshed tokenResponse
			Introspection     introspection
		}
		s.next(&got)
		s.wait()
		if !strings.EqualFold(got.Tokens.TokenType, "Bearer") || got.Tokens.RefreshToken == "" {
			t.Errorf("token response: got %+v, want a Bearer token and a refresh token", got.Tokens)
		}
		if i := got.Introspection; !i.Active || i.ClientID != kc.ClientID || i.Subject != "user1" {
			t.Errorf("introspection of the access token: got %+v, want active, for user1 and %s", i, kc.ClientID)
		}
		if got.Refreshed.RefreshToken == "" || got.Refreshed.RefreshToken == got.Tokens.RefreshToken {
			t.Errorf("refresh: got %+v, want a rotated refresh token", got.Refreshed)
		}
		if status, _ := resourceStatus(t, srv, got.Refreshed.AccessToken); status != http.StatusOK {
			t.Errorf("the refreshed access token at the resource: got %d, want 200", status)
		}
	})
}
