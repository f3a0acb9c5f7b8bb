package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	josejson "github.com/go-jose/go-jose/v4/json"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/setting"
)

// ClientMetadata is the client metadata of [RFC 7591 Section 2] this
// provider understands: what a client sends to register, and what the
// registration response returns. [RFC 7591 Section 2]: "The authorization
// server MUST ignore any client metadata sent by the client that it does
// not understand", so other members of the document are dropped.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
type ClientMetadata struct {
	RedirectURIs            []string        `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method"`
	GrantTypes              []string        `json:"grant_types"`
	ResponseTypes           []string        `json:"response_types"`
	ClientName              string          `json:"client_name,omitempty"`
	Scope                   string          `json:"scope"`
	JWKS                    json.RawMessage `json:"jwks,omitempty"`
	// JWKSURI is read only to be refused: this provider never fetches a URL
	// a client names.
	JWKSURI *string `json:"jwks_uri,omitempty"`
	// PostLogoutRedirectURIs are where RP-Initiated Logout may send the user
	// back ([OIDC RP-Initiated Logout Section 3.1]).
	//
	// [OIDC RP-Initiated Logout Section 3.1]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#ClientMetadata
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty"`
	// IDTokenSignedResponseAlg is the alg of the client's ID tokens
	// ([OIDC Registration Section 2]: "The default, if omitted, is
	// RS256").
	//
	// [OIDC Registration Section 2]: https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
	IDTokenSignedResponseAlg string `json:"id_token_signed_response_alg"`
	// TokenEndpointAuthSigningAlg is the one alg the client's
	// private_key_jwt assertions may be signed with (checkAuthSigningAlg);
	// omitted, any of ClientAssertionAlgs ([OIDC Registration Section 2]:
	// "The default, if omitted, is that any algorithm supported by the OP
	// and the RP MAY be used"), and a response then omits it too.
	//
	// [OIDC Registration Section 2]: https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
	TokenEndpointAuthSigningAlg string `json:"token_endpoint_auth_signing_alg,omitempty"`
	// ApplicationType is "web" or "native" ([OIDC Registration Section 2]:
	// "The default, if omitted, is web"), checked by checkApplicationType;
	// a response always names it, "web" for a client that left it out.
	//
	// [OIDC Registration Section 2]: https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
	ApplicationType string `json:"application_type"`
	// RequirePushedAuthorizationRequests: the client starts authorizations
	// only through the PAR endpoint ([RFC 9126 Section 6]).
	//
	// [RFC 9126 Section 6]: https://www.rfc-editor.org/rfc/rfc9126#section-6
	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests"`
	// DPoPBoundAccessTokens: the client always uses DPoP ([RFC 9449 Section 5.2]).
	//
	// [RFC 9449 Section 5.2]: https://www.rfc-editor.org/rfc/rfc9449#section-5.2
	DPoPBoundAccessTokens bool `json:"dpop_bound_access_tokens"`
}

// Bounds on a registration document, so a client cannot store much.
const (
	maxRedirectURIs     = 10
	maxRedirectURILen   = 2000
	maxClientNameLen    = 100
	maxRegistrationKeys = 10
)

// ruleClientMetadataJSON is the rule parseClientMetadata applies to the
// body of a registration or of an update ([RFC 7591 Section 3.1]: "The
// HTTP Entity Payload is a JSON [RFC7159] document consisting of a JSON
// object and all parameters as top-level members of that JSON object").
//
// [RFC 7591 Section 3.1]: https://www.rfc-editor.org/rfc/rfc7591#section-3.1
var ruleClientMetadataJSON = Rule{"the body is a JSON object of client metadata, in UTF-8, each member named once and of its JSON type", "RFC 7591 Section 3.1"}

// parseClientMetadata reads a registration request's body, a JSON object
// ([RFC 7591 Section 3.1]: "the client sends an HTTP POST to the client
// registration endpoint with a content type of "application/json""). A
// member is read by its exact name, and an object that repeats a name is
// refused (unmarshalExact), so what is registered is what the client
// named; members this provider does not know are ignored. A member of the
// wrong JSON type is invalid_client_metadata, and so is a body that is not
// UTF-8 ([RFC 8259 Section 8.1]: "JSON text exchanged between systems that
// are not part of a closed ecosystem MUST be encoded using UTF-8"), which
// encoding/json would otherwise store with its bad bytes replaced. Each
// refusal breaks ruleClientMetadataJSON, which the caller records.
//
// [RFC 7591 Section 3.1]: https://www.rfc-editor.org/rfc/rfc7591#section-3.1
// [RFC 8259 Section 8.1]: https://www.rfc-editor.org/rfc/rfc8259#section-8.1
func parseClientMetadata(body []byte) (ClientMetadata, *Error) {
	return parseJSONDocument[ClientMetadata](body)
}

