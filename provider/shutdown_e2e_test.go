package main

import (
	"maps"
	"net/http"
	"os"
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
	addr, metricsAddr, debugAddr := processtest.FreeAddr(t), processtest.FreeAddr(t), processtest.FreeAddr(t)
	p := startBuiltProvider(t, addr, map[string]string{"METRICS_ADDR": metricsAddr, "DEBUG_ADDR": debugAddr, "LOG_FORMAT": "json"}, processtest.Start)
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
	mustDrainOn(t, p, syscall.SIGTERM, addr, `"msg":"store closed; provider stopped"`)
}

// mustDrainOn sends sig to the provider p listening on addr while a token
// request's body is still arriving, and checks that the request is
// answered 200, the log says stopped (in the words of the log's format),
// and the exit status is 0.
func mustDrainOn(t *testing.T, p *processtest.Process, sig syscall.Signal, addr, stopped string) {
	t.Helper()
	resp, exit := p.SignalDuringRequest(t, sig, addr, "/oauth/token",
		"grant_type=client_credentials&scope=read&client_id=testclient&client_secret=testsecret")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the request in flight at %v: got status %d, want 200", sig, resp.StatusCode)
	}
	if exit != 0 {
		t.Errorf("exit status after %v: %d, want 0", sig, exit)
	}
	if !strings.Contains(p.Log(), stopped) {
		t.Errorf("the log does not say the store was closed (%s):\n%s", stopped, p.Log())
	}
}

// TestE2EShutdownDelay: with SHUTDOWN_DELAY, the real provider answers
// /readyz 503 "stopping" right after SIGTERM while it still serves, then
// closes and exits 0 once the delay is over.
func TestE2EShutdownDelay(t *testing.T) {
	addr := processtest.FreeAddr(t)
	p := startBuiltProvider(t, addr, map[string]string{"SHUTDOWN_DELAY": "2s"}, processtest.Start)
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

// startBuiltProvider builds and starts the real provider on addr, a SQLite one
// with cheap password hashing and the settings of more, with start
// (processtest.Start or a variant), and waits until it is ready.
func startBuiltProvider(t *testing.T, addr string, more map[string]string,
	start func(testing.TB, string, map[string]string, ...string) *processtest.Process) *processtest.Process {
	t.Helper()
	bin := processtest.Build(t, ".", "provider")
	env := map[string]string{
		"PROVIDER_ADDR": addr, "ISSUER": "http://" + addr, "PASSWORD_HASH_MEMORY_KIB": "8", "PASSWORD_HASH_TIME": "1",
		"DATABASE_URL": filepath.Join(t.TempDir(), "provider.db"),
	}
	maps.Copy(env, more)
	p := start(t, bin, env)
	processtest.WaitReady(t, p, "http://"+addr+"/readyz", 30*time.Second)
	return p
}

// TestE2ESIGHUPFinishesRequestsInFlight: SIGHUP, what a closed terminal or
// ssh session sends, stops the real provider as SIGTERM does: a request in
// flight is answered, the store closed, and the exit status is 0 (Go's
// default for SIGHUP is death at once, status 129).
func TestE2ESIGHUPFinishesRequestsInFlight(t *testing.T) {
	addr := processtest.FreeAddr(t)
	mustDrainOn(t, startBuiltProvider(t, addr, nil, processtest.Start), syscall.SIGHUP, addr, "store closed; provider stopped")
}

// TestE2ENohupKeepsTheProviderThroughSIGHUP: a provider started with
// SIGHUP ignored (nohup, so it outlives its terminal) keeps it ignored: a
// SIGHUP stops nothing, and SIGTERM still drains and exits 0.
func TestE2ENohupKeepsTheProviderThroughSIGHUP(t *testing.T) {
	addr := processtest.FreeAddr(t)
	p := startBuiltProvider(t, addr, nil, func(t testing.TB, bin string, env map[string]string, args ...string) *processtest.Process {
		return processtest.Start(t, "/bin/sh", env, append([]string{"-c", `trap "" HUP; exec "$0" "$@"`, bin}, args...)...)
	})
	p.Signal(t, syscall.SIGHUP)
	time.Sleep(300 * time.Millisecond) // a SIGHUP it caught would have closed its listener by now
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatalf("after SIGHUP under nohup: %v, want an answer", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(p.Log(), "shutting down") {
		t.Errorf("after SIGHUP under nohup: /readyz %d, want 200 and no shutdown:\n%s", resp.StatusCode, p.Log())
	}
	mustDrainOn(t, p, syscall.SIGTERM, addr, "store closed; provider stopped")
}

// TestE2EClosedLogPipeDoesNotStopTheProvider: the reader of the provider's
// log goes away (a log shipper that died, a "| head"); the next log line's
// write fails with EPIPE, and the provider goes on serving, rather than
// being killed by SIGPIPE (Go's default for standard output and error).
func TestE2EClosedLogPipeDoesNotStopTheProvider(t *testing.T) {
	logs, log, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	addr := processtest.FreeAddr(t)
	p := startBuiltProvider(t, addr, nil, func(t testing.TB, bin string, env map[string]string, args ...string) *processtest.Process {
		return processtest.StartLoggingTo(t, bin, env, log, args...)
	})
	log.Close()  // the provider has its own copy
	logs.Close() // the reader goes away
	for _, path := range []string{"/.well-known/openid-configuration", "/readyz"} {
		resp, err := http.Get("http://" + addr + path) // each request writes a log line
		if err != nil {
			t.Fatalf("GET %s after the log's reader went away: %v, want an answer", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s after the log's reader went away: got %d, want 200", path, resp.StatusCode)
		}
	}
	p.Signal(t, syscall.SIGTERM)
	if exit := p.Wait(t, processtest.DrainTimeout+5*time.Second); exit != 0 {
		t.Errorf("exit status %d, want 0", exit)
	}
}
