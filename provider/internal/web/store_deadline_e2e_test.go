package web_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// stalledStore is a store the test can stop from answering, and let
// answer again.
type stalledStore struct {
	databaseURL   string
	stall, resume func()
	// closeLinks, if set, closes the connections that stayed silent, so
	// that the provider's store closes at once when the test ends.
	closeLinks func()
}

// TestE2EStoreSilentPastTheRequestTime: a request whose store stops
// answering mid-request (PostgreSQL's connection gone silent, as with a
// frozen host or a partition that drops packets; SQLite's write lock held
// by another connection) is answered 503 temporarily_unavailable with
// Retry-After once the request's time runs out, not 500 and not held for
// as long as its caller waits. The log says the store did not answer
// within the request's time, /metrics counts the answer under 503, and
// once the store answers again the provider is ready and the same refresh
// token works: the refused request changed nothing. On SQLite, with the
// request's usual time (10 s), the lock's wait ends first, at SQLite's
// busy timeout (5 s), with SQLITE_BUSY: a 503 too.
func TestE2EStoreSilentPastTheRequestTime(t *testing.T) {
	const timedOut = `msg="store unavailable: no answer within the request's time" route=/oauth/token request_timeout=500ms`
	for _, tt := range []struct {
		name           string
		store          func(t *testing.T) stalledStore
		requestTimeout time.Duration // 0: the provider's own
		wantLog        string
	}{
		{"PostgreSQL, its connections silent", silentPostgres, 500 * time.Millisecond, timedOut},
		{"SQLite, its write lock held by another connection", lockedSQLite, 500 * time.Millisecond, timedOut},
		{"SQLite, its write lock held past the busy timeout", lockedSQLite, 0, `(SQLITE_BUSY)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.store(t)
			var log processtest.Buffer
			srv := providertest.New(t, providertest.Options{LogOutput: &log, RequestTimeout: tt.requestTimeout,
				Configure: func(c *config.Config) { c.DatabaseURL = st.databaseURL }})
			if st.closeLinks != nil {
				t.Cleanup(st.closeLinks) // before the provider's store closes: pgx takes 15 s to close a silent connection
			}
			cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
			tok := newBrowser(t).tokens(srv, cfg)

			st.stall()
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
			resp, body := postWithin(t, 15*time.Second, srv.URL+"/oauth/token", form, basic("testclient", "testsecret"))
			wantUnavailable(t, "refresh", resp, body, true)
			if !strings.Contains(log.String(), tt.wantLog) {
				t.Errorf("the log does not say %s:\n%s", tt.wantLog, log.String())
			}
			series := `http_requests_total{method="POST",route="/oauth/token",status="503"}`
			if got := metricValue(getMetrics(t, srv.URL+"/metrics"), series); got != "1" {
				t.Errorf("%s: got %q, want 1", series, got)
			}

			st.resume()
			waitReady(t, srv)
			if _, err := refresh(cfg, tok.RefreshToken); err != nil {
				t.Errorf("the same refresh once the store answers again: %v", err)
			}
		})
	}
}

// silentPostgres is a PostgreSQL schema reached through a relay whose
// connections go silent (pgtest.SilentLink): every one, those made
// afterwards too, until resumed.
func silentPostgres(t *testing.T) stalledStore {
	link := pgtest.NewSilentLink(t, pgtest.NewSchemas(t).Create(t))
	return stalledStore{databaseURL: link.URL, stall: link.GoDown, resume: link.ComeBack, closeLinks: link.CloseAll}
}

// lockedSQLite is a SQLite file whose write lock another connection takes
// (BEGIN IMMEDIATE) and holds until resumed, as a second process on the
// same file could.
func lockedSQLite(t *testing.T) stalledStore {
	path := filepath.Join(t.TempDir(), "provider.db")
	var locker *sql.Conn
	stall := func() {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if locker, err = db.Conn(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := locker.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
	}
	resume := func() {
		if _, err := locker.ExecContext(t.Context(), "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
		locker.Close()
	}
	return stalledStore{databaseURL: path, stall: stall, resume: resume}
}

// postWithin sends a form as rawPost does, and fails the test if no
// answer comes within limit.
func postWithin(t *testing.T, limit time.Duration, u string, form url.Values, header map[string]string) (*http.Response, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("POST %s: no answer within %v: %v", u, limit, err)
	}
	return resp, providertest.ReadBody(t, resp)
}

// waitReady waits up to 20 s for /readyz to answer 200 (a PostgreSQL
// connection given up while its host is silent holds its place in the
// pool for up to 15 s).
func waitReady(t *testing.T, srv *providertest.Server) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(srv.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
	}
	t.Fatalf("/readyz once the store answers again: still %s after 20 s, want 200", last)
}

// TestE2EBodySlowerThanTheRequestTime: a body still arriving when the
// request's time runs out (it counts from the end of the headers) is
// refused once it has come, 400 with the endpoint's own error, as the
// client's doing: not 503 with a store "that did not answer", which the
// endpoint would have got asking the store with no time left. The log
// names no store problem. On both stores.
func TestE2EBodySlowerThanTheRequestTime(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		var log processtest.Buffer
		srv := newServer(providertest.Options{LogOutput: &log, RequestTimeout: 300 * time.Millisecond, ReadTimeout: time.Second,
			Configure: func(c *config.Config) { c.Registration = config.RegistrationOpen }})
		for _, c := range []struct{ path, contentType, body, wantError string }{
			{"/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials&scope=read", "invalid_request"},
			{"/oauth/register", "application/json", `{"redirect_uris":["https://app.example/cb"]}`, "invalid_client_metadata"},
		} {
			slow := io.MultiReader(strings.NewReader(c.body[:10]), pause(600*time.Millisecond), strings.NewReader(c.body[10:]))
			req, _ := http.NewRequest(http.MethodPost, srv.URL+c.path, slow)
			req.ContentLength = int64(len(c.body))
			req.Header.Set("Content-Type", c.contentType)
			req.Header.Set("Authorization", basicAuth("testclient", "testsecret"))
			resp, err := noRedirects.Do(req)
			if err != nil {
				t.Fatalf("POST %s: %v", c.path, err)
			}
			var got struct {
				Error            string `json:"error"`
				ErrorDescription string `json:"error_description"`
			}
			body := providertest.ReadBody(t, resp)
			if jerr := json.Unmarshal([]byte(body), &got); jerr != nil || resp.StatusCode != http.StatusBadRequest ||
				got.Error != c.wantError || !strings.Contains(got.ErrorDescription, "took longer to arrive") {
				t.Errorf("POST %s with a body slower than the request's time: %d %s, want 400 %s saying the body took too long",
					c.path, resp.StatusCode, body, c.wantError)
			}
		}
		// A body that never ends, cut by the server's read timeout (15 s in
		// the provider, here 1 s): the same answer, not "not a valid form".
		resp, body := postUnfinished(t, srv.URL, "/oauth/token", "grant_type=client_credentials")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "took longer to arrive") {
			t.Errorf("a body cut by the read timeout: %d %s, want 400 saying the body took too long", resp.StatusCode, body)
		}
		if strings.Contains(log.String(), "store unavailable") {
			t.Errorf("the log names a store problem:\n%s", log.String())
		}
	})
}

// postUnfinished posts part of a form to path on base, announcing a longer
// one that never comes, and returns the answer.
func postUnfinished(t *testing.T, base, path, part string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: provider\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Authorization: %s\r\nContent-Length: %d\r\n\r\n%s", path, basicAuth("testclient", "testsecret"), len(part)+100, part)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s with a body that never ends: %v", path, err)
	}
	return resp, providertest.ReadBody(t, resp)
}

// pause is a reader that waits d at its first read, then ends: between two
// parts of a body (io.MultiReader), the client's pause in sending it.
func pause(d time.Duration) io.Reader {
	return readerFunc(func([]byte) (int, error) {
		time.Sleep(d)
		return 0, io.EOF
	})
}

// readerFunc is a function that is an io.Reader.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
