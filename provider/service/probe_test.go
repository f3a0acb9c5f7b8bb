package service

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
)

// TestProbe: the healthcheck command's probe reports ready only for a
// /readyz answering 200, asks 127.0.0.1 for a listen address without a
// host (":8080"), and reports a server that does not answer as not ready.
func TestProbe(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(int(status.Load()))
	}))
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, addr := range []string{srv.Listener.Addr().String(), ":" + port, "0.0.0.0:" + port} {
		if err := Probe(context.Background(), addr); err != nil {
			t.Errorf("Probe(%q) of a ready server: %v", addr, err)
		}
	}
	status.Store(http.StatusServiceUnavailable)
	if err := Probe(context.Background(), ":"+port); err == nil {
		t.Error("Probe of a server whose /readyz answers 503: got ready")
	}
	srv.Close()
	if err := Probe(context.Background(), ":"+port); err == nil {
		t.Error("Probe of an address nothing listens on: got ready")
	}
	if err := Probe(context.Background(), "no port"); err == nil {
		t.Error("Probe of a malformed address: got ready")
	}
}

// TestReadyURL: the probe's URL for each form of listen address; an IPv6
// zone (the provider accepts one) is written "%25" (RFC 6874 Section 2):
// bare, no URL parser takes it.
func TestReadyURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":               "http://127.0.0.1:8080/readyz",
		"0.0.0.0:8080":        "http://127.0.0.1:8080/readyz",
		"[::]:8080":           "http://127.0.0.1:8080/readyz",
		"127.0.0.1:8080":      "http://127.0.0.1:8080/readyz",
		"[::1]:8080":          "http://[::1]:8080/readyz",
		"[fe80::1%eth0]:8080": "http://[fe80::1%25eth0]:8080/readyz",
		"provider.local:8080": "http://provider.local:8080/readyz",
	} {
		got, err := readyURL(addr)
		if err != nil || got != want {
			t.Errorf("readyURL(%q) = %q, %v; want %q", addr, got, err, want)
			continue
		}
		if _, err := url.Parse(got); err != nil {
			t.Errorf("readyURL(%q) = %q, which does not parse: %v", addr, got, err)
		}
	}
}
