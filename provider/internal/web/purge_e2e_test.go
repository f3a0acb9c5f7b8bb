package web_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EPurgeExpired: the background purge deletes what expired — the grant
// of a code nobody redeemed goes once the code and a token it could have
// given are past — and keeps a live grant with its refresh token.
func TestE2EPurgeExpired(t *testing.T) {
	clock := newFakeClock()
	srv := providertest.New(t, providertest.Options{Now: clock.Now})
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
	getCode(t, srv, cfg) // never redeemed
	tok, err := cfg.Exchange(context.Background(), getCode(t, srv, cfg))
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Provider.Config
	clock.Advance(c.CodeTTL + c.AccessTokenTTL + time.Second)

	n, err := srv.Provider.PurgeExpired(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The unredeemed code and its grant, and the redeemed code.
	if n < 3 {
		t.Errorf("rows purged: got %d, want at least 3 (two codes and the unredeemed grant)", n)
	}
	if _, err := refresh(cfg, tok.RefreshToken); err != nil {
		t.Errorf("the live grant's refresh token after the purge: got %v, want new tokens", err)
	}
	if n, _ := srv.Provider.PurgeExpired(context.Background()); n != 0 {
		t.Errorf("a second purge at the same time: got %d rows, want 0", n)
	}
}

// TestE2EPurgeKeepsTheGrantOfALiveAccessToken: with REFRESH_TOKEN_TTL
// shorter than ACCESS_TOKEN_TTL, the access token a refresh issues outlives
// the refresh token issued with it. A purge between the two expiries keeps
// their grant, so the access token stays active until its exp
// (RFC 7662 Section 2.2: "has not been revoked ... and is within its given
// time window of validity"), on both stores.
func TestE2EPurgeKeepsTheGrantOfALiveAccessToken(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := newFakeClock()
		srv := newServer(providertest.Options{Now: clock.Now, AccessTokenTTL: time.Hour, Configure: func(c *config.Config) {
			c.RefreshTokenTTL = 10 * time.Minute
		}})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		tok, err := cfg.Exchange(context.Background(), getCode(t, srv, cfg))
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(8 * time.Minute) // past the code's expiry, before the refresh token's
		refreshed := mustRefresh(t, cfg, tok.RefreshToken, "refresh")
		clock.Advance(time.Hour - time.Second) // the refreshed access token's last second
		if _, err := srv.Provider.PurgeExpired(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantAlive(t, srv, "the refreshed access token after a purge, before its exp", refreshed.AccessToken)
	})
}
