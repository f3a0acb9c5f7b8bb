package oauth

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
)

// TokenRequest is an access token request at the token endpoint
// ([RFC 6749 Section 3.2]): the fields of every grant type this provider
// supports.
//
// [RFC 6749 Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
type TokenRequest struct {
	GrantType    GrantType
	Code         string // authorization_code
	RedirectURI  string // authorization_code
	CodeVerifier string // authorization_code with PKCE
	RefreshToken string // refresh_token
	Scope        string // refresh_token, client_credentials
	DeviceCode   string // device_code
	// Resources are the resource parameters of [RFC 8707 Section 2]: the
	// resource server the access token is for. An empty one counts as
	// omitted (resourceParameters).
	//
	// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
	Resources []string
	Client    ClientCredentials
	// DPoP is the request's DPoP proof, if any ([RFC 9449 Section 5]).
	//
	// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
	DPoP DPoPRequest

	dpopJKT string // the checked proof's key, set by Token for the grant
}

// ParseTokenRequest reads a token request from the form body and the
// Authorization header, recording its checks on the request's trace in the
// order it makes them: no parameter repeated ([RFC 6749 Section 3.2]: "Request
// and response parameters MUST NOT be included more than once"), the form of
// the client's credentials, then grant_type present (ruleGrantTypePresent).
// The resource parameter may be repeated ([RFC 8707 Section 2]); each
// value must be text all the same.
//
// [RFC 6749 Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
func ParseTokenRequest(ctx context.Context, form url.Values, authorization []string) (TokenRequest, *Error) {
	resources, err := textValues(form, "resource")
	if err != nil {
		TraceFrom(ctx).Check(ruleParameterOnce, false)
		return TokenRequest{}, err
	}
	r := TokenRequest{Resources: resourceParameters(resources)}
	var grantType string
	cc, err := parseClientRequest(ctx, PathToken, authorization, form,
		param{"grant_type", &grantType}, param{"code", &r.Code}, param{"redirect_uri", &r.RedirectURI},
		param{"code_verifier", &r.CodeVerifier}, param{"refresh_token", &r.RefreshToken},
		param{"scope", &r.Scope}, param{"device_code", &r.DeviceCode})
	if err != nil {
		return TokenRequest{}, err
	}
	r.Client, r.GrantType = cc, GrantType(grantType)
	if err := TraceFrom(ctx).Require(ruleGrantTypePresent(r.GrantType), r.GrantType != "", ErrInvalidRequest, "grant_type is required"); err != nil {
		return TokenRequest{}, err
	}
	return r, nil
}

// TokenResponse is the successful answer of the token endpoint
// ([RFC 6749 Section 5.1]), with the id_token of
// [OIDC Core Section 3.1.3.3].
//
// [RFC 6749 Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
// [OIDC Core Section 3.1.3.3]: https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	// DPoPNonce goes in the DPoP-Nonce header, not the body ([RFC 9449 Section 8.2]).
	//
	// [RFC 9449 Section 8.2]: https://www.rfc-editor.org/rfc/rfc9449#section-8.2
	DPoPNonce string `json:"-"`
}

// Token answers a token request: it authenticates the client, admits the
// grant type, checks the DPoP proof, if any ([RFC 9449 Section 5]), whose
// key the grant binds its tokens to, then switches on grant_type, once
// ([RFC 6749 Section 4.1.3], [RFC 6749 Section 4.4.2], [RFC 6749 Section 6],
// [RFC 8628 Section 3.4]).
//
// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
// [RFC 6749 Section 4.4.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
// [RFC 8628 Section 3.4]: https://www.rfc-editor.org/rfc/rfc8628#section-3.4
func (p *Provider) Token(ctx context.Context, r TokenRequest) (*TokenResponse, *Error) {
	client, err := p.authenticateClient(ctx, r.Client)
	if err != nil {
		return nil, err
	}
	if err := admitGrant(TraceFrom(ctx), client, r.GrantType); err != nil {
		return nil, err
	}
	if r.dpopJKT, err = p.tokenRequestDPoP(ctx, client, r.DPoP); err != nil {
		return nil, err
	}
	var resp *TokenResponse
	switch r.GrantType {
	case GrantTypeAuthorizationCode:
		resp, err = p.grantAuthorizationCode(ctx, client, r)
	case GrantTypeRefreshToken:
		resp, err = p.grantRefreshToken(ctx, client, r)
	case GrantTypeClientCredentials:
		resp, err = p.grantClientCredentials(ctx, client, r)
	case GrantTypeDeviceCode:
		resp, err = p.grantDeviceCode(ctx, client, r)
	default: // not in supportedGrantTypes, so admitGrant refused it
		return nil, ServerError(fmt.Errorf("oauth: no grant function for grant_type %q", r.GrantType))
	}
	if err == nil {
		TraceFrom(ctx).Succeeded("tokens issued")
	}
	if resp != nil && r.DPoP.Present() {
		resp.DPoPNonce = p.dpopNonce()
	}
	return resp, err
}

