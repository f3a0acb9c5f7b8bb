package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth-reference/provider/providertest"
)

// interopScript is a running script of an independent client library
// (interop/openid-client, interop/authlib): it prints JSON lines and reads,
// one line at a time, the URL the user's browser (the test) reached.
type interopScript struct {
	t      *testing.T
	name   string // the library, for messages
	cmd    *exec.Cmd
	stdin  io.Writer
	lines  *bufio.Scanner
	stderr lockedBuilder
}

// lockedBuilder is a strings.Builder safe to read while the process's
// standard error is still being copied into it.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write appends p.
func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is what was written so far.
func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startInteropScript runs "program args…" in dir, for at most a minute;
// name is the library it drives.
func startInteropScript(t *testing.T, name, dir, program string, args ...string) *interopScript {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	s := &interopScript{t: t, name: name, cmd: exec.CommandContext(ctx, program, args...)}
	s.cmd.Dir = dir
	s.cmd.Stderr = &s.stderr
	s.stdin, _ = s.cmd.StdinPipe()
	stdout, _ := s.cmd.StdoutPipe()
	s.lines = bufio.NewScanner(stdout)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

// startOpenIDClient runs "node script args…" in interop/openid-client.
func startOpenIDClient(t *testing.T, script string, args ...string) *interopScript {
	t.Helper()
	node := needOpenIDClient(t)
	return startInteropScript(t, "openid-client", openIDClientDir, node, append([]string{script}, args...)...)
}

// next decodes the next line the script printed into v.
func (s *interopScript) next(v any) {
	s.t.Helper()
	if !s.lines.Scan() {
		s.t.Fatalf("%s printed nothing more: %v\n%s", s.name, s.lines.Err(), s.stderr.String())
	}
	if err := json.Unmarshal(s.lines.Bytes(), v); err != nil {
		s.t.Fatalf("%s printed %q: %v\n%s", s.name, s.lines.Text(), err, s.stderr.String())
	}
}

// send writes a line to the script's stdin.
func (s *interopScript) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		s.t.Fatal(err)
	}
}

// wait checks that the script exited 0.
func (s *interopScript) wait() {
	s.t.Helper()
	if err := s.cmd.Wait(); err != nil {
		s.t.Fatalf("%s: %v\n%s", s.name, err, s.stderr.String())
	}
}

// approve plays the user's browser for a script that signs in: it reads
// the authorization URL the script printed, lets the demo user approve it
// in b, and answers the script with the redirect back to the client.
func (s *interopScript) approve(b *browser) {
	s.t.Helper()
	var start struct {
		AuthorizationURL string `json:"authorization_url"`
	}
	s.next(&start)
	s.send(b.Approve(start.AuthorizationURL).String())
}

// TestE2EInteropOpenIDClientPARAndDPoP drives the provider with panva's
// openid-client (npm), an independent client library: it pushes the
// authorization request (RFC 9126) with a DPoP proof, the user approves in
// the browser, and it redeems the code, calls /user/profile and refreshes,
// each with DPoP (RFC 9449) — with and without server nonces, on each store,
// with an ES256 key and with an Ed25519 key, whose proofs openid-client
// signs under the alg "Ed25519" (RFC 9864 Section 2.2).
func TestE2EInteropOpenIDClientPARAndDPoP(t *testing.T) {
	needOpenIDClient(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		withNonces(t, func(t *testing.T, nonce bool) {
			srv := newServer(providertest.Options{DPoPNonce: nonce})
			for _, keyAlg := range []string{"ES256", "Ed25519"} {
				t.Run(keyAlg, func(t *testing.T) { testOpenIDClientPARAndDPoP(t, srv, keyAlg) })
			}
		})
	})
}

// testOpenIDClientPARAndDPoP is TestE2EInteropOpenIDClientPARAndDPoP's run
// against srv, with a DPoP key for keyAlg.
func testOpenIDClientPARAndDPoP(t *testing.T, srv *providertest.Server, keyAlg string) {
	s := startOpenIDClient(t, "par_dpop.mjs", srv.Issuer, "testclient", "testsecret", demoRedirectURI, keyAlg)
	var start struct {
		AuthorizationURL string `json:"authorization_url"`
	}
	s.next(&start)
	if !strings.Contains(start.AuthorizationURL, "request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A") {
		t.Errorf("authorization URL: got %s, want a request_uri of the PAR endpoint", start.AuthorizationURL)
	}
	s.send(newBrowser(t).Approve(start.AuthorizationURL).String())
	var result struct {
		TokenType          string            `json:"token_type"`
		AccessToken        string            `json:"access_token"`
		ResourceStatus     int               `json:"resource_status"`
		Profile            map[string]string `json:"profile"`
		RefreshedTokenType string            `json:"refreshed_token_type"`
		ProofAlgs          []string          `json:"proof_algs"`
	}
	s.next(&result)
	s.wait()
	if !slices.Equal(result.ProofAlgs, []string{keyAlg}) {
		t.Errorf("the proofs' alg: got %q, want %s", result.ProofAlgs, keyAlg)
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
}
