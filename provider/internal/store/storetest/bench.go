package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// Bench measures the store lookups on the provider's hot paths, for any
// backend: GetClient (client authentication) and AccessTokenRevoked (every
// bearer check), one at a time and from parallel goroutines, and
// RotateRefreshToken (every refresh grant).
func Bench(b *testing.B, newStore func(b *testing.B) store.Store) {
	b.Run("GetClient", func(b *testing.B) {
		s := seedBench(b, newStore(b))
		for b.Loop() {
			if _, err := s.GetClient(b.Context(), demoClient.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AccessTokenRevoked", func(b *testing.B) {
		s := seedBench(b, newStore(b))
		for b.Loop() {
			if revoked, err := s.AccessTokenRevoked(b.Context(), liveToken); err != nil || revoked {
				b.Fatalf("AccessTokenRevoked: got %v, %v; want false, nil", revoked, err)
			}
		}
	})
	b.Run("AccessTokenRevokedParallel", func(b *testing.B) {
		s := seedBench(b, newStore(b))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.AccessTokenRevoked(context.Background(), liveToken); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("RotateRefreshToken", func(b *testing.B) {
		s := seedBench(b, newStore(b))
		g := store.Grant{ID: "g2", ClientID: demoClient.ID, Scope: "read", CreatedAt: t0, ExpiresAt: at(time.Hour)}
		prev := newRefreshToken("rt-0", g)
		storeRefreshToken(b, s, g, prev)
		for i := 1; b.Loop(); i++ {
			n := next(prev, fmt.Sprintf("rt-%d", i))
			if _, err := s.RotateRefreshToken(b.Context(), prev.Hash, issuedWith(n), n.CreatedAt, time.Time{}); err != nil {
				b.Fatal(err)
			}
			prev = n
		}
	})
}

// liveToken is a live access token of grant g1, as seedBench stores it.
var liveToken = store.AccessTokenRef{JTI: "live-jti", GrantID: "g1", ClientID: demoClient.ID}

// seedBench stores the demo client, a live grant g1 and one revoked jti.
func seedBench(b *testing.B, s store.Store) store.Store {
	ctx := b.Context()
	now := time.Now()
	grant := store.Grant{ID: "g1", ClientID: demoClient.ID, Scope: "read", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	for _, err := range []error{
		s.UpsertClient(ctx, demoClient),
		s.CreateGrant(ctx, grant),
		s.RevokeAccessToken(ctx, "revoked-jti", now.Add(time.Hour)),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	return s
}