// parseJSONDocument decodes body, a JSON object in UTF-8, into a T, with
// the rules and errors parseClientMetadata describes.
func parseJSONDocument[T any](body []byte) (T, *Error) {
	var doc T
	refuse := func(format string, args ...any) (T, *Error) {
		return doc, ruleClientMetadataJSON.Refuse(ErrInvalidClientMetadata, fmt.Sprintf(format, args...))
	}
	if !utf8.Valid(body) {
		return refuse("the body must be JSON in UTF-8")
	}
	err := unmarshalExact(body, &doc)
	var typeErr *josejson.UnmarshalTypeError
	switch {
	case err == nil:
		return doc, nil
	case errors.As(err, &typeErr) && typeErr.Type != reflect.TypeFor[T]():
		return refuse("a member has the wrong JSON type: %s where %s belongs (at byte %d)",
			typeErr.Value, jsonTypeOf(typeErr.Type), typeErr.Offset)
	case errors.Is(err, errRepeatedMember):
		return refuse("a member is repeated: each name may appear once in an object (RFC 8259 Section 4)")
	default:
		return refuse("the body must be a JSON object of client metadata")
	}
}

// jsonTypeOf names the JSON type a field of type t holds.
func jsonTypeOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "an array"
	case reflect.Bool:
		return "true or false"
	case reflect.String, reflect.Pointer:
		return "a string"
	default:
		return "an object"
	}
}

// The rules of a registration document, in the order CheckClientMetadata
// applies them.
var (
	ruleAuthMethodKnown       = Rule{"token_endpoint_auth_method is one this server supports", "RFC 7591 Section 2"}
	ruleGrantTypesKnown       = Rule{"every grant type is one this server supports (never implicit or password)", "RFC 7591 Section 2"}
	ruleGrantsAgree           = Rule{`grant_types and response_types agree: authorization_code with "code", and nothing else`, "RFC 7591 Section 2.1"}
	ruleCredentialsGrant      = Rule{"client_credentials is only for a client that authenticates", "RFC 6749 Section 4.4"}
	ruleRedirectURIsSent      = Rule{"a client of the authorization_code grant registers its redirect_uris", "RFC 7591 Section 2"}
	ruleRedirectURICount      = Rule{"at most 10 redirect_uris, and at most 10 post_logout_redirect_uris (a bound of this server's: the specifications set none)", "RFC 7591 Section 2"}
	ruleRedirectURIAbsolute   = Rule{"redirect_uris and post_logout_redirect_uris are absolute URIs without a fragment, at most 2000 characters long (a bound of this server's)", "RFC 6749 Section 3.1.2"}
	ruleRedirectURICharacters = Rule{"redirect_uris and post_logout_redirect_uris hold only the characters a URI may hold, and a percent sign only before two hexadecimal digits", "RFC 3986 Section 2"}
	ruleRedirectURITLS        = Rule{"redirect_uris and post_logout_redirect_uris use https, or http on a loopback host (localhost, 127.0.0.1, [::1])", "RFC 6749 Section 3.1.2.1"}
	ruleRedirectURIAuthority  = Rule{"redirect_uris and post_logout_redirect_uris name a host, with no user information and a port, if any, from 1 to 65535 (this server's rule)", "RFC 3986 Section 3.2"}
	ruleRedirectURIQuery      = Rule{"the query of redirect_uris and post_logout_redirect_uris holds no \";\" and none of the parameters a response adds (code, state, iss, error, error_description, error_uri)", "RFC 6749 Section 3.1"}
	ruleApplicationType       = Rule{`application_type is "web" (the default) or "native", and a native client's redirect_uris are all http on a loopback host`, "OIDC Registration Section 2"}
	ruleScopeKnown            = Rule{"every registered scope is one this server knows", "RFC 7591 Section 2"}
	ruleClientName            = Rule{"client_name is short text", "RFC 7591 Section 2"}
	ruleIDTokenAlg            = Rule{"id_token_signed_response_alg is one this server signs with", "RFC 7591 Section 2"}
	ruleClientKeys            = Rule{"keys come inline as jwks of public keys that verify client assertions, none marked for another use by its alg, use or key_ops (jwks_uri is never fetched), with private_key_jwt only", "RFC 7591 Section 2"}
	ruleAuthSigningAlg        = Rule{"token_endpoint_auth_signing_alg, with private_key_jwt only, is one this server verifies client assertions with (never none), and a key of jwks verifies it", "OIDC Registration Section 2"}
)

