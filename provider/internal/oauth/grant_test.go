package oauth_test

import (
	"context"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/providertest"
)

// racingStore is the real store, but for the answers a test injects: those
// of a grant that went (its client deleted) or was revoked while a request
// was being served. A nil function field leaves the real answer.
type racingStore struct {
	store.Store
	getGrant           func(ctx context.Context, id string) (store.Grant, error)
	rotateRefreshToken func() error
}

func (s racingStore) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	if s.getGrant != nil {
		return s.getGrant(ctx, id)
	}
	return s.Store.GetGrant(ctx, id)
}

func (s racingStore) RotateRefreshToken(ctx context.Context, oldHash string, next store.Issued, now, graceFrom time.Time) (bool, error) {
	if s.rotateRefreshToken != nil {
		return false, s.rotateRefreshToken()
	}
	return s.Store.RotateRefreshToken(ctx, oldHash, next, now, graceFrom)
}

// approvedDeviceCode is a device code the demo user has approved, as the
// demo device client's, on p.
func approvedDeviceCode(t *testing.T, p *oauth.Provider, clock *clocktest.Clock) string {
	t.Helper()
	resp := deviceCodeFor(t, p, "read")
	d, err := p.LookUpUserCode(t.Context(), testAddr, resp.UserCode)
	if err != nil {
		t.Fatalf("LookUpUserCode: %v", err)
	}
	if err := p.DecideDevice(t.Context(), d, oauth.DecisionAllow, p.Config.UserID, clock.Now()); err != nil {
		t.Fatalf("DecideDevice: %v", err)
	}
	return resp.DeviceCode
}

// TestGrantNoLongerInForce: a token request whose grant went with its
// client, or was revoked, while it was being served is refused with
// invalid_grant under one rule, "revoked" in the words of
// RFC 6749 Section 5.2, whichever grant it is: the device code's (its
// grant revoked, or gone when read) and the refresh token's (gone when it
// rotates). On SQLite and PostgreSQL.
func TestGrantNoLongerInForce(t *testing.T) {
	deviceClient := oauth.ClientCredentials{Method: oauth.AuthNone, ClientID: "device-client"}
	poll := func(deviceCode string) oauth.TokenRequest {
		return oauth.TokenRequest{GrantType: oauth.GrantTypeDeviceCode, DeviceCode: deviceCode, Client: deviceClient}
	}
	gone := func() error { return store.ErrNotFound }
	tests := []struct {
		name string
		// race prepares the request on p and its store st, and returns it.
		race func(t *testing.T, p *oauth.Provider, st store.Store, clock *clocktest.Clock) oauth.TokenRequest
	}{
		{"a device code whose grant was revoked (RFC 6749 Section 5.2)", func(t *testing.T, p *oauth.Provider, st store.Store, clock *clocktest.Clock) oauth.TokenRequest {
			deviceCode := approvedDeviceCode(t, p, clock)
			dc, err := st.GetDeviceCode(t.Context(), oauth.HashSecret(deviceCode))
			if err != nil {
				t.Fatal(err)
			}
			if err := st.RevokeGrant(t.Context(), dc.GrantID, clock.Now()); err != nil {
				t.Fatal(err)
			}
			return poll(deviceCode)
		}},
		{"a device code whose grant went with its client (RFC 6749 Section 5.2)", func(t *testing.T, p *oauth.Provider, st store.Store, clock *clocktest.Clock) oauth.TokenRequest {
			deviceCode := approvedDeviceCode(t, p, clock)
			p.Store = racingStore{Store: st, getGrant: func(context.Context, string) (store.Grant, error) { return store.Grant{}, gone() }}
			return poll(deviceCode)
		}},
		{"a refresh token whose grant went with its client as it rotates (RFC 6749 Section 5.2)", func(t *testing.T, p *oauth.Provider, st store.Store, clock *clocktest.Clock) oauth.TokenRequest {
			tok, err := p.Token(t.Context(), poll(approvedDeviceCode(t, p, clock)))
			if err != nil {
				t.Fatalf("device code redemption: %v", err)
			}
			p.Store = racingStore{Store: st, rotateRefreshToken: gone}
			return oauth.TokenRequest{GrantType: oauth.GrantTypeRefreshToken, RefreshToken: tok.RefreshToken, Client: deviceClient}
		}},
	}
	for name, url := range storeURLs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := clocktest.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
			cfg := config.Default()
			cfg.DatabaseURL = url(t)
			p := providertest.NewProvider(t, cfg, clock.Now)
			st := p.Store
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					p.Store = st
					r := tc.race(t, p, st, clock)
					tr := &oauth.Trace{}
					_, err := p.Token(oauth.WithTrace(t.Context(), tr), r)
					if err == nil || err.Code != oauth.ErrInvalidGrant {
						t.Fatalf("got %v, want invalid_grant", err)
					}
					n := len(tr.Checks)
					if n == 0 || tr.Checks[n-1].Passed || tr.Checks[n-1].Ref != "RFC 6749 Section 5.2" {
						t.Errorf("the trace: got %+v, want it to end with a failed rule of RFC 6749 Section 5.2", tr.Checks)
					}
				})
			}
		})
	}
}

// readingPollStore is the real store, but RecordOnTimePoll never records:
// every poll takes the path that reads the code first (pollPending), as
// one does when a concurrent poll changed the code in between.
type readingPollStore struct{ store.Store }

func (readingPollStore) RecordOnTimePoll(context.Context, string, string, time.Time, time.Duration) error {
	return store.ErrConflict
}

// TestPollPendingRecordsTheDueInstant: on the path that reads the code, a
// poll inside the grace is recorded at the instant it was due (the last
// poll plus the interval), not at its arrival, so the grace cannot be
// taken again and again: polls a little more than half the grace early
// each time are pending once, then slow_down (RFC 8628 Section 3.5). On
// SQLite and PostgreSQL.
func TestPollPendingRecordsTheDueInstant(t *testing.T) {
	for name, url := range storeURLs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
			clock := clocktest.New(start)
			cfg := config.Default()
			cfg.DatabaseURL = url(t)
			p := providertest.NewProvider(t, cfg, clock.Now)
			p.Store = readingPollStore{p.Store}
			deviceCode := deviceCodeFor(t, p, "read").DeviceCode
			interval, grace := cfg.DevicePollInterval, min(cfg.DevicePollInterval/10, 500*time.Millisecond)
			early := interval - grace*6/10
			for i, want := range []oauth.ErrorCode{oauth.ErrAuthorizationPending, oauth.ErrAuthorizationPending, oauth.ErrSlowDown} {
				if i > 0 {
					clock.Advance(early)
				}
				_, err := p.Token(t.Context(), oauth.TokenRequest{GrantType: oauth.GrantTypeDeviceCode, DeviceCode: deviceCode,
					Client: oauth.ClientCredentials{Method: oauth.AuthNone, ClientID: "device-client"}})
				if err == nil || err.Code != want {
					t.Fatalf("poll %d, %v after the one before: got %v, want %s", i+1, early, err, want)
				}
				if i == 1 {
					dc, lookErr := p.Store.GetDeviceCode(t.Context(), oauth.HashSecret(deviceCode))
					if lookErr != nil {
						t.Fatal(lookErr)
					}
					if due := start.Add(interval); !dc.LastPolledAt.Equal(due) {
						t.Errorf("poll 2 recorded at %v, want the instant it was due, %v", dc.LastPolledAt, due)
					}
				}
			}
		})
	}
}
