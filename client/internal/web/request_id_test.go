package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/provider/service"
)

// TestRequestLineNamesTheRequestID: each answer of the client carries an
// X-Request-Id of its own, a fresh one per request, and the client's log
// line for the request names it, as the provider's do.
func TestRequestLineNamesTheRequestID(t *testing.T) {
	var out bytes.Buffer
	log, err := service.NewLogger(&out, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.SessionSecret = "request id test secret"
	app, err := New(Options{Config: cfg, Metadata: metadata.Metadata{JWKSURI: "http://127.0.0.1:1/jwks"},
		HTTPClient: http.DefaultClient, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 2 {
		out.Reset()
		rec := httptest.NewRecorder()
		app.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		id := rec.Header().Get(service.HeaderRequestID)
		if id == "" || seen[id] {
			t.Fatalf("got X-Request-Id %q (seen before: %v), want a fresh id", id, seen[id])
		}
		seen[id] = true
		var line struct {
			RequestID string `json:"request_id"`
			Route     string `json:"route"`
		}
		if err := json.Unmarshal(out.Bytes(), &line); err != nil || line.RequestID != id || line.Route != "/healthz" {
			t.Errorf("log line %q: got request_id %q for route %q (%v), want %q for /healthz", out.String(), line.RequestID, line.Route, err, id)
		}
	}
}
