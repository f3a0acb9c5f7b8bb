package oauth

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// AlgEd25519 is the fully specified JWS algorithm name of EdDSA with the
// Ed25519 parameter set ([RFC 9864 Section 2.2]). RFC 9864 "deprecates
// those polymorphic algorithm identifiers" (its Abstract): "EdDSA" among them.
// Client libraries now sign with it (openid-client does with an Ed25519
// key), so client assertions and DPoP proofs may carry either name; with
// an Ed25519 key, the only kind of EdDSA key this provider takes, both mean
// the same signature. What this provider signs keeps "EdDSA", which every
// relying party knows. go-jose v4 does not know "Ed25519": verifiedPayload
// verifies it.
//
// [RFC 9864 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9864#section-2.2
const AlgEd25519 jose.SignatureAlgorithm = "Ed25519"

// verifiedPayload returns the payload of jws, which go-jose parsed from
// compact, a JWS in the compact serialization, and whether its signature
// verifies with key; a payload is only read after that. go-jose verifies
// every algorithm it knows; AlgEd25519 is verified here:
// [RFC 7515 Section 5.2], step 8: "Validate the JWS Signature against the
// JWS Signing Input ASCII(BASE64URL(UTF8(JWS Protected Header)) || '.' ||
// BASE64URL(JWS Payload))", with Ed25519 ([RFC 8032 Section 5.1.7]). A key that is not
// Ed25519 does not verify it, and neither does a header with "crit": it
// names extensions this provider does not understand, so "the JWS is
// invalid" ([RFC 7515 Section 4.1.11]), as go-jose refuses it for the
// other algorithms. The claims are then read and checked as for every
// algorithm.
//
// [RFC 7515 Section 5.2]: https://www.rfc-editor.org/rfc/rfc7515#section-5.2
// [RFC 8032 Section 5.1.7]: https://www.rfc-editor.org/rfc/rfc8032#section-5.1.7
// [RFC 7515 Section 4.1.11]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.11
func verifiedPayload(compact string, jws *jose.JSONWebSignature, key any) ([]byte, bool) {
	header := jws.Signatures[0].Header
	if header.Algorithm != string(AlgEd25519) {
		payload, err := jws.Verify(key)
		return payload, err == nil
	}
	public, ok := key.(ed25519.PublicKey)
	if _, crit := header.ExtraHeaders["crit"]; !ok || crit {
		return nil, false
	}
	dot := strings.LastIndexByte(compact, '.')
	signature, err := base64.RawURLEncoding.DecodeString(compact[dot+1:])
	if err != nil || !ed25519.Verify(public, []byte(compact[:dot]), signature) {
		return nil, false
	}
	return jws.UnsafePayloadWithoutVerification(), true // verified just above
}

// sameAlgorithm reports whether a key's "alg" and a header's "alg" name
// one algorithm: the same name, or "EdDSA" and AlgEd25519, which over an
// Ed25519 key are one ([RFC 9864 Section 2.2]).
//
// [RFC 9864 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9864#section-2.2
func sameAlgorithm(keyAlg, headerAlg string) bool {
	eddsa := func(alg string) bool { return alg == string(jose.EdDSA) || alg == string(AlgEd25519) }
	return keyAlg == headerAlg || eddsa(keyAlg) && eddsa(headerAlg)
}
