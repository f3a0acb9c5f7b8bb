package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
)

// ParseBearerHeader extracts the token of an "Authorization: Bearer" header
// ([RFC 6750 Section 2.1]), from the request's Authorization headers
// (authorization, at most one: oneAuthorization). It returns "" when the
// header is absent or uses another scheme; a malformed Bearer credential
// is an error. A token in the query string (rawQuery) is refused first, as
// ParseResourceRequest refuses it (refuseTokenInQuery).
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
func ParseBearerHeader(ctx context.Context, authorization []string, rawQuery string) (string, *Error) {
	if err := refuseTokenInQuery(TraceFrom(ctx), rawQuery); err != nil {
		return "", err
	}
	header, err := oneAuthorization(ruleOneAuthorization, authorization)
	if err != nil {
		return "", err
	}
	scheme, token, err := ParseAuthorizationHeader(header)
	if scheme != TokenTypeBearer && err == nil {
		return "", nil
	}
	return token, err
}

// oneAuthorization returns the request's Authorization header, given the
// values it carried: "" for none. More than one is invalid_request under
// rule: ruleOneAuthorization at a resource ([RFC 6750 Section 3.1]: the
// request "repeats the same parameter, uses more than one method for
// including an access token, or is otherwise malformed"), and
// ruleOneClientAuthorization where a client authenticates. Which of two
// credentials was meant cannot be told: Authorization is no list
// ([RFC 9110 Section 5.3]: "A sender MUST NOT generate multiple field lines
// with the same name in a message [...] unless that field's definition
// allows multiple field line values to be recombined as a comma-separated
// list"), and a proxy that reads the other one would authenticate another
// client than this server does.
//
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
// [RFC 9110 Section 5.3]: https://www.rfc-editor.org/rfc/rfc9110#section-5.3
func oneAuthorization(rule Rule, values []string) (string, *Error) {
	switch len(values) {
	case 0:
		return "", nil
	case 1:
		return values[0], nil
	default:
		return "", rule.Refuse(ErrInvalidRequest, "the request has more than one Authorization header; send one")
	}
}

// ParseAuthorizationHeader reads "Authorization: Bearer <token>"
// ([RFC 6750 Section 2.1]: credentials = "Bearer" 1*SP b64token) or
// "Authorization: DPoP <token>" ([RFC 9449 Section 7.1]: the same form,
// token68). An absent header, or another scheme, is no credentials
// (scheme ""). A Bearer or DPoP header of another form (a tab after the
// scheme, two words, characters outside b64token) is invalid_request
// ([RFC 6750 Section 3.1]: the request "is otherwise malformed"), returned
// with the scheme it names: the request's method of authentication is
// established, and its challenge carries the error
// (ParseResourceRequest).
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func ParseAuthorizationHeader(header string) (scheme, token string, err *Error) {
	// Optional whitespace around a field value ([RFC 9110 Section 5.5]).
	//
	// [RFC 9110 Section 5.5]: https://www.rfc-editor.org/rfc/rfc9110#section-5.5
	header = strings.TrimRight(header, " \t")
	end := strings.IndexAny(header, " \t")
	if end < 0 {
		end = len(header)
	}
	scheme, rest := header[:end], header[end:]
	switch {
	case strings.EqualFold(scheme, TokenTypeBearer):
		scheme = TokenTypeBearer
	case strings.EqualFold(scheme, TokenTypeDPoP):
		scheme = TokenTypeDPoP
	default:
		return "", "", nil
	}
	rule := headerRule(scheme)
	credentials := strings.TrimLeft(rest, " ")
	switch {
	case credentials == "":
		return scheme, "", rule.Refuse(ErrInvalidRequest, "the "+scheme+" credentials are empty")
	case credentials == rest || !isB64Token(credentials):
		return scheme, "", rule.Refuse(ErrInvalidRequest, "the Authorization header must be "+scheme+
			", a space and one token of letters, digits and -._~+/ (then = only)")
	}
	return scheme, credentials, nil
}

