package oauth

import (
	"context"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
)

// What DPoP binds, and where: access tokens ([RFC 9449 Section 5],
// [RFC 9449 Section 6.1]), public clients' refresh tokens
// ([RFC 9449 Section 5]) and codes ([RFC 9449 Section 10]). A resource
// checks the use of a bound token with the request's other credentials, in
// bearer.go (AuthenticateResource, [RFC 9449 Section 7.1]).
//
// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
// [RFC 9449 Section 6.1]: https://www.rfc-editor.org/rfc/rfc9449#section-6.1
// [RFC 9449 Section 10]: https://www.rfc-editor.org/rfc/rfc9449#section-10
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1

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

// The token types of [RFC 6750 Section 6.1.1] and [RFC 9449 Section 5].
//
// [RFC 6750 Section 6.1.1]: https://www.rfc-editor.org/rfc/rfc6750#section-6.1.1
// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
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
// bound to jkt, or nil: [RFC 9449 Section 6.2]: "The hash is conveyed using
// the same cnf content with jkt member structure as the JWK Thumbprint
// confirmation method, described in Section 6.1, as a top-level member of
// the introspection response JSON."
//
// [RFC 9449 Section 6.2]: https://www.rfc-editor.org/rfc/rfc9449#section-6.2
func confirmationOf(jkt string) *token.Confirmation {
	if jkt == "" {
		return nil
	}
	return &token.Confirmation{JKT: jkt}
}

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
