package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/i18n"
)

// cliConfig returns the client's settings for a provider under test.
func cliConfig(p *providertest.Server) config.Config {
	cfg := config.Default()
	cfg.AuthServer = p.Issuer
	return cfg
}

func TestE2ECredentialsFlow(t *testing.T) {
	t.Parallel()
	p := providertest.New(t, providertest.Options{})
	var out bytes.Buffer
	if err := runCredentials(context.Background(), cliConfig(p), terminal{&out, i18n.English}); err != nil {
		t.Fatalf("runCredentials: %v\n%s", err, &out)
	}
	for _, want := range []string{
		"Client credentials grant (RFC 6749 Section 4.4)",
		`"typ": "at+jwt"`,       // the token's header, decoded
		`"sub": "testclient"`,   // client credentials: sub is the client (RFC 9068 Section 2.2)
		`"scope": "read"`,       // the claims
		"expires in 59 minutes", // expiry in words
		"GET " + p.URL + "/protected/resource → 200 OK",
		"This page is secured.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not contain %q:\n%s", want, &out)
		}
	}
	if strings.Contains(out.String(), "testsecret") {
		t.Error("output shows the client secret")
	}
}

func TestE2ECredentialsWithAWrongSecretFailsWithInvalidClient(t *testing.T) {
	t.Parallel()
	p := providertest.New(t, providertest.Options{})
	cfg := cliConfig(p)
	cfg.ClientSecret = "wrong"
	var out bytes.Buffer
	err := runCredentials(context.Background(), cfg, terminal{&out, i18n.English})
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_client" {
		t.Fatalf("got %v, want an *OAuthError invalid_client (RFC 6749 Section 5.2)", err)
	}
	if exitCode(err) == 0 {
		t.Error("exit code 0 for a failed grant")
	}
	if !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("error %q does not name the OAuth error", err)
	}
}

func TestE2ECredentialsWithoutASecretFailsWithInvalidClient(t *testing.T) {
	t.Parallel()
	p := providertest.New(t, providertest.Options{})
	cfg := cliConfig(p)
	cfg.ClientSecret = ""
	err := runCredentials(context.Background(), cfg, terminal{&bytes.Buffer{}, i18n.English})
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_client" {
		t.Fatalf("an empty secret: got %v, want invalid_client", err)
	}
}

// devicePollInterval is the polling interval the device tests' provider
// announces, so a test waits one second for the first poll rather than the
// default five. It is the least there is: RFC 8628 Section 3.2 gives the
// interval in whole seconds, and x/oauth2 reads 0 as "absent" (5 seconds).
const devicePollInterval = time.Second

var userCodeRE = regexp.MustCompile(`enter the code\s+([A-Z]{4}-[A-Z]{4})`)

// startDevice runs `client device` in the background and returns the user
// code it prints and a channel with its result.
func startDevice(t *testing.T, ctx context.Context, p *providertest.Server, out *processtest.Buffer) (string, <-chan error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- runDevice(ctx, cliConfig(p), terminal{out, i18n.English}) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := userCodeRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], done
		}
		select {
		case err := <-done:
			t.Fatalf("runDevice ended before printing a user code: %v\n%s", err, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no user code printed:\n%s", out)
	return "", nil
}

// decide plays the user at the verification URI (RFC 8628 Section 3.3):
// open verification_uri_complete, sign in and approve or deny.
func decide(t *testing.T, p *providertest.Server, userCode, decision string) {
	t.Helper()
	b := providertest.NewBrowser(t)
	resp, consent := b.EnterUserCode(p.URL + "/device?user_code=" + url.QueryEscape(userCode))
	if resp, page := b.Decide(resp, consent, decision); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /device (%s): got %d:\n%s", decision, resp.StatusCode, page)
	}
}

// wait returns the flow's result, failing after a while.
func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("runDevice did not end")
		return nil
	}
}

func TestE2EDeviceFlowApproved(t *testing.T) {
	t.Parallel()
	p := providertest.New(t, providertest.Options{DevicePollInterval: devicePollInterval})
	var out processtest.Buffer
	code, done := startDevice(t, context.Background(), p, &out)
	decide(t, p, code, "allow")
	if err := wait(t, done); err != nil {
		t.Fatalf("runDevice: %v\n%s", err, &out)
	}
	for _, want := range []string{
		p.URL + "/device",                                  // verification_uri
		"/device?user_code=" + code,                        // verification_uri_complete
		"Polling " + p.URL + "/oauth/token every 1 second", // the progress line, with the provider's interval in words
		"Approved.",
		`"client_id": "device-client"`, // the access token, decoded
		`"sub": "user1"`,
		"ID token:",
		"GET " + p.URL + "/user/profile → 200 OK",
		`"name": "Demo User"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not contain %q:\n%s", want, &out)
		}
	}
}

func TestE2EDeviceFlowDenied(t *testing.T) {
	t.Parallel()
	p := providertest.New(t, providertest.Options{DevicePollInterval: devicePollInterval})
	var out processtest.Buffer
	code, done := startDevice(t, context.Background(), p, &out)
	decide(t, p, code, "deny")
	err := wait(t, done)
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "access_denied" {
		t.Fatalf("got %v, want an *OAuthError access_denied (RFC 8628 Section 3.5)", err)
	}
	if exitCode(err) != 1 {
		t.Errorf("exit code %d, want 1", exitCode(err))
	}
}

func TestE2EDeviceFlowExpired(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	skew := time.Duration(0)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(skew) }
	p := providertest.New(t, providertest.Options{Now: now, DevicePollInterval: devicePollInterval})
	var out processtest.Buffer
	_, done := startDevice(t, context.Background(), p, &out)
	mu.Lock()
	skew = 16 * time.Minute // past the device code's 15 minutes (DEVICE_CODE_TTL's default)
	mu.Unlock()
	err := wait(t, done)
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "expired_token" {
		t.Fatalf("got %v, want an *OAuthError expired_token (RFC 8628 Section 3.5)", err)
	}
}

func TestE2EDeviceFlowStopsOnCtrlC(t *testing.T) {
	t.Parallel()
	p := providertest.New(t, providertest.Options{DevicePollInterval: devicePollInterval})
	ctx, cancel := context.WithCancel(context.Background())
	var out processtest.Buffer
	_, done := startDevice(t, ctx, p, &out)
	cancel() // what signal.NotifyContext does on Ctrl-C
	err := wait(t, done)
	if !errors.Is(err, context.Canceled) || exitCode(err) != 130 {
		t.Errorf("got %v (exit %d), want context.Canceled (exit 130)", err, exitCode(err))
	}
}

func TestE2ECredentialsThroughAnInternalBackChannel(t *testing.T) {
	t.Parallel()
	// As in docker compose: the issuer (AUTH_SERVER) is a name the CLI cannot
	// reach; AUTH_SERVER_INTERNAL is where the provider listens.
	p := providertest.New(t, providertest.Options{Issuer: "http://provider.public.test"})
	cfg := cliConfig(p)
	cfg.AuthServerInternal = p.URL
	var out bytes.Buffer
	if err := runCredentials(context.Background(), cfg, terminal{&out, i18n.English}); err != nil {
		t.Fatalf("runCredentials: %v\n%s", err, &out)
	}
	for _, want := range []string{"POST " + p.URL + "/oauth/token", `"iss": "http://provider.public.test"`, "This page is secured."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not contain %q:\n%s", want, &out)
		}
	}
}