// The rules of the token request's grant_type ([RFC 6749 Section 5.2]).
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
var (
	ruleGrantTypeSupported  = Rule{"grant_type is one this server supports", "RFC 6749 Section 5.2"}
	ruleGrantTypeRegistered = Rule{"the client is registered for this grant type", "RFC 6749 Section 5.2"}
)

// grantTypeRequired is, for each grant type, the access token request that
// says "grant_type REQUIRED" ([RFC 6749 Section 4.1.3], [RFC 6749 Section 4.4.2],
// [RFC 6749 Section 6], [RFC 8628 Section 3.4]).
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
// [RFC 6749 Section 4.4.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
// [RFC 8628 Section 3.4]: https://www.rfc-editor.org/rfc/rfc8628#section-3.4
var grantTypeRequired = map[GrantType]string{
	GrantTypeAuthorizationCode: "RFC 6749 Section 4.1.3",
	GrantTypeClientCredentials: "RFC 6749 Section 4.4.2",
	GrantTypeRefreshToken:      "RFC 6749 Section 6",
	GrantTypeDeviceCode:        "RFC 8628 Section 3.4",
}

// ruleGrantTypePresent is the rule that a token request names its
// grant_type, cited from the request of grant g. Without a grant_type, or
// with one this server does not know, the grant is unknown, and the rule
// is the error's: a request "missing a required parameter" is
// invalid_request ([RFC 6749 Section 5.2]).
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func ruleGrantTypePresent(g GrantType) Rule {
	ref, ok := grantTypeRequired[g]
	if !ok {
		ref = "RFC 6749 Section 5.2"
	}
	return Rule{"the request names its grant_type", ref}
}

// GrantType is a value of the grant_type parameter of a token request
// ([RFC 6749 Section 4], [RFC 8628 Section 3.4]).
//
// [RFC 6749 Section 4]: https://www.rfc-editor.org/rfc/rfc6749#section-4
// [RFC 8628 Section 3.4]: https://www.rfc-editor.org/rfc/rfc8628#section-3.4
type GrantType string

// The grant types this provider supports.
const (
	GrantTypeAuthorizationCode GrantType = "authorization_code"
	GrantTypeRefreshToken      GrantType = "refresh_token"
	GrantTypeClientCredentials GrantType = "client_credentials"
	GrantTypeDeviceCode        GrantType = "urn:ietf:params:oauth:grant-type:device_code"
)

// supportedGrantTypes are the grant types Token answers (its switch has a
// case for each), in the order the metadata lists them; registration
// accepts these.
var supportedGrantTypes = []GrantType{GrantTypeAuthorizationCode, GrantTypeRefreshToken, GrantTypeClientCredentials, GrantTypeDeviceCode}

// Supported reports whether g is one of the grant types this provider
// answers (supportedGrantTypes).
func (g GrantType) Supported() bool { return slices.Contains(supportedGrantTypes, g) }

// admitGrant makes the checks of the grant type every token request
// shares, in order: the grant type is supported, and the client is
// registered for it ([RFC 6749 Section 5.2]).
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func admitGrant(tr *Trace, client store.Client, grantType GrantType) *Error {
	if !grantType.Supported() {
		return tr.Fail(ruleGrantTypeSupported, ErrUnsupportedGrantType, "unsupported grant_type "+quoteShort(string(grantType)))
	}
	tr.Check(ruleGrantTypeSupported, true)
	return requireGrantType(tr, client, grantType)
}

// hasGrantType reports whether a client's registered grant types include g.
func hasGrantType(registered []string, g GrantType) bool {
	return slices.Contains(registered, string(g))
}

// requireGrantType checks that the client may use a grant type: "The
// authenticated client is not authorized to use this authorization grant
// type" → unauthorized_client ([RFC 6749 Section 5.2]).
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func requireGrantType(tr *Trace, client store.Client, grantType GrantType) *Error {
	if !hasGrantType(client.GrantTypes, grantType) {
		return tr.Fail(ruleGrantTypeRegistered, ErrUnauthorizedClient, "the client is not registered for grant_type "+string(grantType))
	}
	tr.Check(ruleGrantTypeRegistered, true)
	return nil
}

// tokensToIssue describes what to issue for a grant at the token endpoint.
type tokensToIssue struct {
	// now is the instant the grant's checks were made at; the tokens are
	// issued then, so a code checked unexpired at now gives an access token
	// that its grant outlives (newGrant).
	now      time.Time
	client   store.Client
	grant    store.Grant // zero for client credentials
	scope    string      // the access token's scope
	audience string      // the access token's "aud": one resource server (RFC 8707)
	nonce    string      // echoed in the ID token
	refresh  bool        // issue a new refresh token
	jkt      string      // the DPoP key to bind the tokens to; "" = Bearer
}

