// Package jwttest reads the parts of a compact JWS ([RFC 7515 Section 7.1])
// in tests, without verifying it, to look at what went on the wire, and
// signs the JWTs a test sends: with go-jose (Sign), and the "Ed25519" ones
// go-jose cannot make (SignEd25519).
//
// [RFC 7515 Section 7.1]: https://www.rfc-editor.org/rfc/rfc7515#section-7.1
package jwttest

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Header and Claims are the parts of a compact JWS that Decode reads.
const (
	Header = 0
	Claims = 1
)

// Decode base64url-decodes part (Header or Claims) of the compact JWS raw
// and unmarshals its JSON into v, failing the test on anything else.
func Decode(t testing.TB, raw string, part int, v any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("jwttest: got %d JWS parts, want 3", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[part])
	if err != nil {
		t.Fatalf("jwttest: part %d: %v", part, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("jwttest: part %d: %v", part, err)
	}
}

// Part returns part (Header or Claims) of the compact JWS raw as a map.
func Part(t testing.TB, raw string, part int) map[string]any {
	t.Helper()
	var m map[string]any
	Decode(t, raw, part, &m)
	return m
}

// Sign signs claims with key under alg in a compact JWS whose header also
// holds header's members ("kid", "typ", or what a test wants refused, such
// as "crit"), as a client signs its assertion.
func Sign(t testing.TB, alg jose.SignatureAlgorithm, key any, header map[string]any, claims any) string {
	t.Helper()
	extra := make(map[jose.HeaderKey]any, len(header))
	for name, value := range header {
		extra[jose.HeaderKey(name)] = value
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, &jose.SignerOptions{ExtraHeaders: extra})
	if err != nil {
		t.Fatalf("jwttest: %v", err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("jwttest: %v", err)
	}
	return raw
}

// SignEd25519 signs claims with key in a compact JWS whose "alg" is
// "Ed25519", the fully specified name of EdDSA over Ed25519
// ([RFC 9864 Section 2.2]) that go-jose cannot sign with: the header is
// header with that "alg", the signature Ed25519 over the JWS Signing Input
// ([RFC 7515 Section 5.1]).
//
// [RFC 9864 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9864#section-2.2
// [RFC 7515 Section 5.1]: https://www.rfc-editor.org/rfc/rfc7515#section-5.1
func SignEd25519(t testing.TB, key ed25519.PrivateKey, header map[string]any, claims any) string {
	t.Helper()
	h := maps.Clone(header)
	if h == nil {
		h = map[string]any{}
	}
	h["alg"] = "Ed25519"
	input := encodePart(t, h) + "." + encodePart(t, claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(input)))
}

// encodePart is v as JSON, base64url-encoded: one part of a compact JWS.
func encodePart(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("jwttest: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
