package oauth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// keyClient is a client registered for private_key_jwt with three keys.
type keyClient struct {
	id    string
	ed    ed25519.PrivateKey
	ec    *ecdsa.PrivateKey
	rsa   *rsa.PrivateKey
	stray ed25519.PrivateKey // a key the client never registered
	p     *oauth.Provider
	clock *clocktest.Clock
}

// newKeyClient starts a provider on SQLite with a fake clock and registers
// a private_key_jwt client.
func newKeyClient(t *testing.T) *keyClient {
	t.Helper()
	return newKeyClientOn(t, filepath.Join(t.TempDir(), "provider.db"))
}

// newKeyClientOn is newKeyClient on the store databaseURL names.
func newKeyClientOn(t *testing.T, databaseURL string) *keyClient {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	cfg := config.Default()
	cfg.DatabaseURL = databaseURL
	k := &keyClient{id: "key-client", clock: clock, p: providertest.NewProvider(t, cfg, clock.Now)}
	_, k.ed, _ = ed25519.GenerateKey(rand.Reader)
	_, k.stray, _ = ed25519.GenerateKey(rand.Reader)
	k.ec, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k.rsa, _ = rsa.GenerateKey(rand.Reader, 2048)
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: k.ed.Public(), KeyID: "ed"}, {Key: k.ec.Public(), KeyID: "ec", Algorithm: "ES256"}, {Key: k.rsa.Public(), KeyID: "rsa", Algorithm: "RS256"}}}
	jwks, _ := json.Marshal(set)
	err := k.p.Store.CreateClient(context.Background(), store.Client{ID: k.id, Name: "Key client", Type: store.Confidential,
		GrantTypes: []string{string(oauth.GrantTypeClientCredentials)}, Scopes: []string{"read"}, DefaultScope: "read",
		TokenEndpointAuthMethod: "private_key_jwt", JWKS: string(jwks)})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// claims are valid assertion claims for the client at the current time.
func (k *keyClient) claims() jwt.Claims {
	now := k.clock.Now()
	return jwt.Claims{Issuer: k.id, Subject: k.id, Audience: jwt.Audience{k.p.Config.Issuer + oauth.PathToken},
		Expiry: jwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: rand.Text()}
}

// signedWith is an assertion of the client's claims changed by set,
// signed with its Ed25519 key.
func (k *keyClient) signedWith(t *testing.T, set func(*jwt.Claims)) string {
	t.Helper()
	c := k.claims()
	set(&c)
	return sign(t, jose.EdDSA, k.ed, "ed", c)
}

// withAudience is an assertion whose "aud" is the given audiences.
func (k *keyClient) withAudience(t *testing.T, aud ...string) string {
	t.Helper()
	return k.signedWith(t, func(c *jwt.Claims) { c.Audience = jwt.Audience(aud) })
}

// sign signs claims with key under alg and kid.
func sign(t *testing.T, alg jose.SignatureAlgorithm, key crypto.Signer, kid string, claims any) string {
	t.Helper()
	header := map[string]any{"typ": "JWT"}
	if kid != "" {
		header["kid"] = kid
	}
	return jwttest.Sign(t, alg, key, header, claims)
}

// signEd25519 signs claims with key under the alg "Ed25519"
// (RFC 9864 Section 2.2) and kid, as openid-client signs with an Ed25519 key.
func signEd25519(t *testing.T, key ed25519.PrivateKey, kid string, claims any) string {
	t.Helper()
	return jwttest.SignEd25519(t, key, map[string]any{"kid": kid, "typ": "JWT"}, claims)
}

// token asks for a client_credentials token with the given form.
func (k *keyClient) token(form url.Values) *oauth.Error {
	return k.tokenTraced(&oauth.Trace{}, form)
}

// assertionForm is the client authentication of RFC 7523 Section 2.2.
func assertionForm(assertion string) url.Values {
	return url.Values{"client_assertion_type": {oauth.ClientAssertionTypeJWT}, "client_assertion": {assertion}}
}

