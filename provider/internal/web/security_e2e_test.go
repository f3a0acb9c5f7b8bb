package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EStoreHoldsOnlyHashes: after a code, tokens, a refresh and a device
// authorization, none of the credentials the provider handed out, nor the
// client secret, is in the database files in clear: only their hashes are
// stored (RFC 6749 Section 10.3, RFC 6749 Section 10.5;
// RFC 6819 Section 5.1.4.1.3), so a leaked database gives no usable code or
// token.
func TestE2EStoreHoldsOnlyHashes(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
	verifier := oauth2.GenerateVerifier()
	code := getCode(t, srv, cfg, oauth2.S256ChallengeOption(verifier))
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := refresh(cfg, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	da := startDevice(t, deviceConfig(srv, "read"))

	var stored strings.Builder
	files, _ := filepath.Glob(srv.Provider.Config.DatabaseURL + "*") // the database, its WAL and shared memory
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stored.Write(b)
	}
	// The user code is stored as typed-in lookup key, by design: finding it
	// shows the scan sees what the store wrote.
	if !strings.Contains(stored.String(), strings.ReplaceAll(da.UserCode, "-", "")) {
		t.Fatalf("the user code is not in %s*: the scan does not see the store", srv.Provider.Config.DatabaseURL)
	}
	for name, secret := range map[string]string{"authorization code": code, "refresh token": tok.RefreshToken,
		"rotated refresh token": rotated.RefreshToken, "device code": da.DeviceCode, "client secret": "testsecret"} {
		if strings.Contains(stored.String(), secret) {
			t.Errorf("the database holds the %s in clear", name)
		}
	}
}

// TestE2EPageHeaders: every page that takes credentials or a decision (login
// and consent, /device) cannot be framed (RFC 9700 Section 4.16), loads
// nothing from elsewhere and sends no Referer (RFC 9700 Section 4.2.4), and
// is not cached (RFC 6749 Section 5.1).
func TestE2EPageHeaders(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	want := map[string]string{
		"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
		"Content-Security-Policy": "default-src 'none'",
	}
	for _, path := range []string{"/oauth/authorize?" + okAuth, "/device"} {
		resp, _ := newBrowser(t).get(srv.URL + path)
		for name, value := range want {
			if got := resp.Header.Get(name); !strings.Contains(got, value) {
				t.Errorf("GET %s: %s is %q, want it to contain %q", path, name, got, value)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q lacks frame-ancestors 'none'", path, csp)
		}
	}
}
