package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// grantRefreshToken implements the refresh token grant, [RFC 6749 Section 6], with
// rotation and reuse detection ([RFC 9700 Section 4.14.2]): every use
// returns a new refresh token and retires the old one; "If a refresh token
// is compromised and subsequently used by both the attacker and the
// legitimate client, one of them will present an invalidated refresh token,
// which will inform the authorization server of the breach" — and the whole
// grant is revoked.
//
// With REFRESH_REUSE_GRACE set, the store lets the token rotated out most
// recently through again within the grace (store.RefreshGraceApplies): the
// caller gets a fresh pair of the same grant, for relying parties that send
// parallel refreshes of one token. That exception is this provider's, not
// the RFC's (ruleRefreshGraceWindow, ruleRefreshGraceLatest; README,
// "Refresh token reuse grace", for the trade-off).
//
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
func (p *Provider) grantRefreshToken(ctx context.Context, client store.Client, r TokenRequest) (*TokenResponse, *Error) {
	tr := TraceFrom(ctx)
	if err := tr.Require(ruleRefreshPresent, r.RefreshToken != "", ErrInvalidRequest, "refresh_token is required"); err != nil {
		return nil, err
	}
	now := p.Now()
	graceFrom := p.reuseGraceFrom(now)
	old, grant, err := p.checkRefreshTokenOrRevokeGrant(ctx, tr, client, HashSecret(r.RefreshToken), r.dpopJKT, graceFrom)
	if err != nil {
		return nil, err
	}
	scope, err := narrowScope(tr, r.Scope, grant.Scope, client.Scopes)
	if err != nil {
		return nil, err
	}
	audience, err := p.audienceFor(tr, r.Resources, grant.Resources)
	if err != nil {
		return nil, err
	}
	resp, next, err := p.issueTokens(ctx, tokensToIssue{now: now, client: client, grant: grant, scope: scope, audience: audience, refresh: true, jkt: r.dpopJKT})
	if err != nil {
		return nil, err
	}
	graced, serr := p.Store.RotateRefreshToken(ctx, old.Hash, next, now, graceFrom)
	switch {
	case errors.Is(serr, store.ErrAlreadyUsed):
		return nil, p.refreshReused(ctx, tr, ruleBrokenAtRotation(old), old)
	case errors.Is(serr, store.ErrNotFound): // since checkRefreshTokenOrRevokeGrant, its grant was revoked or went with its client
		return nil, grantGone(tr)
	case serr != nil:
		return nil, ServerError(serr)
	case graced:
		tr.Check(ruleRefreshGraceLatest, true)
		p.Log.InfoContext(ctx, "refresh token presented again within REFRESH_REUSE_GRACE; fresh pair issued", "client_id", client.ID, "grant_id", grant.ID)
		tr.Changed("refresh token presented again within REFRESH_REUSE_GRACE: a fresh pair of the same grant")
	default:
		tr.Check(ruleRefreshUnusedWhenRotated, true)
		tr.Changed("refresh token rotated: the presented one is retired")
	}
	tr.Changed("refresh token issued")
	return resp, nil
}

// ruleBrokenAtRotation is the rule a refresh token broke when the store
// refused to rotate it as used (store.ErrAlreadyUsed), after
// checkRefreshTokenOrRevokeGrant had let it through: read unused, a
// concurrent request rotated it first (ruleRefreshUnusedWhenRotated); read
// within the grace's window, it was not the one its grant rotated out most
// recently, or its grant went meanwhile (ruleRefreshGraceLatest).
func ruleBrokenAtRotation(old store.RefreshToken) Rule {
	if old.UsedAt.IsZero() {
		return ruleRefreshUnusedWhenRotated
	}
	return ruleRefreshGraceLatest
}

// reuseGraceFrom is the earliest rotation time at which a rotated-out
// refresh token may still be presented again (REFRESH_REUSE_GRACE before
// now), or the zero time when the grace is off and every reuse is detected.
func (p *Provider) reuseGraceFrom(now time.Time) time.Time {
	if p.Config.RefreshReuseGrace <= 0 {
		return time.Time{}
	}
	return now.Add(-p.Config.RefreshReuseGrace)
}

