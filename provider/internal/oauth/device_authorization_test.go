package oauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/providertest"
)

// testAddr is the address the tests enter user codes and passwords from.
var testAddr = netip.MustParseAddr("192.0.2.1")

// newDeviceProvider is the real provider (SQLite in a temp dir, demo
// registrations) on a fake clock.
func newDeviceProvider(t *testing.T) (*oauth.Provider, *clocktest.Clock) {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(t.TempDir(), "provider.db")
	return providertest.NewProvider(t, cfg, clock.Now), clock
}

// deviceCodeFor asks for device and user codes as the demo device client.
func deviceCodeFor(t *testing.T, p *oauth.Provider, scope string) *oauth.DeviceAuthorizationResponse {
	t.Helper()
	resp, err := p.AuthorizeDevice(context.Background(), oauth.DeviceAuthorizationRequest{
		Client: oauth.ClientCredentials{Method: oauth.AuthNone, ClientID: "device-client"}, Scope: scope})
	if err != nil {
		t.Fatalf("AuthorizeDevice: %v", err)
	}
	return resp
}

func TestAuthorizeDeviceResponse(t *testing.T) {
	t.Parallel()
	p, _ := newDeviceProvider(t)
	resp := deviceCodeFor(t, p, "openid read")
	checks := []struct {
		name      string
		got, want any
	}{
		{"user_code has the form WDJB-MJHT (RFC 8628 Section 6.1)", regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`).MatchString(resp.UserCode), true},
		{"device_code has 256 bits (RFC 8628 Section 5.2)", len(resp.DeviceCode), 43},
		{"verification_uri is the issuer's /device (RFC 8628 Section 3.2)", resp.VerificationURI, p.Config.Issuer + "/device"},
		{"verification_uri_complete carries the user code (RFC 8628 Section 3.3.1)", resp.VerificationURIComplete,
			p.Config.Issuer + "/device?user_code=" + resp.UserCode},
		{"expires_in is the device code lifetime, 900 s", resp.ExpiresIn, int64(900)},
		{"interval is 5 s (RFC 8628 Section 3.2)", resp.Interval, int64(5)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	stored, err := p.Store.GetDeviceCode(context.Background(), oauth.HashSecret(resp.DeviceCode))
	if err != nil {
		t.Fatalf("the device code is not stored under its hash: %v", err)
	}
	userCode := strings.ReplaceAll(resp.UserCode, "-", "")
	if want := oauth.HashSecret(userCode); stored.UserCodeHash != want || stored.Scope != "openid read" || stored.Status != store.DevicePending {
		t.Errorf("stored: got user code hash %q, scope %q, status %q; want %q, %q, pending", stored.UserCodeHash, stored.Scope, stored.Status, want, "openid read")
	}
	if _, err := p.Store.GetDeviceCode(context.Background(), resp.DeviceCode); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("lookup by the clear device code: got %v, want ErrNotFound (it is stored hashed)", err)
	}
	if _, err := p.Store.GetDeviceCodeByUserCodeHash(context.Background(), userCode); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("lookup by the clear user code: got %v, want ErrNotFound (it is stored hashed)", err)
	}
}

func TestAuthorizeDeviceIssuesDistinctCodes(t *testing.T) {
	t.Parallel()
	p, _ := newDeviceProvider(t)
	seen := map[string]bool{}
	for range 50 {
		resp := deviceCodeFor(t, p, "")
		if seen[resp.UserCode] || seen[resp.DeviceCode] {
			t.Fatalf("code issued twice: %s", resp.UserCode)
		}
		seen[resp.UserCode], seen[resp.DeviceCode] = true, true
	}
}

func TestAuthorizeDeviceErrors(t *testing.T) {
	t.Parallel()
	p, _ := newDeviceProvider(t)
	basic := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	}
	tests := []struct {
		name   string
		header string
		form   url.Values
		want   oauth.ErrorCode
	}{
		{"a request without client_id is invalid_client (RFC 8628 Section 3.1)", "", url.Values{}, oauth.ErrInvalidClient},
		{"an unknown client is invalid_client", "", url.Values{"client_id": {"nobody"}}, oauth.ErrInvalidClient},
		{"a public client presenting a secret is invalid_client", "", url.Values{"client_id": {"device-client"}, "client_secret": {"x"}}, oauth.ErrInvalidClient},
		{"a confidential client with a wrong secret is invalid_client", basic("testclient", "wrong"), url.Values{}, oauth.ErrInvalidClient},
		{"a confidential client naming itself without its secret is invalid_client", "", url.Values{"client_id": {"testclient"}}, oauth.ErrInvalidClient},
		{"a client not registered for the grant is unauthorized_client (RFC 6749 Section 5.2)", basic("testclient", "testsecret"), url.Values{}, oauth.ErrUnauthorizedClient},
		{"an unknown scope is invalid_scope (RFC 8628 Section 3.1)", "", url.Values{"client_id": {"device-client"}, "scope": {"read admin"}}, oauth.ErrInvalidScope},
		{"a huge scope is invalid_scope", "", url.Values{"client_id": {"device-client"}, "scope": {strings.Repeat("read ", 1000)}}, oauth.ErrInvalidScope},
		{"a repeated scope is invalid_request (RFC 6749 Section 3.1)", "", url.Values{"client_id": {"device-client"}, "scope": {"read", "write"}}, oauth.ErrInvalidRequest},
		{"a repeated client_id is invalid_request (RFC 6749 Section 3.1)", "", url.Values{"client_id": {"device-client", "device-client"}}, oauth.ErrInvalidRequest},
		{"Basic plus a secret in the body is two methods: invalid_request (RFC 6749 Section 2.3)", basic("testclient", "testsecret"), url.Values{"client_secret": {"testsecret"}}, oauth.ErrInvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := oauth.ParseDeviceAuthorizationRequest(context.Background(), tc.form, []string{tc.header})
			if err == nil {
				_, err = p.AuthorizeDevice(context.Background(), req)
			}
			if err == nil || err.Code != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}

// TestRequestsOverTheLimitAreRefusedHere: the protocol decides a refusal
// over DEVICE_AUTHORIZATIONS_PER_HOUR, PUSHED_REQUESTS_PER_HOUR or
// REGISTRATIONS_PER_HOUR (every request counts, accepted or not), as it
// does every other: an *oauth.Error, temporarily_unavailable
// (RFC 6749 Section 4.1.2.1), that says when to try again (RetryAfter,
// which web answers 429 with Retry-After) and ends the trace with the
// failed limit.
func TestRequestsOverTheLimitAreRefusedHere(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(t.TempDir(), "provider.db")
	cfg.Registration = config.RegistrationOpen
	cfg.DeviceAuthorizationsPerHour, cfg.PushedRequestsPerHour, cfg.RegistrationsPerHour = 1, 1, 1
	p := providertest.NewProvider(t, cfg, clock.Now)
	endpoints := []struct {
		name string
		send func(context.Context) *oauth.Error
	}{
		{"device authorization", func(ctx context.Context) *oauth.Error {
			_, err := p.AuthorizeDevice(ctx, oauth.DeviceAuthorizationRequest{ClientAddr: testAddr})
			return err
		}},
		{"pushed authorization request", func(ctx context.Context) *oauth.Error {
			_, err := p.PushAuthorizationRequest(ctx, oauth.PushedAuthorizationRequest{ClientAddr: testAddr})
			return err
		}},
		{"registration", func(ctx context.Context) *oauth.Error {
			_, err := p.RegisterClient(ctx, oauth.RegistrationRequest{ClientAddr: testAddr,
				Body: func() ([]byte, *oauth.Error) { return []byte("{}"), nil }})
			return err
		}},
	}
	for _, e := range endpoints {
		t.Run(e.name, func(t *testing.T) {
			if err := e.send(context.Background()); err == nil || err.RetryAfter != 0 {
				t.Fatalf("the first request (a bad one, within the limit): got %v, want its own error", err)
			}
			tr := &oauth.Trace{}
			err := e.send(oauth.WithTrace(context.Background(), tr))
			if err == nil || err.Code != oauth.ErrTemporarilyUnavailable || err.RetryAfter <= 0 {
				t.Fatalf("the second request: got %v, want temporarily_unavailable with a RetryAfter", err)
			}
			if n := len(tr.Checks); n == 0 || tr.Checks[n-1].Passed || !strings.Contains(tr.Checks[n-1].Rule, "per hour") {
				t.Errorf("the trace of the second request: got %+v, want it to end with the failed limit", tr.Checks)
			}
		})
	}
}

// TestLookUpUserCode covers what the verification page can learn about a
// user code: each outcome is distinct, and none is an error page.
func TestLookUpUserCode(t *testing.T) {
	t.Parallel()
	p, clock := newDeviceProvider(t)
	ctx := context.Background()
	approved := deviceCodeFor(t, p, "")
	denied := deviceCodeFor(t, p, "")
	expired := deviceCodeFor(t, p, "")
	decide := func(userCode string, decision oauth.Decision) {
		d, err := p.LookUpUserCode(ctx, testAddr, userCode)
		if err != nil {
			t.Fatalf("LookUpUserCode(%s): %v", userCode, err)
		}
		if err := p.DecideDevice(ctx, d, decision, "user1", clock.Now()); err != nil {
			t.Fatalf("decide %s: %v", userCode, err)
		}
	}
	decide(approved.UserCode, oauth.DecisionAllow)
	decide(denied.UserCode, oauth.DecisionDeny)
	clock.Advance(15 * time.Minute) // the lifetime of expired (and of the others) has passed
	pending := deviceCodeFor(t, p, "openid read")

	tests := []struct {
		name, typed string
		want        error // nil = found
	}{
		{"a pending code, as displayed, is found (RFC 8628 Section 3.3)", pending.UserCode, nil},
		{"a pending code in lower case without the dash is found (RFC 8628 Section 6.1)", strings.ToLower(strings.ReplaceAll(pending.UserCode, "-", "")), nil},
		{"a well-formed code nobody was given is unknown", "BBBB-BBBB", oauth.ErrUnknownUserCode},
		{"a malformed code is unknown, not an error", "hello world", oauth.ErrUnknownUserCode},
		{"a huge user_code is unknown", strings.Repeat("WDJB", 1<<16), oauth.ErrUnknownUserCode},
		{"an expired code is expired", expired.UserCode, oauth.ErrExpiredUserCode},
		{"an approved code was used", approved.UserCode, oauth.ErrUsedUserCode},
		{"a denied code was used", denied.UserCode, oauth.ErrUsedUserCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.LookUpUserCode(ctx, testAddr, tc.typed)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got error %v, want %v", err, tc.want)
			}
			if tc.want == nil && (d.Client.ID != "device-client" || d.Scope != "openid read" || d.DisplayUserCode() != pending.UserCode) {
				t.Errorf("got client %q, scope %q, code %q; want device-client, %q, %q",
					d.Client.ID, d.Scope, d.DisplayUserCode(), "openid read", pending.UserCode)
			}
		})
	}
}

func TestDeviceDecisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name     string
		decision oauth.Decision
		status   store.DeviceStatus
	}{
		{"approving stores a grant for the user and the client (RFC 8628 Section 3.3)", oauth.DecisionAllow, store.DeviceApproved},
		{"denying records the denial (RFC 8628 Section 3.5: access_denied)", oauth.DecisionDeny, store.DeviceDenied},
	}
	p, clock := newDeviceProvider(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := deviceCodeFor(t, p, "read")
			d, err := p.LookUpUserCode(ctx, testAddr, resp.UserCode)
			if err != nil {
				t.Fatal(err)
			}
			decide := func() error { return p.DecideDevice(ctx, d, tc.decision, "user1", clock.Now()) }
			if err := decide(); err != nil {
				t.Fatalf("first decision: got %v, want nil", err)
			}
			if err := decide(); !errors.Is(err, oauth.ErrUsedUserCode) {
				t.Errorf("second decision: got %v, want ErrUsedUserCode (only the first counts)", err)
			}
			dc, err := p.Store.GetDeviceCode(ctx, oauth.HashSecret(resp.DeviceCode))
			if err != nil || dc.Status != tc.status {
				t.Fatalf("status: got %q (%v), want %q", dc.Status, err, tc.status)
			}
			if tc.decision == oauth.DecisionDeny {
				return
			}
			g, err := p.Store.GetGrant(ctx, dc.GrantID)
			if err != nil || g.UserID != "user1" || g.ClientID != "device-client" || g.Scope != "read" {
				t.Errorf("grant: got %+v (%v), want user1, device-client, read", g, err)
			}
		})
	}
}