// CheckClientMetadata applies this provider's rules to a registration
// document and fills in the defaults of [RFC 7591 Section 2], recording
// each rule on tr; then normalizeClientMetadata. Each refusal is one of the two error codes of
// [RFC 7591 Section 3.2.2]: invalid_redirect_uri, "The value of one or more
// redirection URIs is invalid", or invalid_client_metadata, "The value of
// one of the client metadata fields is invalid and the server has rejected
// this request." idTokenAlgs are the algorithms this provider can sign ID
// tokens with.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
// [RFC 7591 Section 3.2.2]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
func CheckClientMetadata(tr *Trace, m *ClientMetadata, idTokenAlgs []string) *Error {
	steps := []struct {
		rule  Rule
		check func() *Error
	}{
		{ruleAuthMethodKnown, func() *Error { return checkAuthMethod(m) }},
		{ruleGrantTypesKnown, func() *Error { return checkGrantTypes(m) }},
		{ruleGrantsAgree, func() *Error { return checkResponseTypes(m) }},
		{ruleCredentialsGrant, func() *Error { return checkCredentialsGrant(m) }},
		{ruleRedirectURIsSent, func() *Error { return checkRedirectURIsSent(m) }},
		{ruleRedirectURICount, func() *Error { return checkRedirectURICount(m) }},
		{ruleRedirectURIAbsolute, func() *Error { return eachRedirectURI(m, checkRedirectURIAbsolute) }},
		{ruleRedirectURICharacters, func() *Error { return eachRedirectURI(m, checkRedirectURICharacters) }},
		{ruleRedirectURITLS, func() *Error { return eachRedirectURI(m, checkRedirectURITLS) }},
		{ruleRedirectURIAuthority, func() *Error { return eachRedirectURI(m, checkRedirectURIAuthority) }},
		{ruleRedirectURIQuery, func() *Error { return eachRedirectURI(m, checkRedirectURIQuery) }},
		{ruleApplicationType, func() *Error { return checkApplicationType(m) }},
		{ruleScopeKnown, func() *Error { return checkRegisteredScope(m) }},
		{ruleClientName, func() *Error { return checkClientName(m.ClientName) }},
		{ruleIDTokenAlg, func() *Error { return checkIDTokenAlg(m, idTokenAlgs) }},
		{ruleClientKeys, func() *Error { return checkKeys(m) }},
		{ruleAuthSigningAlg, func() *Error { return checkAuthSigningAlg(m) }},
	}
	for _, step := range steps {
		err := step.check()
		if !tr.Check(step.rule, err == nil) {
			err.rule = step.rule
			return err
		}
	}
	normalizeClientMetadata(m)
	return nil
}

// checkAuthMethod: token_endpoint_auth_method, "If unspecified or omitted,
// the default is "client_secret_basic"" ([RFC 7591 Section 2]).
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func checkAuthMethod(m *ClientMetadata) *Error {
	if m.TokenEndpointAuthMethod == "" {
		m.TokenEndpointAuthMethod = string(AuthClientSecretBasic)
	}
	if !slices.Contains(registrableAuthMethods, ClientAuthMethod(m.TokenEndpointAuthMethod)) {
		return badMetadata("token_endpoint_auth_method %s is not supported; use one of %s",
			quoteShort(m.TokenEndpointAuthMethod), strings.Join(stringsOf(registrableAuthMethods...), ", "))
	}
	return nil
}

// checkGrantTypes: grant_types, "If omitted, the default behavior is that
// the client will use only the "authorization_code" Grant Type"
// ([RFC 7591 Section 2]).
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func checkGrantTypes(m *ClientMetadata) *Error {
	if len(m.GrantTypes) == 0 {
		m.GrantTypes = stringsOf(GrantTypeAuthorizationCode)
	}
	for _, g := range m.GrantTypes {
		if !slices.Contains(supportedGrantTypes, GrantType(g)) {
			return badMetadata("grant type %s is not supported here (the implicit and password grants never are)", quoteShort(g))
		}
	}
	m.GrantTypes = dedupe(slices.Values(m.GrantTypes))
	return nil
}

