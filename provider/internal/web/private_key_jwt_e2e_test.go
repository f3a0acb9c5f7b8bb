package web_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/dpoptest"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// keyClient is a client that registered itself with private_key_jwt.
type keyClient struct {
	registration
	key ed25519.PrivateKey
}

// registerKeyClient registers a private_key_jwt client with a fresh Ed25519 key.
func registerKeyClient(t testing.TB, srv *providertest.Server) keyClient {
	t.Helper()
	key := newEd25519Key(t)
	doc := `{"client_name":"Key client","token_endpoint_auth_method":"private_key_jwt","jwks":` + publicJWKS(t, key) + `,
		"redirect_uris":["` + demoRedirectURI + `"],"grant_types":["authorization_code","refresh_token","client_credentials"],"scope":"openid read"}`
	reg := register(t, srv, doc)
	if reg.ClientSecret != "" {
		t.Errorf("a private_key_jwt client got a client_secret")
	}
	return keyClient{registration: reg, key: key}
}

// newEd25519Key returns a fresh Ed25519 key.
func newEd25519Key(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// publicJWKS is the JWK Set (RFC 7517 Section 5) of key's public half, kid
// "k1", as a client registers it.
func publicJWKS(t testing.TB, key ed25519.PrivateKey) string {
	t.Helper()
	return jwksOf(t, jose.JSONWebKey{Key: key.Public(), KeyID: "k1", Use: "sig"})
}

// jwksOf is the JWK Set JSON of keys.
func jwksOf(t testing.TB, keys ...jose.JSONWebKey) string {
	t.Helper()
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(jwks)
}

// assertion is a client assertion (RFC 7523 Section 3) for aud, signed with the client's key.
func (k keyClient) assertion(t testing.TB, aud string) string {
	t.Helper()
	return k.assertionWithJTI(t, aud, rand.Text())
}

// assertionWithJTI is assertion with the given "jti".
func (k keyClient) assertionWithJTI(t testing.TB, aud, jti string) string {
	t.Helper()
	c := k.claims(aud)
	c.ID = jti
	return k.sign(t, c)
}

// claims are the claims of a client assertion (RFC 7523 Section 3) for the
// audiences aud, issued now, for a minute, with a fresh "jti".
func (k keyClient) claims(aud ...string) jwt.Claims {
	now := time.Now()
	return jwt.Claims{Issuer: k.ClientID, Subject: k.ClientID, Audience: jwt.Audience(aud),
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute)), ID: rand.Text()}
}

// sign signs claims with the client's key, kid "k1".
func (k keyClient) sign(t testing.TB, claims jwt.Claims) string {
	t.Helper()
	return signEdDSA(t, k.key, "k1", claims)
}

// signEdDSA signs claims with key, naming kid in the header unless it is "".
func signEdDSA(t testing.TB, key ed25519.PrivateKey, kid string, claims jwt.Claims) string {
	t.Helper()
	header := map[string]any{}
	if kid != "" {
		header["kid"] = kid
	}
	return jwttest.Sign(t, jose.EdDSA, key, header, claims)
}

// post sends form to path with a fresh assertion for aud.
func (k keyClient) post(t *testing.T, srv *providertest.Server, path, aud string, form url.Values) (*http.Response, string) {
	t.Helper()
	return k.postAssertion(t, srv, path, k.assertion(t, aud), form)
}

// postAssertion sends form to path with the given assertion.
func (k keyClient) postAssertion(t *testing.T, srv *providertest.Server, path, assertion string, form url.Values) (*http.Response, string) {
	t.Helper()
	form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	form.Set("client_assertion", assertion)
	return rawPost(t, srv.URL+path, form.Encode(), nil)
}

