package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/providertest"
)

// openIDClientDir holds the Node project that runs openid-client.
var openIDClientDir = filepath.Join("..", "..", "..", "interop", "openid-client")

// needOpenIDClient skips the test without node and openid-client installed,
// except in CI (CI set), where .ci/run installs them and the test must run.
func needOpenIDClient(t *testing.T) string {
	t.Helper()
	missing := func(what string) {
		missingInterop(t, what, "install Node.js 20+ and run: npm ci --prefix interop/openid-client")
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
// (openid-client, on Node) registers private_key_jwt clients (RFC 7591),
// one for each kind of key it signs with: RS256, PS256, ES256 and Ed25519,
// its default alg for an Ed25519 key (RFC 9864 Section 2.2). Each
// authenticates with its own assertions (RFC 7523 Section 2.2) at the PAR,
// token, introspection and revocation endpoints of the real provider, on
// each store.
func TestE2EPrivateKeyJWTWithOpenIDClient(t *testing.T) {
	node := needOpenIDClient(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		testPrivateKeyJWTWithOpenIDClient(t, node, newServer(providertest.Options{}))
	})
}

// testPrivateKeyJWTWithOpenIDClient is TestE2EPrivateKeyJWTWithOpenIDClient's
// run against srv, with node the Node.js binary.
func testPrivateKeyJWTWithOpenIDClient(t *testing.T, node string, srv *providertest.Server) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "private_key_jwt.mjs", srv.Issuer, demoRedirectURI)
	cmd.Dir = openIDClientDir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openid-client: %v\n%s", err, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for _, alg := range []string{"RS256", "PS256", "ES256", "Ed25519"} {
		var got struct {
			Alg                    string   `json:"alg"`
			AssertionAlgs          []string `json:"assertion_algs"`
			RequestURI             string   `json:"request_uri"`
			AccessToken            string   `json:"access_token"`
			ActiveBeforeRevocation bool     `json:"active_before_revocation"`
			ActiveAfterRevocation  bool     `json:"active_after_revocation"`
		}
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("openid-client output %q, at %s: %v", out, alg, err)
		}
		if got.Alg != alg || !slices.Equal(got.AssertionAlgs, []string{alg}) {
			t.Errorf("%s key: got the assertions' alg %q (for %s), want %s", alg, got.AssertionAlgs, got.Alg, alg)
		}
		if !strings.HasPrefix(got.RequestURI, "urn:ietf:params:oauth:request_uri:") {
			t.Errorf("%s: PAR: got request_uri %q", alg, got.RequestURI)
		}
		if !got.ActiveBeforeRevocation || got.ActiveAfterRevocation {
			t.Errorf("%s: introspection before and after revocation: got %v, %v; want true, false", alg, got.ActiveBeforeRevocation, got.ActiveAfterRevocation)
		}
		if resp, _ := callResource(t, srv.URL+"/protected/resource", got.AccessToken); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: the revoked access token at the resource: got %d, want 401", alg, resp.StatusCode)
		}
	}
}
