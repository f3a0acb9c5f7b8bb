package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/providertest"
)

// openIDClientDir holds the Node project that runs openid-client.
var openIDClientDir = filepath.Join("..", "..", "..", "interop", "openid-client")

// needOpenIDClient skips the test without node and openid-client installed,
// except in CI (CI set), where .ci/run installs them and the test must run.
func needOpenIDClient(t *testing.T) string {
	t.Helper()
	missing := func(what string) {
		missingInterop(t, what, "install Node.js 18+ and run: npm ci --prefix interop/openid-client")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(openIDClientDir, "node_modules", "openid-client")); err != nil {
		missing("openid-client is not installed")
	}
	return node
}

// missingInterop skips the test for what is missing, an independent client
// library or what runs it, with how to install it; in CI (CI set), where
// .ci/run installs them all, it fails the test instead.
func missingInterop(t *testing.T, what, how string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s: %s", what, how)
	}
	t.Skipf("%s: %s", what, how)
}

// TestE2EPrivateKeyJWTWithOpenIDClient: an independent client library
// (openid-client, on Node) registered for private_key_jwt authenticates
// with its own assertions (RFC 7523 Section 2.2) at the PAR, token,
// introspection and revocation endpoints of the real provider, on each
// store.
func TestE2EPrivateKeyJWTWithOpenIDClient(t *testing.T) {
	node := needOpenIDClient(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		testPrivateKeyJWTWithOpenIDClient(t, node, newServer(providertest.Options{}))
	})
}

// testPrivateKeyJWTWithOpenIDClient is TestE2EPrivateKeyJWTWithOpenIDClient's
// run against srv, with node the Node.js binary.
func testPrivateKeyJWTWithOpenIDClient(t *testing.T, node string, srv *providertest.Server) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	public, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "interop-1", Algorithm: "ES256", Use: "sig"}}})
	reg := register(t, srv, `{"client_name":"openid-client","token_endpoint_auth_method":"private_key_jwt","jwks":`+string(public)+`,
		"redirect_uris":["`+demoRedirectURI+`"],"grant_types":["authorization_code","client_credentials"],"scope":"read"}`)
	private, _ := json.Marshal(jose.JSONWebKey{Key: key, KeyID: "interop-1", Algorithm: "ES256"})

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "private_key_jwt.mjs")
	cmd.Dir = openIDClientDir
	cmd.Env = append(os.Environ(), "ISSUER="+srv.Issuer, "CLIENT_ID="+reg.ClientID,
		"REDIRECT_URI="+demoRedirectURI, "PRIVATE_JWK="+string(private))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openid-client: %v\n%s", err, stderr.String())
	}
	var got struct {
		RequestURI             string `json:"request_uri"`
		AccessToken            string `json:"access_token"`
		ActiveBeforeRevocation bool   `json:"active_before_revocation"`
		ActiveAfterRevocation  bool   `json:"active_after_revocation"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("openid-client output %q: %v", out, err)
	}
	if !strings.HasPrefix(got.RequestURI, "urn:ietf:params:oauth:request_uri:") {
		t.Errorf("PAR: got request_uri %q", got.RequestURI)
	}
	if !got.ActiveBeforeRevocation || got.ActiveAfterRevocation {
		t.Errorf("introspection before and after revocation: got %v, %v; want true, false", got.ActiveBeforeRevocation, got.ActiveAfterRevocation)
	}
	if resp, _ := callResource(t, srv.URL+"/protected/resource", got.AccessToken); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the revoked access token at the resource: got %d, want 401", resp.StatusCode)
	}
}
