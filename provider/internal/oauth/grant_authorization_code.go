package oauth

import (
	"context"
	"errors"

	"github.com/oauth-reference/provider/internal/store"
)

// grantAuthorizationCode implements the access token request of the
// authorization code grant, [RFC 6749 Section 4.1.3], with the PKCE check of
// [RFC 7636 Section 4.6].
//
// The code is consumed first, atomically and only by the client it was
// issued to: of two concurrent redemptions exactly one wins, and another
// client's attempt leaves it unused. "If an authorization code is used more than once, the
// authorization server MUST deny the request and SHOULD revoke (when
// possible) all tokens previously issued based on that authorization code"
// ([RFC 6749 Section 4.1.2]) — done by revoking the code's grant.
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
// [RFC 7636 Section 4.6]: https://www.rfc-editor.org/rfc/rfc7636#section-4.6
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func (p *Provider) grantAuthorizationCode(ctx context.Context, client store.Client, r TokenRequest) (*TokenResponse, *Error) {
	tr := TraceFrom(ctx)
	if err := tr.Require(ruleCodePresent, r.Code != "", ErrInvalidRequest, "code is required"); err != nil {
		return nil, err
	}
	code, err := p.consumeCode(ctx, tr, client, r.Code)
	if err != nil {
		return nil, err
	}
	if err := p.checkCode(tr, code, r); err != nil {
		return nil, err
	}
	audience, aerr := p.audienceFor(tr, r.Resources, code.Resources)
	if aerr != nil {
		return nil, aerr
	}
	return p.issueAndStore(ctx, issuedTokens{client: client, grant: grantOf(code), scope: code.Scope, audience: audience,
		nonce: code.Nonce, refresh: true, jkt: r.dpopJKT})
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
	// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
	ruleCodeKnown          = Rule{"the authorization code is one this server issued (expired codes are forgotten once purged)", "RFC 6749 Section 4.1.3"}
	ruleCodeIssuedToClient = Rule{"the code was issued to this client", "RFC 6749 Section 4.1.3"}
	ruleCodeSingleUse      = Rule{"the code has not been used before", "RFC 6749 Section 4.1.2"}
	ruleCodeUnexpired      = Rule{"the code has not expired", "RFC 6749 Section 4.1.2"}
	ruleCodeRedirectURI    = Rule{"redirect_uri is identical to the one of the authorization request", "RFC 6749 Section 4.1.3"}
	// [RFC 9449 Section 10]: "When a token request is received, the
	// authorization server computes the JWK Thumbprint of the
	// proof-of-possession public key in the DPoP proof and verifies that it
	// matches the dpop_jkt parameter value in the authorization request. If
	// they do not match, it MUST reject the request."
	ruleCodeDPoPKey = Rule{"a code requested with dpop_jkt comes with a DPoP proof by that key", "RFC 9449 Section 10"}
)

// consumeCode consumes the code raw for client, applying in order the rules
// the store decides at once: the code is known, it is the client's, and it
// was not used before (a code used again revokes its grant).
func (p *Provider) consumeCode(ctx context.Context, tr *Trace, client store.Client, raw string) (store.AuthorizationCode, *Error) {
	code, err := p.Store.ConsumeAuthorizationCode(ctx, HashSecret(raw), client.ID, p.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return code, tr.Fail(ruleCodeKnown, ErrInvalidGrant, "the authorization code is invalid")
	case errors.Is(err, store.ErrOtherClient):
		tr.Check(ruleCodeKnown, true)
		return code, tr.Fail(ruleCodeIssuedToClient, ErrInvalidGrant, "the authorization code is invalid")
	case err != nil && !errors.Is(err, store.ErrAlreadyUsed):
		return code, ServerError(err)
	}
	tr.Check(ruleCodeKnown, true)
	tr.Check(ruleCodeIssuedToClient, true)
	if err != nil {
		return code, p.codeReplayed(ctx, tr, code)
	}
	tr.Check(ruleCodeSingleUse, true)
	tr.Changed("authorization code consumed")
	return code, nil
}

// codeReplayed answers a code presented a second time: the request is
// denied and the code's grant revoked, which ends every token issued from it.
func (p *Provider) codeReplayed(ctx context.Context, tr *Trace, code store.AuthorizationCode) *Error {
	if err := p.revokeGrant(ctx, code.GrantID); err != nil {
		return err
	}
	p.securityEvent(ctx, EventCodeReplay, "client_id", code.ClientID, "grant_id", code.GrantID)
	tr.Changed("grant revoked: every token issued from this code is dead")
	return tr.Fail(ruleCodeSingleUse, ErrInvalidGrant, "the authorization code was already used; any tokens issued from it are revoked")
}

// grantOf is the grant a code was issued for, as the code records it: the
// code carries its grant's id, user, scope and authentication time, so the
// exchange needs no second read of the store.
func grantOf(code store.AuthorizationCode) store.Grant {
	return store.Grant{ID: code.GrantID, ClientID: code.ClientID, UserID: code.UserID, Scope: code.Scope,
		Resources: code.Resources, AuthTime: code.AuthTime}
}

// checkCode makes the checks of [RFC 6749 Section 4.1.3] on a consumed code
// (the store consumed it only for the client it "was issued to"): "verify
// that the authorization code is valid", and
// "ensure that the redirect_uri parameter is present if the redirect_uri
// parameter was included in the initial authorization request … and if
// included ensure that their values are identical"; then PKCE.
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
func (p *Provider) checkCode(tr *Trace, code store.AuthorizationCode, r TokenRequest) *Error {
	if err := tr.Require(ruleCodeUnexpired, p.Now().Before(code.ExpiresAt), ErrInvalidGrant, "the authorization code has expired"); err != nil {
		return err
	}
	sameRedirect := code.RedirectURI == "" || r.RedirectURI == code.RedirectURI
	if err := tr.Require(ruleCodeRedirectURI, sameRedirect, ErrInvalidGrant, "redirect_uri does not match the authorization request"); err != nil {
		return err
	}
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