// isB64Token reports whether s is a b64token ([RFC 6750 Section 2.1]):
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	for i := range len(body) {
		if !b64tokenChar[body[i]] {
			return false
		}
	}
	return body != ""
}

// b64tokenChar marks the bytes a b64token holds before its "=" padding:
// a table, as every byte of every access token presented is looked up
// (half the time of comparing each byte with the ranges and the symbols).
var b64tokenChar = func() (table [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/") {
		table[c] = true
	}
	return table
}()

// ResourceRequest is how a request to a protected resource presented its
// access token: the Authorization header's scheme ("Bearer" or "DPoP") and
// token, and its DPoP proof.
type ResourceRequest struct {
	Scheme string
	Token  string
	DPoP   DPoPRequest
}

// ParseResourceRequest reads how a resource request presents its access
// token, and records its checks on the request's trace, the method that
// carried the token among them: the Authorization header (authorization holds the
// values the request carried, at most one: oneAuthorization), "Bearer"
// ([RFC 6750 Section 2.1]) or "DPoP" ([RFC 9449 Section 7.1]); or the
// access_token parameter of body, the form body of a request that
// BodyMayCarryToken admits (nil for any other), as a Bearer token
// ([RFC 6750 Section 2.2]). Without credentials the error says
// NoCredentials. A token in the query string (rawQuery) is refused
// (refuseTokenInQuery).
//
// A refused request comes back with the scheme it used when that is
// established, so the refusal goes in that scheme's challenge
// ([RFC 9449 Section 7.2]: "If the mechanism used to attempt
// authentication could be established unambiguously, then the
// corresponding challenge SHOULD be used to deliver error information"):
// a malformed "DPoP" header is a DPoP request. Its scheme is "" when the
// request used two methods at once (two Authorization headers, or a header
// and the body): "Otherwise, both Bearer and DPoP challenges MAY be used
// to deliver error information".
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 6750 Section 2.2]: https://www.rfc-editor.org/rfc/rfc6750#section-2.2
// [RFC 9449 Section 7.2]: https://www.rfc-editor.org/rfc/rfc9449#section-7.2
func ParseResourceRequest(ctx context.Context, authorization []string, rawQuery string, body url.Values) (ResourceRequest, *Error) {
	tr := TraceFrom(ctx)
	if err := refuseTokenInQuery(tr, rawQuery); err != nil {
		return ResourceRequest{}, err
	}
	header, err := oneAuthorization(ruleOneAuthorization, authorization)
	if err != nil {
		return ResourceRequest{}, err
	}
	scheme, raw, err := ParseAuthorizationHeader(header)
	inBody, bodyHasToken := body["access_token"]
	if err != nil {
		if bodyHasToken { // a header and the body: which one was meant is not established
			scheme = ""
		}
		return ResourceRequest{Scheme: scheme}, err
	}
	if !tr.Check(ruleBearerPresent, raw != "" || bodyHasToken) {
		return ResourceRequest{}, withoutCredentials(ruleBearerPresent.Refuse(ErrInvalidToken, "an access token is required"))
	}
	if bodyHasToken {
		return bodyToken(tr, inBody, raw == "")
	}
	tr.Check(headerRule(scheme), true)
	return ResourceRequest{Scheme: scheme, Token: raw}, nil
}

// BodyMayCarryToken reports whether a request may carry its access token
// in its body: [RFC 6750 Section 2.2] allows it only when "The HTTP request
// entity-header includes the "Content-Type" header field set to
// "application/x-www-form-urlencoded"" (formContentType: the caller reads
// the header) and "The HTTP request method is one for which the
// request-body has defined semantics. In particular, this means that the
// "GET" method MUST NOT be used." (MethodHasBody). The caller then reads
// the body as a form, single-part by its media type, and refuses one that
// is not well formed.
//
// [RFC 6750 Section 2.2]: https://www.rfc-editor.org/rfc/rfc6750#section-2.2
func BodyMayCarryToken(method string, formContentType bool) bool {
	return formContentType && MethodHasBody(method)
}

