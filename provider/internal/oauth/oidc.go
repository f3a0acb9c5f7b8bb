package oauth

import (
	"context"
	"errors"
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
func (p *Provider) signIDToken(ctx context.Context, t issuedTokens, accessToken string, now time.Time) (string, *Error) {
	user, err := p.Store.GetUser(ctx, t.grant.UserID)
	if err != nil {
		return "", serverError(err)
	}
	claims := token.IDTokenClaims{
		Issuer: p.Config.Issuer, Subject: user.ID, Audience: t.client.ID,
		IssuedAt: now, ExpiresAt: now.Add(p.Config.AccessTokenTTL), AuthTime: t.grant.AuthTime,
		Nonce: t.nonce, AtHash: token.AtHash(accessToken),
	}
	addUserClaims(&claims, user, t.scope)
	raw, err := p.Keys.SignIDToken(claims)
	if err != nil {
		return "", serverError(err)
	}
	return raw, nil
}

// addUserClaims adds the claims that the profile and email scopes request
// ([OIDC Core Section 5.4]).
//
// [OIDC Core Section 5.4]: https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
func addUserClaims(c *token.IDTokenClaims, u store.User, scope string) {
	if hasScope(scope, "profile") {
		c.Name = u.Name
	}
	if hasScope(scope, "email") {
		c.Email, c.EmailVerified = u.Email, true
	}
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
// access token already checked by AuthenticateBearer: it needs the openid
// scope and a user.
//
// [OIDC Core Section 5.3]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
func (p *Provider) UserInfo(ctx context.Context, at token.AccessTokenClaims) (*UserInfo, *Error) {
	if at.GrantID == "" || !hasScope(at.Scope, ScopeOpenID) {
		return nil, NewError(ErrInsufficientScope, "the userinfo endpoint needs a user's token with scope openid")
	}
	user, err := p.Store.GetUser(ctx, at.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return nil, NewError(ErrInvalidToken, "the token's user no longer exists")
	}
	if err != nil {
		return nil, serverError(err)
	}
	var c token.IDTokenClaims
	addUserClaims(&c, user, at.Scope)
	info := &UserInfo{Subject: user.ID, Name: c.Name, Email: c.Email}
	if c.Email != "" {
		info.EmailVerified = &c.EmailVerified
	}
	return info, nil
}
