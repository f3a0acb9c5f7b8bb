package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// newGrant starts a grant whose first tokens will be issued by redeemBy
// (the expiry of its code or device code). Until then it must outlive an
// access token issued at the last moment; each refresh token stored for it
// extends it further (store.CreateRefreshToken, RotateRefreshToken). So a
// grant whose code is never redeemed is purged soon, not after 30 days.
func (p *Provider) newGrant(clientID, userID, scope string, authTime, now, redeemBy time.Time) store.Grant {
	return store.Grant{
		ID: newID(), ClientID: clientID, UserID: userID, Scope: scope,
		AuthTime: authTime, CreatedAt: now, ExpiresAt: redeemBy.Add(p.Config.AccessTokenTTL),
	}
}

// revokeGrant revokes a grant and with it every token issued from it. A
// grant already gone (purged after its last token expired) has nothing left
// to revoke, so that is not an error.
func (p *Provider) revokeGrant(ctx context.Context, grantID string) *Error {
	if err := p.Store.RevokeGrant(ctx, grantID, p.Now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return serverError(err)
	}
	return nil
}
