package web

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// signRS256 makes a compact JWS with RS256, as the provider signs ID tokens.
func signRS256(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	payload, _ := json.Marshal(claims)
	return signRS256Payload(t, key, payload)
}

// signRS256Payload signs payload as signRS256 does, whatever it holds: a
// provider could sign any bytes as claims.
func signRS256Payload(t *testing.T, key *rsa.PrivateKey, payload []byte) string {
	t.Helper()
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// atHash is the at_hash of OIDC Core Section 3.1.3.6 for RS256.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

func TestVerifyIDToken(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Unix(1_700_000_000, 0)
	const issuer, access, nonce = "https://as.example", "the-access-token", "the-nonce"
	verifier := oidc.NewVerifier(issuer, &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&key.PublicKey}},
		&oidc.Config{ClientID: "testclient", SupportedSigningAlgs: []string{oidc.RS256}, Now: func() time.Time { return now }})
	valid := func() map[string]any {
		return map[string]any{
			"iss": issuer, "sub": "user1", "aud": "testclient", "nonce": nonce, "at_hash": atHash(access),
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix(),
		}
	}
	// wantFailed is the start of the rule of the check that fails, the
	// last one shown; "" when all nine pass.
	tests := []struct {
		name       string
		change     func(map[string]any)
		key        *rsa.PrivateKey
		wantFailed string
	}{
		{"a valid ID token passes (OIDC Core Section 3.1.3.7)", func(map[string]any) {}, key, ""},
		{"another nonce is refused (OIDC Core Section 3.1.3.7 step 11)", func(c map[string]any) { c["nonce"] = "other" }, key, "nonce"},
		{"a missing nonce is refused (OIDC Core Section 3.1.3.7 step 11)", func(c map[string]any) { delete(c, "nonce") }, key, "nonce"},
		{"another audience is refused (OIDC Core Section 3.1.3.7 step 3)", func(c map[string]any) { c["aud"] = "spa-client" }, key, "aud"},
		{"another issuer is refused (OIDC Core Section 3.1.3.7 step 2)", func(c map[string]any) { c["iss"] = "https://evil.example" }, key, "iss"},
		{"the issuer with a trailing slash is another issuer (OIDC Core Section 3.1.3.7 step 2)", func(c map[string]any) { c["iss"] = issuer + "/" }, key, "iss"},
		{"an expired token is refused (OIDC Core Section 3.1.3.7 step 9)", func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() }, key, "exp"},
		{"a wrong at_hash is refused (OIDC Core Section 3.1.3.8)", func(c map[string]any) { c["at_hash"] = atHash("another token") }, key, "at_hash"},
		{"a signature by another key is refused (OIDC Core Section 3.1.3.7 step 6)", func(map[string]any) {}, other, "the signature"},
		{"an audience beside this client is refused (OIDC Core Section 3.1.3.7 step 3)", func(c map[string]any) { c["aud"] = []string{"testclient", "spa-client"} }, key, "aud names no other"},
		{"an azp of another client is refused (OIDC Core Section 3.1.3.7 step 5)", func(c map[string]any) { c["azp"] = "spa-client" }, key, "azp"},
		{"an azp of this client passes (OIDC Core Section 3.1.3.7 step 5)", func(c map[string]any) { c["azp"] = "testclient" }, key, ""},
		{"a token without sub is refused (OIDC Core Section 2)", func(c map[string]any) { delete(c, "sub") }, key, "sub and iat"},
		{"a token without iat is refused (OIDC Core Section 2)", func(c map[string]any) { delete(c, "iat") }, key, "sub and iat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := valid()
			tt.change(claims)
			_, checks, err := verifyIDToken(context.Background(), verifier, signRS256(t, tt.key, claims), access, nonce)
			if (err == nil) != (tt.wantFailed == "") {
				t.Fatalf("verifyIDToken: %v, want failure of %q", err, tt.wantFailed)
			}
			last := checks[len(checks)-1]
			for _, c := range checks[:len(checks)-1] {
				if !c.Passed {
					t.Errorf("check %q failed before the last one: %+v", c.Rule, checks)
				}
			}
			switch {
			case tt.wantFailed == "" && (len(checks) != 9 || !last.Passed):
				t.Errorf("got checks %+v, want nine passed", checks)
			case tt.wantFailed != "" && (last.Passed || !strings.HasPrefix(last.Rule, tt.wantFailed)):
				t.Errorf("last check = %+v, want %q failed", last, tt.wantFailed)
			}
		})
	}
	if _, checks, err := verifyIDToken(context.Background(), verifier, "", access, nonce); err == nil || len(checks) != 1 || checks[0].Passed {
		t.Errorf("a token response without an id_token: err %v, checks %+v; want one failed check", err, checks)
	}
}

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
			raw = signRS256Payload(t, key, []byte(claims))
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