func TestClientAssertion(t *testing.T) {
	k := newKeyClient(t)
	now := k.clock.Now()
	tests := []struct {
		name      string
		assertion func() string
		form      func(url.Values)
		want      string // "" = accepted; else a fragment of the invalid_client description
	}{
		{"EdDSA, found by kid", func() string { return sign(t, jose.EdDSA, k.ed, "ed", k.claims()) }, nil, ""},
		{"ES256, found by kid", func() string { return sign(t, jose.ES256, k.ec, "ec", k.claims()) }, nil, ""},
		{"RS256", func() string { return sign(t, jose.RS256, k.rsa, "rsa", k.claims()) }, nil, ""},
		{"Ed25519, EdDSA's fully specified name (RFC 9864 Section 2.2), by the same key", func() string { return signEd25519(t, k.ed, "ed", k.claims()) }, nil, ""},
		{"aud as the issuer and the token endpoint's URL, in an array (RFC 7523 Section 3)", func() string {
			return k.withAudience(t, k.p.Config.Issuer, k.p.Config.Issuer+oauth.PathToken)
		}, nil, ""},
		{"aud as the token endpoint's other path", func() string {
			return k.withAudience(t, k.p.Config.Issuer+oauth.PathAccessToken)
		}, nil, ""},
		{"exp passed 25 s ago, within the 30 s of clock skew", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(-25 * time.Second)) })
		}, nil, ""},
		{"exp 5 minutes and 25 s away, within the 30 s of clock skew", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(5*time.Minute + 25*time.Second)) })
		}, nil, ""},
		{"iat and nbf 25 s ahead, within the 30 s of clock skew", func() string {
			return k.signedWith(t, func(c *jwt.Claims) {
				c.IssuedAt, c.NotBefore = jwt.NewNumericDate(now.Add(25*time.Second)), jwt.NewNumericDate(now.Add(25*time.Second))
			})
		}, nil, ""},
		{"client_id in the form naming the same client (RFC 7521 Section 4.2)", func() string { return sign(t, jose.EdDSA, k.ed, "ed", k.claims()) },
			func(f url.Values) { f.Set("client_id", k.id) }, ""},

		{"alg none", func() string {
			return "eyJhbGciOiJub25lIn0." + b64(`{"iss":"key-client","sub":"key-client"}`) + "."
		}, nil, "not a JWS"},
		{"HS256 (a MAC, not a signature of the client's key)", func() string {
			signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(strings.Repeat("k", 32))}, nil)
			raw, _ := jwt.Signed(signer).Claims(k.claims()).Serialize()
			return raw
		}, nil, "client_secret_jwt"},
		{"a key the client never registered", func() string { return sign(t, jose.EdDSA, k.stray, "ed", k.claims()) }, nil, "the signature does not verify with the registered key 'ed'"},
		{"no kid, the client having three keys (OIDC Core Section 10.1)", func() string { return sign(t, jose.ES256, k.ec, "", k.claims()) }, nil,
			"the header names no 'kid', and the client's registered jwks has 3 keys"},
		{"a kid the client never registered", func() string { return sign(t, jose.ES256, k.ec, "other", k.claims()) }, nil, "no key of the client's registered jwks has the 'kid' 'other'"},
		{"a key registered for RS256 used with PS256", func() string { return sign(t, jose.PS256, k.rsa, "rsa", k.claims()) }, nil, "the registered key 'rsa' is not for PS256"},
		{"an Ed25519 key named for ES256", func() string { return sign(t, jose.ES256, k.ec, "ed", k.claims()) }, nil, "the registered key 'ed' is not for ES256"},
		{"Ed25519 naming an RSA key", func() string { return signEd25519(t, k.ed, "rsa", k.claims()) }, nil, "the registered key 'rsa' is not for Ed25519"},
		{"Ed25519 naming an EC key", func() string { return signEd25519(t, k.ed, "ec", k.claims()) }, nil, "the registered key 'ec' is not for Ed25519"},
		{"Ed25519 by a key the client never registered", func() string { return signEd25519(t, k.stray, "ed", k.claims()) }, nil, "the signature does not verify with the registered key 'ed'"},
		{"Ed25519 with a crit header: an extension not understood (RFC 7515 Section 4.1.11)", func() string {
			return jwttest.SignEd25519(t, k.ed, map[string]any{"kid": "ed", "crit": []string{"exp"}, "exp": 1}, k.claims())
		}, nil, "critical extensions (crit)"},
		{"ES256 with a crit header, refused for it, not as a signature that does not verify", func() string {
			return jwttest.Sign(t, jose.ES256, k.ec, map[string]any{"kid": "ec", "crit": []string{"exp"}, "exp": 1}, k.claims())
		}, nil, "critical extensions (crit)"},
		{"an EdDSA assertion whose alg is rewritten to Ed25519: the signature covers the header", func() string {
			parts := strings.SplitN(sign(t, jose.EdDSA, k.ed, "ed", k.claims()), ".", 2)
			return b64(`{"alg":"Ed25519","kid":"ed","typ":"JWT"}`) + "." + parts[1]
		}, nil, "the signature does not verify"},
		{"iss is not the client_id (OIDC Core Section 9)", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.Issuer = "someone-else" })
		}, nil, "'iss' and 'sub'"},
		{"sub names an unknown client", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.Subject = "nobody" })
		}, nil, "client authentication failed"},
		{"aud names another server", func() string {
			return k.withAudience(t, "https://other.example/token")
		}, nil, "'aud'"},
		{"aud names another server beside the issuer: audience injection", func() string {
			return k.withAudience(t, "https://attacker.example", k.p.Config.Issuer)
		}, nil, "no other audience"},
		{"aud is the revocation endpoint's URL, at the token endpoint", func() string {
			return k.withAudience(t, k.p.Config.Issuer+oauth.PathRevoke)
		}, nil, "this endpoint's URL"},
		{"aud is an empty array", func() string { return k.withAudience(t) }, nil, "'aud'"},
		{"no exp (RFC 7523 Section 3)", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.Expiry = nil })
		}, nil, "'exp' is required"},
		{"exp passed 30 s ago, beyond the clock skew (RFC 7523 Section 3)", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(-30 * time.Second)) })
		}, nil, "expired"},
		{"exp 5 minutes and 35 s away, beyond the clock skew", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(5*time.Minute + 35*time.Second)) })
		}, nil, "at most 5 minutes"},
		{"iat 35 s in the future, beyond the clock skew", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(35 * time.Second)) })
		}, nil, "issued in the future"},
		{"iat 120 s in the future", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(120 * time.Second)) })
		}, nil, "issued in the future"},
		{"nbf 35 s in the future, beyond the clock skew", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.NotBefore = jwt.NewNumericDate(now.Add(35 * time.Second)) })
		}, nil, "not valid yet"},
		{"no jti (OIDC Core Section 9)", func() string {
			return k.signedWith(t, func(c *jwt.Claims) { c.ID = "" })
		}, nil, "'jti' is required"},
		{"client_id naming another client (RFC 7521 Section 4.2)", func() string { return sign(t, jose.EdDSA, k.ed, "ed", k.claims()) },
			func(f url.Values) { f.Set("client_id", "testclient") }, "does not match"},
		{"another client_assertion_type", func() string { return sign(t, jose.EdDSA, k.ed, "ed", k.claims()) },
			func(f url.Values) {
				f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
			}, "client_assertion_type must be"},
		{"a 9 KB assertion", func() string { return strings.Repeat("a", 9<<10) }, nil, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := assertionForm(tt.assertion())
			if tt.form != nil {
				tt.form(form)
			}
			err := k.token(form)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want a token", err)
			case tt.want != "" && err == nil:
				t.Fatalf("got a token, want invalid_client (%s)", tt.want)
			case tt.want != "" && (err.Code != oauth.ErrInvalidClient || !strings.Contains(err.Description, tt.want)):
				t.Fatalf("got %v, want invalid_client about %s", err, tt.want)
			}
		})
	}
}

