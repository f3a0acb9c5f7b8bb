package web_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// algKeys are a client's keys, one of each kind a client assertion may be
// signed with: RSA (kid "rsa": RS256, PS256), EC P-256 ("ec": ES256) and
// Ed25519 ("ed": EdDSA, Ed25519).
type algKeys struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
	ed  ed25519.PrivateKey
}

// newAlgKeys returns fresh keys of each kind.
func newAlgKeys(t *testing.T) algKeys {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return algKeys{rsa: rsaKey, ec: ecKey, ed: newEd25519Key(t)}
}

// jwks is the JWK Set of the keys' public halves, as a client registers it.
func (k algKeys) jwks(t *testing.T) string {
	t.Helper()
	return jwksOf(t, jose.JSONWebKey{Key: k.rsa.Public(), KeyID: "rsa", Use: "sig"},
		jose.JSONWebKey{Key: k.ec.Public(), KeyID: "ec", Use: "sig"}, jose.JSONWebKey{Key: k.ed.Public(), KeyID: "ed", Use: "sig"})
}

// sign signs a client assertion of clientID for aud with alg, by the key
// of its kind, naming it by kid.
func (k algKeys) sign(t *testing.T, alg, clientID, aud string) string {
	t.Helper()
	claims := keyClient{registration: registration{ClientID: clientID}}.claims(aud)
	if alg == "Ed25519" { // go-jose does not sign under EdDSA's fully specified name
		return jwttest.SignEd25519(t, k.ed, map[string]any{"kid": "ed", "typ": "JWT"}, claims)
	}
	keys := map[string]struct {
		kid string
		key crypto.Signer
	}{"RS256": {"rsa", k.rsa}, "PS256": {"rsa", k.rsa}, "ES256": {"ec", k.ec}, "EdDSA": {"ed", k.ed}}
	return jwttest.Sign(t, jose.SignatureAlgorithm(alg), keys[alg].key, map[string]any{"kid": keys[alg].kid}, claims)
}

// wantAlgs holds a client to the algs its assertions may be signed with
// at the token endpoint: each of accepted gets wantStatus (the grant's
// answer, past client authentication), each of refused 401 invalid_client
// whose description names the registered alg and whose trace ends with
// the rule of OIDC Registration Section 2, failed.
func wantAlgs(t *testing.T, srv *providertest.Server, keys algKeys, clientID string, form url.Values, wantStatus int, accepted, refused []string) {
	t.Helper()
	k := keyClient{registration: registration{ClientID: clientID}}
	for _, alg := range accepted {
		if resp, body := k.postAssertion(t, srv, "/oauth/token", keys.sign(t, alg, clientID, srv.Issuer), form); resp.StatusCode != wantStatus {
			t.Errorf("an assertion signed %s: got %d %.200s, want %d", alg, resp.StatusCode, body, wantStatus)
		}
	}
	for _, alg := range refused {
		resp, body := k.postAssertion(t, srv, "/oauth/token", keys.sign(t, alg, clientID, srv.Issuer), form)
		if resp.StatusCode != http.StatusUnauthorized || jsonField(body, "error") != "invalid_client" ||
			!strings.Contains(body, "registered token_endpoint_auth_signing_alg") {
			t.Errorf("an assertion signed %s: got %d %.200s, want 401 invalid_client naming the registered token_endpoint_auth_signing_alg", alg, resp.StatusCode, body)
			continue
		}
		got, _ := traceOf(t, srv, resp)
		checkEndsWith(t, "an assertion signed "+alg, got, "OIDC Registration Section 2", "invalid_client")
	}
}

