package oauth

import (
	"context"
	"net/url"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
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
	// Cnf names the DPoP key a bound token is bound to
	// ([RFC 9449 Section 6.2]): "the hash of the public key to which the
	// token is bound is conveyed to the protected resource as
	// metainformation in a token introspection response".
	//
	// [RFC 9449 Section 6.2]: https://www.rfc-editor.org/rfc/rfc9449#section-6.2
	Cnf *token.Confirmation `json:"cnf,omitempty"`
}

// ParseIntrospectionRequest reads an introspection request
// ([RFC 7662 Section 2.1]), recording its checks on the request's trace.
//
// [RFC 7662 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7662#section-2.1
func ParseIntrospectionRequest(ctx context.Context, form url.Values, authorization []string) (TokenQuery, *Error) {
	return parseTokenQuery(ctx, PathIntrospect, form, authorization, ruleIntrospectTokenPresent)
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
	tr := TraceFrom(ctx)
	if client.Type != store.Confidential {
		return nil, tr.Fail(ruleIntrospectConfidential, ErrInvalidClient, "introspection is for confidential clients")
	}
	tr.Check(ruleIntrospectConfidential, true)
	var resp *IntrospectionResponse
	if looksLikeJWT(q.Token) {
		resp, err = p.introspectAccessToken(ctx, tr, client, q.Token)
	} else {
		resp, err = p.introspectRefreshToken(ctx, tr, client, q.Token)
	}
	if err == nil && resp.Active {
		tr.Succeeded("token active")
	} else if err == nil {
		tr.Succeeded("token inactive")
	}
	return resp, err
}

// The rules of introspection ([RFC 7662 Section 2.1], [RFC 7662 Section 2.2]).
//
// [RFC 7662 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7662#section-2.1
// [RFC 7662 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
var (
	ruleIntrospectConfidential = Rule{"the introspecting client is confidential (it authenticates)", "RFC 7662 Section 2.1"}
	// A refresh token is known, unexpired and not used up; whether its
	// grant is revoked is checked after, under ruleRefreshGrantActive, as
	// the refresh grant checks it.
	ruleIntrospectRefreshValid = Rule{"the refresh token is known, unexpired and not used up (else active:false)", "RFC 7662 Section 2.2"}
	// An access token is checked as a resource checks it (traceAccessToken),
	// for any resource this server serves.
	ruleIntrospectAudience = Rule{"the access token was issued for a resource this server serves (its aud names one)", "RFC 9068 Section 4"}
	// [RFC 7662 Section 2.2]: "If the introspection call is properly
	// authorized but … the protected resource is not allowed to introspect
	// this particular token, then the authorization server MUST return an
	// introspection response with the "active" field set to "false"."
	//
	// [RFC 7662 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
	ruleIntrospectOwnToken = Rule{"the token was issued to the introspecting client (else active:false)", "RFC 7662 Section 2.2"}
	// [RFC 7662 Section 2.2]: "active" true means the token "has not been
	// revoked by the resource owner"; the resources' check, with this
	// endpoint's section.
	ruleIntrospectNotRevoked = Rule{"neither the access token nor its grant is revoked, nor its client deleted (else active:false)", "RFC 7662 Section 2.2"}
)

// introspectAccessToken answers for one of this provider's access tokens:
// valid for any resource it serves (its trace names the check a token
// failed, as a resource's does), the caller's own, and not revoked
// (checkNotRevoked, as the resources ask it). Its token_type is the
// "Type of the token as defined in Section 5.1 of OAuth 2.0 [RFC6749]"
// ([RFC 7662 Section 2.2]), DPoP for a token bound to a DPoP key
// ([RFC 9449 Section 6.2]: "If the token_type member is included in the
// introspection response, it MUST contain the value DPoP."), whose
// thumbprint cnf then carries (confirmationOf).
//
// [RFC 7662 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
// [RFC 9449 Section 6.2]: https://www.rfc-editor.org/rfc/rfc9449#section-6.2
func (p *Provider) introspectAccessToken(ctx context.Context, tr *Trace, client store.Client, raw string) (*IntrospectionResponse, *Error) {
	claims, err := p.verifyIssuedAccessToken(raw)
	if !traceAccessToken(tr, err, ruleIntrospectAudience) || !tr.Check(ruleIntrospectOwnToken, claims.ClientID == client.ID) {
		return &IntrospectionResponse{}, nil
	}
	if err := p.checkNotRevoked(ctx, tr, ruleIntrospectNotRevoked, claims); err != nil {
		return inactiveUnless(err)
	}
	return &IntrospectionResponse{
		Active: true, Scope: claims.Scope, ClientID: claims.ClientID, TokenType: tokenType(claims.JKT),
		ExpiresAt: claims.ExpiresAt.Unix(), IssuedAt: claims.IssuedAt.Unix(), Subject: claims.Subject,
		Audience: claims.Audience, Issuer: claims.Issuer, JTI: claims.JTI, Cnf: confirmationOf(claims.JKT),
	}, nil
}

// introspectRefreshToken answers for a refresh token: the caller's own,
// unused, or used but presentable again within the reuse grace
// (presentableAgain), and alive (liveRefreshToken, the refresh grant's rule
// too): active exactly when the token endpoint would accept it. The
// answer has no token_type: [RFC 7662 Section 2.2] makes it a type of
// access token, "as defined in Section 5.1 of OAuth 2.0 [RFC6749]", and a
// refresh token has none ("refresh_token" is a token_type_hint).
//
// [RFC 7662 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
func (p *Provider) introspectRefreshToken(ctx context.Context, tr *Trace, client store.Client, raw string) (*IntrospectionResponse, *Error) {
	rt, found, err := p.findRefreshToken(ctx, HashSecret(raw))
	if err != nil {
		return nil, err
	}
	now := p.Now()
	presentable := rt.UsedAt.IsZero()
	if found && !presentable {
		if presentable, err = p.presentableAgain(ctx, rt, now); err != nil {
			return nil, err
		}
	}
	valid := found && presentable && now.Before(rt.ExpiresAt)
	if !tr.Check(ruleIntrospectRefreshValid, valid) || !tr.Check(ruleIntrospectOwnToken, rt.ClientID == client.ID) {
		return &IntrospectionResponse{}, nil
	}
	if _, err := p.liveRefreshToken(ctx, tr, rt); err != nil {
		return inactiveUnless(err)
	}
	return &IntrospectionResponse{
		Active: true, Scope: rt.Scope, ClientID: rt.ClientID,
		ExpiresAt: rt.ExpiresAt.Unix(), IssuedAt: rt.CreatedAt.Unix(), Subject: rt.UserID, Issuer: p.Config.Issuer,
	}, nil
}

// inactiveUnless turns a token that failed a rule into {"active":false}
// ([RFC 7662 Section 2.2]); a server fault stays one.
//
// [RFC 7662 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
func inactiveUnless(err *Error) (*IntrospectionResponse, *Error) {
	if err.ServerFault() {
		return nil, err
	}
	return &IntrospectionResponse{}, nil
}