// checkResponseTypes: response_types, "If omitted, the default is that the
// client will use only the "code" response type" ([RFC 7591 Section 2]). The
// grant types and response types must agree: "code" is the response type
// of the authorization_code grant, and of nothing else
// ([RFC 7591 Section 2.1]). The implicit and hybrid response types are not
// supported.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
// [RFC 7591 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7591#section-2.1
func checkResponseTypes(m *ClientMetadata) *Error {
	if len(m.ResponseTypes) == 0 && hasGrantType(m.GrantTypes, GrantTypeAuthorizationCode) {
		m.ResponseTypes = []string{"code"}
	}
	m.ResponseTypes = dedupe(slices.Values(m.ResponseTypes))
	if len(m.ResponseTypes) != 0 && !slices.Equal(m.ResponseTypes, []string{"code"}) {
		return badMetadata("response_types must be ['code']: the implicit and hybrid response types are not supported")
	}
	if hasGrantType(m.GrantTypes, GrantTypeAuthorizationCode) != slices.Contains(m.ResponseTypes, "code") {
		return badMetadata("the grant type authorization_code and the response type code go together (RFC 7591 Section 2.1)")
	}
	return nil
}

// checkCredentialsGrant: "The client credentials grant type MUST only be
// used by confidential clients" ([RFC 6749 Section 4.4]).
//
// [RFC 6749 Section 4.4]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4
func checkCredentialsGrant(m *ClientMetadata) *Error {
	if m.TokenEndpointAuthMethod == string(AuthNone) && hasGrantType(m.GrantTypes, GrantTypeClientCredentials) {
		return badMetadata("the client_credentials grant needs client authentication; token_endpoint_auth_method none has none")
	}
	return nil
}

// checkIDTokenAlg: id_token_signed_response_alg, "The default, if omitted,
// is RS256" (OIDC Registration Section 2); it must be one the provider has
// a key for.
func checkIDTokenAlg(m *ClientMetadata, idTokenAlgs []string) *Error {
	if m.IDTokenSignedResponseAlg == "" {
		m.IDTokenSignedResponseAlg = "RS256"
	}
	if !slices.Contains(idTokenAlgs, m.IDTokenSignedResponseAlg) {
		return badMetadata("id_token_signed_response_alg %s is not supported; use one of %s",
			quoteShort(m.IDTokenSignedResponseAlg), strings.Join(idTokenAlgs, ", "))
	}
	return nil
}

// badMetadata is the invalid_client_metadata error of [RFC 7591 Section 3.2.2].
//
// [RFC 7591 Section 3.2.2]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
func badMetadata(format string, args ...any) *Error {
	return NewError(ErrInvalidClientMetadata, fmt.Sprintf(format, args...))
}

// checkRedirectURIsSent: [RFC 7591 Section 2], "Clients using flows with
// redirection MUST register their redirection URI values".
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func checkRedirectURIsSent(m *ClientMetadata) *Error {
	if hasGrantType(m.GrantTypes, GrantTypeAuthorizationCode) && len(m.RedirectURIs) == 0 {
		return NewError(ErrInvalidRedirectURI, "redirect_uris is required for the authorization_code grant")
	}
	return nil
}

// checkRedirectURICount bounds the redirect_uris of [RFC 7591 Section 2]
// and the post_logout_redirect_uris of
// [OIDC RP-Initiated Logout Section 3.1] to maxRedirectURIs each, so a
// client cannot store much. The bound is this server's: neither
// specification sets one.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
// [OIDC RP-Initiated Logout Section 3.1]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#ClientMetadata
func checkRedirectURICount(m *ClientMetadata) *Error {
	if len(m.RedirectURIs) > maxRedirectURIs {
		return NewError(ErrInvalidRedirectURI, fmt.Sprintf("at most %d redirect_uris may be registered", maxRedirectURIs))
	}
	if len(m.PostLogoutRedirectURIs) > maxRedirectURIs {
		return NewError(ErrInvalidRedirectURI, fmt.Sprintf("at most %d post_logout_redirect_uris may be registered", maxRedirectURIs))
	}
	return nil
}

// normalizeClientMetadata drops the repeated redirect URIs and
// post-logout redirect URIs of m, keeping the first of each, once the
// rules have passed: the rules read them and never write them, and
// maxRedirectURIs bounds the URIs the client sent, repeated or not.
func normalizeClientMetadata(m *ClientMetadata) {
	m.RedirectURIs, m.PostLogoutRedirectURIs = dedupe(slices.Values(m.RedirectURIs)), dedupe(slices.Values(m.PostLogoutRedirectURIs))
}

