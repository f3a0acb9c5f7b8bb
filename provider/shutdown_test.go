package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/processtest"
)

// TestSIGTERMFinishesRequestsInFlight starts the real provider binary,
// begins a token request whose body arrives slowly, sends SIGTERM while the
// provider is reading it, and checks that the provider stops accepting
// connections, still answers that request, closes its store and exits 0.
func TestSIGTERMFinishesRequestsInFlight(t *testing.T) {
	bin := processtest.Build(t, ".", "provider")
	addr := processtest.FreeAddr(t)
	p := processtest.Start(t, bin, map[string]string{
		"PROVIDER_ADDR": addr, "ISSUER": "http://" + addr, "PASSWORD_HASH_COST": "4",
		"DATABASE_URL": filepath.Join(t.TempDir(), "provider.db"),
	})
	processtest.WaitReady(t, p, "http://"+addr+"/.well-known/jwks.json", 30*time.Second)

	resp, exit := p.SIGTERMDuringRequest(t, addr, "/oauth/token",
		"grant_type=client_credentials&scope=read&client_id=testclient&client_secret=testsecret")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the request in flight: got status %d, want 200", resp.StatusCode)
	}
	if exit != 0 {
		t.Errorf("exit status %d, want 0", exit)
	}
	if !strings.Contains(p.Log(), "store closed") {
		t.Errorf("the log does not say the store was closed:\n%s", p.Log())
	}
}
