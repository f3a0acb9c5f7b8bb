// Package dpop is the client side of DPoP, [RFC 9449]: a key pair that
// stays in the client, and an http.RoundTripper that proves possession of
// it on every request, so the tokens the provider binds to it are useless
// to anyone who steals them.
//
// The proof is a small JWT built with the standard library only: an ES256
// signature over a JOSE header that carries the public key, and claims that
// name this one request ([RFC 9449 Section 4.2]).
//
// [RFC 9449]: https://www.rfc-editor.org/rfc/rfc9449
// [RFC 9449 Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
package dpop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// Key is a client's DPoP key: ECDSA P-256, for proofs signed ES256.
type Key struct {
	private *ecdsa.PrivateKey
	jwk     publicJWK
	header  string // the proofs' JOSE header, base64url: the same in every proof
}

// publicJWK is the public key as a JSON Web Key (RFC 7517); its members are
// in the lexicographic order the RFC 7638 thumbprint hashes them in.
type publicJWK struct {
	Crv string `json:"crv"`
	Kty string `json:"kty"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// NewKey generates a key.
func NewKey() (*Key, error) {
	private, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("dpop: generate key: %w", err)
	}
	point, err := private.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, fmt.Errorf("dpop: public key: %w", err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwk := publicJWK{Crv: "P-256", Kty: "EC", X: b64(point[1:33]), Y: b64(point[33:])}
	header, err := json.Marshal(proofHeader{Typ: "dpop+jwt", Alg: "ES256", JWK: jwk})
	if err != nil {
		return nil, fmt.Errorf("dpop: proof header: %w", err)
	}
	return &Key{private: private, jwk: jwk, header: b64(header)}, nil
}

// Thumbprint is the key's JWK SHA-256 Thumbprint ([RFC 7638]), base64url:
// the jkt the provider puts in a bound token's cnf claim and the value of
// the dpop_jkt authorization request parameter ([RFC 9449 Section 10]).
//
// [RFC 7638]: https://www.rfc-editor.org/rfc/rfc7638
// [RFC 9449 Section 10]: https://www.rfc-editor.org/rfc/rfc9449#section-10
func (k *Key) Thumbprint() string {
	canonical, _ := json.Marshal(k.jwk) // no whitespace, members sorted: RFC 7638 Section 3
	sum := sha256.Sum256(canonical)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// proofHeader and proofClaims are a proof's JOSE header and claims
// ([RFC 9449 Section 4.2]).
//
// [RFC 9449 Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
type proofHeader struct {
	Typ string    `json:"typ"`
	Alg string    `json:"alg"`
	JWK publicJWK `json:"jwk"`
}

type proofClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	ATH   string `json:"ath,omitempty"`
	Nonce string `json:"nonce,omitempty"`
}

// Proof signs a proof for one request: its method and URI (without query
// and fragment), the access token it carries ("" for none: the ath claim is
// then left out) and the server's latest nonce ("" for none).
func (k *Key) Proof(method, uri, accessToken, nonce string, now time.Time) (string, error) {
	claims := proofClaims{
		// "at least 96 bits of pseudorandom data" (RFC 9449 Section 4.2)
		JTI: rand.Text(), HTM: method, HTU: uri, IAT: now.Unix(), Nonce: nonce,
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims.ATH = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	b64 := base64.RawURLEncoding.EncodeToString
	signingInput := k.header + "." + b64(payload)
	digest := sha256.Sum256([]byte(signingInput))
	r, s, err := ecdsa.Sign(rand.Reader, k.private, digest[:])
	if err != nil {
		return "", fmt.Errorf("dpop: sign: %w", err)
	}
	// A JWS ES256 signature is R || S, 32 bytes each ([RFC 7518 Section 3.4]).
	//
	// [RFC 7518 Section 3.4]: https://www.rfc-editor.org/rfc/rfc7518#section-3.4
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signingInput + "." + b64(sig), nil
}
