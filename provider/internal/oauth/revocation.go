package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
)

// TokenTypeHint says which kind of token a revocation or introspection
// request carries ([RFC 7009 Section 2.1], [RFC 7662 Section 2.1]).
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 7662 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7662#section-2.1
const (
	HintAccessToken  = "access_token"
	HintRefreshToken = "refresh_token"
)

// TokenQuery is the request of the revocation and introspection endpoints:
// a token, an optional hint, and the client's credentials.
type TokenQuery struct {
	Token         string
	TokenTypeHint string
	Client        ClientCredentials
}

// ParseTokenQuery reads a revocation or introspection request.
func ParseTokenQuery(form url.Values, authorization string) (TokenQuery, *Error) {
	cc, err := ParseClientCredentials(authorization, form)
	if err != nil {
		return TokenQuery{}, err
	}
	q := TokenQuery{Client: cc}
	if q.Token, err = singleValue(form, "token"); err != nil {
		return TokenQuery{}, err
	}
	if q.TokenTypeHint, err = singleValue(form, "token_type_hint"); err != nil {
		return TokenQuery{}, err
	}
	if q.Token == "" {
		return TokenQuery{}, invalidRequest("token is required")
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
// same authorization grant", Section 2.1). Unknown, invalid or foreign
// tokens get the same 200 answer: "invalid tokens do not cause an error
// response" (Section 2.2), and revoking another client's token changes nothing.
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
func (p *Provider) Revoke(ctx context.Context, q TokenQuery) *Error {
	client, err := p.authenticateClient(ctx, q.Client)
	if err != nil {
		return err
	}
	if looksLikeJWT(q.Token) {
		return p.revokeAccessToken(ctx, client, q.Token)
	}
	return p.revokeRefreshToken(ctx, client, q.Token)
}

// revokeAccessToken remembers a client's own, still valid access token as
// revoked until it expires.
func (p *Provider) revokeAccessToken(ctx context.Context, client store.Client, raw string) *Error {
	claims, ok := p.verifyOwnAccessToken(client, raw)
	if !ok {
		return nil // invalid, expired or foreign: nothing to do (RFC 7009 Section 2.2)
	}
	if err := p.Store.RevokeAccessToken(ctx, claims.JTI, claims.ExpiresAt); err != nil {
		return serverError(err)
	}
	return nil
}

// revokeRefreshToken revokes the grant of a client's own refresh token.
func (p *Provider) revokeRefreshToken(ctx context.Context, client store.Client, raw string) *Error {
	rt, err := p.Store.GetRefreshToken(ctx, HashSecret(raw))
	if errors.Is(err, store.ErrNotFound) || (err == nil && rt.ClientID != client.ID) {
		return nil
	}
	if err != nil {
		return serverError(err)
	}
	if err := p.Store.RevokeGrant(ctx, rt.GrantID, p.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return serverError(err)
	}
	return nil
}

// looksLikeJWT tells this provider's access tokens (JWS compact
// serialization, three dot-separated parts) from its refresh tokens (one
// base64url string). It routes the lookup; the hint is not needed for it.
func looksLikeJWT(s string) bool { return strings.Count(s, ".") == 2 }

// verifyOwnAccessToken checks an access token's signature and expiry and
// that the client asking holds it; ok is false for anything else.
func (p *Provider) verifyOwnAccessToken(client store.Client, raw string) (token.AccessTokenClaims, bool) {
	for _, audience := range p.Config.KnownResources() {
		claims, err := p.Keys.VerifyAccessToken(raw, p.Now(), p.Config.Issuer, audience)
		if err == nil {
			return claims, claims.ClientID == client.ID
		}
	}
	return token.AccessTokenClaims{}, false
}
