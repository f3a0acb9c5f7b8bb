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
		req.AddCookie(&http.Cookie{Name: app.cookieName(), Value: value})
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
// cookies are keyed with secret, served over http (REDIRECT_URI's default).
func newCookieApp(t *testing.T, secret string, logger *slog.Logger) *App {
	t.Helper()
	return newCookieAppAt(t, secret, config.Default().RedirectURI, logger)
}

// newCookieAppAt is newCookieApp served where redirectURI says: http or https.
func newCookieAppAt(t *testing.T, secret, redirectURI string, logger *slog.Logger) *App {
	t.Helper()
	cfg := config.Default()
	cfg.SessionSecret = secret
	cfg.RedirectURI = redirectURI
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
	return sessionCookie(t, app, visitAttacks(app)).Value
}

// visitAttacks opens app's attack lab, which starts a session when the
// request names none, with the cookies sent.
func visitAttacks(app *App, sent ...*http.Cookie) *http.Response {
	req := httptest.NewRequest(http.MethodGet, "/attacks", nil)
	for _, c := range sent {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	app.Handler().ServeHTTP(rec, req)
	return rec.Result()
}

// sessionCookie returns the session cookie of app that resp sets, failing
// when it sets none.
func sessionCookie(t *testing.T, app *App, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == app.cookieName() {
			return c
		}
	}
	t.Fatalf("no %s cookie set: %q", app.cookieName(), resp.Header.Values("Set-Cookie"))
	return nil
}

// TestSessionCookieNameAndAttributes: served over https (an https
// REDIRECT_URI), the session cookie is __Host-client_session: Secure,
// Path=/ and no Domain, as RFC 6265bis Section 4.1.3.2 asks of that name.
// Over http (local development) it keeps the name client_session, without
// Secure: a browser refuses a prefixed cookie without Secure.
func TestSessionCookieNameAndAttributes(t *testing.T) {
	for _, tc := range []struct {
		redirectURI, name string
		secure            bool
	}{
		{"https://app.example.test/callback", "__Host-client_session", true},
		{"http://localhost:3000/callback", "client_session", false},
	} {
		app := newCookieAppAt(t, "cookie test secret", tc.redirectURI, slog.New(slog.DiscardHandler))
		c := sessionCookie(t, app, visitAttacks(app))
		if c.Name != tc.name || c.Secure != tc.secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("REDIRECT_URI %s: Set-Cookie: %s\nwant the name %s, Secure %v, Path=/, no Domain, HttpOnly, SameSite=Lax",
				tc.redirectURI, c, tc.name, tc.secure)
		}
	}
}

// TestTossedSessionCookieIsIgnored: served over https, a session cookie
// under the name without prefix, which another host of the domain can set
// with Domain (cookie tossing), is not the session, even when it names a
// live one: here the attacker's own. The victim's browser gets a new
// session; taking the attacker's would log the victim in as the attacker
// once the attacker logs that session in.
func TestTossedSessionCookieIsIgnored(t *testing.T) {
	app := newCookieAppAt(t, "cookie test secret", "https://app.example.test/callback", slog.New(slog.DiscardHandler))
	attackers := sessionCookie(t, app, visitAttacks(app))
	before := app.sessions.Len()
	visitAttacks(app, &http.Cookie{Name: "client_session", Value: attackers.Value})
	if app.sessions.Len() != before+1 {
		t.Errorf("the tossed cookie was taken for the victim's session: %d sessions after the visit, want a new one (%d)", app.sessions.Len(), before+1)
	}
}