// MethodHasBody reports whether a resource request's method is "one for
// which the request-body has defined semantics" ([RFC 6750 Section 2.2]).
// Of the methods this server routes to a resource, that is POST
// ([OIDC Core Section 5.3.1]: "The Client sends the UserInfo Request using
// either HTTP GET or HTTP POST"): the body of a GET or HEAD, and the
// headers that describe it, are never read.
//
// [RFC 6750 Section 2.2]: https://www.rfc-editor.org/rfc/rfc6750#section-2.2
// [OIDC Core Section 5.3.1]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfoRequest
func MethodHasBody(method string) bool { return method == "POST" }

// bodyToken reads the access token of a form body, the values of its
// access_token parameter ([RFC 6750 Section 2.2]), which must be the only
// method the request uses (alone): [RFC 6750 Section 2]: "Clients MUST NOT
// use more than one method to transmit the token in each request", and
// such a request is invalid_request ([RFC 6750 Section 3.1]: it "uses more
// than one method for including an access token").
//
// [RFC 6750 Section 2.2]: https://www.rfc-editor.org/rfc/rfc6750#section-2.2
// [RFC 6750 Section 2]: https://www.rfc-editor.org/rfc/rfc6750#section-2
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func bodyToken(tr *Trace, values []string, alone bool) (ResourceRequest, *Error) {
	if err := tr.Require(ruleOneTokenMethod, alone, ErrInvalidRequest,
		"the access token was sent both in the Authorization header and in the body; use one method"); err != nil {
		return ResourceRequest{}, err
	}
	if err := tr.Require(ruleTokenInBody, len(values) == 1 && values[0] != "", ErrInvalidRequest,
		"the body must carry one non-empty access_token"); err != nil {
		return ResourceRequest{}, err
	}
	return ResourceRequest{Scheme: TokenTypeBearer, Token: values[0]}, nil
}

// headerRule is the rule of the Authorization header that carried a token
// of scheme, "Bearer" or "DPoP" (ParseAuthorizationHeader).
func headerRule(scheme string) Rule {
	if scheme == TokenTypeDPoP {
		return ruleDPoPSchemeForm
	}
	return ruleBearerForm
}

// refuseTokenInQuery refuses a request whose query string (rawQuery)
// carries an access token, invalid_request, and records the check on tr:
// [RFC 9700 Section 4.3.2]: "Clients MUST NOT pass access tokens in a URI
// query parameter in the way described in Section 2.3 of [RFC6750]" (the
// URI method of [RFC 6750 Section 2.3] leaks tokens into browser history,
// logs and Referer headers). It applies to every Bearer token this server
// takes: access tokens at its resources, and the initial and registration
// access tokens of client registration ([RFC 7592 Section 2]: "The client
// MUST use its registration access token in all calls to this endpoint as
// an OAuth 2.0 Bearer Token").
//
// [RFC 9700 Section 4.3.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.3.2
// [RFC 6750 Section 2.3]: https://www.rfc-editor.org/rfc/rfc6750#section-2.3
// [RFC 7592 Section 2]: https://www.rfc-editor.org/rfc/rfc7592#section-2
func refuseTokenInQuery(tr *Trace, rawQuery string) *Error {
	return tr.Require(ruleTokenNotInQuery, !tokenInQuery(rawQuery), ErrInvalidRequest,
		"access tokens in the query string are not accepted; use the Authorization header")
}

// tokenInQuery reports whether a query string carries access_token. Most
// resource requests have no query at all: then there is nothing to parse.
func tokenInQuery(rawQuery string) bool {
	if rawQuery == "" {
		return false
	}
	query, _ := url.ParseQuery(rawQuery) // a malformed pair does not hide the others
	return query.Has("access_token")
}

