package oauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// minRSABits is the smallest RSA key this provider takes from outside (a
// client's jwks, a DPoP proof's jwk): [RFC 7518 Section 3.3]: "A key of
// size 2048 bits or larger MUST be used with these algorithms."
//
// [RFC 7518 Section 3.3]: https://www.rfc-editor.org/rfc/rfc7518#section-3.3
const minRSABits = 2048

// maxRSAExponent is the largest public exponent e of an RSA key this
// provider takes from outside. [RFC 8017 Section 3.1] allows "an integer
// between 3 and n - 1" (odd, being coprime with the even λ(n)), and Go
// verifies with any e up to 2^31-1. But a verification makes one modular
// multiplication per bit of e and one more per 1 bit, and anyone may send
// a key and a random signature: on RSA-4096, e = 2^31-1 (60
// multiplications) costs about 2.5 times what e = 65537 (17) does. 65537
// is what key generators make, and the least that FIPS 186-5 allows for a
// new key (2^16 < e < 2^256); some older keys have 3 or 17. So e is odd,
// from 3 to 65537: the keys in use pass, and the costliest of them
// (e = 65535, 30 multiplications) costs about 1.5 times e = 65537.
//
// [RFC 8017 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8017#section-3.1
const maxRSAExponent = 65537

// checkRSAPublicKey checks an RSA public key from outside: at least
// minRSABits bits (go-jose refuses more than jose.MaxRSAModulusBits when it
// parses the key), and an odd exponent from 3 to maxRSAExponent.
func checkRSAPublicKey(key *rsa.PublicKey) error {
	if key.N.BitLen() < minRSABits {
		return fmt.Errorf("RSA keys need at least %d bits", minRSABits)
	}
	if key.E < 3 || key.E > maxRSAExponent || key.E%2 == 0 {
		return fmt.Errorf("an RSA key's exponent e must be odd, from 3 to %d", maxRSAExponent)
	}
	return nil
}

// parseClientJWKS checks a client's jwks ([RFC 7591 Section 2]: "The value
// of this field MUST be a JSON object containing a valid JWK Set") and
// returns it in its canonical form. Every key must be a public key that
// verifies an algorithm of ClientAssertionAlgs: RSA (2048 to
// jose.MaxRSAModulusBits bits, e from 3 to 65537), EC P-256 or Ed25519,
// with no "alg", "use" or "key_ops" that names another use (checkKeyOps,
// checkClientKey); with more than one key, each has a kid of its own
// (checkKeyIDs). The set is read as a registration document is
// (unmarshalExact), each key as go-jose reads one.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func parseClientJWKS(raw json.RawMessage) (json.RawMessage, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := unmarshalExact(raw, &doc); err != nil || doc.Keys == nil {
		return nil, errors.New("not a JWK Set (RFC 7517 Section 5)")
	}
	if len(doc.Keys) == 0 || len(doc.Keys) > maxRegistrationKeys {
		return nil, fmt.Errorf("a JWK Set of 1 to %d keys is required", maxRegistrationKeys)
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, len(doc.Keys))}
	for i, k := range doc.Keys {
		if err := parseClientKey(k, &set.Keys[i]); err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
	}
	if err := checkKeyIDs(set.Keys); err != nil {
		return nil, err
	}
	return json.Marshal(set)
}

// checkKeyIDs requires a kid of its own on each key of a set of more than
// one, so that an assertion names the one key that verifies it
// (assertionKey): [OIDC Core Section 10.1]: "If there are multiple keys in
// the referenced JWK Set document, a kid value MUST be provided in the JOSE
// Header", and [RFC 7517 Section 4.5]: "When "kid" values are used within a
// JWK Set, different keys within the JWK Set SHOULD use distinct "kid"
// values."
//
// [OIDC Core Section 10.1]: https://openid.net/specs/openid-connect-core-1_0.html#Signing
// [RFC 7517 Section 4.5]: https://www.rfc-editor.org/rfc/rfc7517#section-4.5
func checkKeyIDs(keys []jose.JSONWebKey) error {
	if len(keys) == 1 {
		return nil
	}
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		switch {
		case k.KeyID == "":
			return fmt.Errorf("key %d has no kid: with several keys, each needs a kid, which an assertion's header names (OIDC Core Section 10.1)", i)
		case seen[k.KeyID]:
			return fmt.Errorf("the kid %s is on more than one key: each key needs its own (RFC 7517 Section 4.5)", quoteShort(k.KeyID))
		}
		seen[k.KeyID] = true
	}
	return nil
}

// parseClientKey reads one key of a client's JWK Set into k and checks it
// (checkClientKey). go-jose refuses an RSA key of more than
// jose.MaxRSAModulusBits bits as an unsupported key: that refusal is said
// as it is.
func parseClientKey(raw json.RawMessage, k *jose.JSONWebKey) error {
	err := k.UnmarshalJSON(raw)
	if errors.Is(err, jose.ErrUnsupportedKeyType) && rsaModulusBits(raw) > jose.MaxRSAModulusBits {
		return fmt.Errorf("RSA keys of more than %d bits are not accepted", jose.MaxRSAModulusBits)
	}
	if err != nil {
		return errors.New("not a valid JWK (RFC 7517 Section 4)")
	}
	if err := checkKeyOps(raw); err != nil {
		return err
	}
	return checkClientKey(*k)
}

