// Package token issues and checks the provider's signed tokens: JWT access
// tokens ([RFC 9068 Section 2]), OpenID Connect ID Tokens, and the signing keys
// behind both, published as a JWK Set ([RFC 7517 Section 5]).
//
// Parsing and verifying tokens, JWK Sets and thumbprints are left to
// github.com/go-jose/go-jose/v4; this package decides which claims go in and
// which checks a token must pass. Signing writes the JWS Compact
// Serialization itself (jws.go), a few lines that keep go-jose's per-token
// header encoding off the token endpoint's hot path. It signs with RS256
// ([RFC 7518 Section 3.3], 2048-bit RSA), ES256 ([RFC 7518 Section 3.4],
// P-256) and EdDSA ([RFC 8037 Section 3.1], Ed25519), one key series per
// algorithm.
//
// Where each rule lives:
//   - algorithms.go: the algorithms and their key types.
//   - jws.go: the JWS Compact Serialization of a signed token ([RFC 7515 Section 7.1]).
//   - keys.go: signing keys, their rotation and the JWKS ([RFC 7517 Section 5]);
//     a key's kid is its JWK Thumbprint ([RFC 7638 Section 3]).
//   - kek.go: the key-encryption key that seals private keys before they
//     reach the store (AES-256-GCM), so a copy of the database cannot sign.
//   - access_token.go: JWT access tokens, issued per [RFC 9068 Section 2] and
//     validated per [RFC 9068 Section 4].
//   - verify_cache.go: remembers tokens that passed validation, so a client
//     reusing its token costs a map lookup, not another RSA verification.
//   - id_token.go: ID Tokens ([OIDC Core Section 2]) and at_hash, with the
//     hash each algorithm calls for ([OIDC Core Section 3.1.3.6]).
//
// Deliberately not implemented: encrypted tokens (JWE), algorithms other
// than those three (never "none" or HMAC), and key discovery through token
// headers ("jku", "x5u", "jwk"): keys come only from the store, and a key's
// algorithm, not the token's header, says how it verifies.
//
// Revocation is not checked here: a JWT access token verifies until it
// expires. The protocol layer looks its jti and grant up in the store.
//
// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
// [RFC 7515 Section 7.1]: https://www.rfc-editor.org/rfc/rfc7515#section-7.1
// [RFC 7518 Section 3.3]: https://www.rfc-editor.org/rfc/rfc7518#section-3.3
// [RFC 7518 Section 3.4]: https://www.rfc-editor.org/rfc/rfc7518#section-3.4
// [RFC 8037 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8037#section-3.1
// [RFC 7638 Section 3]: https://www.rfc-editor.org/rfc/rfc7638#section-3
// [RFC 9068 Section 2]: https://www.rfc-editor.org/rfc/rfc9068#section-2
// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
// [OIDC Core Section 2]: https://openid.net/specs/openid-connect-core-1_0.html#IDToken
// [OIDC Core Section 3.1.3.6]: https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
package token
