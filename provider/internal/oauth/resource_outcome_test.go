package oauth_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/token"
	"github.com/oauth-reference/provider/providertest"
)

// TestResourceAccessGrantedLast: AuthenticateResource records "access
// granted" only once it has checked how the token was presented, not when
// the token itself is valid: a DPoP-bound token sent as a Bearer token
// (RFC 9449 Section 7.2) leaves no such outcome on the trace.
func TestResourceAccessGrantedLast(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(t.TempDir(), "provider.db")
	providertest.CheapPasswordHash(&cfg)
	p := providertest.NewProvider(t, cfg, clock.Now)
	for _, tc := range []struct {
		name, jkt, want string
	}{
		{"a Bearer token (RFC 6750 Section 2.1)", "", "access granted"},
		{"a DPoP-bound token as a Bearer token (RFC 9449 Section 7.2)", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := p.Keys.SignAccessToken(token.AccessTokenClaims{Issuer: cfg.Issuer, Subject: "testclient",
				Audience: cfg.ResourceAudience(), ClientID: "testclient", JTI: oauth.NewSecret(), IssuedAt: clock.Now(),
				ExpiresAt: clock.Now().Add(time.Minute), JKT: tc.jkt})
			if err != nil {
				t.Fatal(err)
			}
			tr := &oauth.Trace{}
			_, aerr := p.AuthenticateResource(oauth.WithTrace(context.Background(), tr),
				oauth.ResourceRequest{Scheme: oauth.TokenTypeBearer, Token: raw})
			if (aerr == nil) != (tc.want != "") || tr.Outcome != tc.want {
				t.Errorf("got error %v, outcome %q; want outcome %q", aerr, tr.Outcome, tc.want)
			}
		})
	}
}