// eachRedirectURI applies check, one rule of a registered redirect URI, to
// each redirect URI and post-logout redirect URI of m, and returns the
// first refusal. check gets the URI as sent and parsed by url.Parse, or nil
// when url.Parse refuses it. The rules apply in CheckClientMetadata's
// order, each to every URI: once the absolute and characters rules have
// passed, url.Parse refuses only an authority it cannot read, which the
// authority rule refuses (the TLS rule before it judges such a URI by its
// scheme).
func eachRedirectURI(m *ClientMetadata, check func(raw string, u *url.URL) *Error) *Error {
	for _, raw := range slices.Concat(m.RedirectURIs, m.PostLogoutRedirectURIs) {
		u, _ := url.Parse(raw) // nil when url.Parse refuses raw
		if err := check(raw, u); err != nil {
			return err
		}
	}
	return nil
}

// badRedirectURI is the invalid_redirect_uri error of
// [RFC 7591 Section 3.2.2] that refuses the registered URI raw, saying why.
//
// [RFC 7591 Section 3.2.2]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
func badRedirectURI(raw, why string) *Error {
	return NewError(ErrInvalidRedirectURI, "redirect URI "+quoteURI(raw)+" "+why)
}

// checkRedirectURIAbsolute: [RFC 6749 Section 3.1.2], "The redirection
// endpoint URI MUST be an absolute URI", one that starts with a scheme
// (uriScheme), and "The endpoint URI MUST NOT include a fragment
// component." It also bounds the URI's length to maxRedirectURILen, so a
// client cannot store much. It reads the text alone: a URI url.Parse
// refuses is absolute when it has a scheme, and its fault is another
// rule's.
//
// [RFC 6749 Section 3.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
func checkRedirectURIAbsolute(raw string, _ *url.URL) *Error {
	switch {
	case len(raw) > maxRedirectURILen:
		return badRedirectURI(raw, "is too long")
	case uriScheme(raw) == "":
		return badRedirectURI(raw, "is not an absolute URI")
	case strings.Contains(raw, "#"):
		return badRedirectURI(raw, "has a fragment")
	}
	return nil
}

// checkRedirectURICharacters: [RFC 3986 Section 2], the URI holds only the
// characters a URI may hold (setting.URICharacters), since the provider
// sends it back as it is, in a Location header, and each "%" starts a
// percent-encoding, "a percent character "%" followed by the two
// hexadecimal digits" ([RFC 3986 Section 2.1]).
//
// [RFC 3986 Section 2]: https://www.rfc-editor.org/rfc/rfc3986#section-2
// [RFC 3986 Section 2.1]: https://www.rfc-editor.org/rfc/rfc3986#section-2.1
func checkRedirectURICharacters(raw string, _ *url.URL) *Error {
	switch {
	case !setting.URICharacters(raw):
		return badRedirectURI(raw, "has a character a URI may not hold (a space, a quote, <, >, a letter outside ASCII not percent-encoded...)")
	case !percentEncoded(raw):
		return badRedirectURI(raw, "has a '%' that two hexadecimal digits do not follow")
	}
	return nil
}

// percentEncoded reports whether each "%" in s is followed by two
// hexadecimal digits ([RFC 3986 Section 2.1]).
//
// [RFC 3986 Section 2.1]: https://www.rfc-editor.org/rfc/rfc3986#section-2.1
func percentEncoded(s string) bool {
	for i := strings.IndexByte(s, '%'); i >= 0; i = strings.IndexByte(s, '%') {
		if len(s) < i+3 || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return false
		}
		s = s[i+3:]
	}
	return true
}

// isHex reports whether c is a hexadecimal digit, HEXDIG of
// [RFC 3986 Section 2.1].
//
// [RFC 3986 Section 2.1]: https://www.rfc-editor.org/rfc/rfc3986#section-2.1
func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

