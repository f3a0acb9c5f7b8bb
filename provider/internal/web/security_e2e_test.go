package web_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EStoreHoldsOnlyHashes: after a code, tokens, a refresh and a device
// authorization, none of the credentials the provider handed out, nor the
// user code, nor the client secret, is in the database in clear, on either
// store: only their hashes are stored (RFC 6749 Section 10.3,
// RFC 6749 Section 10.5; RFC 6819 Section 5.1.4.1.3), so a leaked database
// gives no usable code or token, and shows no user code.
func TestE2EStoreHoldsOnlyHashes(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
		code, _, tok := exchangeCode(t, srv, cfg)
		rotated, err := refresh(cfg, tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		da := startDevice(t, deviceConfig(srv, "read"))
		userCode, _ := oauth.NormalizeUserCode(da.UserCode)

		stored := storedText(t, srv.Provider.Config.DatabaseURL)
		for name, secret := range map[string]string{"authorization code": code, "refresh token": tok.RefreshToken,
			"rotated refresh token": rotated.RefreshToken, "device code": da.DeviceCode, "user code": userCode,
			"client secret": "testsecret"} {
			if strings.Contains(stored, secret) {
				t.Errorf("the database holds the %s in clear", name)
			}
		}
		// Finding the user code's hash also shows the scan sees what the store wrote.
		if !strings.Contains(stored, oauth.HashSecret(userCode)) {
			t.Errorf("the database does not hold the hash of the user code")
		}
	})
}

