package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// Algorithm is a JWS "alg" the provider signs with. Each has its own key,
// rotated together by Keys.Rotate.
type Algorithm string

const (
	// RS256 is RSASSA-PKCS1-v1_5 with SHA-256 ([RFC 7518 Section 3.3]), on
	// 2048-bit RSA keys: the default, and the one algorithm every OpenID
	// Connect client supports. [OIDC Discovery Section 3] on
	// id_token_signing_alg_values_supported: "The algorithm RS256 MUST be
	// included."
	//
	// [RFC 7518 Section 3.3]: https://www.rfc-editor.org/rfc/rfc7518#section-3.3
	// [OIDC Discovery Section 3]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
	RS256 Algorithm = "RS256"
	// ES256 is ECDSA on P-256 with SHA-256 ([RFC 7518 Section 3.4]): a key
	// and signature of 64 bytes, signing an order of magnitude faster than RS256.
	//
	// [RFC 7518 Section 3.4]: https://www.rfc-editor.org/rfc/rfc7518#section-3.4
	ES256 Algorithm = "ES256"
	// EdDSA is Ed25519 ([RFC 8037 Section 3.1]): deterministic, the fastest
	// to sign, but not yet supported by every JOSE library.
	//
	// [RFC 8037 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8037#section-3.1
	EdDSA Algorithm = "EdDSA"
)

// alwaysPublished are the algorithms whose keys exist whatever the
// configuration: RS256, which OpenID Connect requires, and ES256. EdDSA has
// a key only when ACCESS_TOKEN_SIGNING_ALG asks for it.
var alwaysPublished = []Algorithm{RS256, ES256}

// supportedAlgorithms are the algorithms VerifyAccessToken lets through to
// the key lookup. Anything else, "none" and the HMAC algorithms included,
// fails in the parser before a key is consulted ([RFC 8725 Section 3.1]).
//
// [RFC 8725 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8725#section-3.1
var supportedAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// rsaBits is the size of generated RSA keys. [RFC 7518 Section 3.3]: "A key
// of size 2048 bits or larger MUST be used with these algorithms."
//
// [RFC 7518 Section 3.3]: https://www.rfc-editor.org/rfc/rfc7518#section-3.3
const rsaBits = 2048

// ParseAlgorithm returns the Algorithm named s, or an error for any other
// name, "none" and HMAC included.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch a := Algorithm(s); a {
	case RS256, ES256, EdDSA:
		return a, nil
	}
	return "", fmt.Errorf("token: signing algorithm %q is not one of RS256, ES256, EdDSA", s)
}

// generateKey makes a new private key for alg.
func generateKey(alg Algorithm) (crypto.Signer, error) {
	switch alg {
	case RS256:
		return rsa.GenerateKey(rand.Reader, rsaBits)
	case ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, key, err := ed25519.GenerateKey(rand.Reader)
		return key, err
	}
	return nil, fmt.Errorf("token: no key type for algorithm %q", alg)
}

// checkKey refuses a parsed private key that does not fit alg: RSA of
// 2048 bits or more for RS256, P-256 for ES256 ([RFC 7518 Section 3.4]:
// "ECDSA P-256 SHA-256"), Ed25519 for EdDSA.
//
// [RFC 7518 Section 3.4]: https://www.rfc-editor.org/rfc/rfc7518#section-3.4
func checkKey(alg Algorithm, key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if alg == RS256 && k.N.BitLen() >= rsaBits {
			return k, nil
		}
	case *ecdsa.PrivateKey:
		if alg == ES256 && k.Curve == elliptic.P256() {
			return k, nil
		}
	case ed25519.PrivateKey:
		if alg == EdDSA {
			return k, nil
		}
	}
	return nil, fmt.Errorf("a %T is not a key for %s", key, alg)
}
