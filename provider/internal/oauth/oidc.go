package oauth

import (
	"context"
	"time"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
)

// signIDToken makes the ID token of [OIDC Core Section 2]: iss, sub, aud
// (the client_id), exp, iat, auth_time, nonce (echoed), at_hash ([OIDC Core Section 3.1.3.6]) and the profile and email claims
// the scope allows ([OIDC Core Section 5.4]).
//
// [OIDC Core Section 2]: https://openid.net/specs/openid-connect-core-1_0.html#IDToken
// [OIDC Core Section 3.1.3.6]: https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
// [OIDC Core Section 5.4]: https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
func (p *Provider) signIDToken(ctx context.Context, t tokensToIssue, accessToken string, issuedAt, expiresAt time.Time) (string, *Error) {
	user, err := p.Store.GetUser(ctx, t.grant.UserID)
	if err != nil {
		return "", ServerError(err)
	}
	claims := token.IDTokenClaims{
		Issuer: p.Config.Issuer, Subject: user.ID, Audience: t.client.ID,
		IssuedAt: issuedAt, ExpiresAt: expiresAt, AuthTime: t.grant.AuthTime,
		Nonce: t.nonce, AccessToken: accessToken,
	}
	scoped := userClaims(user, t.scope)
	claims.Name, claims.Email, claims.EmailVerified = scoped.Name, scoped.Email, scoped.EmailVerified
	raw, err := p.Keys.SignIDToken(claims, token.Algorithm(t.client.IDTokenSignedResponseAlg))
	if err != nil {
		return "", ServerError(err)
	}
	return raw, nil
}

// scopedUserClaims are the user's claims a scope allows; empty when not.
type scopedUserClaims struct {
	Name, Email   string
	EmailVerified bool
}

// userClaims returns the claims that the profile and email scopes request
// ([OIDC Core Section 5.4]): name with profile, email with email, and
// email_verified false: this provider takes a user's address as it is
// configured and never checks it, and [OIDC Core Section 5.1] says of
// email_verified that "When this Claim Value is true, this means that the
// OP took affirmative steps to ensure that this e-mail address was
// controlled by the End-User at the time the verification was performed."
// A relying party that links accounts by email must not be told so.
//
// [OIDC Core Section 5.4]: https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
// [OIDC Core Section 5.1]: https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
func userClaims(u store.User, scope string) scopedUserClaims {
	var c scopedUserClaims
	if hasScope(scope, ScopeProfile) {
		c.Name = u.Name
	}
	if hasScope(scope, ScopeEmail) {
		c.Email, c.EmailVerified = u.Email, false
	}
	return c
}

// UserInfo is the answer of the userinfo endpoint ([OIDC Core Section 5.3.2]).
//
// [OIDC Core Section 5.3.2]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
type UserInfo struct {
	Subject       string `json:"sub"`
	Name          string `json:"name,omitempty"`
	Email         string `json:"email,omitempty"`
	EmailVerified *bool  `json:"email_verified,omitempty"`
}

// UserInfo implements the userinfo endpoint ([OIDC Core Section 5.3]) for an
// access token already checked by AuthenticateResource. The endpoint answers
// for "an Access Token obtained through OpenID Connect Authentication": a
// user's token with scope openid, as requireUserScope checks.
//
// [OIDC Core Section 5.3]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
func (p *Provider) UserInfo(ctx context.Context, at token.AccessTokenClaims) (*UserInfo, *Error) {
	if err := requireUserScope(TraceFrom(ctx), at, ScopeUserInfo); err != nil {
		return nil, err
	}
	user, err := p.tokenUser(ctx, at)
	if err != nil {
		return nil, err
	}
	c := userClaims(user, at.Scope)
	info := &UserInfo{Subject: user.ID, Name: c.Name, Email: c.Email}
	if c.Email != "" {
		info.EmailVerified = &c.EmailVerified
	}
	return info, nil
}

// verifyIDTokenHint checks that hint is an ID token this provider issued,
// expired or not (token.Keys.VerifyIDTokenHint), under rule: the
// authorization request's (ruleAuthorizeHintIssued) or the logout's
// (ruleLogoutHintIssued).
func (p *Provider) verifyIDTokenHint(tr *Trace, rule Rule, hint string) (token.IDTokenClaims, *Error) {
	claims, err := p.Keys.VerifyIDTokenHint(hint, p.Config.Issuer)
	if !tr.Check(rule, err == nil) {
		e := rule.Refuse(ErrInvalidRequest, "id_token_hint is not an ID token issued by this provider")
		e.Cause = err
		return claims, e
	}
	return claims, nil
}
