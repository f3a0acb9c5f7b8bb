package main

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2ESIGTERMFinishesRequestsInFlight starts the real client binary against
// a provider (metrics on their own listener), begins a POST whose body arrives slowly, sends SIGTERM while
// the client is reading it, and checks that the client stops accepting
// connections, still answers that request and exits 0.
func TestE2ESIGTERMFinishesRequestsInFlight(t *testing.T) {
	provider := providertest.New(t, providertest.Options{})
	bin := processtest.Build(t, ".", "client")
	addr, metricsAddr := processtest.FreeAddr(t), processtest.FreeAddr(t)
	p := processtest.Start(t, bin, map[string]string{"AUTH_SERVER": provider.Issuer, "CLIENT_ADDR": addr, "METRICS_ADDR": metricsAddr})
	processtest.WaitReady(t, p, "http://"+addr+"/readyz", 30*time.Second)
	processtest.WaitReady(t, p, "http://"+metricsAddr+"/metrics", time.Second) // METRICS_ADDR: /metrics on its own listener

	// A session (GET /login starts one), so that POST /logout reads its form.
	resp, err := http.DefaultTransport.RoundTrip(mustRequest(t, "http://"+addr+"/login"))
	if err != nil || len(resp.Cookies()) == 0 {
		t.Fatalf("GET /login: %v; want a session cookie", err)
	}
	resp.Body.Close()
	cookie := resp.Cookies()[0]
	resp, exit := p.SignalDuringRequest(t, syscall.SIGTERM, addr, "/logout", "csrf_token=not-this-session", "Cookie: "+cookie.Name+"="+cookie.Value)
	if resp.StatusCode == 0 || resp.StatusCode >= http.StatusInternalServerError {
		t.Errorf("the request in flight: got status %d, want the client's answer", resp.StatusCode)
	}
	if exit != 0 {
		t.Errorf("exit status %d, want 0", exit)
	}
}

func mustRequest(t *testing.T, u string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