// TestClientAssertionTypedAudience: an assertion typed
// client-authentication+jwt names the issuer alone, as a JSON string
// (RFC 7523bis Section 4; the FAPI 2.0 Security Profile's 5.3.2.1, item 8),
// and its refusal is traced under that rule; an untyped one keeps the
// audiences of RFC 7523 Section 3 and RFC 9126 Section 2. On both stores:
// an accepted assertion records its jti.
func TestClientAssertionTypedAudience(t *testing.T) {
	for name, url := range storeURLs {
		t.Run(name, func(t *testing.T) {
			k := newKeyClientOn(t, url(t))
			issuer, tokenURL := k.p.Config.Issuer, k.p.Config.Issuer+oauth.PathToken
			tests := []struct {
				name string
				typ  string // "" leaves typ out
				aud  any
				ok   bool
			}{
				{"typed, aud the issuer as a string", "client-authentication+jwt", issuer, true},
				{"typed with the application/ prefix and in other case (RFC 7515 Section 4.1.9)", "application/Client-Authentication+JWT", issuer, true},
				{"typed, aud the issuer in an array of one", "client-authentication+jwt", []string{issuer}, false},
				{"typed, aud the token endpoint's URL", "client-authentication+jwt", tokenURL, false},
				{"typed, aud the issuer and the token endpoint's URL", "client-authentication+jwt", []string{issuer, tokenURL}, false},
				{"typed, no aud", "client-authentication+jwt", nil, false},
				{"untyped (JWT), aud the token endpoint's URL, as RFC 7523 Section 3 lets it", "JWT", tokenURL, true},
				{"no typ, aud the issuer in an array of one", "", []string{issuer}, true},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					trace := &oauth.Trace{}
					err := k.tokenTraced(trace, assertionForm(k.assertionTyped(t, tt.typ, tt.aud)))
					last := trace.Checks[len(trace.Checks)-1]
					switch {
					case tt.ok && err != nil:
						t.Fatalf("got %v, want a token", err)
					case !tt.ok && (err == nil || err.Code != oauth.ErrInvalidClient):
						t.Fatalf("got %v, want invalid_client", err)
					case !tt.ok && (last.Passed || last.Ref != "RFC 7523bis Section 4"):
						t.Errorf("the trace ends with %+v, want the failed rule of RFC 7523bis Section 4", last)
					}
				})
			}
		})
	}
}