// checkRedirectURITLS: [RFC 6749 Section 3.1.2.1], "The redirection
// endpoint SHOULD require the use of TLS as described in Section 1.6 when
// the requested response type is "code" or "token"": so https, except a
// loopback redirect of a native app, which [RFC 8252 Section 7.3] allows
// over http because it never leaves the device. A private-use scheme is
// refused here too: this server takes one from no client. An http URI
// whose host cannot be read (u is nil) or is missing passes: the authority
// rule, next, refuses it for that.
//
// [RFC 6749 Section 3.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2.1
// [RFC 8252 Section 7.3]: https://www.rfc-editor.org/rfc/rfc8252#section-7.3
func checkRedirectURITLS(raw string, u *url.URL) *Error {
	switch scheme := uriScheme(raw); {
	case scheme == "https":
		return nil
	case scheme == "http" && (u == nil || u.Host == "" || isLoopbackHost(u.Hostname())):
		return nil
	}
	return badRedirectURI(raw, "must use https, or http on a loopback host (localhost, 127.0.0.1, [::1])")
}

// checkRedirectURIAuthority checks the authority of [RFC 3986 Section 3.2]:
// it can be read (u is not nil: after the characters rule, url.Parse
// refuses only a port that is not digits, an IPv6 address without its
// "]", a "%" escape in a host name...), there is a host ("//" and a name
// after the scheme), its port, if any, is one a browser can be sent to
// (setting.PortInRange), and there is no user information, which
// [RFC 3986 Section 7.6] warns "can be used to construct a URI intended to
// mislead a human user". These are this server's rules: the consent page
// and the redirect prompt show the URI to the user.
//
// [RFC 3986 Section 3.2]: https://www.rfc-editor.org/rfc/rfc3986#section-3.2
// [RFC 3986 Section 7.6]: https://www.rfc-editor.org/rfc/rfc3986#section-7.6
func checkRedirectURIAuthority(raw string, u *url.URL) *Error {
	switch {
	case u == nil:
		return badRedirectURI(raw, "has a host or port that cannot be read (a port is digits, an IPv6 address goes in [ and ])")
	case u.Host == "" || u.Opaque != "":
		return badRedirectURI(raw, `has no host ("//" and a host name after the scheme)`)
	case !setting.PortInRange(u):
		return badRedirectURI(raw, "has a port outside 1-65535")
	case u.User != nil:
		return badRedirectURI(raw, "has user information")
	}
	return nil
}

// checkRedirectURIQuery: [RFC 6749 Section 3.1], "Request and response
// parameters MUST NOT be included more than once": the provider keeps the
// URI's query and adds its response after it, so the query holds none of
// the parameters a response carries (setting.ResponseParameters), and no
// ";", which some servers split parameters at and others do not.
//
// u is never nil here: the authority rule, before, refused each URI
// url.Parse refuses.
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
func checkRedirectURIQuery(raw string, u *url.URL) *Error {
	switch {
	case strings.Contains(u.RawQuery, ";"):
		return badRedirectURI(raw, "has a ';' in its query, where servers disagree on where a parameter ends")
	case slices.ContainsFunc(setting.ResponseParameters, u.Query().Has):
		return badRedirectURI(raw, "has in its query a parameter the response adds ("+strings.Join(setting.ResponseParameters, ", ")+")")
	}
	return nil
}

// The two application_type values of [OIDC Registration Section 2].
//
// [OIDC Registration Section 2]: https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
const (
	applicationTypeWeb    = "web"
	applicationTypeNative = "native"
)

// checkApplicationType: application_type, [OIDC Registration Section 2]:
// "The default, if omitted, is web. The defined values are native or web."
// Any other value is invalid_client_metadata. Of a native client it says
// "Native Clients MUST only register redirect_uris using custom URI schemes
// or loopback URLs using the http scheme; loopback URLs use localhost or the
// IP loopback literals 127.0.0.1 or [::1] as the hostname. Authorization
// Servers MAY place additional constraints on Native Clients." and "The
// Authorization Server MUST verify that all the registered redirect_uris
// conform to these constraints." This server takes a custom URI scheme from
// no client (checkRedirectURITLS), an additional constraint the
// section allows, so a native client's redirect URIs are all http on a
// loopback host, and an https one is invalid_redirect_uri.
//
// Of a web client the section says "Web Clients using the OAuth Implicit
// Grant Type MUST only register URLs using the https scheme as
// redirect_uris; they MUST NOT use localhost as the hostname". This
// provider has no implicit grant (checkGrantTypes), so that rule is not
// enforced: a web client registers what the redirect URI rules accept
// (eachRedirectURI), http on a loopback host included.
//
// [OIDC Registration Section 2]: https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
func checkApplicationType(m *ClientMetadata) *Error {
	switch m.ApplicationType {
	case "":
		m.ApplicationType = applicationTypeWeb
	case applicationTypeWeb, applicationTypeNative:
	default:
		return badMetadata("application_type %s is not supported; use web (the default) or native", quoteShort(m.ApplicationType))
	}
	if m.ApplicationType != applicationTypeNative {
		return nil
	}
	for _, raw := range m.RedirectURIs {
		if u, err := url.Parse(raw); err != nil || u.Scheme != "http" || !isLoopbackHost(u.Hostname()) {
			return NewError(ErrInvalidRedirectURI, "redirect URI "+quoteURI(raw)+
				" of a native client must use http on a loopback host (localhost, 127.0.0.1, [::1]), OIDC Registration Section 2")
		}
	}
	return nil
}

