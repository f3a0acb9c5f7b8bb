package oauth

import (
	"context"
	"strings"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
)

// What DPoP binds, and where: access tokens (RFC 9449 Section 5,
// RFC 9449 Section 6.1), public clients' refresh tokens (RFC 9449 Section 5),
// codes (RFC 9449 Section 10) and, at resources, the use of a bound token
// (RFC 9449 Section 7).

// tokenRequestDPoP checks the DPoP proof of a token request, whatever its
// grant ([RFC 9449 Section 5]: "This is applicable for all access token
// requests regardless of grant type"), and returns the key's thumbprint, or
// "" for a request without one. A client registered with
// dpop_bound_access_tokens must send one ([RFC 9449 Section 5.2]: "If the
// value is true, the authorization server MUST reject token requests from
// the client that do not contain the DPoP header.").
//
// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
// [RFC 9449 Section 5.2]: https://www.rfc-editor.org/rfc/rfc9449#section-5.2
func (p *Provider) tokenRequestDPoP(ctx context.Context, client store.Client, r DPoPRequest) (string, *Error) {
	if client.DPoPBoundAccessTokens {
		if err := TraceFrom(ctx).Require(ruleDPoPRequiredByClient, r.Present(), ErrInvalidDPoPProof,
			"this client must send a DPoP proof with every token request"); err != nil {
			return "", err
		}
	}
	if !r.Present() {
		return "", nil
	}
	proof, err := p.CheckDPoPProof(ctx, r)
	if err != nil {
		return "", err
	}
	return proof.JKT, nil
}

// ruleDPoPRequiredByClient is the rule of dpop_bound_access_tokens
// ([RFC 9449 Section 5.2]), applied by tokenRequestDPoP.
//
// [RFC 9449 Section 5.2]: https://www.rfc-editor.org/rfc/rfc9449#section-5.2
var ruleDPoPRequiredByClient = Rule{"a client registered with dpop_bound_access_tokens sends a DPoP proof", "RFC 9449 Section 5.2"}

// requireBoundKey applies rule to a code or refresh token bound to the DPoP
// key whose thumbprint is bound: the request must come with a proof by
// that key (jkt, its thumbprint, "" without a proof). noProof and otherKey
// are the descriptions of the two refusals, so that a request without any
// proof is not told its key is another one.
func requireBoundKey(tr *Trace, rule Rule, bound, jkt, noProof, otherKey string) *Error {
	if jkt == "" {
		return tr.Fail(rule, ErrInvalidDPoPProof, noProof)
	}
	return tr.Require(rule, bound == jkt, ErrInvalidDPoPProof, otherKey)
}

// tokenType is the token_type of a token response: "A token_type of DPoP
// MUST be included in the access token response to signal to the client
// that the access token was bound to its DPoP key" ([RFC 9449 Section 5]).
//
// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
func tokenType(jkt string) string {
	if jkt != "" {
		return TokenTypeDPoP
	}
	return TokenTypeBearer
}

// The token types of [RFC 6750] and [RFC 9449].
//
// [RFC 6750]: https://www.rfc-editor.org/rfc/rfc6750
// [RFC 9449]: https://www.rfc-editor.org/rfc/rfc9449
const (
	TokenTypeBearer = "Bearer"
	TokenTypeDPoP   = "DPoP"
)

// refreshTokenBinding is the key a new refresh token is bound to: "When an
// authorization server supporting DPoP issues a refresh token to a public
// client that presents a valid DPoP proof at the token endpoint, the refresh
// token MUST be bound to the respective public key." Confidential clients'
// refresh tokens are not: "they are already sender-constrained with a
// different existing mechanism" ([RFC 9449 Section 5]).
//
// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
func refreshTokenBinding(client store.Client, jkt string) string {
	if client.Type == store.Public {
		return jkt
	}
	return ""
}

// confirmationOf is the cnf member of an introspection answer for a token
// bound to jkt, or nil ([RFC 9449 Section 6.2]: "If the token_type member is
// included in the introspection response, it MUST contain the value DPoP.").
//
// [RFC 9449 Section 6.2]: https://www.rfc-editor.org/rfc/rfc9449#section-6.2
func confirmationOf(jkt string) *token.Confirmation {
	if jkt == "" {
		return nil
	}
	return &token.Confirmation{JKT: jkt}
}

// ResourceRequest is how a request to a protected resource presented its
// access token: the Authorization header's scheme ("Bearer" or "DPoP") and
// token, and its DPoP proof.
type ResourceRequest struct {
	Scheme string
	Token  string
	DPoP   DPoPRequest
}

