package web

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
)

// FuzzVerifyIDTokenClaims: the provider's token response may hold any
// claims, properly signed; whatever verifyIDToken accepts has this
// client's issuer, this client as only audience, an azp of this client or
// none, sub and iat, the nonce sent, an exp in the future, and the at_hash
// of the access token when it has one ([OIDC Core Section 3.1.3.7]).
//
// [OIDC Core Section 3.1.3.7]: https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
func FuzzVerifyIDTokenClaims(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	const issuer, access, nonce = "https://as.example", "the-access-token", "the-nonce"
	verifier := oidc.NewVerifier(issuer, &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&key.PublicKey}},
		&oidc.Config{ClientID: "testclient", SupportedSigningAlgs: []string{oidc.RS256}, Now: func() time.Time { return now }})
	good, _ := json.Marshal(map[string]any{"iss": issuer, "sub": "user1", "aud": "testclient", "nonce": nonce, "at_hash": atHash(access),
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix()})
	f.Add(string(good), "")
	f.Add(`{"iss":"https://as.example","sub":"u","aud":["testclient","x"],"nonce":"the-nonce","iat":1700000000,"exp":1700003600,"azp":7}`, "")
	f.Add(`{"iss":"https://as.example","sub":"u","aud":"testclient","nonce":"the-nonce","iat":1.5e9,"exp":"1700003600","at_hash":""}`, "")
	f.Add(`{"iss":"https://as.example","sub":"u","aud":"testclient","AUD":"x","nonce":"the-nonce","iat":1,"exp":1800000000,"nonce":"n2"}`, "")
	f.Add("", "eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, claims, raw string) {
		if raw == "" {
			raw = signPayload(t, key, claims)
		}
		idt, _, err := verifyIDToken(context.Background(), verifier, raw, access, nonce)
		if err != nil {
			return
		}
		var c struct {
			Iss    string          `json:"iss"`
			Sub    string          `json:"sub"`
			Aud    json.RawMessage `json:"aud"`
			Azp    *string         `json:"azp"`
			Nonce  string          `json:"nonce"`
			Exp    json.Number     `json:"exp"`
			Iat    json.Number     `json:"iat"`
			AtHash string          `json:"at_hash"`
		}
		parts := strings.Split(raw, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		if err := json.Unmarshal(payload, &c); err != nil {
			t.Fatalf("accepted %q, whose claims do not decode: %v", payload, err)
		}
		exp, _ := c.Exp.Float64()
		aud := string(c.Aud)
		if c.Iss != issuer || c.Sub == "" || c.Nonce != nonce || !(aud == `"testclient"` || aud == `["testclient"]`) ||
			(c.Azp != nil && *c.Azp != "testclient" && *c.Azp != "") || exp <= float64(now.Unix()) || c.Iat == "" ||
			(c.AtHash != "" && c.AtHash != atHash(access)) || idt.Subject != c.Sub {
			t.Fatalf("accepted ID token claims %s", payload)
		}
	})
}

// signPayload signs claims, whatever they are, with RS256, as the provider
// would.
func signPayload(t *testing.T, key *rsa.PrivateKey, claims string) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign([]byte(claims))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// FuzzKeyCount: keyCount, which bounds the provider's JWK Set, never
// counts fewer keys than go-jose (which go-oidc uses) reads from the same
// document.
func FuzzKeyCount(f *testing.F) {
	f.Add(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`)
	f.Add(`{"keys":[],"KEYS":[{}]}`)
	f.Add(`{"Keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var set jose.JSONWebKeySet
		if json.Unmarshal([]byte(body), &set) != nil {
			return
		}
		if n := keyCount([]byte(body)); n < len(set.Keys) {
			t.Fatalf("keyCount(%q) = %d, go-jose reads %d keys", body, n, len(set.Keys))
		}
	})
}