// assertionTyped is an assertion of the client's claims with "aud" as
// given (a string, an array, or nil for none), signed with its Ed25519 key
// under the header typ (none if "").
func (k *keyClient) assertionTyped(t *testing.T, typ string, aud any) string {
	t.Helper()
	now := k.clock.Now()
	claims := map[string]any{"iss": k.id, "sub": k.id, "exp": now.Add(time.Minute).Unix(), "iat": now.Unix(), "jti": rand.Text()}
	if aud != nil {
		claims["aud"] = aud
	}
	header := map[string]any{"kid": "ed"}
	if typ != "" {
		header["typ"] = typ
	}
	return jwttest.Sign(t, jose.EdDSA, k.ed, header, claims)
}

// tokenTraced is token with the request's checks recorded on trace.
func (k *keyClient) tokenTraced(trace *oauth.Trace, form url.Values) *oauth.Error {
	form.Set("grant_type", "client_credentials")
	ctx := oauth.WithTrace(context.Background(), trace)
	req, err := oauth.ParseTokenRequest(ctx, form, nil)
	if err != nil {
		return err
	}
	_, err = k.p.Token(ctx, req)
	return err
}

// TestClientAssertionOneKey: an assertion is verified with one key, the one
// its kid names or the only one (OIDC Core Section 10.1), whatever a set
// stored before registration checked kids and exponents holds: of two keys
// under one kid only the first is tried, and a key whose exponent would
// make verifying costly is refused without verifying.
func TestClientAssertionOneKey(t *testing.T) {
	k := newKeyClient(t)
	tests := []struct {
		name string
		keys []jose.JSONWebKey
		kid  string // the assertion's, signed with k.ed
		want string // "" = accepted; else a fragment of the invalid_client description
	}{
		{"the only key, no kid", []jose.JSONWebKey{{Key: k.ed.Public()}}, "", ""},
		{"two keys under one kid, the signer's second: only the first is tried",
			[]jose.JSONWebKey{{Key: k.stray.Public(), KeyID: "k"}, {Key: k.ed.Public(), KeyID: "k"}}, "k", "the signature does not verify with the registered key 'k'"},
		{"two keys under one kid, the signer's first", []jose.JSONWebKey{{Key: k.ed.Public(), KeyID: "k"}, {Key: k.stray.Public(), KeyID: "k"}}, "k", ""},
		{"the named key is RSA with e = 2^31-1: refused before verifying",
			[]jose.JSONWebKey{{Key: k.ed.Public(), KeyID: "ed"}, {Key: &rsa.PublicKey{N: k.rsa.N, E: 1<<31 - 1}, KeyID: "big"}}, "big",
			"the registered key 'big' is not usable: an RSA key's exponent e must be odd, from 3 to 65537"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("stored-%d", i)
			jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: tc.keys})
			err := k.p.Store.CreateClient(context.Background(), store.Client{ID: id, Name: "Stored", Type: store.Confidential,
				GrantTypes: []string{string(oauth.GrantTypeClientCredentials)}, Scopes: []string{"read"}, DefaultScope: "read",
				TokenEndpointAuthMethod: "private_key_jwt", JWKS: string(jwks)})
			if err != nil {
				t.Fatal(err)
			}
			c := k.claims()
			c.Issuer, c.Subject = id, id
			oerr := k.token(assertionForm(sign(t, jose.EdDSA, k.ed, tc.kid, c)))
			switch {
			case tc.want == "" && oerr != nil:
				t.Fatalf("got %v, want a token", oerr)
			case tc.want != "" && (oerr == nil || oerr.Code != oauth.ErrInvalidClient || !strings.Contains(oerr.Description, tc.want)):
				t.Fatalf("got %v, want invalid_client about %s", oerr, tc.want)
			}
		})
	}
}