// ParseAuthorizationHeader reads "Authorization: Bearer <token>"
// ([RFC 6750 Section 2.1]: credentials = "Bearer" 1*SP b64token) or
// "Authorization: DPoP <token>" ([RFC 9449 Section 7.1]: the same form,
// token68). An absent header, or another scheme, is no credentials
// (scheme ""). A Bearer or DPoP header of another form (a tab after the
// scheme, two words, characters outside b64token) is invalid_request
// ([RFC 6750 Section 3.1]: the request "is otherwise malformed").
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func ParseAuthorizationHeader(header string) (scheme, token string, err *Error) {
	header = strings.TrimRight(header, " \t") // optional whitespace around a field value (RFC 9110 Section 5.5)
	end := strings.IndexAny(header, " \t")
	if end < 0 {
		end = len(header)
	}
	scheme, rest := header[:end], header[end:]
	rule := ruleBearerForm
	switch {
	case strings.EqualFold(scheme, TokenTypeBearer):
		scheme = TokenTypeBearer
	case strings.EqualFold(scheme, TokenTypeDPoP):
		scheme, rule = TokenTypeDPoP, ruleDPoPSchemeForm
	default:
		return "", "", nil
	}
	credentials := strings.TrimLeft(rest, " ")
	switch {
	case credentials == "":
		return "", "", rule.Refuse(ErrInvalidRequest, "the "+scheme+" credentials are empty")
	case credentials == rest || !isB64Token(credentials):
		return "", "", rule.Refuse(ErrInvalidRequest, "the Authorization header must be "+scheme+
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
		c := body[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			return false
		}
	}
	return body != ""
}

// AuthenticateResource validates the access token of a resource request
// (AuthenticateBearer) and how it was presented: a DPoP-bound token only
// with the DPoP scheme and a proof by its key ([RFC 9449 Section 7.1]: "a
// resource server MUST check that a DPoP proof was also received in the
// DPoP header field of the HTTP request, check the DPoP proof according to
// the rules in Section 4.3, and check that the public key of the DPoP proof
// matches the public key to which the access token is bound"); never as a
// Bearer token ([RFC 9449 Section 7.2]: "such a protected resource MUST
// reject a DPoP-bound access token received as a bearer token"). A plain
// Bearer token costs nothing more than before.
//
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 9449 Section 7.2]: https://www.rfc-editor.org/rfc/rfc9449#section-7.2
func (p *Provider) AuthenticateResource(ctx context.Context, r ResourceRequest) (token.AccessTokenClaims, *Error) {
	claims, err := p.AuthenticateBearer(ctx, r.Token)
	if err != nil {
		return claims, err
	}
	tr := TraceFrom(ctx)
	if r.Scheme == TokenTypeBearer {
		return claims, tr.Require(ruleBoundNotBearer, claims.JKT == "", ErrInvalidToken,
			"this access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof")
	}
	if err := tr.Require(ruleDPoPSchemeBound, claims.JKT != "", ErrInvalidToken,
		"this access token is not DPoP-bound: send it with the Bearer scheme"); err != nil {
		return claims, err
	}
	r.DPoP.AccessToken, r.DPoP.BoundJKT = r.Token, claims.JKT
	_, err = p.CheckDPoPProof(ctx, r.DPoP)
	return claims, err
}

// The rules of presenting a token at a resource ([RFC 9449 Section 7.1],
// [RFC 9449 Section 7.2]).
//
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 9449 Section 7.2]: https://www.rfc-editor.org/rfc/rfc9449#section-7.2
var (
	ruleBoundNotBearer  = Rule{"a DPoP-bound access token is not accepted as a Bearer token", "RFC 9449 Section 7.2"}
	ruleDPoPSchemeBound = Rule{"a token sent with the DPoP scheme is DPoP-bound", "RFC 9449 Section 7.1"}
	ruleDPoPSchemeForm  = Rule{`the Authorization header is "DPoP" and the token`, "RFC 9449 Section 7.1"}
)

// pushedDPoPKey applies [RFC 9449 Section 10.1] to a pushed request with a
// DPoP header: "the authorization server MUST check the provided DPoP proof
// JWT as defined in Section 4.3. It MUST further behave as if the contained
// public key's thumbprint was provided using dpop_jkt", and "If both
// mechanisms are used at the same time, the authorization server MUST
// reject the request if the JWK Thumbprint in dpop_jkt does not match the
// public key in the DPoP header."
//
// [RFC 9449 Section 10.1]: https://www.rfc-editor.org/rfc/rfc9449#section-10.1
func (p *Provider) pushedDPoPKey(ctx context.Context, ar *AuthorizationRequest, r DPoPRequest) *Error {
	if !r.Present() {
		return nil
	}
	proof, err := p.CheckDPoPProof(ctx, r)
	if err != nil {
		return err
	}
	if ar.DPoPJKT != "" {
		if err := TraceFrom(ctx).Require(rulePushedDPoPKey, ar.DPoPJKT == proof.JKT, ErrInvalidDPoPProof,
			"dpop_jkt does not match the key of the DPoP proof"); err != nil {
			return err
		}
	}
	ar.DPoPJKT = proof.JKT
	return nil
}

// rulePushedDPoPKey is the rule of a pushed request with both dpop_jkt and
// a DPoP header ([RFC 9449 Section 10.1]), applied by pushedDPoPKey.
//
// [RFC 9449 Section 10.1]: https://www.rfc-editor.org/rfc/rfc9449#section-10.1
var rulePushedDPoPKey = Rule{"dpop_jkt, sent beside a DPoP header, is the thumbprint of the proof's key", "RFC 9449 Section 10.1"}
