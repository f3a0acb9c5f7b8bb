package oauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/oauth-reference/provider/internal/dpoptest"
)

// jwksOf is the JWK Set JSON of keys, with the kids "k0", "k1", … when
// there are several.
func jwksOf(t testing.TB, keys ...any) string {
	t.Helper()
	jwks := make([]jose.JSONWebKey, len(keys))
	for i, k := range keys {
		jwks[i].Key = k
		if len(keys) > 1 {
			jwks[i].KeyID = fmt.Sprintf("k%d", i)
		}
	}
	return setOf(t, jwks...)
}

// setOf is the JWK Set JSON of keys as they are.
func setOf(t testing.TB, keys ...jose.JSONWebKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testIDTokenAlgs are the ID token algorithms of a provider with RS256 and ES256 keys.
var testIDTokenAlgs = []string{"RS256", "ES256"}

func TestCheckClientMetadata(t *testing.T) {
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	ecP256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecP384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	goodJWKS := jwksOf(t, edPub, &ecP256.PublicKey)
	const web = `"redirect_uris":["https://app.example/cb"]`
	keyed := web + `,"token_endpoint_auth_method":"private_key_jwt","jwks":` + goodJWKS
	tests := []struct {
		name string
		doc  string
		err  ErrorCode
	}{
		{"the defaults: client_secret_basic, authorization_code, code (RFC 7591 Section 2)", `{` + web + `}`, ""},
		{"a public native client on loopback http (RFC 8252 Section 7.3)",
			`{"redirect_uris":["http://127.0.0.1:49152/cb","http://localhost/cb","http://[::1]:8/cb"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"]}`, ""},
		{"a machine client needs no redirect URI", `{"grant_types":["client_credentials"],"scope":"read write"}`, ""},
		{"a device client needs no redirect URI", `{"grant_types":["urn:ietf:params:oauth:grant-type:device_code"],"token_endpoint_auth_method":"none"}`, ""},
		{"unknown metadata is ignored (RFC 7591 Section 2)", `{` + web + `,"logo_uri":"https://x/l.png","software_id":"x"}`, ""},

		{"authorization_code without redirect_uris: invalid_redirect_uri (RFC 7591 Section 2)", `{}`, ErrInvalidRedirectURI},
		{"a relative redirect URI (RFC 6749 Section 3.1.2)", `{"redirect_uris":["/cb"]}`, ErrInvalidRedirectURI},
		{"a redirect URI with a fragment (RFC 6749 Section 3.1.2)", `{"redirect_uris":["https://app.example/cb#x"]}`, ErrInvalidRedirectURI},
		{"an empty fragment is a fragment too", `{"redirect_uris":["https://app.example/cb#"]}`, ErrInvalidRedirectURI},
		{"http on a public host (RFC 6749 Section 3.1.2.1)", `{"redirect_uris":["http://app.example/cb"]}`, ErrInvalidRedirectURI},
		{"http on a host that only starts like loopback", `{"redirect_uris":["http://127.0.0.1.evil.example/cb"]}`, ErrInvalidRedirectURI},
		{"a private-use scheme", `{"redirect_uris":["com.example.app:/cb"]}`, ErrInvalidRedirectURI},
		{"javascript: is not a redirect URI", `{"redirect_uris":["javascript:alert(1)"]}`, ErrInvalidRedirectURI},
		{"user information in a redirect URI", `{"redirect_uris":["https://user:pw@app.example/cb"]}`, ErrInvalidRedirectURI},
		{"a query of its own is kept (RFC 6749 Section 3.1.2)", `{"redirect_uris":["https://app.example/cb?flag&z=1"]}`, ""},
		{"a query holding state, which the response adds (RFC 6749 Section 3.1)", `{"redirect_uris":["https://app.example/cb?state=x"]}`, ErrInvalidRedirectURI},
		{"a query holding code behind a ';' (RFC 6749 Section 3.1)", `{"redirect_uris":["https://app.example/cb?code=evil;"]}`, ErrInvalidRedirectURI},
		{"a space and <> in the query (RFC 3986 Section 2)", `{"redirect_uris":["https://app.example/cb?x=a b<c>"]}`, ErrInvalidRedirectURI},
		{"a letter outside ASCII, not percent-encoded", `{"redirect_uris":["https://app.example/cb?x=\u00e9"]}`, ErrInvalidRedirectURI},
		{"a percent-encoded letter is fine", `{"redirect_uris":["https://app.example/cb?x=%C3%A9"]}`, ""},
		{"a query holding code", `{"redirect_uris":["https://app.example/cb?a=1&code="]}`, ErrInvalidRedirectURI},
		{"a query holding iss (RFC 9207)", `{"redirect_uris":["https://app.example/cb?iss=https://evil.example"]}`, ErrInvalidRedirectURI},
		{"a post-logout URI whose query holds state", `{` + web + `,"post_logout_redirect_uris":["https://app.example/bye?state=1"]}`, ErrInvalidRedirectURI},
		{"eleven redirect URIs", `{"redirect_uris":[` + strings.Repeat(`"https://a.example/cb",`, 10) + `"https://a.example/cb"]}`, ErrInvalidRedirectURI},

		{"jwks_uri is refused, never fetched", `{` + web + `,"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://app.example/jwks"}`, ErrInvalidClientMetadata},
		{"an unknown auth method", `{` + web + `,"token_endpoint_auth_method":"tls_client_auth"}`, ErrInvalidClientMetadata},
		{"an unknown grant type", `{` + web + `,"grant_types":["authorization_code","urn:example:magic"]}`, ErrInvalidClientMetadata},
		{"the password grant (RFC 9700 Section 2.4)", `{"grant_types":["password"]}`, ErrInvalidClientMetadata},
		{"the implicit grant", `{` + web + `,"grant_types":["implicit"],"response_types":["token"]}`, ErrInvalidClientMetadata},
		{"an unknown scope", `{` + web + `,"scope":"read admin"}`, ErrInvalidClientMetadata},
		{"code without the authorization_code grant is inconsistent (RFC 7591 Section 2.1)", `{"grant_types":["client_credentials"],"response_types":["code"]}`, ErrInvalidClientMetadata},
		{"the hybrid response type", `{` + web + `,"response_types":["code id_token"]}`, ErrInvalidClientMetadata},
		{"client_credentials for a public client (RFC 6749 Section 4.4)", `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"none"}`, ErrInvalidClientMetadata},
		{"a client_name with a right-to-left override (U+202E)", `{` + web + `,"client_name":"Trusted \u202eppA"}`, ErrInvalidClientMetadata},
		{"a client_name with a zero-width space (U+200B)", `{` + web + `,"client_name":"Goo\u200bgle"}`, ErrInvalidClientMetadata},
		{"a client_name in another script is fine", `{` + web + `,"client_name":"示範應用程式"}`, ""},
		{"a 101-character client_name", `{` + web + `,"client_name":"` + strings.Repeat("n", 101) + `"}`, ErrInvalidClientMetadata},
		{"a client_name with a newline", `{` + web + `,"client_name":"a\nb"}`, ErrInvalidClientMetadata},
		{"ID tokens signed ES256 (OIDC Registration Section 2)", `{` + web + `,"id_token_signed_response_alg":"ES256"}`, ""},
		{"ID tokens with an alg without a key here", `{` + web + `,"id_token_signed_response_alg":"EdDSA"}`, ErrInvalidClientMetadata},
		{"ID tokens unsigned", `{` + web + `,"id_token_signed_response_alg":"none"}`, ErrInvalidClientMetadata},
		{"a post-logout redirect URI on plain http", `{` + web + `,"post_logout_redirect_uris":["http://app.example/bye"]}`, ErrInvalidRedirectURI},
		{"PAR required and DPoP-bound tokens", `{` + web + `,"require_pushed_authorization_requests":true,"dpop_bound_access_tokens":true,"post_logout_redirect_uris":["https://app.example/bye"]}`, ""},
		{"jwks without private_key_jwt", `{` + web + `,"jwks":` + goodJWKS + `}`, ErrInvalidClientMetadata},
		{"private_key_jwt with EC P-256 and Ed25519 keys", `{` + web + `,"token_endpoint_auth_method":"private_key_jwt","jwks":` + goodJWKS + `}`, ""},
		{"private_key_jwt without jwks", `{` + web + `,"token_endpoint_auth_method":"private_key_jwt"}`, ErrInvalidClientMetadata},
		{"one key needs no kid", `{` + web + `,"token_endpoint_auth_method":"private_key_jwt","jwks":` + jwksOf(t, edPub) + `}`, ""},
		{"assertions held to ES256 (OIDC Registration Section 2)", `{` + keyed + `,"token_endpoint_auth_signing_alg":"ES256"}`, ""},
		{"assertions held to Ed25519, EdDSA's fully specified name (RFC 9864 Section 2.2)", `{` + keyed + `,"token_endpoint_auth_signing_alg":"Ed25519"}`, ""},
		{"assertions held to RS256 with no RSA key in jwks: none could verify", `{` + keyed + `,"token_endpoint_auth_signing_alg":"RS256"}`, ErrInvalidClientMetadata},
		{"assertions held to ES256 with only an Ed25519 key", `{` + web + `,"token_endpoint_auth_method":"private_key_jwt","jwks":` + jwksOf(t, edPub) + `,"token_endpoint_auth_signing_alg":"ES256"}`, ErrInvalidClientMetadata},
		{"assertions held to none (OIDC Registration Section 2)", `{` + keyed + `,"token_endpoint_auth_signing_alg":"none"}`, ErrInvalidClientMetadata},
		{"assertions held to HS256, a MAC this server verifies no assertion with", `{` + keyed + `,"token_endpoint_auth_signing_alg":"HS256"}`, ErrInvalidClientMetadata},
		{"assertions held to an alg unknown here", `{` + keyed + `,"token_endpoint_auth_signing_alg":"ES512"}`, ErrInvalidClientMetadata},
		{"token_endpoint_auth_signing_alg of a client_secret_basic client", `{` + web + `,"token_endpoint_auth_signing_alg":"RS256"}`, ErrInvalidClientMetadata},
		{"token_endpoint_auth_signing_alg of a public client", `{` + web + `,"token_endpoint_auth_method":"none","token_endpoint_auth_signing_alg":"ES256"}`, ErrInvalidClientMetadata},
		{"a native client on loopback http (OIDC Registration Section 2)",
			`{"application_type":"native","redirect_uris":["http://127.0.0.1:49152/cb","http://localhost/cb","http://[::1]:8/cb"],"token_endpoint_auth_method":"none"}`, ""},
		{"a native client on https (OIDC Registration Section 2)", `{"application_type":"native",` + web + `}`, ErrInvalidRedirectURI},
		{"a native client with one https URI among loopback ones",
			`{"application_type":"native","redirect_uris":["http://127.0.0.1/cb","https://app.example/cb"]}`, ErrInvalidRedirectURI},
		{"a native device client, without redirect URIs",
			`{"application_type":"native","grant_types":["urn:ietf:params:oauth:grant-type:device_code"],"token_endpoint_auth_method":"none"}`, ""},
		{"a web client on loopback http: the https rule is the implicit grant's, which this server has not", `{"application_type":"web","redirect_uris":["http://127.0.0.1/cb"]}`, ""},
		{"an application_type neither web nor native", `{"application_type":"browser",` + web + `}`, ErrInvalidClientMetadata},
		{"application_type is case-sensitive", `{"application_type":"Native","redirect_uris":["http://127.0.0.1/cb"]}`, ErrInvalidClientMetadata},
		{"RSA keys with e = 65537 and e = 3 (RFC 8017 Section 3.1)",
			`{` + web + `,"token_endpoint_auth_method":"private_key_jwt","jwks":` + jwksOf(t, dpoptest.RSAPublicKey(t, 2048, 65537), dpoptest.RSAPublicKey(t, 4096, 3)) + `}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parseClientMetadata([]byte(tt.doc))
			if err == nil {
				err = CheckClientMetadata(nil, &m, testIDTokenAlgs)
			}
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("got %v, want it accepted", err)
			case tt.err != "" && (err == nil || err.Code != tt.err):
				t.Fatalf("got %v, want %s", err, tt.err)
			}
		})
	}
	t.Run("a malformed jwks: each kind is invalid_client_metadata", func(t *testing.T) {
		for name, jwks := range map[string]string{
			"not an object":       `"keys"`,
			"no keys":             `{"keys":[]}`,
			"a private key":       jwksOf(t, edPriv),
			"RSA under 2048 bits": jwksOf(t, &rsa1024.PublicKey),
			"EC on P-384":         jwksOf(t, &ecP384.PublicKey),
			"a symmetric key":     `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`,
			"an encryption key":   `{"keys":[{"kty":"OKP","crv":"Ed25519","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
			"eleven keys":         jwksOf(t, edPub, edPub, edPub, edPub, edPub, edPub, edPub, edPub, edPub, edPub, edPub),
		} {
			m := ClientMetadata{RedirectURIs: []string{"https://a.example/cb"}, TokenEndpointAuthMethod: "private_key_jwt",
				JWKS: json.RawMessage(jwks)}
			err := CheckClientMetadata(nil, &m, testIDTokenAlgs)
			if err == nil || err.Code != ErrInvalidClientMetadata || !strings.HasPrefix(err.Description, "jwks: ") {
				t.Errorf("%s: got %v, want invalid_client_metadata about jwks", name, err)
			}
		}
	})
	t.Run("a jwks that breaks a key rule: invalid_client_metadata that names it", func(t *testing.T) {
		for _, tc := range []struct{ name, jwks, want string }{
			{"RSA with e = 2^31-1, which Go would verify with", jwksOf(t, dpoptest.RSAPublicKey(t, 4096, 1<<31-1)), "exponent e must be odd, from 3 to 65537"},
			{"RSA with e = 65539", jwksOf(t, dpoptest.RSAPublicKey(t, 2048, 65539)), "exponent e must be odd, from 3 to 65537"},
			{"RSA with an even e", jwksOf(t, dpoptest.RSAPublicKey(t, 2048, 65536)), "exponent e must be odd, from 3 to 65537"},
			{"two keys, one without kid (OIDC Core Section 10.1)",
				setOf(t, jose.JSONWebKey{Key: edPub, KeyID: "k0"}, jose.JSONWebKey{Key: &ecP256.PublicKey}), "key 1 has no kid"},
			{"two keys under one kid (RFC 7517 Section 4.5)",
				setOf(t, jose.JSONWebKey{Key: edPub, KeyID: "k"}, jose.JSONWebKey{Key: &ecP256.PublicKey, KeyID: "k"}), "the kid 'k' is on more than one key"},
		} {
			m := ClientMetadata{RedirectURIs: []string{"https://a.example/cb"}, TokenEndpointAuthMethod: "private_key_jwt",
				JWKS: json.RawMessage(tc.jwks)}
			err := CheckClientMetadata(nil, &m, testIDTokenAlgs)
			if err == nil || err.Code != ErrInvalidClientMetadata || !strings.Contains(err.Description, tc.want) {
				t.Errorf("%s: got %v, want invalid_client_metadata saying %q", tc.name, err, tc.want)
			}
		}
	})
	t.Run("wrong JSON types are invalid_client_metadata", func(t *testing.T) {
		for _, doc := range []string{`[]`, `"x"`, `{"redirect_uris":"https://a.example/cb"}`, `{"grant_types":[1]}`, `{"scope":["read"]}`, `{`} {
			if _, err := parseClientMetadata([]byte(doc)); err == nil || err.Code != ErrInvalidClientMetadata {
				t.Errorf("%s: got %v, want invalid_client_metadata", doc, err)
			}
		}
	})
}

// TestCheckClientMetadataDefaults: what a minimal document registers.
func TestCheckClientMetadataDefaults(t *testing.T) {
	m, err := parseClientMetadata([]byte(`{"redirect_uris":["https://a.example/cb","https://a.example/cb"],"scope":" read  read openid "}`))
	if err == nil {
		err = CheckClientMetadata(nil, &m, testIDTokenAlgs)
	}
	if err != nil {
		t.Fatal(err)
	}
	want := ClientMetadata{RedirectURIs: []string{"https://a.example/cb"}, TokenEndpointAuthMethod: "client_secret_basic",
		GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, Scope: "read openid", IDTokenSignedResponseAlg: "RS256",
		ApplicationType: "web"}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("checked metadata (-want +got):\n%s", diff)
	}
}

// TestTokenEndpointAuthSigningAlgKeptAsSent: a registered
// token_endpoint_auth_signing_alg is stored and returned as the client sent
// it, "Ed25519" as "Ed25519" (checkAuthSigningAlg); without one none is
// returned, and any alg of ClientAssertionAlgs may sign.
func TestTokenEndpointAuthSigningAlgKeptAsSent(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	jwks := jwksOf(t, edPub)
	for _, alg := range []string{"Ed25519", "EdDSA", ""} {
		m := ClientMetadata{RedirectURIs: []string{"https://a.example/cb"}, TokenEndpointAuthMethod: "private_key_jwt",
			JWKS: json.RawMessage(jwks), TokenEndpointAuthSigningAlg: alg}
		if err := CheckClientMetadata(nil, &m, testIDTokenAlgs); err != nil {
			t.Fatalf("%q: %v", alg, err)
		}
		if got := metadataOf(registeredClient(m)).TokenEndpointAuthSigningAlg; got != alg {
			t.Errorf("registered %q: got %q back, want it as sent", alg, got)
		}
		body, _ := json.Marshal(metadataOf(registeredClient(m)))
		if sent := strings.Contains(string(body), "token_endpoint_auth_signing_alg"); sent != (alg != "") {
			t.Errorf("registered %q: token_endpoint_auth_signing_alg in the response %v, want %v", alg, sent, alg != "")
		}
	}
}

// TestRedirectURIRulesWriteNothing: the redirect URI rules read the
// metadata and leave it as it was; repeated URIs are dropped after them
// (normalizeClientMetadata, TestCheckClientMetadataDefaults).
func TestRedirectURIRulesWriteNothing(t *testing.T) {
	uris := []string{"https://a.example/cb", "https://a.example/cb"}
	m := ClientMetadata{RedirectURIs: slices.Clone(uris), PostLogoutRedirectURIs: slices.Clone(uris)}
	if err := checkRedirectURICount(&m); err != nil {
		t.Fatal(err)
	}
	for _, check := range []func(string, *url.URL) *Error{checkRedirectURIAbsolute, checkRedirectURITLS, checkRedirectURIAuthority, checkRedirectURICharacters, checkRedirectURIQuery} {
		if err := eachRedirectURI(&m, check); err != nil {
			t.Fatal(err)
		}
	}
	want := ClientMetadata{RedirectURIs: uris, PostLogoutRedirectURIs: uris}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("metadata after the redirect URI rules (-want +got):\n%s", diff)
	}
}

// FuzzParseClientMetadata: no registration document makes the parser or the
// checks panic, a document that is not UTF-8 is refused, and whatever passes
// them satisfies the rules: https or loopback redirect URIs without
// fragments, known grant types only.
func FuzzParseClientMetadata(f *testing.F) {
	f.Add(`{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none","scope":"openid read"}`)
	f.Add(`{"grant_types":["client_credentials"],"jwks_uri":"https://x"}`)
	f.Add(`{"redirect_uris":["http://127.0.0.1:1/cb#f"],"response_types":["token"]}`)
	f.Add(`{"token_endpoint_auth_method":"private_key_jwt","redirect_uris":["https://a/cb"],"jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := parseClientMetadata([]byte(doc))
		if err != nil {
			return
		}
		if !utf8.ValidString(doc) {
			t.Fatalf("accepted a document that is not UTF-8: %q", doc)
		}
		if CheckClientMetadata(nil, &m, testIDTokenAlgs) != nil {
			return
		}
		for _, uri := range m.RedirectURIs {
			if strings.Contains(uri, "#") || !(strings.HasPrefix(uri, "https://") || strings.HasPrefix(uri, "http://")) {
				t.Fatalf("accepted redirect URI %q", uri)
			}
		}
		for _, g := range m.GrantTypes {
			if !slices.Contains(supportedGrantTypes, GrantType(g)) {
				t.Fatalf("accepted grant type %q", g)
			}
		}
	})
}

// TestRegisteredRedirectURIReasons: a refused redirect URI is refused for
// the reason that applies, and the trace ends with the rule that states it,
// for a redirect URI and a post-logout redirect URI alike. A private-use
// scheme's URI is absolute (RFC 3986 Section 4.3) and is refused for its
// scheme. A URI that url.Parse refuses is refused by the rule of its
// fault: a bad escape or character by the characters rule, a port or host
// that cannot be read by the authority rule, never as not absolute.
func TestRegisteredRedirectURIReasons(t *testing.T) {
	for _, tc := range []struct {
		uri, want string
		rule      Rule
	}{
		{"/cb", "is not an absolute URI", ruleRedirectURIAbsolute},
		{"https://app.example/" + strings.Repeat("a", maxRedirectURILen), "is too long", ruleRedirectURIAbsolute},
		{"https://app.example/cb#top", "has a fragment", ruleRedirectURIAbsolute},
		{"com.example.app:/cb", "must use https, or http on a loopback host", ruleRedirectURITLS},
		{"javascript:alert(1)", "must use https, or http on a loopback host", ruleRedirectURITLS},
		{"http://app.example/", "must use https, or http on a loopback host", ruleRedirectURITLS},
		{"https:/cb", "has no host", ruleRedirectURIAuthority},
		{"http:///cb", "has no host", ruleRedirectURIAuthority},
		{"https://app.example:8x/cb", "has a host or port that cannot be read", ruleRedirectURIAuthority},
		{"https://[::1/cb", "has a host or port that cannot be read", ruleRedirectURIAuthority},
		{"https://%41pp.example/cb", "has a host or port that cannot be read", ruleRedirectURIAuthority},
		{"https:app.example", "has no host", ruleRedirectURIAuthority},
		{"https://app.example:70000/cb", "has a port outside 1-65535", ruleRedirectURIAuthority},
		{"https://user@app.example/cb", "has user information", ruleRedirectURIAuthority},
		{"https://alice:hunter2@app.example/cb", "'https://xxxxx@app.example/cb' has user information", ruleRedirectURIAuthority},
		{"https://app.example/c b", "has a character a URI may not hold", ruleRedirectURICharacters},
		{"https://a b.example/cb", "has a character a URI may not hold", ruleRedirectURICharacters},
		{"https://app.example/c\x01b", "has a character a URI may not hold", ruleRedirectURICharacters},
		{"https://app.example/%zz", "has a '%' that two hexadecimal digits do not follow", ruleRedirectURICharacters},
		{"https://app.example/cb%4", "has a '%' that two hexadecimal digits do not follow", ruleRedirectURICharacters},
		{"https://app.example/cb?a=1;b=2", "has a ';' in its query", ruleRedirectURIQuery},
		{"https://app.example/cb?state=x", "has in its query a parameter the response adds", ruleRedirectURIQuery},
	} {
		for _, field := range []string{"redirect_uris", "post_logout_redirect_uris"} {
			m := &ClientMetadata{RedirectURIs: []string{"https://app.example/ok"}, TokenEndpointAuthMethod: "none",
				GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}}
			if field == "redirect_uris" {
				m.RedirectURIs = []string{tc.uri}
			} else {
				m.PostLogoutRedirectURIs = []string{tc.uri}
			}
			tr := &Trace{}
			err := CheckClientMetadata(tr, m, []string{"RS256"})
			if err == nil || err.Code != ErrInvalidRedirectURI || !strings.Contains(err.Description, tc.want) {
				t.Errorf("%s %s: got %v, want invalid_redirect_uri saying %q", field, tc.uri, err, tc.want)
				continue
			}
			last := tr.Checks[len(tr.Checks)-1]
			if rule, _ := err.BrokenRule(); rule != tc.rule || last != (Check{Rule: tc.rule.Text, Ref: tc.rule.Ref}) {
				t.Errorf("%s %s: broke %q, trace ends with %+v; want the failed rule %q (%s)", field, tc.uri, rule.Text, last, tc.rule.Text, tc.rule.Ref)
			}
		}
	}
}
