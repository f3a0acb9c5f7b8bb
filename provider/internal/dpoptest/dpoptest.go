// Package dpoptest makes DPoP proofs (RFC 9449 Section 4.2) for the
// provider's tests and benchmarks: a client's key, and proofs it signs,
// correct by default and wrong in whatever way a test asks.
package dpoptest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/jwttest"
)

// ed25519Alg is "Ed25519", the name RFC 9864 gives EdDSA over Ed25519,
// which go-jose cannot sign with (jwttest.SignEd25519 does).
const ed25519Alg jose.SignatureAlgorithm = "Ed25519"

// Key is a client's DPoP key pair.
type Key struct {
	Alg     jose.SignatureAlgorithm
	Private crypto.Signer
	JWK     jose.JSONWebKey // the public key, as the proof's jwk header
}

// NewKey generates a key for alg: ES256 (P-256), EdDSA or Ed25519 (its
// name in RFC 9864) for an Ed25519 key, or RS256/PS256 (RSA 2048).
func NewKey(t testing.TB, alg jose.SignatureAlgorithm) *Key {
	t.Helper()
	var priv crypto.Signer
	var err error
	switch alg {
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.EdDSA, ed25519Alg:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatalf("dpoptest: generate key: %v", err)
	}
	return &Key{Alg: alg, Private: priv, JWK: jose.JSONWebKey{Key: priv.Public()}}
}

// NewRSAKey generates an RS256 key of 2048 bits whose public exponent is e,
// which rsa.GenerateKey never chooses (it makes 65537): e must be odd.
func NewRSAKey(t testing.TB, e int) *Key {
	t.Helper()
	one := big.NewInt(1)
	for {
		p, errP := rand.Prime(rand.Reader, 1024)
		q, errQ := rand.Prime(rand.Reader, 1024)
		if errP != nil || errQ != nil {
			t.Fatalf("dpoptest: generate primes: %v %v", errP, errQ)
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(big.NewInt(int64(e)), phi)
		if p.Cmp(q) == 0 || d == nil {
			continue // e must be invertible modulo (p-1)(q-1)
		}
		priv := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: e}, D: d, Primes: []*big.Int{p, q}}
		if err := priv.Validate(); err != nil {
			t.Fatalf("dpoptest: RSA key with e = %d: %v", e, err)
		}
		priv.Precompute()
		return &Key{Alg: jose.RS256, Private: priv, JWK: jose.JSONWebKey{Key: priv.Public()}}
	}
}

// RSAPublicKey is an RSA public key of bits bits and exponent e whose
// modulus is a random odd number: no one holds its private key, and none
// is needed to make a server verify with it (a proof's jwk, a client's
// jwks), nor to send it.
func RSAPublicKey(t testing.TB, bits, e int) *rsa.PublicKey {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
	if err != nil {
		t.Fatal(err)
	}
	return &rsa.PublicKey{N: n.SetBit(n, bits-1, 1).SetBit(n, 0, 1), E: e}
}

// JKT is the key's RFC 7638 thumbprint, base64url (the cnf.jkt of
// RFC 9449 Section 6.1).
func (k *Key) JKT() string {
	sum, err := k.JWK.Thumbprint(crypto.SHA256)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}

// Claims are a proof's claims; Proof fills jti and iat when they are zero.
type Claims struct {
	JTI   string `json:"jti,omitempty"`
	HTM   string `json:"htm,omitempty"`
	HTU   string `json:"htu,omitempty"`
	IAT   int64  `json:"iat,omitempty"`
	ATH   string `json:"ath,omitempty"`
	Nonce string `json:"nonce,omitempty"`
}

// Options change the JOSE header of a proof, for tests of the rules.
type Options struct {
	Typ        string           // default "dpop+jwt"; "-" leaves it out
	JWK        *jose.JSONWebKey // default the key's public JWK
	SignWith   *Key             // default the key itself
	OmitJWK    bool
	ExtraClaim map[string]any
	OmitClaims []string       // claims left out of the payload
	ExtraHead  map[string]any // header parameters added to the JOSE header
}

// Proof signs a proof for method and uri at now with the claims c (htm and
// htu default to method and uri).
func (k *Key) Proof(t testing.TB, now time.Time, c Claims, o Options) string {
	t.Helper()
	if c.JTI == "" {
		c.JTI = rand.Text()
	}
	if c.IAT == 0 {
		c.IAT = now.Unix()
	}
	header := map[jose.HeaderKey]any{jose.HeaderType: "dpop+jwt"}
	switch o.Typ {
	case "":
	case "-":
		delete(header, jose.HeaderType)
	default:
		header[jose.HeaderType] = o.Typ
	}
	signer := k
	if o.SignWith != nil {
		signer = o.SignWith
	}
	jwk := k.JWK
	if o.JWK != nil {
		jwk = *o.JWK
	}
	if !o.OmitJWK {
		header["jwk"] = jwk
	}
	for name, v := range o.ExtraHead {
		header[jose.HeaderKey(name)] = v
	}
	payload, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if o.ExtraClaim != nil || o.OmitClaims != nil {
		var m map[string]any
		_ = json.Unmarshal(payload, &m)
		for name, v := range o.ExtraClaim {
			m[name] = v
		}
		for _, name := range o.OmitClaims {
			delete(m, name)
		}
		payload, _ = json.Marshal(m)
	}
	if signer.Alg == ed25519Alg {
		named := make(map[string]any, len(header))
		for k, v := range header {
			named[string(k)] = v
		}
		return jwttest.SignEd25519(t, signer.Private.(ed25519.PrivateKey), named, json.RawMessage(payload))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: signer.Alg, Key: signer.Private}, &jose.SignerOptions{ExtraHeaders: header})
	if err != nil {
		t.Fatalf("dpoptest: signer: %v", err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatalf("dpoptest: sign: %v", err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// ATH is the ath claim for an access token: base64url(SHA-256(token)).
func ATH(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
