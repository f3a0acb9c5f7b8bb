package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// grantAuthorizationCode implements the access token request of the
// authorization code grant, [RFC 6749 Section 4.1.3], with the PKCE check of
// [RFC 7636 Section 4.6].
//
// The code is read, checked and its tokens signed before anything is
// stored; then one store call redeems the code and stores the refresh
// token, both or neither (redeemCode). So a server fault on the way leaves
// the code unused, and the client's retry succeeds instead of looking like
// a replay. Of two concurrent redemptions exactly one wins, and another
// client's attempt leaves the code unused. "If an authorization code is
// used more than once, the authorization server MUST deny the request and
// SHOULD revoke (when possible) all tokens previously issued based on that
// authorization code" ([RFC 6749 Section 4.1.2]) — done by revoking the
// code's grant.
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
// [RFC 7636 Section 4.6]: https://www.rfc-editor.org/rfc/rfc7636#section-4.6
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func (p *Provider) grantAuthorizationCode(ctx context.Context, client store.Client, r TokenRequest) (*TokenResponse, *Error) {
	tr := TraceFrom(ctx)
	if err := tr.Require(ruleCodePresent, r.Code != "", ErrInvalidRequest, "code is required"); err != nil {
		return nil, err
	}
	// A code_verifier of the wrong form tells nothing of the code: it is
	// refused before the code is read, which leaves the code for the
	// client's corrected retry.
	if err := requireVerifierForm(tr, r.CodeVerifier); err != nil {
		return nil, err
	}
	code, err := p.findUnusedCodeOrRevokeGrant(ctx, tr, client, r.Code)
	if err != nil {
		return nil, err
	}
	now := p.Now()
	if err := p.checkCode(tr, code, r, now); err != nil {
		// The attempt used the code up all the same: a client refused for
		// its code_verifier, redirect_uri or DPoP key does not get to try
		// another.
		if rerr := p.redeemCode(ctx, tr, code, store.Issued{}); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	// The client has shown it holds the code (checkCode), so a refusal now
	// tells no thief anything: a redirect_uri missing or a resource it may
	// not have is the request's own form, and the code is left for the
	// corrected retry.
	if err := requireRedirectURI(tr, code, r.RedirectURI); err != nil {
		return nil, err
	}
	audience, err := p.audienceFor(tr, r.Resources, code.Resources)
	if err != nil {
		return nil, err
	}
	resp, issued, err := p.issueTokens(ctx, tokensToIssue{now: now, client: client, grant: grantOf(code), scope: code.Scope, audience: audience,
		nonce: code.Nonce, refresh: true, jkt: r.dpopJKT})
	if err != nil {
		return nil, err
	}
	if err := p.redeemCode(ctx, tr, code, issued); err != nil {
		return nil, err
	}
	return resp, nil
}

// The rules of the code exchange ([RFC 6749 Section 4.1.2], [RFC 6749 Section 4.1.3]).
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
var (
	ruleCodePresent = Rule{"the request carries the code", "RFC 6749 Section 4.1.3"}
	// "verify that the authorization code is valid" ([RFC 6749 Section 4.1.3]);
	// else "The provided authorization grant (e.g., authorization code …) is
	// invalid" → invalid_grant ([RFC 6749 Section 5.2]). An expired code is
	// forgotten once purged, and then fails this rule, not ruleCodeUnexpired.
	//
	// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
	// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
	ruleCodeKnown          = Rule{"the authorization code is one this server issued (expired codes are forgotten once purged)", "RFC 6749 Section 4.1.3"}
	ruleCodeIssuedToClient = Rule{"the code was issued to this client", "RFC 6749 Section 4.1.3"}
	ruleCodeSingleUse      = Rule{"the code has not been used before", "RFC 6749 Section 4.1.2"}
	ruleCodeUnexpired      = Rule{"the code has not expired", "RFC 6749 Section 4.1.2"}
	// ruleCodeSingleUse again, as the store redeems the code atomically
	// (redeemCode): of concurrent requests that all read the code unused,
	// one redeems it and the others break this rule, not the one they
	// passed when they read it.
	ruleCodeUnusedWhenRedeemed = Rule{"the code was still unused when redeemed (no concurrent request used it first)", "RFC 6749 Section 4.1.2"}
	// A request "missing a required parameter" is invalid_request
	// ([RFC 6749 Section 5.2]), not a redirect_uri that does not match.
	//
	// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
	ruleCodeRedirectURIPresent = Rule{"redirect_uri is sent when the authorization request had one", "RFC 6749 Section 4.1.3"}
	// Compared only when both requests carry one: [RFC 6749 Section 4.1.3]
	// asks for identity "if the "redirect_uri" parameter was included in the
	// authorization request", and ruleCodeRedirectURIPresent sees that it is
	// then sent again.
	//
	// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
	ruleCodeRedirectURI = Rule{"redirect_uri, if sent in both requests, is identical to the authorization request's", "RFC 6749 Section 4.1.3"}
	// [RFC 9449 Section 10]: "When a token request is received, the
	// authorization server computes the JWK Thumbprint of the
	// proof-of-possession public key in the DPoP proof and verifies that it
	// matches the dpop_jkt parameter value in the authorization request. If
	// they do not match, it MUST reject the request."
	//
	// [RFC 9449 Section 10]: https://www.rfc-editor.org/rfc/rfc9449#section-10
	ruleCodeDPoPKey = Rule{"a code requested with dpop_jkt comes with a DPoP proof by that key", "RFC 9449 Section 10"}
)

// findUnusedCodeOrRevokeGrant reads the code raw for client, applying in
// order the rules a code must meet before it is looked at: it is known, it
// is the client's, and it was not used before.
//
// It writes as well as reads: a used code revokes its grant
// (codeReplayed). Another client's attempt changes nothing: the code is
// left as it was.
func (p *Provider) findUnusedCodeOrRevokeGrant(ctx context.Context, tr *Trace, client store.Client, raw string) (store.AuthorizationCode, *Error) {
	code, err := p.Store.GetAuthorizationCode(ctx, HashSecret(raw))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return code, ServerError(err)
	}
	if err := tr.Require(ruleCodeKnown, err == nil, ErrInvalidGrant, "the authorization code is invalid"); err != nil {
		return code, err
	}
	if err := tr.Require(ruleCodeIssuedToClient, code.ClientID == client.ID, ErrInvalidGrant, "the authorization code is invalid"); err != nil {
		return code, err
	}
	if !code.UsedAt.IsZero() {
		return code, p.codeReplayed(ctx, tr, ruleCodeSingleUse, code)
	}
	tr.Check(ruleCodeSingleUse, true)
	return code, nil
}

