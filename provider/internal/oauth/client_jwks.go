package oauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// minClientRSABits is the smallest RSA key a client may register:
// [RFC 7518 Section 3.3]: "A key of size 2048 bits or larger MUST be used
// with these algorithms."
//
// [RFC 7518 Section 3.3]: https://www.rfc-editor.org/rfc/rfc7518#section-3.3
const minClientRSABits = 2048

// parseClientJWKS checks a client's jwks ([RFC 7591 Section 2]: "The value
// of this field MUST be a JSON object containing a valid JWK Set") and
// returns it in its canonical form. Every key must be a public signing key
// of a kind that an algorithm of clientAssertionAlgs can use: RSA (2048
// bits or more), EC P-256 or Ed25519.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func parseClientJWKS(raw json.RawMessage) (json.RawMessage, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, errors.New("not a JWK Set (RFC 7517 Section 5)")
	}
	if len(set.Keys) == 0 || len(set.Keys) > maxRegistrationKeys {
		return nil, fmt.Errorf("a JWK Set of 1 to %d keys is required", maxRegistrationKeys)
	}
	for i, k := range set.Keys {
		if err := checkClientKey(k); err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
	}
	return json.Marshal(set)
}

// checkClientKey checks one key of a client's JWK Set.
func checkClientKey(k jose.JSONWebKey) error {
	if !k.Valid() {
		return errors.New("not a valid key")
	}
	if !k.IsPublic() {
		return errors.New("a private key was sent: register the public key only (and replace this key, it is no longer secret)")
	}
	if k.Use != "" && k.Use != "sig" {
		return errors.New("'use' must be 'sig'")
	}
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() < minClientRSABits {
			return fmt.Errorf("RSA keys need at least %d bits", minClientRSABits)
		}
	case *ecdsa.PublicKey:
		if key.Curve != elliptic.P256() {
			return errors.New("EC keys must be on P-256 (ES256)")
		}
	case ed25519.PublicKey:
	default:
		return errors.New("only RSA, EC P-256 and Ed25519 keys are supported")
	}
	return nil
}
