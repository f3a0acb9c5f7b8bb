package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// raceSize is how many goroutines race to redeem one code or refresh token.
const raceSize = 8

// TestE2ERefreshTokenRotatesOnEveryUse: every refresh ([RFC 6749 Section 6])
// returns a new refresh token and the used one stops working
// ([RFC 9700 Section 4.14.2]), through x/oauth2's TokenSource, with both
// client authentication methods.
func TestE2ERefreshTokenRotatesOnEveryUse(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	b := newBrowser(t)
	for _, tc := range authStyles {
		t.Run(tc.name, func(t *testing.T) {
			cfg := demoConfig(srv, tc.style, "read")
			first := b.in(t).tokens(srv, cfg)
			second := mustRefresh(t, cfg, first.RefreshToken, "first refresh")
			third := mustRefresh(t, cfg, second.RefreshToken, "refresh with the rotated token")
			seen := map[string]bool{}
			for _, rt := range []string{first.RefreshToken, second.RefreshToken, third.RefreshToken} {
				if seen[rt] {
					t.Fatalf("a refresh returned a refresh token issued before, want a new one on every use")
				}
				seen[rt] = true
			}
			if third.AccessToken == "" || third.AccessToken == second.AccessToken {
				t.Errorf("refresh: got the same or no access token, want a new one")
			}
			if got := third.Extra("scope"); got != "read" {
				t.Errorf("scope after refresh: got %v, want %q", got, "read")
			}
			wantAlive(t, srv, "the newest access token", third.AccessToken)

			_, err := refresh(cfg, first.RefreshToken)
			wantOAuthError(t, err, "invalid_grant")
		})
	}
}