// AuthenticateResource validates the access token of a resource request
// (verifyAccessToken) and how it was presented: a DPoP-bound token only
// with the DPoP scheme and a proof by its key ([RFC 9449 Section 7.1]: "a
// resource server MUST check that a DPoP proof was also received in the
// DPoP header field of the HTTP request, check the DPoP proof according to
// the rules in Section 4.3, and check that the public key of the DPoP proof
// matches the public key to which the access token is bound"); never as a
// Bearer token ([RFC 9449 Section 7.2]: "such a protected resource MUST
// reject a DPoP-bound access token received as a bearer token"). A plain
// Bearer token costs nothing more than before.
//
// A request with the DPoP scheme that passes gets, when nonces are on, a
// fresh nonce for its next proof (ResourceAccess.DPoPNonce), as a token
// response does.
//
// A request that passes is recorded as "access granted": all that
// /protected/resource asks. UserProfile and UserInfo then check the
// token's user and scope, and a refusal there replaces that outcome
// (Trace.Refused).
//
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 9449 Section 7.2]: https://www.rfc-editor.org/rfc/rfc9449#section-7.2
func (p *Provider) AuthenticateResource(ctx context.Context, r ResourceRequest) (ResourceAccess, *Error) {
	claims, err := p.verifyAccessToken(ctx, r.Token)
	if err != nil {
		return ResourceAccess{}, err
	}
	tr := TraceFrom(ctx)
	if r.Scheme == TokenTypeBearer {
		if err := tr.Require(ruleBoundNotBearer, claims.JKT == "", ErrInvalidToken,
			"this access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof"); err != nil {
			return ResourceAccess{}, err
		}
		tr.Succeeded("access granted")
		return ResourceAccess{Claims: claims}, nil
	}
	if err := tr.Require(ruleDPoPSchemeBound, claims.JKT != "", ErrInvalidToken,
		"this access token is not DPoP-bound: send it with the Bearer scheme"); err != nil {
		return ResourceAccess{}, err
	}
	if err := tr.Require(ruleDPoPSchemeProof, r.DPoP.Present(), ErrInvalidDPoPProof,
		"a token sent with the DPoP scheme needs a DPoP proof in the DPoP header"); err != nil {
		return ResourceAccess{}, err
	}
	r.DPoP.AccessToken, r.DPoP.BoundJKT = r.Token, claims.JKT
	if _, err := p.CheckDPoPProof(ctx, r.DPoP); err != nil {
		return ResourceAccess{}, err
	}
	tr.Succeeded("access granted")
	return ResourceAccess{Claims: claims, DPoPNonce: p.dpopNonce()}, nil
}

// ResourceAccess is what AuthenticateResource admits a resource request
// with: the claims of its access token, and the nonce for the client's next
// DPoP proof.
type ResourceAccess struct {
	Claims token.AccessTokenClaims
	// DPoPNonce, "" unless nonces are on and the request used DPoP, goes in
	// the DPoP-Nonce header ([RFC 9449 Section 8.2]).
	//
	// [RFC 9449 Section 8.2]: https://www.rfc-editor.org/rfc/rfc9449#section-8.2
	DPoPNonce string
}

// The rules of presenting a token at a resource ([RFC 9449 Section 7.1],
// [RFC 9449 Section 7.2]).
//
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 9449 Section 7.2]: https://www.rfc-editor.org/rfc/rfc9449#section-7.2
var (
	ruleBoundNotBearer  = Rule{"a DPoP-bound access token is not accepted as a Bearer token", "RFC 9449 Section 7.2"}
	ruleDPoPSchemeBound = Rule{"a token sent with the DPoP scheme is DPoP-bound", "RFC 9449 Section 7.1"}
	ruleDPoPSchemeProof = Rule{"a token sent with the DPoP scheme comes with a DPoP proof in the DPoP header", "RFC 9449 Section 7.1"}
	ruleDPoPSchemeForm  = Rule{`the Authorization header is "DPoP" and the token`, "RFC 9449 Section 7.1"}
)

// verifyAccessToken validates an access token presented to a resource,
// with either scheme ([RFC 6750 Section 3.1], [RFC 9068 Section 4]):
// signature, typ, iss, aud, exp — and revocation (checkNotRevoked). A refusal names the check the
// token failed (accessTokenRefusal).
//
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
func (p *Provider) verifyAccessToken(ctx context.Context, raw string) (token.AccessTokenClaims, *Error) {
	tr := TraceFrom(ctx)
	claims, err := p.Keys.VerifyAccessToken(raw, p.Now(), p.Config.Issuer, p.Config.ResourceAudience())
	if !traceAccessToken(tr, err, ruleAccessTokenAudience) {
		rule, description := accessTokenRefusal(err)
		e := rule.Refuse(ErrInvalidToken, description)
		e.Cause = err
		return claims, e
	}
	tr.Client(claims.ClientID)
	if err := p.checkNotRevoked(ctx, tr, ruleAccessTokenNotRevoked, claims); err != nil {
		return claims, err
	}
	return claims, nil
}

