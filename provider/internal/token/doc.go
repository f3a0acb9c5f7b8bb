// Package token issues and checks the provider's signed tokens: JWT access
// tokens ([RFC 9068]), OpenID Connect ID Tokens, and the RSA signing keys
// behind both, published as a JWK Set ([RFC 7517 Section 5]).
//
// All JOSE work is done by github.com/go-jose/go-jose/v4; this package only
// decides which claims go in and which checks a token must pass. The only
// algorithm is RS256 ([RFC 7518 Section 3.3]) with 2048-bit RSA keys.
//
// Where each rule lives:
//   - keys.go: signing keys, their rotation and the JWKS ([RFC 7517 Section 5]);
//     a key's kid is its JWK Thumbprint ([RFC 7638]).
//   - kek.go: the key-encryption key that seals private keys before they
//     reach the store (AES-256-GCM), so a copy of the database cannot sign.
//   - access_token.go: JWT access tokens, issued per [RFC 9068 Section 2] and
//     validated per [RFC 9068 Section 4].
//   - verify_cache.go: remembers tokens that passed validation, so a client
//     reusing its token costs a map lookup, not another RSA verification.
//   - id_token.go: ID Tokens ([OpenID Connect Core 1.0 Section 2]) and at_hash
//     ([OpenID Connect Core 1.0 Section 3.1.3.6]).
//
// Deliberately not implemented: encrypted tokens (JWE), algorithms other
// than RS256, and key discovery through token headers ("jku", "x5u", "jwk"):
// keys come only from the store.
//
// Revocation is not checked here: a JWT access token verifies until it
// expires. The protocol layer looks its jti and grant up in the store.
//
// [RFC 9068]: https://www.rfc-editor.org/rfc/rfc9068
// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
// [RFC 7518 Section 3.3]: https://www.rfc-editor.org/rfc/rfc7518#section-3.3
// [RFC 7638]: https://www.rfc-editor.org/rfc/rfc7638
// [RFC 9068 Section 2]: https://www.rfc-editor.org/rfc/rfc9068#section-2
// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
// [OpenID Connect Core 1.0 Section 2]: https://openid.net/specs/openid-connect-core-1_0.html#IDToken
// [OpenID Connect Core 1.0 Section 3.1.3.6]: https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
package token
