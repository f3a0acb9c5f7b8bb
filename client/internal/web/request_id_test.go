package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/provider/providertest"
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

// mustLogger is the client's logger as it runs (text, info), writing to w.
func mustLogger(t *testing.T, w io.Writer) *slog.Logger {
	t.Helper()
	log, err := service.NewLogger(w, "text", "info")
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// TestE2EPageErrorLineNamesTheRequestID: the warning a failed step logs
// (here the exchange of a code the provider never issued) names the
// request_id of the answer that shows the failure, as the request line
// does, so that the two can be read together.
func TestE2EPageErrorLineNamesTheRequestID(t *testing.T) {
	h := newHarness(t, providertest.Options{})
	callback := h.authorize("allow")
	q := callback.Query()
	q.Set("code", "a-code-the-provider-never-issued")
	callback.RawQuery = q.Encode()
	resp, _ := h.get(callback.String())
	id := resp.Header.Get(service.HeaderRequestID)
	warning := regexp.MustCompile(`(?m)^.*level=WARN msg="The token request \(step D\) failed".*request_id=` + id)
	if id == "" || !warning.MatchString(h.log.String()) {
		t.Errorf("no warning of the failed exchange names request_id=%q:\n%s", id, h.log.String())
	}
}