// TestE2ETokenEndpointAuthSigningAlg: on each store, a private_key_jwt
// client that registers token_endpoint_auth_signing_alg ES256
// (OIDC Registration Section 2) gets it back in the registration and read
// responses (RFC 7592 Section 2.1), and its assertions signed PS256, RS256
// or EdDSA, by keys it registered, are refused as invalid_client while its
// ES256 ones are accepted. An update (RFC 7592 Section 2.2) to EdDSA lets
// it sign under either of EdDSA's names (RFC 9864 Section 2.2) and no
// longer ES256; an update that leaves the member out lets it sign with any
// alg again. A client of a metadata document (CIMD Section 4.1) is held
// to the alg its document names.
func TestE2ETokenEndpointAuthSigningAlg(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		srv := newServer(documentOptions(docs))
		keys := newAlgKeys(t)
		doc := func(id, alg string) string {
			return `{` + id + `"token_endpoint_auth_method":"private_key_jwt","grant_types":["client_credentials"],"scope":"read",` +
				`"jwks":` + keys.jwks(t) + alg + `}`
		}
		resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", doc("", `,"token_endpoint_auth_signing_alg":"ES256"`), "")
		reg := wantRegistration(t, "register", http.StatusCreated, resp, body)
		_, read := sendJSON(t, http.MethodGet, reg.RegistrationClientURI, "", reg.RegistrationAccessToken)
		for what, body := range map[string]string{"registration": body, "read": read} {
			if jsonField(body, "token_endpoint_auth_signing_alg") != "ES256" {
				t.Errorf("the %s response: got %s, want token_endpoint_auth_signing_alg ES256", what, body)
			}
		}
		credentials := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
		wantAlgs(t, srv, keys, reg.ClientID, credentials, http.StatusOK, []string{"ES256"}, []string{"PS256", "RS256", "EdDSA"})

		id := `"client_id":"` + reg.ClientID + `",`
		update := func(alg string) {
			t.Helper()
			resp, body := sendJSON(t, http.MethodPut, reg.RegistrationClientURI, doc(id, alg), reg.RegistrationAccessToken)
			wantRegistration(t, "update", http.StatusOK, resp, body)
		}
		update(`,"token_endpoint_auth_signing_alg":"EdDSA"`)
		wantAlgs(t, srv, keys, reg.ClientID, credentials, http.StatusOK, []string{"EdDSA", "Ed25519"}, []string{"ES256"})
		update("")
		wantAlgs(t, srv, keys, reg.ClientID, credentials, http.StatusOK, []string{"RS256", "PS256", "ES256", "Ed25519"}, nil)

		clientID := docs.document(t, "/es256", "", map[string]any{"token_endpoint_auth_method": "private_key_jwt",
			"jwks": json.RawMessage(keys.jwks(t)), "token_endpoint_auth_signing_alg": "ES256"})
		code := url.Values{"grant_type": {"authorization_code"}, "code": {"no-such-code"}, "redirect_uri": {mcpDocRedirectURI},
			"code_verifier": {strings.Repeat("v", 43)}}
		wantAlgs(t, srv, keys, clientID, code, http.StatusBadRequest, []string{"ES256"}, []string{"RS256"}) // 400: authenticated, then invalid_grant
	})
}

// TestE2ETokenEndpointAuthSigningAlgRefused: on each store, a registration
// or an update whose token_endpoint_auth_signing_alg is none, an alg this
// server verifies no assertion with, or comes without private_key_jwt is
// invalid_client_metadata (OIDC Registration Section 2), its trace ending
// with that rule, and stores nothing.
func TestE2ETokenEndpointAuthSigningAlgRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		k := registerKeyClient(t, srv)
		keyed := `"token_endpoint_auth_method":"private_key_jwt","jwks":` + publicJWKS(t, k.key)
		refused := map[string]struct{ metadata, want string }{
			"none":                           {keyed + `,"token_endpoint_auth_signing_alg":"none"`, "'none' is not supported"},
			"HS256, a MAC":                   {keyed + `,"token_endpoint_auth_signing_alg":"HS256"`, "'HS256' is not supported"},
			"ES256 with client_secret_basic": {`"token_endpoint_auth_method":"client_secret_basic","token_endpoint_auth_signing_alg":"ES256"`, "only with token_endpoint_auth_method private_key_jwt"},
			"EdDSA with the default method":  {`"token_endpoint_auth_signing_alg":"EdDSA"`, "only with token_endpoint_auth_method private_key_jwt"},
		}
		for name, tc := range refused {
			for _, method := range []string{http.MethodPost, http.MethodPut} {
				target, token, id := srv.URL+"/oauth/register", "", ""
				if method == http.MethodPut {
					target, token, id = k.RegistrationClientURI, k.RegistrationAccessToken, `"client_id":"`+k.ClientID+`",`
				}
				doc := `{` + id + `"grant_types":["client_credentials"],"scope":"read",` + tc.metadata + `}`
				resp, body := sendJSON(t, method, target, doc, token)
				if resp.StatusCode != http.StatusBadRequest || jsonField(body, "error") != "invalid_client_metadata" || !strings.Contains(body, tc.want) {
					t.Errorf("%s %s: got %d %s, want 400 invalid_client_metadata saying %q", method, name, resp.StatusCode, body, tc.want)
					continue
				}
				got, _ := traceOf(t, srv, resp)
				checkEndsWith(t, method+" "+name, got, "OIDC Registration Section 2", "invalid_client_metadata")
			}
		}
		_, read := sendJSON(t, http.MethodGet, k.RegistrationClientURI, "", k.RegistrationAccessToken)
		if jsonField(read, "token_endpoint_auth_method") != "private_key_jwt" || strings.Contains(read, "token_endpoint_auth_signing_alg") {
			t.Errorf("the client after the refused updates: got %s, want it as registered, private_key_jwt and no token_endpoint_auth_signing_alg", read)
		}
	})
}
