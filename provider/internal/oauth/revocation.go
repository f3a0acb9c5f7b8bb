package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
)

// TokenQuery is the request of the revocation and introspection endpoints:
// a token and the client's credentials. Its token_type_hint is ignored: an
// authorization server "MAY ignore this parameter, particularly if it is
// able to detect the token type automatically" ([RFC 7009 Section 2.1],
// [RFC 7662 Section 2.1]), as this one does by the token's form
// (looksLikeJWT); a hint that names the wrong type would not stop the
// search either: "it MUST extend its search across all of its supported
// token types".
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 7662 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7662#section-2.1
type TokenQuery struct {
	Token  string
	Client ClientCredentials
}

// The rule of a revocation or introspection request that carries no
// token: "token REQUIRED" ([RFC 7009 Section 2.1], [RFC 7662 Section 2.1]).
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 7662 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7662#section-2.1
var (
	ruleRevokedTokenPresent    = Rule{"the revocation request carries the token", "RFC 7009 Section 2.1"}
	ruleIntrospectTokenPresent = Rule{"the introspection request carries the token", "RFC 7662 Section 2.1"}
)

// ParseRevocationRequest reads a revocation request ([RFC 7009 Section 2.1]),
// recording its checks on the request's trace.
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
func ParseRevocationRequest(ctx context.Context, form url.Values, authorization []string) (TokenQuery, *Error) {
	return parseTokenQuery(ctx, PathRevoke, form, authorization, ruleRevokedTokenPresent)
}

// parseTokenQuery reads the request both endpoints share
// (ParseRevocationRequest, and ParseIntrospectionRequest in
// introspection.go), at endpoint: the client's credentials and token,
// under tokenPresent. token_type_hint is read only to hold it to
// ruleParameterOnce, as every parameter is; its value is not used
// (TokenQuery).
func parseTokenQuery(ctx context.Context, endpoint string, form url.Values, authorization []string, tokenPresent Rule) (TokenQuery, *Error) {
	var q TokenQuery
	var hint string
	cc, err := parseClientRequest(ctx, endpoint, authorization, form,
		param{"token", &q.Token}, param{"token_type_hint", &hint})
	if err != nil {
		return TokenQuery{}, err
	}
	q.Client = cc
	if err := TraceFrom(ctx).Require(tokenPresent, q.Token != "", ErrInvalidRequest, "token is required"); err != nil {
		return TokenQuery{}, err
	}
	return q, nil
}

// Revoke implements token revocation, [RFC 7009 Section 2.1]. The client
// authenticates (a public client by its client_id alone) and may revoke
// only its own tokens: "The authorization server … verifies whether the
// token was issued to the client making the revocation request. If this
// validation fails, the request is refused". Revoking a refresh token
// revokes its whole grant, and so the grant's access tokens too ("the
// authorization server SHOULD also invalidate all access tokens based on the
// same authorization grant", [RFC 7009 Section 2.1]). Unknown, invalid or
// foreign tokens get the same 200 answer: "invalid tokens do not cause an
// error response" ([RFC 7009 Section 2.2]), and revoking another client's
// token changes nothing.
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 7009 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7009#section-2.2
func (p *Provider) Revoke(ctx context.Context, q TokenQuery) *Error {
	client, err := p.authenticateClient(ctx, q.Client)
	if err != nil {
		return err
	}
	tr := TraceFrom(ctx)
	if looksLikeJWT(q.Token) {
		err = p.revokeAccessToken(ctx, tr, client, q.Token)
	} else {
		err = p.revokeRefreshToken(ctx, tr, client, q.Token)
	}
	if err == nil && tr != nil && tr.Outcome == "" {
		tr.Succeeded("nothing revoked (answered 200 all the same)")
	}
	return err
}

// The rules of revocation ([RFC 7009 Section 2.1], [RFC 7009 Section 2.2]).
//
// Another client's token changes nothing and is answered 200, as an
// invalid one is. [RFC 7009 Section 2.1] says such a request "is refused
// and the client is informed of the error", but an error only for a valid foreign
// token would tell any client that a token it holds is live at this
// provider, which introspection hides too ({"active":false}). The trace
// still shows which rule failed.
//
// A refresh token rotated out ("The previous refresh token is invalidated",
// [RFC 9700 Section 4.14.2]) is still one this server issued: revoking it
// revokes its grant, as presenting it again to the token endpoint would.
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 7009 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7009#section-2.2
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
var (
	ruleRevokeValidToken = Rule{"the token is one this server issued: an unexpired access token, or a refresh token it still holds, even one rotated out, which revokes its grant (any other changes nothing, and is answered 200)", "RFC 7009 Section 2.2"}
	ruleRevokeOwnToken   = Rule{"the token was issued to the client that revokes it", "RFC 7009 Section 2.1"}
)

// revokeAccessToken remembers a client's own, still valid access token as
// revoked until it expires.
func (p *Provider) revokeAccessToken(ctx context.Context, tr *Trace, client store.Client, raw string) *Error {
	claims, err := p.verifyIssuedAccessToken(raw)
	if !tr.Check(ruleRevokeValidToken, err == nil) || !tr.Check(ruleRevokeOwnToken, claims.ClientID == client.ID) {
		// Invalid, expired or foreign: nothing to do ([RFC 7009 Section 2.2]).
		//
		// [RFC 7009 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7009#section-2.2
		return nil
	}
	if err := p.Store.RevokeAccessToken(ctx, claims.JTI, claims.ExpiresAt); err != nil {
		return ServerError(err)
	}
	tr.Changed("access token revoked (its jti is remembered until it expires)")
	tr.Succeeded("token revoked")
	return nil
}

// revokeRefreshToken revokes the grant of a client's own refresh token.
func (p *Provider) revokeRefreshToken(ctx context.Context, tr *Trace, client store.Client, raw string) *Error {
	rt, found, err := p.findRefreshToken(ctx, HashSecret(raw))
	if err != nil {
		return err
	}
	if !tr.Check(ruleRevokeValidToken, found) || !tr.Check(ruleRevokeOwnToken, rt.ClientID == client.ID) {
		return nil
	}
	if err := p.revokeGrant(ctx, rt.GrantID); err != nil {
		return err
	}
	tr.Changed("grant revoked: its refresh and access tokens are dead")
	tr.Succeeded("token revoked")
	return nil
}

// looksLikeJWT tells this provider's access tokens (JWS compact
// serialization, three dot-separated parts) from its refresh tokens (one
// base64url string). It routes the lookup; the hint is not needed for it.
func looksLikeJWT(s string) bool { return strings.Count(s, ".") == 2 }

// verifyIssuedAccessToken checks an access token's signature and claims
// for any resource this provider issues tokens for. Only the audience
// differs from one resource to the next, so the first answer that is not
// token.ErrWrongAudience is the answer for them all: the claims, or the
// check the token failed (a forged token's signature is checked once).
func (p *Provider) verifyIssuedAccessToken(raw string) (token.AccessTokenClaims, error) {
	var err error
	for _, audience := range p.Config.KnownResources() {
		var claims token.AccessTokenClaims
		if claims, err = p.Keys.VerifyAccessToken(raw, p.Now(), p.Config.Issuer, audience); !errors.Is(err, token.ErrWrongAudience) {
			return claims, err
		}
	}
	return token.AccessTokenClaims{}, err
}