// TestClientAssertionEd25519Names: over an Ed25519 key, "EdDSA" and
// "Ed25519" name one algorithm (RFC 9864 Section 2.2), so an assertion under
// either name verifies with a key registered under either name, or none;
// a key stored for another key type's algorithm (as a registration no
// longer accepts) is not usable, under either name.
func TestClientAssertionEd25519Names(t *testing.T) {
	k := newKeyClient(t)
	for i, keyAlg := range []string{"", "EdDSA", "Ed25519", "ES256"} {
		id := fmt.Sprintf("ed-%d", i)
		jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.ed.Public(), KeyID: "ed", Algorithm: keyAlg}}})
		err := k.p.Store.CreateClient(context.Background(), store.Client{ID: id, Name: "Ed25519 client", Type: store.Confidential,
			GrantTypes: []string{string(oauth.GrantTypeClientCredentials)}, Scopes: []string{"read"}, DefaultScope: "read",
			TokenEndpointAuthMethod: "private_key_jwt", JWKS: string(jwks)})
		if err != nil {
			t.Fatal(err)
		}
		claims := func() jwt.Claims {
			c := k.claims() // a jti of its own
			c.Issuer, c.Subject = id, id
			return c
		}
		for headerAlg, assertion := range map[string]string{"EdDSA": sign(t, jose.EdDSA, k.ed, "ed", claims()), "Ed25519": signEd25519(t, k.ed, "ed", claims())} {
			err := k.token(assertionForm(assertion))
			switch {
			case keyAlg == "ES256" && (err == nil || !strings.Contains(err.Description, "is not usable: 'alg' 'ES256'")):
				t.Errorf("a key stored for ES256, an assertion under %s: got %v, want invalid_client (the key is not usable)", headerAlg, err)
			case keyAlg != "ES256" && err != nil:
				t.Errorf("a key registered with alg %q, an assertion under %s: got %v, want a token", keyAlg, headerAlg, err)
			}
		}
	}
}

// TestClientAssertionReplay: an assertion is accepted once ("These tokens
// MUST only be used once", OIDC Core Section 9), also by concurrent requests.
func TestClientAssertionReplay(t *testing.T) {
	k := newKeyClient(t)
	assertion := sign(t, jose.EdDSA, k.ed, "ed", k.claims())
	errs := make(chan *oauth.Error, 8)
	for range 8 {
		go func() { errs <- k.token(assertionForm(assertion)) }()
	}
	accepted := 0
	for range 8 {
		if err := <-errs; err == nil {
			accepted++
		} else if !strings.Contains(err.Description, "used before") {
			t.Errorf("a replay: got %v, want invalid_client (used before)", err)
		}
	}
	if accepted != 1 {
		t.Errorf("one assertion sent 8 times at once: %d accepted, want 1", accepted)
	}
}

// TestClientAssertionMethods: the other methods, mixed or wrong.
func TestClientAssertionMethods(t *testing.T) {
	k := newKeyClient(t)
	assertion := sign(t, jose.EdDSA, k.ed, "ed", k.claims())
	form := assertionForm(assertion)
	form.Set("client_secret", "x")
	if err := k.token(form); err == nil || err.Code != oauth.ErrInvalidRequest {
		t.Errorf("an assertion and a secret (RFC 6749 Section 2.3): got %v, want invalid_request", err)
	}
	if err := k.token(url.Values{"client_id": {k.id}, "client_secret": {"x"}}); err == nil || !strings.Contains(err.Description, "private_key_jwt") {
		t.Errorf("a secret from a private_key_jwt client: got %v, want invalid_client naming its method", err)
	}
	demo := k.claims()
	demo.Issuer, demo.Subject = "testclient", "testclient"
	if err := k.token(assertionForm(sign(t, jose.EdDSA, k.ed, "ed", demo))); err == nil || err.Code != oauth.ErrInvalidClient {
		t.Errorf("an assertion for a client with no keys: got %v, want invalid_client", err)
	}
}

// b64 is base64url without padding.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
