package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/providertest"
)

// floodAddresses is more distinct addresses than any limit tracks in memory.
const floodAddresses = 10_020

// postFrom sends a form to the provider's router as if from addr, and
// returns the status.
func postFrom(srv *providertest.Server, addr, path string, form url.Values, cookie string) int {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", formCT)
	req.Header.Set("Cookie", cookie)
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	srv.Config.Handler.ServeHTTP(rec, req)
	return rec.Code
}

// floodAddr is the n-th address of the flood, in 10.0.0.0/8.
func floodAddr(n int) string { return fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255) }

// TestE2ELimitsNeverLockOutTheInnocent: cheap failed attempts from more
// addresses than the limits track — a password too long to be anyone's at
// sign-in, input that cannot be a user code at /device — leave an address
// that did nothing free to sign in and to enter its code.
func TestE2ELimitsNeverLockOutTheInnocent(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	innocent := "192.0.2.77"

	t.Run("sign-in", func(t *testing.T) {
		form, _ := url.ParseQuery(okAuth + demoUser)
		form.Set("password", strings.Repeat("p", config.MaxPasswordBytes+1))
		for n := range floodAddresses {
			if got := postFrom(srv, floodAddr(n), "/oauth/authenticate", form, ""); got != http.StatusBadRequest && got != http.StatusTooManyRequests {
				t.Fatalf("flood request %d: got %d", n, got)
			}
		}
		form.Set("password", providertest.DemoPassword)
		if got := postFrom(srv, innocent, "/oauth/authenticate", form, ""); got != http.StatusFound {
			t.Errorf("the right password from an address that did nothing: got %d, want 302", got)
		}
	})

	t.Run("user-code entry", func(t *testing.T) {
		b := newBrowser(t)
		resp, page := b.Get(srv.URL + "/device")
		cookie := resp.Header.Get("Set-Cookie")
		form := url.Values{"csrf_token": {providertest.FormFields(page).Get("csrf_token")}, "user_code": {"not a code"}}
		for n := range floodAddresses {
			if got := postFrom(srv, floodAddr(n), "/device", form, cookie); got != http.StatusBadRequest && got != http.StatusTooManyRequests {
				t.Fatalf("flood request %d: got %d", n, got)
			}
		}
		da := startDevice(t, deviceConfig(srv, "read"))
		form.Set("user_code", da.UserCode)
		if got := postFrom(srv, innocent, "/device", form, cookie); got != http.StatusOK {
			t.Errorf("a right code from an address that did nothing: got %d, want 200", got)
		}
	})
}

// TestE2EAttemptBudgetsAcrossProcesses: two providers on one PostgreSQL
// database share the budgets of wrong passwords and wrong user codes: the
// wrong attempts of one address, spread over both, are limited as if one
// process had seen them all.
func TestE2EAttemptBudgetsAcrossProcesses(t *testing.T) {
	dbURL := pgtest.NewSchemas(t).Create(t)
	sameIssuer := func(c *config.Config) { c.DatabaseURL = dbURL; c.Issuer = "http://issuer.test" }
	a := providertest.New(t, providertest.Options{Configure: sameIssuer})
	b := providertest.New(t, providertest.Options{Configure: sameIssuer})
	providers := []*providertest.Server{a, b}
	const addr = "192.0.2.10"

	t.Run("wrong passwords", func(t *testing.T) {
		form, _ := url.ParseQuery(okAuth + demoUser + "&password=wrong")
		for i := range oauth.WrongPasswordsPerAddress {
			if got := postFrom(providers[i%2], addr, "/oauth/authenticate", form, ""); got != http.StatusBadRequest {
				t.Fatalf("wrong password %d: got %d, want 400", i+1, got)
			}
		}
		form.Set("password", providertest.DemoPassword)
		for _, p := range providers {
			if got := postFrom(p, addr, "/oauth/authenticate", form, ""); got != http.StatusTooManyRequests {
				t.Errorf("the right password after %d wrong ones spread over two processes: got %d, want 429", oauth.WrongPasswordsPerAddress, got)
			}
		}
	})

	t.Run("wrong user codes", func(t *testing.T) {
		cookies := make([]string, 2)
		form := url.Values{}
		for i, p := range providers {
			resp, page := newBrowser(t).Get(p.URL + "/device")
			cookies[i] = resp.Header.Get("Set-Cookie")
			form.Set("csrf_token", providertest.FormFields(page).Get("csrf_token"))
			form.Set("user_code", "BBBB-BBBB")
			for range oauth.WrongUserCodesPerAddress / 2 {
				if got := postFrom(p, addr, "/device", form, cookies[i]); got != http.StatusBadRequest {
					t.Fatalf("wrong code at %s: got %d, want 400", p.URL, got)
				}
			}
		}
		if got := postFrom(a, addr, "/device", url.Values{"csrf_token": {form.Get("csrf_token")}, "user_code": {"BBBB-BBBC"}}, cookies[1]); got != http.StatusTooManyRequests {
			t.Errorf("a wrong code after %d spread over two processes: got %d, want 429", oauth.WrongUserCodesPerAddress, got)
		}
	})
}