// TestE2EPrivateKeyJWT: a client that registered its public key authenticates
// with signed assertions (RFC 7523 Section 2.2, OIDC Core Section 9) at the
// token, PAR, introspection and revocation endpoints; a replayed assertion
// is refused.
func TestE2EPrivateKeyJWT(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		k := registerKeyClient(t, srv)
		tokenURL := srv.Issuer + "/oauth/token"

		first := k.assertion(t, tokenURL)
		resp, body := k.postAssertion(t, srv, "/oauth/token", first, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("client_credentials with an assertion: got %d %s", resp.StatusCode, body)
		}
		resp, body = k.postAssertion(t, srv, "/oauth/token", first, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "invalid_client") {
			t.Errorf("the same assertion again: got %d %s, want 401 invalid_client", resp.StatusCode, body)
		}

		verifier := oauth2.GenerateVerifier()
		par := pushedDemoRequest(verifier)
		par.Set("client_id", k.ClientID)
		resp, body = k.post(t, srv, "/oauth/par", srv.Issuer+"/oauth/par", par)
		var pr parResponse
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &pr) != nil {
			t.Fatalf("PAR with an assertion: got %d %s", resp.StatusCode, body)
		}
		loc := newBrowser(t).Approve(parAuthorizeURL(srv, k.ClientID, pr.RequestURI))
		resp, body = k.post(t, srv, "/oauth/token", srv.Issuer, url.Values{"grant_type": {"authorization_code"},
			"code": {loc.Query().Get("code")}, "redirect_uri": {demoRedirectURI}, "code_verifier": {verifier}})
		access, refresh := jsonField(body, "access_token"), jsonField(body, "refresh_token")
		if resp.StatusCode != http.StatusOK || refresh == "" {
			t.Fatalf("code exchange with an assertion (aud = issuer): got %d %.200s", resp.StatusCode, body)
		}

		resp, body = k.post(t, srv, "/oauth/introspect", srv.Issuer+"/oauth/introspect", url.Values{"token": {access}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"active":true`) {
			t.Fatalf("introspection with an assertion: got %d %s", resp.StatusCode, body)
		}
		resp, body = k.post(t, srv, "/oauth/revoke", srv.Issuer+"/oauth/revoke", url.Values{"token": {refresh}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("revocation with an assertion: got %d %s", resp.StatusCode, body)
		}
		if resp, _ := callResource(t, srv.URL+"/user/profile", access); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the access token after revoking its refresh token: got %d, want 401", resp.StatusCode)
		}

		resp, body = k.post(t, srv, "/oauth/token", "https://other.example/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "aud") {
			t.Errorf("an assertion for another server: got %d %s, want 401 invalid_client about aud", resp.StatusCode, body)
		}
		resp, body = rawPost(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}, "client_id": {k.ClientID}, "client_secret": {"guess"}}.Encode(), nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a secret for a private_key_jwt client: got %d %s, want 401", resp.StatusCode, body)
		}
	})
}

// TestE2EPrivateKeyJWTKeyRules: on each store, a registration (RFC 7591)
// or an update (RFC 7592 Section 2.2) whose jwks holds an RSA key with an
// exponent above 65537, two keys under one kid (RFC 7517 Section 4.5), a
// key without kid beside another, or a key marked for another use by its
// "alg" (RFC 7517 Section 4.4: one this server does not verify assertions
// with by that key) or its "key_ops" (RFC 7517 Section 4.3: without
// "verify", a value twice, or one other than "sign" and "verify"; read by
// its exact name, so a "Key_ops" beside it changes nothing) is
// invalid_client_metadata, and stores nothing; an RSA key for PS256 with
// key_ops sign and verify registers, and so does a key with a "KEY_OPS"
// member, which is not key_ops (RFC 7517 Section 4); a client with two keys
// signs with either, naming it by kid, and an assertion that names none is
// refused (OIDC Core Section 10.1).
func TestE2EPrivateKeyJWTKeyRules(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		// Each refused registration counts against the address's hourly
		// budget too: room for all of them.
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.RegistrationsPerHour = 50 }})
		k := registerKeyClient(t, srv)
		second := newEd25519Key(t)
		keys := jwksOf(t, jose.JSONWebKey{Key: k.key.Public(), KeyID: "k1"}, jose.JSONWebKey{Key: second.Public(), KeyID: "k2"})
		doc := func(method, jwks string) string {
			var id string
			if method == http.MethodPut {
				id = `"client_id":"` + k.ClientID + `",` // the update names the client (RFC 7592 Section 2.2)
			}
			return `{` + id + `"token_endpoint_auth_method":"private_key_jwt","grant_types":["client_credentials"],"jwks":` + jwks + `}`
		}
		largeExponent := jwksOf(t, jose.JSONWebKey{Key: dpoptest.RSAPublicKey(t, 4096, 1<<31-1), KeyID: "k"})
		other := newAlgKeys(t)
		rsaFor := func(alg string) string { return jwksOf(t, jose.JSONWebKey{Key: other.rsa.Public(), Algorithm: alg}) }
		withMembers := func(members string) string { return strings.Replace(rsaFor(""), `"kty"`, members+`,"kty"`, 1) }
		encryptOnly := withMembers(`"key_ops":["encrypt"]`)
		refused := map[string]struct{ jwks, want string }{
			"an RSA key with e = 2^31-1":                          {largeExponent, "exponent e must be odd, from 3 to 65537"},
			"two keys under one kid (RFC 7517 Section 4.5)":       {jwksOf(t, jose.JSONWebKey{Key: k.key.Public(), KeyID: "k"}, jose.JSONWebKey{Key: second.Public(), KeyID: "k"}), "the kid 'k' is on more than one key"},
			"two keys, one without kid (OIDC Core Section 10.1)":  {jwksOf(t, jose.JSONWebKey{Key: k.key.Public(), KeyID: "k1"}, jose.JSONWebKey{Key: second.Public()}), "key 1 has no kid"},
			"an RSA key for RSA-OAEP, an encryption algorithm":    {rsaFor("RSA-OAEP"), "'alg' 'RSA-OAEP' is not an algorithm this server verifies"},
			"an RSA key for RS384, not accepted for assertions":   {rsaFor("RS384"), "name one of RS256, PS256"},
			"an RSA key for none":                                 {rsaFor("none"), "'alg' 'none'"},
			"an RSA key for HS256":                                {rsaFor("HS256"), "'alg' 'HS256'"},
			"an RSA key for ES256, another key type's":            {rsaFor("ES256"), "'alg' 'ES256'"},
			"a P-256 key for ES384":                               {jwksOf(t, jose.JSONWebKey{Key: other.ec.Public(), Algorithm: "ES384"}), "name one of ES256"},
			"key_ops encrypt (RFC 7517 Section 4.3)":              {encryptOnly, "'key_ops' must include 'verify'"},
			"use sig with key_ops encrypt (RFC 7517 Section 4.3)": {strings.Replace(encryptOnly, `"kty"`, `"use":"sig","kty"`, 1), "'key_ops' must include 'verify'"},
			"key_ops that is not an array":                        {withMembers(`"key_ops":"verify"`), "'key_ops' must be an array"},
			"key_ops null":                                        {withMembers(`"key_ops":null`), "'key_ops' must be an array"},
			"key_ops sign":                                        {withMembers(`"key_ops":["sign"]`), "'key_ops' must include 'verify'"},
			"key_ops sign beside a Key_ops verify":                {withMembers(`"key_ops":["sign"],"Key_ops":["verify"]`), "'key_ops' must include 'verify'"},
			"key_ops encrypt beside a kEy_OpS verify":             {withMembers(`"key_ops":["encrypt"],"kEy_OpS":["verify"]`), "'key_ops' must include 'verify'"},
			"key_ops verify twice (RFC 7517 Section 4.3)":         {withMembers(`"key_ops":["verify","verify"]`), "'key_ops' holds 'verify' twice"},
			"use sig with key_ops verify and encrypt":             {withMembers(`"use":"sig","key_ops":["verify","encrypt"]`), "'key_ops' 'encrypt' is not an operation of a signature key"},
		}
		for name, tc := range refused {
			for _, method := range []string{http.MethodPost, http.MethodPut} {
				target, token := srv.URL+"/oauth/register", ""
				if method == http.MethodPut {
					target, token = k.RegistrationClientURI, k.RegistrationAccessToken
				}
				resp, body := sendJSON(t, method, target, doc(method, tc.jwks), token)
				if resp.StatusCode != http.StatusBadRequest || jsonField(body, "error") != "invalid_client_metadata" || !strings.Contains(body, tc.want) {
					t.Errorf("%s %s: got %d %s, want 400 invalid_client_metadata saying %q", method, name, resp.StatusCode, body, tc.want)
				}
			}
		}
		tokenRequest := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
		if resp, body := k.post(t, srv, "/oauth/token", srv.Issuer, tokenRequest); resp.StatusCode != http.StatusOK {
			t.Fatalf("the client after the refused updates, with its key: got %d %s, want 200", resp.StatusCode, body)
		}
		register(t, srv, doc(http.MethodPost, strings.Replace(rsaFor("PS256"), `"kty"`, `"use":"sig","key_ops":["sign","verify"],"kty"`, 1)))
		register(t, srv, doc(http.MethodPost, withMembers(`"KEY_OPS":["sign"]`))) // not key_ops: a member this server ignores (RFC 7517 Section 4)

		if resp, body := sendJSON(t, http.MethodPut, k.RegistrationClientURI, doc(http.MethodPut, keys), k.RegistrationAccessToken); resp.StatusCode != http.StatusOK {
			t.Fatalf("an update to two keys with kids k1 and k2: got %d %s, want 200", resp.StatusCode, body)
		}
		if resp, body := k.postAssertion(t, srv, "/oauth/token", signEdDSA(t, second, "k2", k.claims(srv.Issuer)), tokenRequest); resp.StatusCode != http.StatusOK {
			t.Errorf("signed with the second key, kid k2: got %d %s, want 200", resp.StatusCode, body)
		}
		resp, body := k.postAssertion(t, srv, "/oauth/token", signEdDSA(t, second, "", k.claims(srv.Issuer)), tokenRequest)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "names no 'kid'") {
			t.Errorf("no kid, two keys registered: got %d %s, want 401 invalid_client saying the header names no kid", resp.StatusCode, body)
		}
	})
}

// TestE2EPrivateKeyJWTEd25519Name: on each store, a client that
// registered an Ed25519 key with "alg" "Ed25519", EdDSA's fully specified
// name (RFC 9864 Section 2.2), authenticates with assertions signed under
// that name, as openid-client signs them, and under "EdDSA"; each is
// accepted once.
func TestE2EPrivateKeyJWTEd25519Name(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		key := newEd25519Key(t)
		reg := register(t, srv, `{"token_endpoint_auth_method":"private_key_jwt","grant_types":["client_credentials"],"scope":"read","jwks":`+
			jwksOf(t, jose.JSONWebKey{Key: key.Public(), KeyID: "k1", Algorithm: "Ed25519", Use: "sig"})+`}`)
		k := keyClient{registration: reg, key: key}
		tokenRequest := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
		ed25519Named := jwttest.SignEd25519(t, key, map[string]any{"kid": "k1", "typ": "JWT"}, k.claims(srv.Issuer))
		for name, assertion := range map[string]string{"Ed25519": ed25519Named, "EdDSA": k.assertion(t, srv.Issuer)} {
			if resp, body := k.postAssertion(t, srv, "/oauth/token", assertion, tokenRequest); resp.StatusCode != http.StatusOK {
				t.Errorf("an assertion under %s: got %d %s, want 200", name, resp.StatusCode, body)
			}
			if resp, body := k.postAssertion(t, srv, "/oauth/token", assertion, tokenRequest); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "used before") {
				t.Errorf("the same assertion under %s again: got %d %s, want 401 invalid_client (used before)", name, resp.StatusCode, body)
			}
		}
	})
}

// TestE2EPrivateKeyJWTAudience: on each store, an assertion's "aud" names
// this server and no other (RFC 7523 Section 3): its issuer or the URL of
// the endpoint the assertion is sent to, and at the PAR endpoint the token
// endpoint's URL too (RFC 9126 Section 2); an array that adds another
// server's audience is refused, so an assertion made for two servers is
// not replayed at this one.
func TestE2EPrivateKeyJWTAudience(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		k := registerKeyClient(t, srv)
		iss := srv.Issuer
		forms := map[string]func() url.Values{
			"/oauth/token":      func() url.Values { return url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}} },
			"/oauth/introspect": func() url.Values { return url.Values{"token": {"x"}} },
			"/oauth/revoke":     func() url.Values { return url.Values{"token": {"x"}} },
			"/oauth/par": func() url.Values {
				form := pushedDemoRequest(oauth2.GenerateVerifier())
				form.Set("client_id", k.ClientID)
				return form
			},
		}
		tests := []struct {
			path string
			aud  []string
			ok   bool
		}{
			{"/oauth/token", []string{iss}, true},
			{"/oauth/token", []string{iss + "/oauth/token"}, true},
			{"/oauth/token", []string{iss, iss + "/oauth/token"}, true},
			{"/oauth/token", []string{iss + "/oauth/revoke"}, false},
			{"/oauth/token", []string{"https://attacker.example", iss}, false},
			{"/oauth/par", []string{iss + "/oauth/par"}, true},
			{"/oauth/par", []string{iss + "/oauth/token"}, true},
			{"/oauth/par", []string{iss + "/oauth/introspect"}, false},
			{"/oauth/revoke", []string{iss + "/oauth/revoke"}, true},
			{"/oauth/revoke", []string{iss + "/oauth/token"}, true},
			{"/oauth/revoke", []string{iss + "/oauth/introspect"}, false},
			{"/oauth/introspect", []string{iss + "/oauth/introspect"}, true},
			{"/oauth/introspect", []string{iss + "/oauth/access_token"}, true},
			{"/oauth/introspect", []string{iss, "https://attacker.example/oauth/introspect"}, false},
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/aud %q", tc.path, tc.aud), func(t *testing.T) {
				resp, body := k.postAssertion(t, srv, tc.path, k.sign(t, k.claims(tc.aud...)), forms[tc.path]())
				refused := resp.StatusCode == http.StatusUnauthorized && strings.Contains(body, "'aud'")
				if refused == tc.ok {
					t.Errorf("got %d %s, want accepted %t", resp.StatusCode, body, tc.ok)
				}
			})
		}
	})
}

// TestE2EPrivateKeyJWTTimes: on each store, an assertion's times allow
// 30 seconds of clock skew, no more, as the README says: "exp" passed 25 s
// ago is accepted, 35 s ago refused (RFC 7523 Section 3); an "iat" or "nbf"
// 2 minutes ahead is refused.
func TestE2EPrivateKeyJWTTimes(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		k := registerKeyClient(t, srv)
		now := time.Now()
		at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(now.Add(d)) }
		tests := []struct {
			name string
			set  func(*jwt.Claims)
			want string // "" = accepted; else a fragment of the refusal
		}{
			{"exp passed 25 s ago", func(c *jwt.Claims) { c.IssuedAt, c.Expiry = at(-time.Minute), at(-25*time.Second) }, ""},
			{"exp passed 35 s ago", func(c *jwt.Claims) { c.IssuedAt, c.Expiry = at(-time.Minute), at(-35*time.Second) }, "expired"},
			{"iat 2 minutes ahead", func(c *jwt.Claims) { c.IssuedAt = at(2 * time.Minute) }, "'iat'"},
			{"nbf 2 minutes ahead", func(c *jwt.Claims) { c.NotBefore = at(2 * time.Minute) }, "'nbf'"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := k.claims(srv.Issuer)
				tc.set(&c)
				resp, body := k.postAssertion(t, srv, "/oauth/token", k.sign(t, c), url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}})
				switch {
				case tc.want == "" && resp.StatusCode != http.StatusOK:
					t.Errorf("got %d %s, want 200", resp.StatusCode, body)
				case tc.want != "" && (resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, tc.want)):
					t.Errorf("got %d %s, want 401 invalid_client about %s", resp.StatusCode, body, tc.want)
				}
			})
		}
	})
}

// TestE2EPrivateKeyJWTLongJTI: a "jti" of 3 KB of random text, which no
// index entry of PostgreSQL can hold, is accepted once and refused as a
// replay after (OIDC Core Section 9), never a 500.
func TestE2EPrivateKeyJWTLongJTI(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		k := registerKeyClient(t, srv)
		assertion := k.assertionWithJTI(t, srv.Issuer, randomText(3000))
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
		if resp, body := k.postAssertion(t, srv, "/oauth/token", assertion, form); resp.StatusCode != http.StatusOK {
			t.Fatalf("a 3 KB jti: got %d %s, want 200", resp.StatusCode, body)
		}
		if resp, body := k.postAssertion(t, srv, "/oauth/token", assertion, form); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "used before") {
			t.Errorf("the same assertion again: got %d %s, want 401 invalid_client (used before)", resp.StatusCode, body)
		}
	})
}

// randomText is at least n characters of random text: incompressible, so a
// database cannot shrink it to fit.
func randomText(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(rand.Text())
	}
	return b.String()
}

// jsonField reads one string member of a JSON object.
func jsonField(body, name string) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	s, _ := m[name].(string)
	return s
}

// TestE2EPrivateKeyJWTReplayAcrossProcesses: an assertion accepted by one
// provider process is refused by another on the same PostgreSQL (one seen
// jti set, RFC 7523 Section 3).
func TestE2EPrivateKeyJWTReplayAcrossProcesses(t *testing.T) {
	dbURL := pgtest.NewSchemas(t).Create(t)
	sameIssuer := func(c *config.Config) { c.DatabaseURL = dbURL; c.Issuer = "http://127.0.0.1:1" }
	a := providertest.New(t, providertest.Options{Configure: sameIssuer})
	b := providertest.New(t, providertest.Options{Configure: sameIssuer})
	k := registerKeyClient(t, a)
	assertion := k.assertion(t, a.Issuer+"/oauth/token")
	if resp, body := k.postAssertion(t, a, "/oauth/token", assertion, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("at A: got %d %s", resp.StatusCode, body)
	}
	if resp, body := k.postAssertion(t, b, "/oauth/token", assertion, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the same assertion at B: got %d %s, want 401", resp.StatusCode, body)
	}
}

// TestE2EMetadataNamesPrivateKeyJWT: discovery lists the method and its
// algorithms, and the DPoP proof algorithms.
func TestE2EMetadataNamesPrivateKeyJWT(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	m := metadataOf(t, srv)
	for _, field := range []string{"token_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported"} {
		if !strings.Contains(toJSON(m[field]), `"private_key_jwt"`) {
			t.Errorf("%s: got %v, want private_key_jwt", field, m[field])
		}
	}
	for _, field := range []string{"token_endpoint_auth_signing_alg_values_supported", "revocation_endpoint_auth_signing_alg_values_supported", "introspection_endpoint_auth_signing_alg_values_supported"} {
		if got := toJSON(m[field]); got != `["RS256","PS256","ES256","EdDSA","Ed25519"]` {
			t.Errorf("%s: got %s, want EdDSA under both its names (RFC 9864 Section 2.2)", field, got)
		}
	}
	if got := toJSON(m["dpop_signing_alg_values_supported"]); got != `["ES256","ES384","RS256","PS256","EdDSA","Ed25519"]` {
		t.Errorf("dpop_signing_alg_values_supported: got %s, want EdDSA under both its names (RFC 9864 Section 2.2)", got)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
