package oauth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TestVerifiedPayloadIsTheSignedOne checks that verifiedPayload returns the
// signed payload, for an algorithm go-jose verifies and for AlgEd25519,
// and nothing for a key that did not sign it.
func TestVerifiedPayloadIsTheSignedOne(t *testing.T) {
	payload := []byte(`{"sub":"c"}`)
	edPublic, edPrivate, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherEd, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: ec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	es256, err := signed.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	input := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"Ed25519"}`)) + "." + base64.RawURLEncoding.EncodeToString(payload)
	ed := input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(edPrivate, []byte(input)))
	for _, tc := range []struct {
		name    string
		compact string
		alg     jose.SignatureAlgorithm
		key     any
		want    []byte
	}{
		{"ES256, verified by go-jose", es256, jose.ES256, &ec.PublicKey, payload},
		{"Ed25519 (RFC 9864 Section 2.2), verified here", ed, AlgEd25519, edPublic, payload},
		{"Ed25519 with another Ed25519 key", ed, AlgEd25519, otherEd, nil},
		{"Ed25519 with an EC key", ed, AlgEd25519, &ec.PublicKey, nil},
	} {
		jws, err := jose.ParseSignedCompact(tc.compact, []jose.SignatureAlgorithm{tc.alg})
		if err != nil {
			t.Fatalf("%s: ParseSignedCompact: %v", tc.name, err)
		}
		got, ok := verifiedPayload(tc.compact, jws, tc.key)
		if ok != (tc.want != nil) || !bytes.Equal(got, tc.want) {
			t.Errorf("%s: got %q, %v, want %q", tc.name, got, ok, tc.want)
		}
	}
}