// checkKeyOps checks the "key_ops" of a client's key, which go-jose does
// not read: [RFC 7517 Section 4.3]: "The "key_ops" (key operations)
// parameter identifies the operation(s) for which the key is intended to
// be used", among them "sign" ("compute digital signature or MAC") and
// "verify" ("verify digital signature or MAC"). A client's key verifies
// its assertions, so a key_ops, if present, holds "verify" and no
// operation but "sign" and "verify": it agrees with "use" "sig"
// (checkClientKey), as "The "use" and "key_ops" JWK members SHOULD NOT be
// used together; however, if both are used, the information they convey
// MUST be consistent." And "Duplicate key operation values MUST NOT be
// present in the array."
//
// The member is read by its exact name: member names are case-sensitive
// JSON strings, and [RFC 7517 Section 4]: "Additional members can be
// present in the JWK; if not understood by implementations encountering
// them, they MUST be ignored", so "Key_ops" or "KEY_OPS" is such a member
// (encoding/json would match a struct field to either). go-jose does not
// write key_ops either: the set stored and echoed (parseClientJWKS) is
// without it.
//
// [RFC 7517 Section 4.3]: https://www.rfc-editor.org/rfc/rfc7517#section-4.3
// [RFC 7517 Section 4]: https://www.rfc-editor.org/rfc/rfc7517#section-4
func checkKeyOps(raw json.RawMessage) error {
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		return errors.New("not a valid JWK (RFC 7517 Section 4)")
	}
	member, present := members["key_ops"]
	if !present {
		return nil
	}
	var ops []string
	if json.Unmarshal(member, &ops) != nil || ops == nil {
		return errors.New("'key_ops' must be an array of strings (RFC 7517 Section 4.3)")
	}
	seen := make(map[string]bool, len(ops))
	for _, op := range ops {
		if seen[op] {
			return fmt.Errorf("'key_ops' holds %s twice: duplicate values must not be present (RFC 7517 Section 4.3)", quoteShort(op))
		}
		seen[op] = true
	}
	if !seen["verify"] {
		return errors.New("'key_ops' must include 'verify': the key verifies the client's assertions (RFC 7517 Section 4.3)")
	}
	for _, op := range ops {
		if op != "sign" && op != "verify" {
			return fmt.Errorf("'key_ops' %s is not an operation of a signature key: only 'sign' and 'verify' may be present (RFC 7517 Section 4.3)", quoteShort(op))
		}
	}
	return nil
}

// rsaModulusBits is the size of the modulus "n" of an RSA JWK
// ([RFC 7518 Section 6.3.1.1]), or 0 when raw is not one.
//
// [RFC 7518 Section 6.3.1.1]: https://www.rfc-editor.org/rfc/rfc7518#section-6.3.1.1
func rsaModulusBits(raw json.RawMessage) int {
	var key struct {
		Kty string `json:"kty"`
		N   string `json:"n"`
	}
	if unmarshalExact(raw, &key) != nil || key.Kty != "RSA" {
		return 0
	}
	n, err := base64.RawURLEncoding.DecodeString(key.N)
	if err != nil {
		return 0
	}
	return new(big.Int).SetBytes(n).BitLen()
}

// checkClientKey checks one key of a client's JWK Set: a public key, for
// signatures ("use", if present, is "sig"), of a type this server
// verifies assertions with (checkKeyType), and with an "alg", if present,
// that the key verifies assertions with: [RFC 7517 Section 4.4]: "The
// "alg" (algorithm) parameter identifies the algorithm intended for use
// with the key." So every key accepted verifies an algorithm of
// ClientAssertionAlgs, and a set of them can authenticate its client.
//
// [RFC 7517 Section 4.4]: https://www.rfc-editor.org/rfc/rfc7517#section-4.4
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
	if err := checkKeyType(k.Key); err != nil {
		return err
	}
	if k.Algorithm != "" && !verifiesAlg(k.Key, k.Algorithm) {
		fits := slices.DeleteFunc(stringsOf(ClientAssertionAlgs...), func(alg string) bool { return !verifiesAlg(k.Key, alg) })
		return fmt.Errorf("'alg' %s is not an algorithm this server verifies client assertions with by this key; leave it out or name one of %s",
			quoteShort(k.Algorithm), strings.Join(fits, ", "))
	}
	return nil
}

// checkKeyType accepts the public keys that an algorithm of
// ClientAssertionAlgs verifies with (verifiesAlg): RSA (checkRSAPublicKey),
// EC on P-256 and Ed25519.
func checkKeyType(key any) error {
	switch key := key.(type) {
	case *rsa.PublicKey:
		return checkRSAPublicKey(key)
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