// accessTokenRefusal names the check of [RFC 9068 Section 4] that a token
// failed, told by VerifyAccessToken's error err: the rule, and the
// error_description of the refusal. Both are fixed sentences: nothing of
// the token goes back to the caller.
//
// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
func accessTokenRefusal(err error) (Rule, string) {
	switch {
	case errors.Is(err, token.ErrWrongAudience):
		return ruleAccessTokenAudience, "the access token was not issued for this resource (aud)"
	case errors.Is(err, token.ErrExpired):
		return ruleAccessTokenLifetime, "the access token has expired"
	case errors.Is(err, token.ErrNotYetValid):
		return ruleAccessTokenLifetime, "the access token is not valid yet (iat or nbf is in the future)"
	}
	return ruleAccessTokenValid, "the access token is not a valid token of this server (signature, kid, typ, iss or format)"
}

// traceAccessToken records the checks of an access token in the order
// VerifyAccessToken makes them, and reports whether the token passed them
// all: err, VerifyAccessToken's error, names the check that failed (the
// checks before it passed). audience is the caller's aud check: this
// resource at a resource, any resource of this server at introspection.
func traceAccessToken(tr *Trace, err error, audience Rule) bool {
	failed := Rule{}
	if err != nil {
		failed, _ = accessTokenRefusal(err)
		if failed == ruleAccessTokenAudience {
			failed = audience
		}
	}
	for _, r := range [...]Rule{ruleAccessTokenValid, audience, ruleAccessTokenLifetime} {
		if !tr.Check(r, r != failed) {
			return false
		}
	}
	return true
}

// checkNotRevoked applies rule, that the access token is not revoked: the
// resources' ruleAccessTokenNotRevoked or introspection's
// ruleIntrospectNotRevoked. It is the one check of an
// access token that its signature cannot make: a self-contained JWT does
// not know it was revoked ([RFC 7009 Section 2.1]: "the authorization server
// SHOULD also invalidate all access tokens based on the same authorization
// grant"), so the store says whether its jti or its grant was, or, for a
// token without a grant (client credentials), whether its client was
// deleted ([RFC 7592 Section 2.3]: deleting a client should "immediately
// invalidate [...] currently-active access tokens"). Resources and
// introspection both ask it; a revoked token is invalid_token.
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 7592 Section 2.3]: https://www.rfc-editor.org/rfc/rfc7592#section-2.3
func (p *Provider) checkNotRevoked(ctx context.Context, tr *Trace, rule Rule, claims token.AccessTokenClaims) *Error {
	revoked, err := p.Store.AccessTokenRevoked(ctx, store.AccessTokenRef{JTI: claims.JTI, GrantID: claims.GrantID, ClientID: claims.ClientID})
	if err != nil {
		return ServerError(err)
	}
	return tr.Require(rule, !revoked, ErrInvalidToken, "the access token has been revoked")
}

