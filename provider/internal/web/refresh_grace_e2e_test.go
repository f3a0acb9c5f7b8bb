package web_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/providertest"
)

// storeBackends are the stores an end-to-end race test runs on: SQLite
// always, PostgreSQL when TEST_DATABASE_URL names a server (required in CI).
var storeBackends = []struct {
	name      string
	configure func(t *testing.T, c *config.Config)
}{
	{"sqlite", func(*testing.T, *config.Config) {}},
	{"postgres", func(t *testing.T, c *config.Config) { c.DatabaseURL = pgtest.NewSchemas(t).Create(t) }},
}

// eachSharedDatabase runs test in parallel on each store (storeBackends),
// with the DATABASE_URL of a database of its own (a SQLite file, a
// PostgreSQL schema) for providers that share it, as replicas or one
// provider restarted do, and a fake clock for them.
func eachSharedDatabase(t *testing.T, test func(t *testing.T, databaseURL string, clock *clocktest.Clock)) {
	t.Parallel()
	for _, backend := range storeBackends {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			shared := config.Config{DatabaseURL: filepath.Join(t.TempDir(), "provider.db")}
			backend.configure(t, &shared) // PostgreSQL: a schema of its own
			test(t, shared.DatabaseURL, newFakeClock())
		})
	}
}

// parallelRefreshes is how many requests of one relying party present the
// same refresh token at once, as a reverse proxy serving parallel requests does.
const parallelRefreshes = 8

// refreshInParallel presents one refresh token parallelRefreshes times at
// once and returns the answers by index.
func refreshInParallel(cfg *oauth2.Config, refreshToken string) ([]*oauth2.Token, []error) {
	toks, errs := make([]*oauth2.Token, parallelRefreshes), make([]error, parallelRefreshes)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range parallelRefreshes {
		wg.Go(func() {
			<-start
			toks[i], errs[i] = refresh(cfg, refreshToken)
		})
	}
	close(start)
	wg.Wait()
	return toks, errs
}

// mustRefresh redeems a refresh token and stops the test if that fails.
func mustRefresh(t *testing.T, cfg *oauth2.Config, refreshToken, what string) *oauth2.Token {
	t.Helper()
	tok, err := refresh(cfg, refreshToken)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return tok
}

// TestE2ERefreshReuseGrace: with REFRESH_REUSE_GRACE, parallel refreshes of
// one token inside the window all get a fresh pair of the same grant, while
// a rotated-out token presented after the window is still reuse and revokes
// the grant ([RFC 9700 Section 4.14.2]); without it, detection is strict.
// The store decides atomically, on SQLite and on PostgreSQL.
func TestE2ERefreshReuseGrace(t *testing.T) {
	t.Parallel()
	const grace = 5 * time.Second
	eachGraceServer(t, grace, func(t *testing.T, srv *providertest.Server, clock *clocktest.Clock) {
		b := newBrowser(t)
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")

		t.Run("8 parallel refreshes of one token inside the window all succeed and the grant lives", func(t *testing.T) {
			first := b.in(t).tokens(srv, cfg)
			toks, errs := refreshInParallel(cfg, first.RefreshToken)
			seen := map[string]bool{first.RefreshToken: true}
			for i, err := range errs {
				if err != nil {
					t.Fatalf("refresh #%d inside the grace: %v", i, err)
				}
				if seen[toks[i].RefreshToken] {
					t.Errorf("refresh #%d: got a refresh token issued before, want a fresh one", i)
				}
				seen[toks[i].RefreshToken] = true
				wantAlive(t, srv, "a graced access token", toks[i].AccessToken)
			}
			clock.Advance(grace)
			kept := toks[parallelRefreshes-1]
			next := mustRefresh(t, cfg, kept.RefreshToken, "refresh with the token the relying party kept")
			wantAlive(t, srv, "the access token after the next rotation", next.AccessToken)
		})

		t.Run("8 parallel presentations after the window are reuse: invalid_grant, grant revoked", func(t *testing.T) {
			first := b.in(t).tokens(srv, cfg)
			second := mustRefresh(t, cfg, first.RefreshToken, "first refresh")
			clock.Advance(grace)
			_, errs := refreshInParallel(cfg, first.RefreshToken)
			for i, err := range errs {
				if err == nil {
					t.Errorf("presentation #%d of a token rotated out %v ago: got tokens, want invalid_grant", i, grace)
					continue
				}
				wantOAuthError(t, err, "invalid_grant")
			}
			wantDead(t, srv, "the grant's newest access token", second.AccessToken)
			_, err := refresh(cfg, second.RefreshToken)
			wantOAuthError(t, err, "invalid_grant")
		})

		t.Run("a token rotated out before the newest one gets no grace: reuse, grant revoked", func(t *testing.T) {
			first := b.in(t).tokens(srv, cfg)
			second := mustRefresh(t, cfg, first.RefreshToken, "first refresh")
			third := mustRefresh(t, cfg, second.RefreshToken, "second refresh")
			_, err := refresh(cfg, first.RefreshToken)
			wantOAuthError(t, err, "invalid_grant")
			wantDead(t, srv, "the grant's newest access token", third.AccessToken)
		})

		t.Run("another client gets no grace for a token it was not issued (RFC 6749 Section 6)", func(t *testing.T) {
			first := b.in(t).tokens(srv, spaConfig(srv, "openid", "read"))
			mustRefresh(t, spaConfig(srv), first.RefreshToken, "first refresh")
			_, err := refresh(cfg, first.RefreshToken)
			wantOAuthError(t, err, "invalid_grant")
		})
	})
}

