package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/clocktest"
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

// TestE2EGrantOutlivesATokenIssuedWithALongerTTL: a grant begun at A, whose
// ACCESS_TOKEN_TTL is 5 s (a replica during a rollout, or the provider
// before a restart), and redeemed at B, whose ACCESS_TOKEN_TTL is an hour,
// by a client that gets no refresh token, lasts until B's access token
// expires: a purge in the token's last second leaves the grant, so the
// token is accepted and introspects active until its exp (README,
// ACCESS_TOKEN_TTL; RFC 7662 Section 2.2: "has not been revoked ... and is
// within its given time window of validity"). For a code and a device
// code, on SQLite and PostgreSQL.
func TestE2EGrantOutlivesATokenIssuedWithALongerTTL(t *testing.T) {
	eachSharedDatabase(t, func(t *testing.T, databaseURL string, clock *clocktest.Clock) {
		withTTL := func(ttl time.Duration) providertest.Options {
			return providertest.Options{Now: clock.Now, AccessTokenTTL: ttl, Configure: func(c *config.Config) { c.DatabaseURL = databaseURL }}
		}
		a, b := providertest.New(t, withTTL(5*time.Second)), providertest.New(t, withTTL(time.Hour))
		reg := register(t, a, `{"redirect_uris":["http://127.0.0.1:49152/callback"],"token_endpoint_auth_method":"client_secret_basic",
				"grant_types":["authorization_code","urn:ietf:params:oauth:grant-type:device_code"],"scope":"openid read"}`)
		auth := clientAuth{id: reg.ClientID, secret: reg.ClientSecret, basic: true}
		redeemAtB := map[string]func() url.Values{
			"code": func() url.Values {
				verifier := oauth2.GenerateVerifier()
				code := getCode(t, a, loopbackConfig(a, reg), oauth2.S256ChallengeOption(verifier))
				return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": reg.RedirectURIs, "code_verifier": {verifier}}
			},
			"device code": func() url.Values {
				resp, body := rawPost(t, a.URL+"/oauth/device/code", "scope=read", basic(reg.ClientID, reg.ClientSecret))
				var da oauth2.DeviceAuthResponse
				if err := json.Unmarshal([]byte(body), &da); resp.StatusCode != http.StatusOK || err != nil {
					t.Fatalf("device authorization at A: got %d %s, want 200", resp.StatusCode, body)
				}
				decideThroughPage(t, &da, "allow")
				return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {da.DeviceCode}}
			},
		}
		for name, begin := range redeemAtB {
			status, tok := rawToken(t, b, begin(), auth)
			if status != http.StatusOK || tok.RefreshToken != "" {
				t.Fatalf("%s redeemed at B: got %d %+v, want 200 and no refresh token", name, status, tok)
			}
			clock.Advance(time.Hour - time.Second) // the access token's last second
			if _, err := a.Provider.PurgeExpired(t.Context()); err != nil {
				t.Fatal(err)
			}
			wantAliveFor(t, b, auth, "B's access token from a "+name+" of A, after a purge, before its exp", tok.AccessToken)
		}
	})
}
