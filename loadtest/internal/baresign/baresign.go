// Package baresign is the signature the load tool's references make: the
// bare signature of each algorithm (bareop) and the one the bare Gin
// handler's token answer carries (baregin), over an input the size of the
// provider's access token, computed as the provider's token package does.
package baresign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// Input is the JWS Signing Input of the load tool's client credentials
// access token: its header and claims as the provider encodes them, with a
// kid as long as a JWK thumbprint (43 characters), a jti as long as the
// provider's (22) and a loopback issuer with a five-digit port, so the
// hash before the signature has the provider's input size too. ("RS256"
// is as long as the other algorithms' names.)
var Input = []byte(b64(`{"alg":"RS256","kid":"nZzY1Q3vVb9fQm2Jr7cX0kLwHs4tEa8uPd6yGiTo5Mn","typ":"at+jwt"}`) + "." +
	b64(`{"iss":"http://127.0.0.1:41234","sub":"testclient","aud":"http://127.0.0.1:41234","exp":1780000000,`+
		`"iat":1779996400,"jti":"5Y2M7W4QZKX3V6N2B8R1T9","client_id":"testclient","scope":"read"}`))

// Algorithms are the signing algorithms of access tokens (README,
// "Signing algorithms"): those New knows.
var Algorithms = []string{"RS256", "ES256", "EdDSA"}

// b64 is base64url without padding, as JWS encodes.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// New returns a function that signs Input with a fresh key of alg, and
// the key's public half: SHA-256 then PKCS #1 v1.5 (RS256, RSA 2048),
// SHA-256 then ECDSA P-256 with R‖S as JWS writes it (ES256), or Ed25519
// over the input itself (EdDSA).
func New(alg string) (sign func() []byte, public crypto.PublicKey, err error) {
	switch alg {
	case "RS256":
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, nil, err
		}
		return func() []byte {
			d := sha256.Sum256(Input)
			sig, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:]) // cannot fail with a valid key
			return sig
		}, key.Public(), nil
	case "ES256":
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		return func() []byte {
			d := sha256.Sum256(Input)
			r, s, _ := ecdsa.Sign(rand.Reader, key, d[:]) // cannot fail with a valid key
			return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}, key.Public(), nil
	case "EdDSA":
		public, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		return func() []byte { return ed25519.Sign(key, Input) }, public, nil
	}
	return nil, nil, fmt.Errorf("unknown algorithm %q", alg)
}
