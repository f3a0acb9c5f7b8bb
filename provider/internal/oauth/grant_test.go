package oauth_test

import (
	"context"
	"strings"
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

// revokingStore is the real store, but a revocation of the grant commits
// just before each rotation of one of its refresh tokens: after the
// request checked the grant, before the store locks it.
type revokingStore struct{ store.Store }

func (s revokingStore) RotateRefreshToken(ctx context.Context, oldHash string, next store.Issued, now, graceFrom time.Time) (bool, error) {
	rt, err := s.Store.GetRefreshToken(ctx, oldHash)
	if err != nil {
		return false, err
	}
	if err := s.Store.RevokeGrant(ctx, rt.GrantID, now); err != nil {
		return false, err
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
// grant revoked, or gone when read) and the refresh token's (gone, or
// revoked, when it rotates). On SQLite and PostgreSQL.
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
		{"a refresh token whose grant was revoked just before it rotates (RFC 6749 Section 5.2)", func(t *testing.T, p *oauth.Provider, st store.Store, clock *clocktest.Clock) oauth.TokenRequest {
			refreshToken := deviceRefreshToken(t, p, clock)
			p.Store = revokingStore{st}
			return oauth.TokenRequest{GrantType: oauth.GrantTypeRefreshToken, RefreshToken: refreshToken, Client: deviceClient}
		}},
	}
	eachStoreProvider(t, nil, func(t *testing.T, p *oauth.Provider, clock *clocktest.Clock) {
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

// losingStore is the real store, but a concurrent request redeems the
// code, or rotates the refresh token, just before the request under test
// does: that request read it unused, and loses the race in the store.
type losingStore struct{ store.Store }

func (s losingStore) RedeemAuthorizationCode(ctx context.Context, hash string, now time.Time, issued store.Issued) error {
	if err := s.Store.RedeemAuthorizationCode(ctx, hash, now, store.Issued{}); err != nil {
		return err
	}
	return s.Store.RedeemAuthorizationCode(ctx, hash, now, issued)
}

func (s losingStore) RotateRefreshToken(ctx context.Context, oldHash string, next store.Issued, now, graceFrom time.Time) (bool, error) {
	winners := *next.RefreshToken
	winners.Hash = oauth.HashSecret(oauth.NewSecret())
	if _, err := s.Store.RotateRefreshToken(ctx, oldHash, store.Issued{GrantExpiresAt: next.GrantExpiresAt, RefreshToken: &winners}, now, graceFrom); err != nil {
		return false, err
	}
	return s.Store.RotateRefreshToken(ctx, oldHash, next, now, graceFrom)
}

// issuedCode stores an authorization code for the demo confidential
// client, as its user's approval does, and returns it.
func issuedCode(t *testing.T, p *oauth.Provider) string {
	t.Helper()
	code, now := oauth.NewSecret(), p.Now()
	grant := store.Grant{ID: oauth.NewSecret(), ClientID: p.Config.ClientID, UserID: p.Config.UserID, Scope: "read",
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	record := store.AuthorizationCode{Hash: oauth.HashSecret(code), GrantID: grant.ID, ClientID: grant.ClientID, UserID: grant.UserID,
		Scope: grant.Scope, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(p.Config.CodeTTL)}
	if err := p.Store.CreateAuthorizationCode(t.Context(), grant, record); err != nil {
		t.Fatalf("CreateAuthorizationCode: %v", err)
	}
	return code
}

// deviceRefreshToken is a refresh token of a fresh device grant.
func deviceRefreshToken(t *testing.T, p *oauth.Provider, clock *clocktest.Clock) string {
	t.Helper()
	tok, err := p.Token(t.Context(), oauth.TokenRequest{GrantType: oauth.GrantTypeDeviceCode, DeviceCode: approvedDeviceCode(t, p, clock),
		Client: oauth.ClientCredentials{Method: oauth.AuthNone, ClientID: "device-client"}})
	if err != nil {
		t.Fatalf("device code redemption: %v", err)
	}
	return tok.RefreshToken
}

// refreshWithTrace presents refreshToken as the device client and returns
// the answer with the request's trace.
func refreshWithTrace(t *testing.T, p *oauth.Provider, refreshToken string) (*oauth.TokenResponse, *oauth.Error, *oauth.Trace) {
	t.Helper()
	tr := &oauth.Trace{}
	resp, err := p.Token(oauth.WithTrace(t.Context(), tr), oauth.TokenRequest{GrantType: oauth.GrantTypeRefreshToken,
		RefreshToken: refreshToken, Client: oauth.ClientCredentials{Method: oauth.AuthNone, ClientID: "device-client"}})
	return resp, err, tr
}

// wantRuleOutcome checks that the trace applied a rule whose text holds
// rule, with the outcome passed, and no rule both passed and failed.
func wantRuleOutcome(t *testing.T, tr *oauth.Trace, rule string, passed bool) {
	t.Helper()
	outcomes := map[string]map[bool]bool{}
	for _, c := range tr.Checks {
		if outcomes[c.Rule] == nil {
			outcomes[c.Rule] = map[bool]bool{}
		}
		outcomes[c.Rule][c.Passed] = true
	}
	found := false
	for text, seen := range outcomes {
		if seen[true] && seen[false] {
			t.Errorf("the trace shows the rule %q both passed and failed: %+v", text, tr.Checks)
		}
		found = found || strings.Contains(text, rule) && seen[passed]
	}
	if !found {
		t.Errorf("the trace: got %+v, want the rule %q with passed=%v", tr.Checks, rule, passed)
	}
}

// TestRaceTraces: a request that read its code or refresh token unused
// and then lost the race to a concurrent request is refused, its grant
// revoked (RFC 6749 Section 4.1.2, RFC 9700 Section 4.14.2), and its trace
// names the store's atomic check as the rule it broke, not the read-time
// one it passed. The winner's trace lists that check passed. On SQLite and
// PostgreSQL.
func TestRaceTraces(t *testing.T) {
	eachStoreProvider(t, nil, func(t *testing.T, p *oauth.Provider, clock *clocktest.Clock) {
		st := p.Store

		t.Run("the winners pass the store's atomic checks", func(t *testing.T) {
			tr := &oauth.Trace{}
			_, err := p.Token(oauth.WithTrace(t.Context(), tr), oauth.TokenRequest{GrantType: oauth.GrantTypeAuthorizationCode, Code: issuedCode(t, p),
				Client: oauth.ClientCredentials{Method: oauth.AuthClientSecretBasic, ClientID: p.Config.ClientID, Secret: p.Config.ClientSecret}})
			if err != nil {
				t.Fatalf("code exchange: %v", err)
			}
			wantRuleOutcome(t, tr, "the code was still unused when redeemed", true)
			if _, err, tr = refreshWithTrace(t, p, deviceRefreshToken(t, p, clock)); err != nil {
				t.Fatalf("refresh: %v", err)
			}
			wantRuleOutcome(t, tr, "the refresh token was still unused when rotated", true)
		})

		t.Run("a code redeemed by a concurrent request after it was read (RFC 6749 Section 4.1.2)", func(t *testing.T) {
			code := issuedCode(t, p)
			p.Store = losingStore{st}
			defer func() { p.Store = st }()
			tr := &oauth.Trace{}
			_, err := p.Token(oauth.WithTrace(t.Context(), tr), oauth.TokenRequest{GrantType: oauth.GrantTypeAuthorizationCode, Code: code,
				Client: oauth.ClientCredentials{Method: oauth.AuthClientSecretBasic, ClientID: p.Config.ClientID, Secret: p.Config.ClientSecret}})
			if err == nil || err.Code != oauth.ErrInvalidGrant {
				t.Fatalf("got %v, want invalid_grant", err)
			}
			wantRuleOutcome(t, tr, "the code has not been used before", true)
			wantRuleOutcome(t, tr, "the code was still unused when redeemed", false)
		})

		t.Run("a refresh token rotated by a concurrent request after it was read (RFC 9700 Section 4.14.2)", func(t *testing.T) {
			refreshToken := deviceRefreshToken(t, p, clock)
			p.Store = losingStore{st}
			defer func() { p.Store = st }()
			_, err, tr := refreshWithTrace(t, p, refreshToken)
			if err == nil || err.Code != oauth.ErrInvalidGrant {
				t.Fatalf("got %v, want invalid_grant", err)
			}
			wantRuleOutcome(t, tr, "the refresh token has not been used before", true)
			wantRuleOutcome(t, tr, "the refresh token was still unused when rotated", false)
		})
	})
}

// TestRefreshReuseGraceTrace: with REFRESH_REUSE_GRACE, the trace shows the
// grace's window, checked when the token is read, apart from the store's
// decision that it is the token rotated out most recently: that token
// passes both, and an older one, inside the window too, fails the second
// (README, "Refresh token reuse grace"). On SQLite and PostgreSQL.
func TestRefreshReuseGraceTrace(t *testing.T) {
	withGrace := func(c *config.Config) { c.RefreshReuseGrace = 5 * time.Second }
	eachStoreProvider(t, withGrace, func(t *testing.T, p *oauth.Provider, clock *clocktest.Clock) {
		const window, latest = "rotated out less than REFRESH_REUSE_GRACE ago", "the one its grant rotated out most recently"

		first := deviceRefreshToken(t, p, clock)
		second, err, _ := refreshWithTrace(t, p, first)
		if err != nil {
			t.Fatalf("first rotation: %v", err)
		}
		clock.Advance(time.Second)
		_, err, tr := refreshWithTrace(t, p, first)
		if err != nil {
			t.Fatalf("the token rotated out most recently, within the grace: got %v, want a fresh pair", err)
		}
		wantRuleOutcome(t, tr, window, true)
		wantRuleOutcome(t, tr, latest, true)

		if _, err, _ := refreshWithTrace(t, p, second.RefreshToken); err != nil {
			t.Fatalf("second rotation: %v", err)
		}
		_, err, tr = refreshWithTrace(t, p, first)
		if err == nil || err.Code != oauth.ErrInvalidGrant {
			t.Fatalf("a token rotated out before the most recent one, within the grace: got %v, want invalid_grant", err)
		}
		wantRuleOutcome(t, tr, window, true)
		wantRuleOutcome(t, tr, latest, false)
	})
}

// eachStoreProvider runs test in parallel on a provider on each store
// (storeURLs), with cheap password hashing and a fake clock; configure, if
// not nil, changes the provider's configuration first.
func eachStoreProvider(t *testing.T, configure func(*config.Config), test func(t *testing.T, p *oauth.Provider, clock *clocktest.Clock)) {
	for name, url := range storeURLs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := clocktest.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
			cfg := config.Default()
			cfg.DatabaseURL = url(t)
			providertest.CheapPasswordHash(&cfg)
			if configure != nil {
				configure(&cfg)
			}
			test(t, providertest.NewProvider(t, cfg, clock.Now), clock)
		})
	}
}
