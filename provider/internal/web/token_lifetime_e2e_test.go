package web_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2ETokensLiveUntilTheExpTheyReport: tokens issued within a second
// (at .9 s) count whole seconds as "exp" does: expires_in never overstates
// the access token's life (RFC 6749 Section 5.1), and each token is
// accepted just before the exp that it or its introspection reports and
// refused from it on (RFC 7519 Section 4.1.4, RFC 7662 Section 2.2), on
// both stores.
func TestE2ETokensLiveUntilTheExpTheyReport(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := clocktest.New(time.Now().UTC().Truncate(time.Second).Add(900 * time.Millisecond))
		srv := newServer(providertest.Options{Now: clock.Now, AccessTokenTTL: 3 * time.Second, Configure: func(c *config.Config) {
			c.RefreshTokenTTL = 4 * time.Second
		}})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		issued := clock.Now()
		tok, err := cfg.Exchange(context.Background(), getCode(t, srv, cfg))
		if err != nil {
			t.Fatal(err)
		}
		accessExp := time.Unix(introspect(t, srv, tok.AccessToken).ExpiresAt, 0)
		expiresIn, _ := tok.Extra("expires_in").(float64)
		if life := accessExp.Sub(issued); time.Duration(expiresIn)*time.Second > life {
			t.Errorf("expires_in: got %v s, want at most the access token's life, %v", expiresIn, life)
		}
		refreshExp := time.Unix(introspect(t, srv, tok.RefreshToken).ExpiresAt, 0)

		clock.Advance(accessExp.Sub(clock.Now()) - time.Millisecond)
		wantAlive(t, srv, "an access token just before its exp", tok.AccessToken)
		clock.Advance(time.Millisecond)
		wantDead(t, srv, "an access token at its exp", tok.AccessToken)

		clock.Advance(refreshExp.Sub(clock.Now()) - time.Millisecond)
		if !introspect(t, srv, tok.RefreshToken).Active {
			t.Errorf("a refresh token just before its exp: got active=false, want true")
		}
		next := mustRefresh(t, cfg, tok.RefreshToken, "a refresh just before the refresh token's exp")
		nextExp := time.Unix(introspect(t, srv, next.RefreshToken).ExpiresAt, 0)
		clock.Advance(nextExp.Sub(clock.Now()))
		if introspect(t, srv, next.RefreshToken).Active {
			t.Errorf("a refresh token at its exp: got active=true, want false")
		}
		_, err = refresh(cfg, next.RefreshToken)
		wantOAuthError(t, err, "invalid_grant")
	})
}
