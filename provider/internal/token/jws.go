package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// compactSigner signs JWTs of one key and one "typ" in the JWS Compact
// Serialization, [RFC 7515 Section 7.1]:
//
//	BASE64URL(UTF8(JWS Protected Header)) || '.' ||
//	BASE64URL(JWS Payload) || '.' ||
//	BASE64URL(JWS Signature)
//
// The protected header never changes for a key, so it is encoded once, and
// signing a token costs the claims' encoding, one signature and two base64
// encodings. Parsing and verifying tokens that come from outside is left
// to go-jose (access_token.go): that is where the care is needed.
//
// [RFC 7515 Section 7.1]: https://www.rfc-editor.org/rfc/rfc7515#section-7.1
type compactSigner struct {
	key     crypto.Signer
	header  string // BASE64URL of {"alg":…,"kid":…,"typ":…}, then '.'
	sigSize int    // bytes of a signature: the RSA modulus, or 64
}

// newCompactSigner encodes the protected header of key kid: "alg", "kid"
// and "typ" ([RFC 7515 Section 4.1]).
//
// [RFC 7515 Section 4.1]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1
func newCompactSigner(kid string, k parsedKey, typ string) (*compactSigner, error) {
	header, err := json.Marshal(struct {
		Alg Algorithm `json:"alg"`
		Kid string    `json:"kid"`
		Typ string    `json:"typ"`
	}{k.alg, kid, typ})
	if err != nil {
		return nil, fmt.Errorf("token: encode JWS header: %w", err)
	}
	sigSize := 64 // ES256 (R || S) and Ed25519
	if rsaKey, ok := k.key.(*rsa.PrivateKey); ok {
		sigSize = rsaKey.Size()
	}
	return &compactSigner{key: k.key, header: base64.RawURLEncoding.EncodeToString(header) + ".", sigSize: sigSize}, nil
}

// sign returns payload signed, in the compact serialization.
func (s *compactSigner) sign(payload []byte) (string, error) {
	enc := base64.RawURLEncoding
	input := make([]byte, len(s.header), len(s.header)+enc.EncodedLen(len(payload))+1+enc.EncodedLen(s.sigSize))
	copy(input, s.header)
	input = enc.AppendEncode(input, payload)
	sig, err := s.signature(input)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	input = append(input, '.')
	return string(enc.AppendEncode(input, sig)), nil
}

// signature signs the JWS Signing Input as its algorithm defines:
// [RFC 7518 Section 3.3] for RS256, [RFC 7518 Section 3.4] for ES256 and
// [RFC 8037 Section 3.1] for EdDSA.
//
// [RFC 7518 Section 3.3]: https://www.rfc-editor.org/rfc/rfc7518#section-3.3
// [RFC 7518 Section 3.4]: https://www.rfc-editor.org/rfc/rfc7518#section-3.4
// [RFC 8037 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8037#section-3.1
func (s *compactSigner) signature(input []byte) ([]byte, error) {
	switch key := s.key.(type) {
	case *rsa.PrivateKey: // RS256
		digest := sha256.Sum256(input)
		return rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	case *ecdsa.PrivateKey: // ES256
		digest := sha256.Sum256(input)
		der, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
		if err != nil {
			return nil, err
		}
		return concatRS(der)
	case ed25519.PrivateKey: // EdDSA signs the input itself, unhashed
		return ed25519.Sign(key, input), nil
	}
	return nil, fmt.Errorf("no signature for a %T", s.key)
}

// concatRS turns an ECDSA P-256 signature from its ASN.1 DER form, as
// ecdsa.SignASN1 returns it, into the JWS form of [RFC 7518 Section 3.4]:
// "Turn R and S into octet sequences in big-endian order, with each array
// being be 32 octets long. [...] Concatenate the two octet sequences in the
// order R and then S."
//
// ecdsa.Sign would hand back R and S as big.Ints, parsed from this same DER
// form; reading the two integers' bytes in place instead spares four
// allocations on every ES256 token.
//
// [RFC 7518 Section 3.4]: https://www.rfc-editor.org/rfc/rfc7518#section-3.4
func concatRS(der []byte) ([]byte, error) {
	var seq cryptobyte.String
	var r, s []byte
	in := cryptobyte.String(der)
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) || !seq.Empty() {
		return nil, errors.New("malformed ECDSA signature")
	}
	sig := make([]byte, 64)
	if !putUint256(sig[:32], r) || !putUint256(sig[32:], s) {
		return nil, errors.New("ECDSA signature too long for P-256")
	}
	return sig, nil
}

// putUint256 writes the unsigned big-endian integer n right-aligned into
// the 32 octets of dst. ReadASN1Integer has already refused a negative n and
// dropped the leading zero DER adds when the high bit is set.
func putUint256(dst, n []byte) bool {
	if len(n) > len(dst) {
		return false
	}
	copy(dst[len(dst)-len(n):], n)
	return true
}
