package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EStartupWaitsQuietlyForTheProvider starts the real client binary while
// its provider still answers 503 (starting): the client serves /healthz,
// says 503 on /readyz and on pages, logs one line about waiting; once the
// provider is up it becomes ready, and its first page shows no failed
// attempt.
func TestE2EStartupWaitsQuietlyForTheProvider(t *testing.T) {
	var up atomic.Bool
	var attempts atomic.Int32
	var target atomic.Pointer[url.URL]
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			attempts.Add(1)
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		httputil.NewSingleHostReverseProxy(target.Load()).ServeHTTP(w, r)
	}))
	defer gate.Close()
	addr := processtest.FreeAddr(t)
	provider := providertest.New(t, providertest.Options{Issuer: gate.URL, RedirectURI: "http://" + addr + "/callback"})
	u, _ := url.Parse(provider.URL)
	target.Store(u)

	bin := processtest.Build(t, ".", "client")
	p := processtest.Start(t, bin, map[string]string{"AUTH_SERVER": gate.URL, "CLIENT_ADDR": addr,
		"REDIRECT_URI": "http://" + addr + "/callback", "SESSION_SECRET": "startup test"})
	base := "http://" + addr
	processtest.WaitReady(t, p, base+"/healthz", 30*time.Second)
	if status, _ := fetch(t, base+"/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz before the provider is up: got %d, want 503", status)
	}
	if status, body := fetch(t, base+"/"); status != http.StatusServiceUnavailable || !strings.Contains(body, "waiting for the provider") {
		t.Errorf("GET / before the provider is up: got %d %q, want 503 saying it waits", status, body)
	}
	for deadline := time.Now().Add(10 * time.Second); attempts.Load() < 3 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	up.Store(true)
	processtest.WaitReady(t, p, base+"/readyz", 30*time.Second)

	status, body := fetch(t, base+"/")
	if status != http.StatusOK {
		t.Fatalf("GET / once ready: got %d", status)
	}
	for _, failure := range []string{"503", "Service Unavailable", "starting", "refused"} {
		if strings.Contains(body, failure) {
			t.Errorf("the first page shows %q from the start-up attempts", failure)
		}
	}
	log := p.Log()
	if n := strings.Count(log, "waiting for the provider"); n != 1 {
		t.Errorf("%d log lines about waiting for %d failed attempts, want 1:\n%s", n, attempts.Load(), log)
	}
	if strings.Contains(log, "level=WARN") || strings.Contains(log, "level=ERROR") {
		t.Errorf("waiting for the provider logged a warning or an error:\n%s", log)
	}
}

// fetch GETs u and returns the status and body.
func fetch(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestE2EStartupExplainsAWrongIssuer: when the provider's metadata names
// another issuer than AUTH_SERVER, the client does not vanish: every page
// explains the mismatch with both addresses, and /readyz stays 503.
func TestE2EStartupExplainsAWrongIssuer(t *testing.T) {
	provider := providertest.New(t, providertest.Options{Issuer: "http://issuer.example"})
	bin := processtest.Build(t, ".", "client")
	addr := processtest.FreeAddr(t)
	p := processtest.Start(t, bin, map[string]string{"AUTH_SERVER": provider.URL, "CLIENT_ADDR": addr, "SESSION_SECRET": "startup test"})
	p.WaitLog(t, "cannot use the provider's metadata", 30*time.Second)

	status, body := fetch(t, "http://"+addr+"/")
	for _, want := range []string{`"http://issuer.example"`, provider.URL, "AUTH_SERVER", "RFC 8414 Section 3.3"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	if status != http.StatusServiceUnavailable {
		t.Errorf("GET /: got %d, want 503", status)
	}
	if status, _ := fetch(t, "http://"+addr+"/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz: got %d, want 503", status)
	}
	if !p.Running() {
		t.Error("the client exited instead of explaining")
	}
}