// The rules of the bearer check ([RFC 6750 Section 2.3], [RFC 6750 Section 3],
// [RFC 6750 Section 2.1], [RFC 6750 Section 2], [RFC 6750 Section 2.2],
// [RFC 9068 Section 4], [RFC 6750 Section 3.1]).
//
// [RFC 6750 Section 2.3]: https://www.rfc-editor.org/rfc/rfc6750#section-2.3
// [RFC 6750 Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
// [RFC 6750 Section 2]: https://www.rfc-editor.org/rfc/rfc6750#section-2
// [RFC 6750 Section 2.2]: https://www.rfc-editor.org/rfc/rfc6750#section-2.2
// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
var (
	ruleTokenNotInQuery       = Rule{"the access token is not in the query string (it would leak into logs)", "RFC 6750 Section 2.3"}
	ruleBearerPresent         = Rule{"the request carries an access token (Authorization: Bearer, or DPoP, or POST body)", "RFC 6750 Section 3"}
	ruleOneAuthorization      = Rule{"a request with an access token has at most one Authorization header, so it carries one token", "RFC 6750 Section 3.1"}
	ruleBearerForm            = Rule{`the Authorization header is "Bearer" and the token`, "RFC 6750 Section 2.1"}
	ruleOneTokenMethod        = Rule{"the access token is sent one way only, not in both the header and the body", "RFC 6750 Section 2"}
	ruleTokenInBody           = Rule{"the POST form body carries the token in one non-empty access_token", "RFC 6750 Section 2.2"}
	ruleAccessTokenValid      = Rule{"the access token is a JWT of this server (typ at+jwt, a known kid, signature, iss)", "RFC 9068 Section 4"}
	ruleAccessTokenAudience   = Rule{"the access token was issued for this resource (its aud names it)", "RFC 9068 Section 4"}
	ruleAccessTokenLifetime   = Rule{"the access token has not expired (exp) and is already valid (iat, nbf)", "RFC 9068 Section 4"}
	ruleAccessTokenNotRevoked = Rule{"neither the access token nor its grant is revoked, nor its client deleted", "RFC 6750 Section 3.1"}
	ruleTokenHasUser          = Rule{"the token was issued for a user (not by client credentials)", "RFC 6750 Section 3.1"}
	ruleTokenHasScope         = Rule{"the token carries the scope this resource needs", "RFC 6750 Section 3.1"}
)

// requireUserScope checks that a token has a user and the given scope, as a
// resource owner's resource needs: "The request requires higher privileges
// than provided by the access token" → insufficient_scope ([RFC 6750 Section 3.1]).
// A token without a user gets no scope to ask for (Error.NoScopeHelps): a
// client credentials token with every scope is still no user's token.
//
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func requireUserScope(tr *Trace, claims token.AccessTokenClaims, scope string) *Error {
	if claims.GrantID == "" {
		err := tr.Fail(ruleTokenHasUser, ErrInsufficientScope, "this resource needs a token issued for a user")
		err.NoScopeHelps = true
		return err
	}
	tr.Check(ruleTokenHasUser, true)
	if !hasScope(claims.Scope, scope) {
		return tr.Fail(ruleTokenHasScope, ErrInsufficientScope, "this resource needs scope "+scope)
	}
	tr.Check(ruleTokenHasScope, true)
	return nil
}

// Profile is the demo resource owner's profile served at /user/profile:
// the id always, the name and the email only when the token's scope
// includes profile and email, as the consent page promised.
type Profile struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// UserProfile returns the profile of the token's user, who must hold scope
// read, with the claims of the profile and email scopes the token carries
// (the rule of [OIDC Core Section 5.4], applied to this resource too).
//
// [OIDC Core Section 5.4]: https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
func (p *Provider) UserProfile(ctx context.Context, claims token.AccessTokenClaims) (*Profile, *Error) {
	if err := requireUserScope(TraceFrom(ctx), claims, ScopeUserProfile); err != nil {
		return nil, err
	}
	user, err := p.tokenUser(ctx, claims)
	if err != nil {
		return nil, err
	}
	c := userClaims(user, claims.Scope)
	return &Profile{ID: user.ID, Name: c.Name, Email: c.Email}, nil
}

// tokenUser reads the user an access token was issued for.
func (p *Provider) tokenUser(ctx context.Context, claims token.AccessTokenClaims) (store.User, *Error) {
	user, err := p.Store.GetUser(ctx, claims.Subject)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return user, ServerError(err)
	}
	return user, TraceFrom(ctx).Require(ruleUserExists, err == nil, ErrInvalidToken, "the token's user no longer exists")
}

// ruleUserExists: a token whose user is gone is no longer valid ([RFC 6750 Section 3.1]).
//
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
var ruleUserExists = Rule{"the token's user still exists", "RFC 6750 Section 3.1"}