// redeemCode marks the checked code used and stores issued, what was
// issued from it (nothing but its grant, for a code used up by a refused
// attempt), in one store call: both or neither. If
// a concurrent request redeemed it since findUnusedCodeOrRevokeGrant read
// it, this is the code's second use (ruleCodeUnusedWhenRedeemed, which a
// redeemed code passes); if its grant went meanwhile (with its client),
// the grant is no longer in force.
func (p *Provider) redeemCode(ctx context.Context, tr *Trace, code store.AuthorizationCode, issued store.Issued) *Error {
	switch err := p.Store.RedeemAuthorizationCode(ctx, code.Hash, p.Now(), issued); {
	case errors.Is(err, store.ErrAlreadyUsed):
		return p.codeReplayed(ctx, tr, ruleCodeUnusedWhenRedeemed, code)
	case errors.Is(err, store.ErrNotFound):
		return grantGone(tr)
	case err != nil:
		return ServerError(err)
	}
	tr.Check(ruleCodeUnusedWhenRedeemed, true)
	redeemed(tr, "authorization code consumed", issued)
	return nil
}

// codeReplayed answers a code presented a second time: the request is
// denied and the code's grant revoked, which ends every token issued from
// it (revokeReplayedGrant). broken is the rule the trace shows failed:
// ruleCodeSingleUse when the code was read used, ruleCodeUnusedWhenRedeemed
// when a concurrent request redeemed it after it was read.
func (p *Provider) codeReplayed(ctx context.Context, tr *Trace, broken Rule, code store.AuthorizationCode) *Error {
	return p.revokeReplayedGrant(ctx, tr, replay{rule: broken, event: EventCodeReplay,
		revoked:     "grant revoked: every token issued from this code is dead",
		description: "the authorization code was already used; any tokens issued from it are revoked"}, code.ClientID, code.GrantID)
}

// grantOf is the grant a code was issued for, as the code records it: the
// code carries its grant's id, user, scope and authentication time, so the
// exchange needs no second read of the store.
func grantOf(code store.AuthorizationCode) store.Grant {
	return store.Grant{ID: code.GrantID, ClientID: code.ClientID, UserID: code.UserID, Scope: code.Scope,
		Resources: code.Resources, AuthTime: code.AuthTime}
}

// checkCode makes the checks of [RFC 6749 Section 4.1.3] on a found code
// (findUnusedCodeOrRevokeGrant found it "was issued to" the client):
// "verify that the authorization code is valid"; of the redirect_uri, the
// section asks to
// "ensure that the "redirect_uri" parameter is present if the
// "redirect_uri" parameter was included in the initial authorization
// request as described in Section 4.1.1, and if included ensure that their
// values are identical". checkCode makes the second half (identical
// values); requireRedirectURI, below, makes the first (presence), after it.
// Then PKCE (verifyCodeVerifier) and the DPoP key. The code is checked
// unexpired at now, the instant its tokens are issued at.
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
func (p *Provider) checkCode(tr *Trace, code store.AuthorizationCode, r TokenRequest, now time.Time) *Error {
	if err := tr.Require(ruleCodeUnexpired, now.Before(code.ExpiresAt), ErrInvalidGrant, "the authorization code has expired"); err != nil {
		return err
	}
	// presence: requireRedirectURI, after the holder is proven
	sameRedirect := code.RedirectURI == "" || r.RedirectURI == "" || r.RedirectURI == code.RedirectURI
	if err := tr.Require(ruleCodeRedirectURI, sameRedirect, ErrInvalidGrant, "redirect_uri does not match the authorization request"); err != nil {
		return err
	}
	// form: requireVerifierForm, before the code is read
	if err := verifyCodeVerifier(tr, code.CodeChallenge, r.CodeVerifier); err != nil {
		return err
	}
	if code.DPoPJKT == "" {
		return nil
	}
	return requireBoundKey(tr, ruleCodeDPoPKey, code.DPoPJKT, r.dpopJKT,
		"a DPoP proof is required for this authorization code (it was requested with dpop_jkt)",
		"the authorization code is bound (dpop_jkt) to another DPoP key")
}

// requireRedirectURI makes the first half of the redirect_uri check of
// [RFC 6749 Section 4.1.3] quoted at checkCode: redirect_uri is present if
// the authorization request had one. It runs after checkCode, once the
// client has proven it holds the code, and its refusal leaves the code for
// the corrected retry: a missing redirect_uri is the request's own form
// (invalid_request), not a wrong value.
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
func requireRedirectURI(tr *Trace, code store.AuthorizationCode, redirectURI string) *Error {
	return tr.Require(ruleCodeRedirectURIPresent, code.RedirectURI == "" || redirectURI != "", ErrInvalidRequest,
		"redirect_uri is required: the authorization request had one")
}
