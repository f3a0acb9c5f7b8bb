package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oauth-reference/provider/processtest"
)

// TestE2ESIGTERMFinishesRequestsInFlight starts the real provider binary
// (JSON logs, metrics and profiles each on their own listener), begins a token request whose
// body arrives slowly, sends SIGTERM while the provider is reading it, and
// checks that the provider stops accepting connections, still answers
// that request, closes its store and exits 0.
func TestE2ESIGTERMFinishesRequestsInFlight(t *testing.T) {
	bin := processtest.Build(t, ".", "provider")
	addr, metricsAddr, debugAddr := processtest.FreeAddr(t), processtest.FreeAddr(t), processtest.FreeAddr(t)
	p := processtest.Start(t, bin, map[string]string{
		"PROVIDER_ADDR": addr, "ISSUER": "http://" + addr, "PASSWORD_HASH_MEMORY_KIB": "8", "PASSWORD_HASH_TIME": "1",
		"DATABASE_URL": filepath.Join(t.TempDir(), "provider.db"),
		"METRICS_ADDR": metricsAddr, "DEBUG_ADDR": debugAddr, "LOG_FORMAT": "json",
	})
	processtest.WaitReady(t, p, "http://"+addr+"/readyz", 30*time.Second)
	processtest.WaitReady(t, p, "http://"+metricsAddr+"/metrics", time.Second)
	processtest.WaitReady(t, p, "http://"+debugAddr+"/debug/pprof/goroutine?debug=1", time.Second)
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/goroutine"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s on the main listener: got %d, want 404 (it has its own listener)", path, resp.StatusCode)
		}
	}

	resp, exit := p.SIGTERMDuringRequest(t, addr, "/oauth/token",
		"grant_type=client_credentials&scope=read&client_id=testclient&client_secret=testsecret")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the request in flight: got status %d, want 200", resp.StatusCode)
	}
	if exit != 0 {
		t.Errorf("exit status %d, want 0", exit)
	}
	if !strings.Contains(p.Log(), `"msg":"store closed; provider stopped"`) {
		t.Errorf("the JSON log does not say the store was closed:\n%s", p.Log())
	}
}

// TestE2EShutdownDelay: with SHUTDOWN_DELAY, the real provider answers
// /readyz 503 "stopping" right after SIGTERM while it still serves, then
// closes and exits 0 once the delay is over.
func TestE2EShutdownDelay(t *testing.T) {
	bin := processtest.Build(t, ".", "provider")
	addr := processtest.FreeAddr(t)
	p := processtest.Start(t, bin, map[string]string{
		"PROVIDER_ADDR": addr, "ISSUER": "http://" + addr, "PASSWORD_HASH_MEMORY_KIB": "8", "PASSWORD_HASH_TIME": "1",
		"DATABASE_URL": filepath.Join(t.TempDir(), "provider.db"), "SHUTDOWN_DELAY": "2s",
	})
	processtest.WaitReady(t, p, "http://"+addr+"/readyz", 30*time.Second)
	p.Signal(t, syscall.SIGTERM)
	p.WaitLog(t, "stopping: /readyz answers 503", 5*time.Second)
	for path, want := range map[string]int{"/readyz": http.StatusServiceUnavailable, "/.well-known/openid-configuration": http.StatusOK} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s during the delay: %v, want an answer", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s during the delay: got %d, want %d", path, resp.StatusCode, want)
		}
	}
	if exit := p.Wait(t, processtest.DrainTimeout+5*time.Second); exit != 0 {
		t.Errorf("exit status %d, want 0", exit)
	}
}