// isLoopbackHost reports whether host names the machine itself.
func isLoopbackHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// checkRegisteredScope checks the scope a client registers:
// [RFC 7591 Section 2], "String containing a space-separated list of scope
// values". Every value must be one this provider knows; an empty scope
// registers all of them.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func checkRegisteredScope(m *ClientMetadata) *Error {
	if len(m.Scope) > 1024 {
		return badMetadata("scope is too long")
	}
	scopes := parseScope(m.Scope)
	for _, s := range scopes {
		if !slices.Contains(SupportedScopes(), s) {
			return badMetadata("unknown scope %s; this server knows %s", quoteShort(s), strings.Join(SupportedScopes(), " "))
		}
	}
	m.Scope = strings.Join(scopes, " ")
	return nil
}

// checkClientName bounds client_name, the name the consent page shows: at
// most maxClientNameLen characters, none a control or format character. A
// format character is invisible and may change how what follows reads:
// U+202E (right-to-left override) turns "Allow evil" round on the page.
func checkClientName(name string) *Error {
	if len([]rune(name)) > maxClientNameLen || strings.IndexFunc(name, invisibleOrControl) >= 0 {
		return badMetadata("client_name must be at most %d characters, without control or format characters", maxClientNameLen)
	}
	return nil
}

// invisibleOrControl reports whether r is a control character or a format
// character (Unicode category Cf: bidirectional overrides, zero-width
// joiners and spaces).
func invisibleOrControl(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

// checkKeys applies the key rules: [RFC 7591 Section 2]: "The "jwks_uri"
// and "jwks" parameters MUST NOT both be present in the same request or
// response." This provider takes only jwks (inline): it never fetches a URL
// a client names, so jwks_uri is refused. The keys are for private_key_jwt
// and only for it, and each verifies client assertions (parseClientJWKS): a
// set that could verify none would register a client that can never
// authenticate, and is refused as [RFC 7591 Section 3.2.2]'s
// invalid_client_metadata: "The value of one of the client metadata fields
// is invalid and the server has rejected this request."
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
// [RFC 7591 Section 3.2.2]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
func checkKeys(m *ClientMetadata) *Error {
	bad := func(why string) *Error { return NewError(ErrInvalidClientMetadata, why) }
	if m.JWKSURI != nil {
		return bad("jwks_uri is not supported: this server never fetches client URLs; send the public keys inline as jwks")
	}
	keyAuth := m.TokenEndpointAuthMethod == string(AuthPrivateKeyJWT)
	switch {
	case len(m.JWKS) == 0 && keyAuth:
		return bad("private_key_jwt needs the client's public keys in jwks")
	case len(m.JWKS) == 0:
		return nil
	case !keyAuth:
		return bad("jwks is used only with token_endpoint_auth_method private_key_jwt")
	}
	keys, err := parseClientJWKS(m.JWKS)
	if err != nil {
		return bad("jwks: " + err.Error())
	}
	m.JWKS = keys
	return nil
}

// checkAuthSigningAlg: token_endpoint_auth_signing_alg,
// [OIDC Registration Section 2]: "JWS [JWS] alg algorithm [JWA] that MUST be
// used for signing the JWT [JWT] used to authenticate the Client at the
// Token Endpoint for the private_key_jwt and client_secret_jwt
// authentication methods" and "The value none MUST NOT be used". Of those
// two methods this provider has private_key_jwt only, so the member comes
// with it alone, and names one of ClientAssertionAlgs (the
// token_endpoint_auth_signing_alg_values_supported of the metadata), which
// never holds none. It is kept as the client sent it: "EdDSA" and
// AlgEd25519 are both accepted, and an assertion signed under either name
// matches a registration under either (sameAlgorithm), as it matches a
// key's "alg". One key of jwks (checkKeys has read it) must be able to
// verify that alg, or no assertion of the client could ever be accepted.
//
// [OIDC Registration Section 2]: https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
func checkAuthSigningAlg(m *ClientMetadata) *Error {
	algs := stringsOf(ClientAssertionAlgs...)
	switch alg := m.TokenEndpointAuthSigningAlg; {
	case alg == "":
		return nil
	case m.TokenEndpointAuthMethod != string(AuthPrivateKeyJWT):
		return badMetadata("token_endpoint_auth_signing_alg is used only with token_endpoint_auth_method private_key_jwt")
	case !slices.Contains(algs, alg):
		return badMetadata("token_endpoint_auth_signing_alg %s is not supported; use one of %s", quoteShort(alg), strings.Join(algs, ", "))
	case !someKeyVerifies(m.JWKS, alg):
		return badMetadata("token_endpoint_auth_signing_alg %s: no key of jwks verifies it", quoteShort(alg))
	}
	return nil
}

// someKeyVerifies reports whether a key of jwks, a JWK Set parseClientJWKS
// accepted, verifies alg: of its type (verifiesAlg), and without an "alg"
// of its own that names another algorithm.
func someKeyVerifies(jwks json.RawMessage, alg string) bool {
	var set jose.JSONWebKeySet
	if json.Unmarshal(jwks, &set) != nil {
		return false
	}
	return slices.ContainsFunc(set.Keys, func(k jose.JSONWebKey) bool {
		return verifiesAlg(k.Key, alg) && (k.Algorithm == "" || sameAlgorithm(k.Algorithm, alg))
	})
}

// registeredClient is the store record of checked metadata (without the
// identifiers and secrets, which RegisterClient adds).
func registeredClient(m ClientMetadata) store.Client {
	c := store.Client{
		Name: m.ClientName, Type: store.Confidential,
		RedirectURIs: m.RedirectURIs, GrantTypes: m.GrantTypes,
		Scopes: parseScope(m.Scope), DefaultScope: m.Scope,
		TokenEndpointAuthMethod: m.TokenEndpointAuthMethod, TokenEndpointAuthSigningAlg: m.TokenEndpointAuthSigningAlg, JWKS: string(m.JWKS),
		PostLogoutRedirectURIs: m.PostLogoutRedirectURIs, IDTokenSignedResponseAlg: m.IDTokenSignedResponseAlg,
		RequirePushedAuthorizationRequests: m.RequirePushedAuthorizationRequests, DPoPBoundAccessTokens: m.DPoPBoundAccessTokens,
		ApplicationType: m.ApplicationType,
	}
	if m.TokenEndpointAuthMethod == string(AuthNone) {
		c.Type = store.Public
	}
	if len(c.Scopes) == 0 {
		c.Scopes, c.DefaultScope = SupportedScopes(), ScopeRead
	}
	return c
}

// metadataOf is the registered metadata of a stored client, as the client
// configuration endpoint returns it.
func metadataOf(c store.Client) ClientMetadata {
	m := ClientMetadata{
		RedirectURIs: c.RedirectURIs, TokenEndpointAuthMethod: c.TokenEndpointAuthMethod, TokenEndpointAuthSigningAlg: c.TokenEndpointAuthSigningAlg,
		GrantTypes: c.GrantTypes, ClientName: c.Name, Scope: strings.Join(c.Scopes, " "),
		PostLogoutRedirectURIs: c.PostLogoutRedirectURIs, IDTokenSignedResponseAlg: c.IDTokenSignedResponseAlg,
		RequirePushedAuthorizationRequests: c.RequirePushedAuthorizationRequests, DPoPBoundAccessTokens: c.DPoPBoundAccessTokens,
		ApplicationType: c.ApplicationType,
		// Without authorization_code a client uses no response type: an
		// empty array, since an omitted response_types would mean "code"
		// ([RFC 7591 Section 2]), and null is not an array.
		//
		// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
		ResponseTypes: []string{},
	}
	if hasGrantType(c.GrantTypes, GrantTypeAuthorizationCode) {
		m.ResponseTypes = []string{"code"}
	}
	if c.JWKS != "" {
		m.JWKS = json.RawMessage(c.JWKS)
	}
	return m
}

// registrableAuthMethods are the token endpoint authentication methods a
// client may register; the grant types it may register are those of grants.
var registrableAuthMethods = []ClientAuthMethod{AuthClientSecretBasic, AuthClientSecretPost, AuthPrivateKeyJWT, AuthNone}
