package oauth

import (
	"context"
	"errors"

	"github.com/oauth-reference/provider/internal/store"
)

// IntrospectionResponse is the answer of the introspection endpoint
// ([RFC 7662 Section 2.2]). An inactive token is only {"active":false}.
//
// [RFC 7662 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
type IntrospectionResponse struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	ExpiresAt int64  `json:"exp,omitempty"`
	IssuedAt  int64  `json:"iat,omitempty"`
	Subject   string `json:"sub,omitempty"`
	Audience  string `json:"aud,omitempty"`
	Issuer    string `json:"iss,omitempty"`
	JTI       string `json:"jti,omitempty"`
}

// Introspect implements token introspection, [RFC 7662 Section 2]. Only
// confidential clients may introspect, and only tokens issued to them: "the
// authorization server MUST determine whether or not the token can be used
// with the protected resource making the introspection request" — anything
// else, like an expired, revoked, unknown or malformed token, is
// {"active": false} ("the authorization server SHOULD NOT include any
// additional information about an inactive token").
//
// [RFC 7662 Section 2]: https://www.rfc-editor.org/rfc/rfc7662#section-2
func (p *Provider) Introspect(ctx context.Context, q TokenQuery) (*IntrospectionResponse, *Error) {
	client, err := p.authenticateClient(ctx, q.Client)
	if err != nil {
		return nil, err
	}
	if client.Type != store.Confidential {
		return nil, &Error{Code: ErrInvalidClient, Description: "introspection is for confidential clients",
			UsedBasicAuth: q.Client.Method == AuthClientSecretBasic}
	}
	if looksLikeJWT(q.Token) {
		return p.introspectAccessToken(ctx, client, q.Token)
	}
	return p.introspectRefreshToken(ctx, client, q.Token)
}

func (p *Provider) introspectAccessToken(ctx context.Context, client store.Client, raw string) (*IntrospectionResponse, *Error) {
	claims, ok := p.verifyOwnAccessToken(client, raw)
	if !ok {
		return &IntrospectionResponse{}, nil
	}
	revoked, err := p.Store.AccessTokenRevoked(ctx, claims.GrantID, claims.JTI)
	if err != nil {
		return nil, serverError(err)
	}
	if revoked {
		return &IntrospectionResponse{}, nil
	}
	return &IntrospectionResponse{
		Active: true, Scope: claims.Scope, ClientID: claims.ClientID, TokenType: "Bearer",
		ExpiresAt: claims.ExpiresAt.Unix(), IssuedAt: claims.IssuedAt.Unix(), Subject: claims.Subject,
		Audience: claims.Audience, Issuer: claims.Issuer, JTI: claims.JTI,
	}, nil
}

func (p *Provider) introspectRefreshToken(ctx context.Context, client store.Client, raw string) (*IntrospectionResponse, *Error) {
	rt, err := p.Store.GetRefreshToken(ctx, HashSecret(raw))
	if errors.Is(err, store.ErrNotFound) || (err == nil && (rt.ClientID != client.ID || !rt.UsedAt.IsZero() || !p.now().Before(rt.ExpiresAt))) {
		return &IntrospectionResponse{}, nil
	}
	if err != nil {
		return nil, serverError(err)
	}
	grant, err := p.Store.GetGrant(ctx, rt.GrantID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && grant.Revoked()) {
		return &IntrospectionResponse{}, nil
	}
	if err != nil {
		return nil, serverError(err)
	}
	return &IntrospectionResponse{
		Active: true, Scope: rt.Scope, ClientID: rt.ClientID, TokenType: HintRefreshToken,
		ExpiresAt: rt.ExpiresAt.Unix(), IssuedAt: rt.CreatedAt.Unix(), Subject: rt.UserID, Issuer: p.Config.Issuer,
	}, nil
}
