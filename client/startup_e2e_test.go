package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EStartupWaitsQuietlyForTheProvider starts the real client binary while
// its provider still answers 503 (starting): the client serves /healthz,
// says 503 on /readyz and on pages (HEAD answers as GET), logs one line about waiting; once the
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
		"REDIRECT_URI": "http://" + addr + "/callback", "SESSION_SECRET": "startup test secret, 32 characters at least"})
	base := "http://" + addr
	processtest.WaitReady(t, p, base+"/healthz", 30*time.Second)
	if status, _ := fetch(t, base+"/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz before the provider is up: got %d, want 503", status)
	}
	for _, path := range []string{"/", "/healthz/"} { // the second, not a route, is a page too: no redirect to /healthz
		if status, body := fetch(t, base+path); status != http.StatusServiceUnavailable || !strings.Contains(body, "waiting for the provider") {
			t.Errorf("GET %s before the provider is up: got %d %q, want 503 saying it waits", path, status, body)
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/"} {
		providertest.CheckHeadAsGet(t, base+path, nil, "X-Request-Id")
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
	for _, failure := range []string{"Service Unavailable", "starting", "refused"} {
		if strings.Contains(body, failure) {
			t.Errorf("the first page shows %q from the start-up attempts", failure)
		}
	}
	// The status as a word: random values and timings on the page
	// (a PKCE challenge, "took 503ms") may hold the digits.
	if status := regexp.MustCompile(`\b503\b`).FindString(body); status != "" {
		t.Errorf("the first page shows the status %s of the start-up attempts", status)
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
// another issuer than AUTH_SERVER, even one that differs only by a trailing
// "/", the client does not vanish: it logs the metadata URL and the attempt,
// every page explains the mismatch with both values and what to change, and
// /readyz stays 503.
func TestE2EStartupExplainsAWrongIssuer(t *testing.T) {
	tests := []struct {
		name       string
		issuer     string                          // the provider's ISSUER; "" is its own URL
		authServer func(providerURL string) string // AUTH_SERVER
		advice     string                          // what the page says beside "set AUTH_SERVER="; %s is AUTH_SERVER
	}{
		{"another issuer (RFC 8414 Section 3.3)", "http://issuer.example", self, "or, if %s is the issuer you mean, set the provider's ISSUER to it"},
		{"AUTH_SERVER with a trailing slash is another issuer (RFC 8414 Section 3.3)", "", func(u string) string { return u + "/" },
			`differ only by the trailing "/"`},
	}
	bin := processtest.Build(t, ".", "client")
	for _, tt := range tests {
		for _, store := range []string{"sqlite", "postgres"} {
			t.Run(tt.name+"/"+store, func(t *testing.T) {
				provider := providertest.New(t, providertest.Options{Issuer: tt.issuer, Postgres: store == "postgres"})
				authServer := tt.authServer(provider.URL)
				addr := processtest.FreeAddr(t)
				p := processtest.Start(t, bin, map[string]string{"AUTH_SERVER": authServer, "CLIENT_ADDR": addr,
					"SESSION_SECRET": "startup test secret, 32 characters at least", "LOG_FORMAT": "json"})
				p.WaitLog(t, "cannot use the provider's metadata", 30*time.Second)

				wellKnown := provider.URL + "/.well-known/oauth-authorization-server"
				line := logLine(t, p.Log(), "cannot use the provider's metadata")
				if line.Level != "ERROR" || line.URL != wellKnown || line.Attempt != 1 ||
					!strings.Contains(line.Err, strconv.Quote(provider.Issuer)) || !strings.Contains(line.Err, strconv.Quote(authServer)) {
					t.Errorf("log line %+v: want level ERROR, url %s, attempt 1 and an err naming %q and %q",
						line, wellKnown, provider.Issuer, authServer)
				}
				status, body := fetch(t, "http://"+addr+"/")
				wants := []string{strconv.Quote(provider.Issuer), strconv.Quote(authServer), "AUTH_SERVER", "RFC 8414 Section 3.3",
					"Metadata fetched from: " + wellKnown, "set AUTH_SERVER=" + provider.Issuer + ",", strings.ReplaceAll(tt.advice, "%s", authServer)}
				for _, want := range wants {
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
			})
		}
	}
}

func self(u string) string { return u }

// startupLine is what the tests read of a line of the client's JSON log.
type startupLine struct {
	Level   string `json:"level"`
	Msg     string `json:"msg"`
	URL     string `json:"url"`
	Attempt int    `json:"attempt"`
	Err     string `json:"err"`
}

// logLine returns the first line of the JSON log whose msg starts with msg.
func logLine(t *testing.T, log, msg string) startupLine {
	t.Helper()
	for _, raw := range strings.Split(log, "\n") {
		var line startupLine
		if json.Unmarshal([]byte(raw), &line) == nil && strings.HasPrefix(line.Msg, msg) {
			return line
		}
	}
	t.Fatalf("no log line %q in:\n%s", msg, log)
	return startupLine{}
}