// issueTokens signs the access token (and the ID token for OpenID requests)
// and, when asked, draws a new refresh token. It returns the response and
// what it issued, not yet stored: the grant stores it in the same
// transaction as it uses up what the client presented (a code, a refresh
// token), so a fault cannot leave one done without the other. Storing it
// makes the grant live until the access token and the refresh token
// expire, whichever is later: a grant that is gone revokes its access
// tokens, and a process with a longer ACCESS_TOKEN_TTL than the one that
// began the grant (newGrant) may have issued them. A new refresh token has
// the grant's scope, not the access token's, which a refresh may narrow
// ([RFC 6749 Section 6]: "If a new refresh token is issued, the refresh
// token scope MUST be identical to that of the refresh token included by
// the client in the request.").
//
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
func (p *Provider) issueTokens(ctx context.Context, t tokensToIssue) (*TokenResponse, store.Issued, *Error) {
	// iat is now rounded down, never in the future; exp is rounded up
	// (expiresAfter), so expires_in never overstates the token's life.
	issuedAt, accessExpiresAt := t.now.Truncate(time.Second), expiresAfter(t.now, p.Config.AccessTokenTTL)
	issued := store.Issued{GrantExpiresAt: accessExpiresAt}
	access, err := p.signAccessToken(t, issuedAt, accessExpiresAt)
	if err != nil {
		return nil, store.Issued{}, err
	}
	resp := &TokenResponse{AccessToken: access, TokenType: tokenType(t.jkt),
		ExpiresIn: int64(p.Config.AccessTokenTTL / time.Second), Scope: t.scope}
	if t.grant.UserID != "" && hasScope(t.scope, ScopeOpenID) {
		if resp.IDToken, err = p.signIDToken(ctx, t, access, issuedAt, accessExpiresAt); err != nil {
			return nil, store.Issued{}, err
		}
	}
	if !t.refresh || !hasGrantType(t.client.GrantTypes, GrantTypeRefreshToken) {
		return resp, issued, nil
	}
	resp.RefreshToken = NewSecret()
	issued.RefreshToken = &store.RefreshToken{
		Hash: HashSecret(resp.RefreshToken), GrantID: t.grant.ID, ClientID: t.client.ID,
		UserID: t.grant.UserID, Scope: t.grant.Scope, DPoPJKT: refreshTokenBinding(t.client, t.jkt), CreatedAt: t.now,
		ExpiresAt: expiresAfter(t.now, p.Config.RefreshTokenTTL),
	}
	if issued.RefreshToken.ExpiresAt.After(accessExpiresAt) {
		issued.GrantExpiresAt = issued.RefreshToken.ExpiresAt
	}
	return resp, issued, nil
}

// expiresAfter is the expiry of what is issued at now to live ttl: now+ttl
// rounded up to a whole second, the unit "exp" and "expires_in" count, so
// expires_in (ttl in whole seconds) never overstates a token's life
// ([RFC 6749 Section 5.1]: "The lifetime in seconds of the access token").
// Tokens are checked against it as stored or signed, so a token is
// accepted until the exp that it or its introspection reports, and not
// after ([RFC 7519 Section 4.1.4]: "the expiration time on or after which
// the JWT MUST NOT be accepted").
//
// [RFC 6749 Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
// [RFC 7519 Section 4.1.4]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4
func expiresAfter(now time.Time, ttl time.Duration) time.Time {
	exp := now.Add(ttl)
	second := exp.Truncate(time.Second)
	if second.Before(exp) {
		second = second.Add(time.Second)
	}
	return second
}

// signAccessToken makes the RFC 9068 JWT access token, issued at issuedAt
// and expiring at expiresAt (issueTokens rounds both to whole seconds).
func (p *Provider) signAccessToken(t tokensToIssue, issuedAt, expiresAt time.Time) (string, *Error) {
	subject := t.grant.UserID
	if subject == "" {
		// "sub" of a client credentials token ([RFC 9068 Section 2.2]).
		//
		// [RFC 9068 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9068#section-2.2
		subject = t.client.ID
	}
	raw, err := p.Keys.SignAccessToken(token.AccessTokenClaims{
		Issuer: p.Config.Issuer, Subject: subject, Audience: t.audience,
		ClientID: t.client.ID, Scope: t.scope, GrantID: t.grant.ID, JTI: newID(),
		IssuedAt: issuedAt, ExpiresAt: expiresAt, AuthTime: t.grant.AuthTime,
		JKT: t.jkt,
	})
	if err != nil {
		return "", ServerError(err)
	}
	return raw, nil
}
