package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// newGrant starts a grant whose first tokens will be issued by redeemBy
// (the expiry of its code or device code, checked at the instant the
// tokens are issued at: tokensToIssue). Until then it must outlive an
// access token issued at the last moment, as a purged grant revokes its
// tokens; each redemption or refresh extends it further, to the later of
// the expiries of the tokens it issued (store.Issued's GrantExpiresAt),
// with this process's ACCESS_TOKEN_TTL or another's. So a grant whose code
// is never redeemed is purged soon, not after 30 days.
func (p *Provider) newGrant(clientID, userID, scope string, authTime, now, redeemBy time.Time) store.Grant {
	return store.Grant{
		ID: newID(), ClientID: clientID, UserID: userID, Scope: scope,
		AuthTime: authTime, CreatedAt: now, ExpiresAt: expiresAfter(redeemBy, p.Config.AccessTokenTTL),
	}
}

// ruleGrantInForce: a grant that was revoked, or whose client was deleted
// ([RFC 7592 Section 2.3]) and the grant with it, issues no more tokens;
// "The provided authorization grant (e.g., authorization code, resource
// owner credentials) or refresh token is invalid, expired, revoked" is
// invalid_grant ([RFC 6749 Section 5.2]). A request breaks it when its
// grant goes while the request is being served: every grant answers that
// case under this one rule.
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
// [RFC 7592 Section 2.3]: https://www.rfc-editor.org/rfc/rfc7592#section-2.3
var ruleGrantInForce = Rule{"the grant is in force: not revoked, its client not deleted", "RFC 6749 Section 5.2"}

// redeemed records on the trace what a redemption changed: what it used up
// (usedUp), and the refresh token it stored with it, if any.
func redeemed(tr *Trace, usedUp string, issued store.Issued) {
	tr.Changed(usedUp)
	if issued.RefreshToken != nil {
		tr.Changed("refresh token issued")
	}
}

// requireGrantInForce applies ruleGrantInForce to the grant a request
// found: inForce is false when it was revoked, or went with its client,
// since.
func requireGrantInForce(tr *Trace, inForce bool) *Error {
	return tr.Require(ruleGrantInForce, inForce, ErrInvalidGrant, "the grant is no longer in force: it was revoked, or its client deleted")
}

// grantGone refuses a request whose grant went with its client, or (a
// refresh) was revoked, since the request found it: the store answered
// store.ErrNotFound.
func grantGone(tr *Trace) *Error {
	return requireGrantInForce(tr, false)
}

// revokeGrant revokes a grant and with it every token issued from it. A
// grant already gone (purged after its last token expired) has nothing left
// to revoke, so that is not an error.
func (p *Provider) revokeGrant(ctx context.Context, grantID string) *Error {
	if err := p.Store.RevokeGrant(ctx, grantID, p.Now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return ServerError(err)
	}
	return nil
}

// SecurityEvent is something the provider refused that points at an
// attack or a leaked credential. Each is logged at warn, in words, and
// passed to Provider.OnSecurityEvent (the web layer counts them).
type SecurityEvent string

// The security events the protocol layer detects; the answer to each is
// revokeReplayedGrant. (Wrong passwords and rate limits are seen where the sign-in
// forms are handled, in web.)
const (
	EventRefreshReuse SecurityEvent = "refresh token reuse detected; grant revoked"
	EventCodeReplay   SecurityEvent = "authorization code used a second time; its grant revoked"
)

// securityEvent logs e with attrs (identifiers only, never a secret) and
// passes it on.
func (p *Provider) securityEvent(ctx context.Context, e SecurityEvent, attrs ...any) {
	p.Log.WarnContext(ctx, string(e), attrs...)
	if p.OnSecurityEvent != nil {
		p.OnSecurityEvent(e)
	}
}

// replay is a single-use credential presented a second time: the rule the
// request broke, its security event, and what revokeReplayedGrant says of
// it, on the trace (revoked) and to the client (description).
type replay struct {
	rule        Rule
	event       SecurityEvent
	revoked     string
	description string
}

// revokeReplayedGrant answers a replay of a credential of the client
// clientID: it revokes the grant grantID the credential came from, which
// ends every token issued from it, reports the security event, and
// refuses the request with invalid_grant. A replayed code
// ([RFC 6749 Section 4.1.2]) and a reused refresh token
// ([RFC 9700 Section 4.14.2]) are each answered so.
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
func (p *Provider) revokeReplayedGrant(ctx context.Context, tr *Trace, r replay, clientID, grantID string) *Error {
	if err := p.revokeGrant(ctx, grantID); err != nil {
		return err
	}
	p.securityEvent(ctx, r.event, "client_id", clientID, "grant_id", grantID)
	tr.Changed(r.revoked)
	return tr.Fail(r.rule, ErrInvalidGrant, r.description)
}