// presentableAgain reports whether the token endpoint would let the used
// refresh token rt through again at now, within the reuse grace
// (store.RefreshGraceApplies), without changing anything: introspection's
// answer for it. It reads the grant only when the grace is on.
func (p *Provider) presentableAgain(ctx context.Context, rt store.RefreshToken, now time.Time) (bool, *Error) {
	graceFrom := p.reuseGraceFrom(now)
	if graceFrom.IsZero() {
		return false, nil
	}
	grant, err := p.Store.GetGrant(ctx, rt.GrantID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, ServerError(err)
	}
	return store.RefreshGraceApplies(rt.UsedAt, graceFrom, grant.LastRotatedHash == rt.Hash, grant.Revoked()), nil
}

// The rules of the refresh token grant ([RFC 6749 Section 6], [RFC 9700 Section 4.14.2]).
//
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
var (
	ruleRefreshPresent     = Rule{"the request carries the refresh_token", "RFC 6749 Section 6"}
	ruleRefreshKnown       = Rule{"the refresh token is one this server issued", "RFC 6749 Section 6"}
	ruleRefreshOwnClient   = Rule{"the refresh token was issued to this client", "RFC 6749 Section 6"}
	ruleRefreshUnused      = Rule{"the refresh token has not been used before (rotation: reuse revokes the grant)", "RFC 9700 Section 4.14.2"}
	ruleRefreshGrantActive = Rule{"the refresh token has not expired and its grant is not revoked", "RFC 6749 Section 6"}
	// ruleRefreshUnused again, as the store rotates the token atomically:
	// of concurrent requests that all read the token unused, one rotates it
	// and the others break this rule (unless the reuse grace lets them
	// through: ruleRefreshGraceLatest), not the one they passed when they
	// read it.
	ruleRefreshUnusedWhenRotated = Rule{"the refresh token was still unused when rotated (no concurrent request used it first)", "RFC 9700 Section 4.14.2"}
	// ruleRefreshGraceWindow and ruleRefreshGraceLatest are this provider's
	// exception to the rotation of [RFC 9700 Section 4.14.2], which has
	// none: "The previous refresh token is invalidated, but information
	// about the relationship is retained by the authorization server." With
	// REFRESH_REUSE_GRACE set, the token rotated out most recently is not
	// invalidated at once (README, "Refresh token reuse grace"). The window
	// is checked when the token is read; whether it is the one rotated out
	// most recently, the store decides under the grant's lock as it rotates
	// (store.RefreshGraceApplies). Their ref is the section they relax: a
	// rule in a trace names a section of a specification.
	//
	// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
	ruleRefreshGraceWindow = Rule{"a rotated-out refresh token presented again by its client was rotated out less than REFRESH_REUSE_GRACE ago", "RFC 9700 Section 4.14.2"}
	ruleRefreshGraceLatest = Rule{"a refresh token presented again within REFRESH_REUSE_GRACE is the one its grant rotated out most recently, and its grant is still in force", "RFC 9700 Section 4.14.2"}
	// [RFC 9449 Section 5]: "The binding MUST be validated when the refresh
	// token is later presented to get new access tokens. As a result, such
	// a client MUST present a DPoP proof for the same key that was used to
	// obtain the refresh token each time that refresh token is used to
	// obtain a new access token."
	//
	// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
	ruleRefreshDPoPKey = Rule{"a refresh token bound to a DPoP key comes with a proof by that key", "RFC 9449 Section 5"}
)

// checkRefreshDPoPBinding applies ruleRefreshDPoPKey to a public client's
// bound refresh token. A refusal changes nothing: the token, current or
// rotated out, stays as it was for its rightful holder.
func checkRefreshDPoPBinding(tr *Trace, rt store.RefreshToken, jkt string) *Error {
	if rt.DPoPJKT == "" {
		return nil
	}
	return requireBoundKey(tr, ruleRefreshDPoPKey, rt.DPoPJKT, jkt,
		"a DPoP proof is required for this refresh token (it is bound to a DPoP key)",
		"the refresh token is bound to another DPoP key")
}