// TestE2ERefreshTokenReuseRevokesTheGrant: a rotated-out refresh token used
// again revokes the grant, so the newest refresh token and every access
// token die ([RFC 9700 Section 4.14.2]), with both client authentication
// methods.
func TestE2ERefreshTokenReuseRevokesTheGrant(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	b := newBrowser(t)
	for _, tc := range authStyles {
		t.Run(tc.name, func(t *testing.T) {
			cfg := demoConfig(srv, tc.style, "openid", "read")
			first := b.in(t).tokens(srv, cfg)
			second, err := refresh(cfg, first.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			newest, err := refresh(cfg, second.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			wantAlive(t, srv, "the newest access token before the reuse", newest.AccessToken)

			_, err = refresh(cfg, first.RefreshToken) // the reuse: an attacker's copy, or a confused client
			wantOAuthError(t, err, "invalid_grant")

			_, err = refresh(cfg, newest.RefreshToken)
			wantOAuthError(t, err, "invalid_grant")
			if got := introspect(t, srv, newest.RefreshToken); got.Active {
				t.Errorf("the newest refresh token's introspection: got active, want inactive")
			}
			wantDead(t, srv, "the first access token", first.AccessToken)
			wantDead(t, srv, "the second access token", second.AccessToken)
			wantDead(t, srv, "the newest access token", newest.AccessToken)
		})
	}
}

// TestE2ERefreshTokenRedeemedConcurrentlyHasOneWinner: of concurrent
// redemptions of one refresh token exactly one wins, and the replays revoke
// its tokens ([RFC 9700 Section 4.14.2]).
func TestE2ERefreshTokenRedeemedConcurrentlyHasOneWinner(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
	first := newBrowser(t).tokens(srv, cfg)
	toks, errs := race(func() (*oauth2.Token, error) { return refresh(cfg, first.RefreshToken) })
	winner := onlyWinner(t, toks, errs)
	_, err := refresh(cfg, winner.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	wantDead(t, srv, "the winner's access token", winner.AccessToken)
}

// TestE2ERefreshTokenExpiresAfterItsTTL: a refresh token expires
// REFRESH_TOKEN_TTL after it is issued, and a rotated one lives anew
// ([RFC 9700 Section 4.14.2]: refresh tokens expire after inactivity).
func TestE2ERefreshTokenExpiresAfterItsTTL(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := providertest.New(t, providertest.Options{Now: clock.Now})
	ttl := srv.Provider.Config.RefreshTokenTTL
	cfg := demoConfig(srv, oauth2.AuthStyleInParams, "read")
	first := newBrowser(t).tokens(srv, cfg)
	clock.Advance(ttl - time.Second)
	second, err := refresh(cfg, first.RefreshToken)
	if err != nil {
		t.Fatalf("a refresh token used within its lifetime: got %v, want tokens", err)
	}
	clock.Advance(ttl)
	_, err = refresh(cfg, second.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	if got := introspect(t, srv, second.RefreshToken); got.Active {
		t.Errorf("an expired refresh token's introspection: got active, want inactive (RFC 7662 Section 2.2)")
	}
}

// TestE2ERefreshTokenScopeIsAtMostTheGrantedScope holds the scope of a
// refresh to [RFC 6749 Section 6]: "The requested scope MUST NOT include
// any scope not originally granted by the resource owner, and if omitted is
// treated as equal to the scope originally granted". The cases run in
// order, each with the refresh token the last success returned.
func TestE2ERefreshTokenScopeIsAtMostTheGrantedScope(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "profile", "read", "write")
	rt := newBrowser(t).tokens(srv, cfg).RefreshToken
	scopeTests := []struct {
		name       string
		scope      string
		wantStatus int
		wantError  string
		wantScope  string
		profile    int // the status of /user/profile with the new access token
	}{
		{"a narrower scope is granted (RFC 6749 Section 6)", "write", 200, "", "write", http.StatusForbidden},
		{"a scope not originally granted is invalid_scope (RFC 6749 Section 6)", "read email", 400, "invalid_scope", "", 0},
		{"an unknown scope is invalid_scope (RFC 6749 Section 5.2)", "read admin", 400, "invalid_scope", "", 0},
		{"a refused refresh does not use up the refresh token", "read", 200, "", "read", http.StatusOK},
		{"an omitted scope is the scope originally granted, even after narrowing: the new refresh token keeps its scope (RFC 6749 Section 6)", "", 200, "", "openid profile read write", http.StatusOK},
	}
	for _, tc := range scopeTests {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
			if tc.scope != "" {
				form.Set("scope", tc.scope)
			}
			status, got := rawToken(t, srv, form, demoBasic)
			if status != tc.wantStatus || got.Error != tc.wantError {
				t.Fatalf("got %d %q, want %d %q", status, got.Error, tc.wantStatus, tc.wantError)
			}
			if tc.wantError != "" {
				return
			}
			rt = got.RefreshToken
			if got.Scope != tc.wantScope {
				t.Errorf("scope: got %q, want %q", got.Scope, tc.wantScope)
			}
			if claim := jwttest.Part(t, got.AccessToken, jwttest.Claims)["scope"]; claim != tc.wantScope {
				t.Errorf("access token scope claim: got %v, want %q", claim, tc.wantScope)
			}
			if resp, _ := callResource(t, srv.URL+"/user/profile", got.AccessToken); resp.StatusCode != tc.profile {
				t.Errorf("GET /user/profile: got %d, want %d", resp.StatusCode, tc.profile)
			}
		})
	}
}

// TestE2EAuthorizationCodeSingleUse holds codes to [RFC 6749 Section 4.1.2]:
// "The client MUST NOT use the authorization code more than once. If an
// authorization code is used more than once, the authorization server MUST
// deny the request and SHOULD revoke (when possible) all tokens previously
// issued based on that authorization code", and "The authorization code
// MUST expire shortly after it is issued".
func TestE2EAuthorizationCodeSingleUse(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := providertest.New(t, providertest.Options{Now: clock.Now})
	b := newBrowser(t)

	// code returns a fresh code for cfg and its PKCE verifier.
	code := func(t *testing.T, cfg *oauth2.Config) (string, string) {
		verifier := oauth2.GenerateVerifier()
		loc := b.in(t).Approve(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		return loc.Query().Get("code"), verifier
	}

	for _, tc := range authStyles {
		t.Run("a reused code is invalid_grant and revokes the tokens of its first use, refreshed ones too (RFC 6749 Section 4.1.2)/"+tc.name, func(t *testing.T) {
			cfg := demoConfig(srv, tc.style, "openid", "read")
			c, verifier := code(t, cfg)
			first, err := cfg.Exchange(context.Background(), c, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("first exchange: %v", err)
			}
			refreshed, err := refresh(cfg, first.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}

			_, err = cfg.Exchange(context.Background(), c, oauth2.VerifierOption(verifier))
			wantOAuthError(t, err, "invalid_grant")

			wantDead(t, srv, "the first exchange's access token", first.AccessToken)
			wantDead(t, srv, "the refreshed access token", refreshed.AccessToken)
			_, err = refresh(cfg, refreshed.RefreshToken)
			wantOAuthError(t, err, "invalid_grant")
		})
	}

	t.Run("of concurrent exchanges of one code exactly one wins, and the replays revoke its tokens (RFC 6749 Section 4.1.2)", func(t *testing.T) {
		cfg := demoConfig(srv, oauth2.AuthStyleInParams, "read")
		c, verifier := code(t, cfg)
		toks, errs := race(func() (*oauth2.Token, error) {
			return cfg.Exchange(context.Background(), c, oauth2.VerifierOption(verifier))
		})
		winner := onlyWinner(t, toks, errs)
		wantDead(t, srv, "the winner's access token", winner.AccessToken)
		_, err := refresh(cfg, winner.RefreshToken)
		wantOAuthError(t, err, "invalid_grant")
	})

	t.Run("a code refused for its code_verifier is used up, and presented again it is a replay (RFC 6749 Section 4.1.2)", func(t *testing.T) {
		cfg := demoConfig(srv, oauth2.AuthStyleInParams, "read")
		c, verifier := code(t, cfg)
		_, err := cfg.Exchange(context.Background(), c, oauth2.VerifierOption(verifier+"x"))
		wantOAuthError(t, err, "invalid_grant")
		_, err = cfg.Exchange(context.Background(), c, oauth2.VerifierOption(verifier))
		var re *oauth2.RetrieveError
		// No token was issued from this code, so the answer must not say
		// that its tokens were: only that any were.
		if want := "the authorization code was already used; any tokens issued from it are revoked"; !errors.As(err, &re) ||
			re.ErrorCode != "invalid_grant" || re.ErrorDescription != want {
			t.Errorf("the code again, with the right verifier: got %v, want invalid_grant %q", err, want)
		}
	})

	ttl := srv.Provider.Config.CodeTTL
	expiryTests := []struct {
		name    string
		age     time.Duration
		wantErr string
	}{
		{"a code redeemed within CODE_TTL is accepted", ttl - time.Second, ""},
		{"a code redeemed at CODE_TTL has expired (RFC 6749 Section 4.1.2)", ttl, "invalid_grant"},
		{"a code redeemed after CODE_TTL has expired (RFC 6749 Section 4.1.2)", ttl + time.Hour, "invalid_grant"},
	}
	for _, tc := range expiryTests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
			c, verifier := code(t, cfg)
			clock.Advance(tc.age)
			_, err := cfg.Exchange(context.Background(), c, oauth2.VerifierOption(verifier))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want tokens", err)
				}
				return
			}
			wantOAuthError(t, err, tc.wantErr)
		})
	}
}

// race runs redeem in raceSize goroutines released at once and returns
// what each got.
func race(redeem func() (*oauth2.Token, error)) ([]*oauth2.Token, []error) {
	toks := make([]*oauth2.Token, raceSize)
	errs := make([]error, raceSize)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range raceSize {
		wg.Go(func() {
			<-start
			toks[i], errs[i] = redeem()
		})
	}
	close(start)
	wg.Wait()
	return toks, errs
}

// onlyWinner checks that exactly one redemption succeeded and every other
// one got 400 invalid_grant, and returns the winner's tokens.
func onlyWinner(t *testing.T, toks []*oauth2.Token, errs []error) *oauth2.Token {
	t.Helper()
	var winner *oauth2.Token
	wins := 0
	for i, err := range errs {
		if err == nil {
			winner = toks[i]
			wins++
			continue
		}
		if code, status := oauthErrorCode(t, err); code != "invalid_grant" || status != http.StatusBadRequest {
			t.Errorf("a losing redemption: got %d %s, want 400 invalid_grant", status, code)
		}
	}
	if wins != 1 {
		t.Fatalf("got %d successful redemptions of %d, want exactly 1", wins, len(errs))
	}
	return winner
}
