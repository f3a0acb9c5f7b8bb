package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/provider/service"
)

// TestBadSessionCookieIsQuiet: a session cookie this client cannot read (a
// stale one, signed with another SESSION_SECRET, or garbage) is a normal
// event: the page answers as to a new visitor, with a fresh cookie, and
// nothing is written but the client's own JSON log lines, at most one of
// them about the cookie, at debug level. (The standard logger and
// slog.Default are where the session library would have written.) It
// changes process-wide loggers, so it does not run in parallel.
func TestBadSessionCookieIsQuiet(t *testing.T) {
	var out, stray bytes.Buffer
	logger, err := service.NewLogger(&out, "json", "debug")
	if err != nil {
		t.Fatal(err)
	}
	defer slog.SetDefault(slog.Default())
	defer log.SetOutput(log.Writer())
	log.SetOutput(&stray)
	slog.SetDefault(slog.New(slog.NewTextHandler(&stray, nil)))

	other := newCookieApp(t, "another secret", slog.New(slog.DiscardHandler))
	stale := newCookie(t, other) // valid, but not this client's
	app := newCookieApp(t, "cookie test secret", logger)
	for name, value := range map[string]string{
		"garbage":                     "garbage!",
		"base64 of nothing it signed": "MTcwMDAwMDAwMHxhYmN8ZGVm",
		"another secret's cookie":     stale,
	} {
		out.Reset()
		stray.Reset()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: value})
		rec := httptest.NewRecorder()
		app.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Log in with the provider") {
			t.Errorf("%s: got %d, want 200 and the page of a new visitor", name, rec.Code)
		}
		if stray.Len() > 0 {
			t.Errorf("%s: written outside the client's logger: %q", name, stray.String())
		}
		cookieLines := 0
		for sc := bufio.NewScanner(&out); sc.Scan(); {
			var line struct{ Level, Msg string }
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Errorf("%s: log line %q is not JSON: %v", name, sc.Text(), err)
			}
			if line.Msg != "request" && line.Level != "DEBUG" {
				t.Errorf("%s: log line %q, want only the request's line and debug lines", name, sc.Text())
			}
			if strings.Contains(sc.Text(), "cookie") {
				cookieLines++
			}
		}
		if cookieLines > 1 {
			t.Errorf("%s: %d log lines about the cookie, want at most one:\n%s", name, cookieLines, out.String())
		}
	}
}

// newCookieApp returns a client app, with no provider behind it, whose
// cookies are keyed with secret.
func newCookieApp(t *testing.T, secret string, logger *slog.Logger) *App {
	t.Helper()
	cfg := config.Default()
	cfg.SessionSecret = secret
	app, err := New(Options{Config: cfg, Metadata: metadata.Metadata{JWKSURI: "http://127.0.0.1:1/jwks"},
		HTTPClient: http.DefaultClient, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// newCookie returns the session cookie app gives a new visitor of its
// attack lab (which starts a session).
func newCookie(t *testing.T, app *App) string {
	t.Helper()
	rec := httptest.NewRecorder()
	app.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/attacks", nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == cookieName {
			return c.Value
		}
	}
	t.Fatalf("GET /attacks set no %s cookie", cookieName)
	return ""
}