// checkRefreshTokenOrRevokeGrant finds a refresh token and its grant and
// checks that the token was "issued to the authenticated client" and is
// valid ([RFC 6749 Section 6]): when bound to a DPoP key, presented with a
// proof by that key (checkRefreshDPoPBinding); unused (or presented again
// within the reuse grace, which starts at graceFrom); and alive
// (liveRefreshToken).
//
// It writes as well as checks: a token used before, outside the grace,
// revokes its grant (refreshReused). The key binding is checked before
// that, so only a presentation by the key holder counts as a use: a bound
// token cannot be used without the key ([RFC 9449 Section 5]: "such a
// client MUST present a DPoP proof for the same key that was used to
// obtain the refresh token each time that refresh token is used to obtain
// a new access token"), so a rotated-out token stolen without its key is
// refused (invalid_dpop_proof) and revokes nothing; its thief could
// otherwise end the grant of the client it was stolen from. Presented
// again with the key, it is reuse ([RFC 9700 Section 4.14.2]).
//
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
func (p *Provider) checkRefreshTokenOrRevokeGrant(ctx context.Context, tr *Trace, client store.Client, hash, jkt string, graceFrom time.Time) (store.RefreshToken, store.Grant, *Error) {
	rt, found, err := p.findRefreshToken(ctx, hash)
	if err != nil {
		return rt, store.Grant{}, err
	}
	if err := tr.Require(ruleRefreshKnown, found, ErrInvalidGrant, errRefreshInvalid); err != nil {
		return rt, store.Grant{}, err
	}
	if err := tr.Require(ruleRefreshOwnClient, rt.ClientID == client.ID, ErrInvalidGrant, "the refresh token was issued to another client"); err != nil {
		return rt, store.Grant{}, err
	}
	if err := checkRefreshDPoPBinding(tr, rt, jkt); err != nil {
		return rt, store.Grant{}, err
	}
	switch {
	case rt.UsedAt.IsZero():
		tr.Check(ruleRefreshUnused, true)
	case graceFrom.IsZero() || !rt.UsedAt.After(graceFrom): // no grace, or rotated out before it
		return rt, store.Grant{}, p.refreshReused(ctx, tr, ruleRefreshUnused, rt)
	default: // within the grace's window; the store decides the rest atomically (ruleRefreshGraceLatest)
		tr.Check(ruleRefreshGraceWindow, true)
	}
	grant, err := p.liveRefreshToken(ctx, tr, rt)
	if err != nil {
		return rt, store.Grant{}, err
	}
	return rt, grant, nil
}

// errRefreshInvalid describes every refresh token that is not valid alike.
const errRefreshInvalid = "the refresh token is invalid, expired or revoked"

// findRefreshToken looks a refresh token up by its hash; found is false
// when the store has no such token.
func (p *Provider) findRefreshToken(ctx context.Context, hash string) (rt store.RefreshToken, found bool, err *Error) {
	rt, serr := p.Store.GetRefreshToken(ctx, hash)
	if serr != nil && !errors.Is(serr, store.ErrNotFound) {
		return rt, false, ServerError(serr)
	}
	return rt, serr == nil, nil
}

// liveRefreshToken applies ruleRefreshGrantActive, the rule that the
// refresh grant and introspection share: the token has not expired and its
// grant is still in force ([RFC 6749 Section 6]). It returns the grant.
//
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
func (p *Provider) liveRefreshToken(ctx context.Context, tr *Trace, rt store.RefreshToken) (store.Grant, *Error) {
	grant, err := p.Store.GetGrant(ctx, rt.GrantID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return grant, ServerError(err)
	}
	active := err == nil && !grant.Revoked() && p.Now().Before(rt.ExpiresAt)
	return grant, tr.Require(ruleRefreshGrantActive, active, ErrInvalidGrant, errRefreshInvalid)
}

// refreshReused revokes the grant of a refresh token presented a second
// time, which ends every access and refresh token descended from it
// (revokeReplayedGrant). broken is the rule the trace shows failed:
// ruleRefreshUnused when the token was read used, else
// ruleBrokenAtRotation's.
func (p *Provider) refreshReused(ctx context.Context, tr *Trace, broken Rule, rt store.RefreshToken) *Error {
	return p.revokeReplayedGrant(ctx, tr, replay{rule: broken, event: EventRefreshReuse,
		revoked:     "grant revoked: every access and refresh token of it is dead",
		description: "the refresh token was already used; the grant is revoked"}, rt.ClientID, rt.GrantID)
}