// storedText is all a provider's database holds, as text: the bytes of a
// SQLite database's files (the database, its WAL and shared memory), or
// every row of every table of a PostgreSQL schema.
func storedText(t *testing.T, databaseURL string) string {
	t.Helper()
	var stored strings.Builder
	if !config.IsPostgres(databaseURL) {
		files, _ := filepath.Glob(databaseURL + "*")
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			stored.Write(b)
		}
		return stored.String()
	}
	db, err := pgxpool.New(t.Context(), databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := db.Query(t.Context(), `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(tables, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		var rows string
		q := `SELECT coalesce(string_agg(t::text, E'\n'), '') FROM ` + pgx.Identifier{name}.Sanitize() + ` t`
		if err := db.QueryRow(t.Context(), q).Scan(&rows); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		stored.WriteString(rows)
	}
	return stored.String()
}

// pageRequest is one way to be shown a page of the provider.
type pageRequest struct {
	name, method, path string
	form               string // the POST body, form-encoded
}

// send asks for the page in a new browser of the provider at base.
func (p pageRequest) send(b *browser, base string) (*http.Response, string) {
	if p.method == http.MethodPost {
		form, _ := url.ParseQuery(p.form)
		return b.PostForm(base+p.path, form)
	}
	return b.Get(base + p.path)
}

// providerPages asks for every page the provider renders, in each state a
// page is shown in: the login and consent page, again after a wrong
// password, the error page of a request that must not be redirected, the
// device page, the logout page, the traces, and the index.
var providerPages = []pageRequest{
	{name: "the index page", method: "GET", path: "/"},
	{name: "the login and consent page", method: "GET", path: "/oauth/authorize?" + okAuth},
	{name: "the login and consent page of a POSTed request (OIDC Core Section 3.1.2.1)", method: "POST", path: "/oauth/authorize", form: okAuth},
	{name: "the login and consent page shown again after a wrong password", method: "POST", path: "/oauth/authenticate",
		form: okAuth + demoUser + "&password=wrong&decision=allow"},
	{name: "the error page of an unknown client, never redirected (RFC 6749 Section 4.1.2.1)", method: "GET",
		path: "/oauth/authorize?response_type=code&client_id=nobody&state=s1"},
	{name: "the device page", method: "GET", path: "/device"},
	{name: "the device page with a user code filled in (RFC 8628 Section 3.3.1)", method: "GET", path: "/device?user_code=BCDF-GHJK"},
	{name: "the device page after a post without its CSRF token", method: "POST", path: "/device", form: "user_code=BCDF-GHJK&decision=allow"},
	{name: "the logout page", method: "GET", path: "/oauth/logout"},
	{name: "the logout page by POST", method: "POST", path: "/oauth/logout"},
	{name: "the traces (teaching mode)", method: "GET", path: "/debug/traces"},
}

// TestE2EPageHeaders: every page the provider renders cannot be framed
// ([RFC 9700 Section 4.16]: X-Frame-Options and CSP frame-ancestors, for
// old and new browsers), loads nothing from elsewhere and sends no Referer
// ([RFC 9700 Section 4.2.4]), and is not cached ([RFC 6749 Section 5.1]).
// A route of the route table that answers HTML and is missing from
// providerPages fails the test, so a new page is checked too.
//
// [RFC 9700 Section 4.16]: https://www.rfc-editor.org/rfc/rfc9700#section-4.16
// [RFC 9700 Section 4.2.4]: https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4
// [RFC 6749 Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
func TestE2EPageHeaders(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	want := map[string]string{
		"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "Pragma": "no-cache",
		"X-Content-Type-Options": "nosniff",
	}
	wantCSP := []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"}
	for _, page := range providerPages {
		t.Run(page.name, func(t *testing.T) {
			resp, body := page.send(newBrowser(t), srv.URL)
			if !isHTML(resp) || !strings.Contains(body, "</html>") {
				t.Fatalf("%s %s: got %d %s, want a page", page.method, page.path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			for name, value := range want {
				if got := resp.Header.Get(name); got != value {
					t.Errorf("%s is %q, want %q", name, got, value)
				}
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, directive := range wantCSP {
				if !strings.Contains(csp, directive) {
					t.Errorf("Content-Security-Policy %q lacks %s", csp, directive)
				}
			}
			checkStylesAllowed(t, csp, body)
		})
	}
	t.Run("every route that answers HTML is in the table", func(t *testing.T) {
		listed := map[string]bool{}
		for _, page := range providerPages {
			path, _, _ := strings.Cut(page.path, "?")
			listed[page.method+" "+path] = true
		}
		for path, methods := range routeMethods(t, srv) {
			for _, m := range methods {
				if m != http.MethodGet && m != http.MethodPost || listed[m+" "+path] {
					continue
				}
				if resp := send(t, m, srv.URL+path); isHTML(resp) {
					t.Errorf("%s %s answers HTML but is not in providerPages: add it", m, path)
				}
			}
		}
	})
}

// TestE2EUserProfileNotStored: /user/profile's user data is not cached, as
// /userinfo's is not ([RFC 6749 Section 5.1]: "any response containing
// tokens, credentials, or other sensitive information").
//
// [RFC 6749 Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
func TestE2EUserProfileNotStored(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	_, _, tok := exchangeCode(t, srv, demoConfig(srv, oauth2.AuthStyleInHeader, "read"))
	resp, _ := sendBadRequest(t, srv, badRequest{method: http.MethodGet, path: "/user/profile", header: bearerHeader(tok.AccessToken)})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d, want 200", resp.StatusCode)
	}
	for name, value := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache"} {
		if got := resp.Header.Get(name); got != value {
			t.Errorf("%s is %q, want %q", name, got, value)
		}
	}
}

// isHTML reports whether a response is an HTML page.
func isHTML(resp *http.Response) bool {
	return strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html")
}

// checkStylesAllowed checks that csp allows each <style> block of body by
// its hash, as a browser computes it, and allows no inline style else
// ('unsafe-inline' would allow one an injection added).
func checkStylesAllowed(t *testing.T, csp, body string) {
	t.Helper()
	if strings.Contains(csp, "'unsafe-inline'") {
		t.Errorf("Content-Security-Policy %q allows any inline style", csp)
	}
	blocks := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(body, -1)
	if len(blocks) == 0 {
		t.Errorf("the page has no <style> block")
	}
	for _, block := range blocks {
		sum := sha256.Sum256([]byte(block[1]))
		if source := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, source) {
			t.Errorf("Content-Security-Policy %q does not allow the page's style block (%s): the browser would not apply it", csp, source)
		}
	}
}
