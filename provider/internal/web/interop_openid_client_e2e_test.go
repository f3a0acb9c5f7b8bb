package web_test

import (
	"bufio"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EInteropOpenIDClientPARAndDPoP drives the provider with panva's
// openid-client (npm), an independent client library: it pushes the
// authorization request (RFC 9126) with a DPoP proof, the user approves in
// the browser, and it redeems the code, calls /user/profile and refreshes,
// each with DPoP (RFC 9449) — with and without server nonces.
func TestE2EInteropOpenIDClientPARAndDPoP(t *testing.T) {
	node := needOpenIDClient(t)
	withNonces(t, func(t *testing.T, nonce bool) {
		srv := providertest.New(t, providertest.Options{DPoPNonce: nonce})
		cmd := exec.CommandContext(t.Context(), node, "par_dpop.mjs", srv.Issuer, "testclient", "testsecret", demoRedirectURI)
		cmd.Dir = openIDClientDir
		var stderr strings.Builder
		cmd.Stderr = &stderr
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		var start struct {
			AuthorizationURL string `json:"authorization_url"`
		}
		readJSONLine(t, lines, &start, &stderr)
		if !strings.Contains(start.AuthorizationURL, "request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A") {
			t.Errorf("authorization URL: got %s, want a request_uri of the PAR endpoint", start.AuthorizationURL)
		}
		callback := newBrowser(t).Approve(start.AuthorizationURL)
		if _, err := io.WriteString(stdin, callback.String()+"\n"); err != nil {
			t.Fatal(err)
		}
		var result struct {
			TokenType          string            `json:"token_type"`
			AccessToken        string            `json:"access_token"`
			ResourceStatus     int               `json:"resource_status"`
			Profile            map[string]string `json:"profile"`
			RefreshedTokenType string            `json:"refreshed_token_type"`
		}
		readJSONLine(t, lines, &result, &stderr)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("openid-client: %v\n%s", err, stderr.String())
		}
		if result.TokenType != "dpop" && result.TokenType != "DPoP" || result.RefreshedTokenType != result.TokenType {
			t.Errorf("token_type: got %q then %q, want DPoP both times", result.TokenType, result.RefreshedTokenType)
		}
		if result.ResourceStatus != 200 || result.Profile["id"] != "user1" {
			t.Errorf("/user/profile with DPoP: got %d %v, want 200 for user1", result.ResourceStatus, result.Profile)
		}
		if status, _ := resourceStatus(t, srv, result.AccessToken); status != 401 {
			t.Errorf("openid-client's bound token as a Bearer token: got %d, want 401", status)
		}
	})
}

// readJSONLine decodes the next line the script printed into v.
func readJSONLine(t *testing.T, lines *bufio.Scanner, v any, stderr *strings.Builder) {
	t.Helper()
	if !lines.Scan() {
		t.Fatalf("openid-client printed nothing more: %v\n%s", lines.Err(), stderr.String())
	}
	if err := json.Unmarshal(lines.Bytes(), v); err != nil {
		t.Fatalf("openid-client printed %q: %v", lines.Text(), err)
	}
}
