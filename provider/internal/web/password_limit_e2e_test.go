package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EWrongPasswordsLimited: after WrongPasswordsPerAddress wrong passwords
// from one address, the sign-in form answers 429 with Retry-After — even
// to the right password — and never redirects.
func TestE2EWrongPasswordsLimited(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	form, _ := url.ParseQuery(okAuth + demoUser)
	form.Set("password", "wrong")
	for i := range oauth.WrongPasswordsPerAddress {
		if resp, _ := rawPost(t, srv.URL+"/oauth/authenticate", form.Encode(), nil); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("wrong password %d: got %d, want 400", i+1, resp.StatusCode)
		}
	}
	form.Set("password", providertest.DemoPassword)
	resp, body := rawPost(t, srv.URL+"/oauth/authenticate", form.Encode(), nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Location") != "" {
		t.Fatalf("the right password after the limit: got %d, Retry-After %q, Location %q; want 429 with Retry-After, no redirect",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Location"))
	}
	if !strings.Contains(body, "Too many wrong passwords") {
		t.Errorf("the page does not say why: %.200s", body)
	}
}