// TestE2ERefreshReuseStrictInParallel: by default (REFRESH_REUSE_GRACE 0)
// exactly one of 8 parallel refreshes of one token wins, and the others
// reveal the reuse: the grant is revoked, the winner's tokens with it.
func TestE2ERefreshReuseStrictInParallel(t *testing.T) {
	t.Parallel()
	for _, backend := range storeBackends {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { backend.configure(t, c) }})
			cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
			first := newBrowser(t).tokens(srv, cfg)
			toks, errs := refreshInParallel(cfg, first.RefreshToken)
			winners := 0
			for i, err := range errs {
				if err != nil {
					wantOAuthError(t, err, "invalid_grant")
					continue
				}
				winners++
				wantDead(t, srv, "the winner's access token after the reuse", toks[i].AccessToken)
			}
			if winners != 1 {
				t.Errorf("winners among %d parallel refreshes: got %d, want exactly 1", parallelRefreshes, winners)
			}
		})
	}
}

// eachGraceServer runs test in parallel on each store (storeBackends),
// against a provider with a fake clock and REFRESH_REUSE_GRACE set to
// grace.
func eachGraceServer(t *testing.T, grace time.Duration, test func(t *testing.T, srv *providertest.Server, clock *clocktest.Clock)) {
	for _, backend := range storeBackends {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			withGrace := func(c *config.Config) { backend.configure(t, c); c.RefreshReuseGrace = grace }
			test(t, providertest.New(t, providertest.Options{Now: clock.Now, Configure: withGrace}), clock)
		})
	}
}

// TestE2EIntrospectionFollowsTheRefreshReuseGrace: introspection answers for
// a rotated-out refresh token what the token endpoint decides
// (RFC 7662 Section 2.2, "whether or not the presented token is currently
// active"; README, "Refresh token reuse grace"): active while it may be
// presented again, and no longer when another rotation or the grace's end
// retired it. Asking changes nothing: the token still works after.
func TestE2EIntrospectionFollowsTheRefreshReuseGrace(t *testing.T) {
	t.Parallel()
	const grace = 5 * time.Second
	eachGraceServer(t, grace, func(t *testing.T, srv *providertest.Server, clock *clocktest.Clock) {
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		first := newBrowser(t).tokens(srv, cfg)
		second := mustRefresh(t, cfg, first.RefreshToken, "first rotation")

		clock.Advance(grace - time.Second)
		if !introspect(t, srv, first.RefreshToken).Active {
			t.Errorf("the token rotated out within the grace: got active=false, want true")
		}
		mustRefresh(t, cfg, first.RefreshToken, "the rotated-out token presented again within the grace, after its introspection")

		third := mustRefresh(t, cfg, second.RefreshToken, "second rotation")
		if introspect(t, srv, first.RefreshToken).Active {
			t.Errorf("a token rotated out before the most recent one: got active=true, want false")
		}
		clock.Advance(grace)
		if introspect(t, srv, second.RefreshToken).Active {
			t.Errorf("the most recently rotated-out token after the grace: got active=true, want false")
		}
		if !introspect(t, srv, third.RefreshToken).Active {
			t.Errorf("the newest refresh token: got active=false, want true")
		}
	})
}
