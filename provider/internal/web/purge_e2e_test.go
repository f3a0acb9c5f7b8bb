package web_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

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
