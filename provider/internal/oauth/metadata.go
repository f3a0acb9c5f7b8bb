package oauth

import (
	"net/url"
	"slices"

	"github.com/oauth-reference/provider/internal/i18n"
	"github.com/oauth-reference/provider/internal/token"
)

// Endpoint paths, relative to the issuer. The web package routes them; the
// metadata documents publish them.
const (
	PathAuthorize           = "/oauth/authorize"
	PathAuthenticate        = "/oauth/authenticate"
	PathToken               = "/oauth/token"
	PathAccessToken         = "/oauth/access_token" // alias of PathToken
	PathRevoke              = "/oauth/revoke"
	PathIntrospect          = "/oauth/introspect"
	PathPAR                 = "/oauth/par"
	PathDeviceAuthorization = "/oauth/device/code"
	PathDeviceVerification  = "/device"
	PathUserInfo            = "/userinfo"
	PathJWKS                = "/.well-known/jwks.json"
	PathEndSession          = "/oauth/logout"
)

// The well-known URI suffixes of the metadata documents: this one document
// answers at both ([RFC 8414 Section 3], [OIDC Discovery Section 4]).
//
// [RFC 8414 Section 3]: https://www.rfc-editor.org/rfc/rfc8414#section-3
// [OIDC Discovery Section 4]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
const (
	PathAuthorizationServerMetadata = "/.well-known/oauth-authorization-server"
	PathOpenIDConfiguration         = "/.well-known/openid-configuration"
)

// IsIssuerPath reports whether path, what follows
// PathAuthorizationServerMetadata in a request's path, is the path
// component of the issuer: [RFC 8414 Section 3], "Authorization servers
// supporting metadata MUST make a JSON document containing metadata as
// specified in Section 2 available at a path formed by inserting a
// well-known URI string into the authorization server's issuer identifier
// between the host component and the path component, if any." For an
// issuer https://as.example/tenant, the document is at
// https://as.example/.well-known/oauth-authorization-server/tenant.
// OpenID Connect Discovery appends its suffix instead (issuer +
// PathOpenIDConfiguration), which a proxy that strips the issuer's path
// hands on as PathOpenIDConfiguration alone.
//
// [RFC 8414 Section 3]: https://www.rfc-editor.org/rfc/rfc8414#section-3
func (p *Provider) IsIssuerPath(path string) bool {
	return path != "" && path == p.IssuerPath()
}

// IssuerPath is the path component of the issuer, "" when it has none: the
// path a proxy in front strips (README, "Behind a TLS-terminating proxy"),
// under which a browser reaches every endpoint and page of the provider.
func (p *Provider) IssuerPath() string { return pathOf(p.Config.Issuer) }

// pathOf is the path component of an absolute URI, percent-encoded as
// written (the routes compare paths as sent: service.NewEngine): "" when
// it has none (or only the "/" after the host), or is not one.
func pathOf(identifier string) string {
	u, err := url.Parse(identifier)
	if err != nil || u.Path == "/" {
		return ""
	}
	return u.EscapedPath()
}

// Metadata is the authorization server metadata of [RFC 8414 Section 2],
// which is also the OpenID Provider metadata of [OIDC Discovery Section 3]
// (one document serves both well-known paths).
//
// [RFC 8414 Section 2]: https://www.rfc-editor.org/rfc/rfc8414#section-2
// [OIDC Discovery Section 3]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
type Metadata struct {
	Issuer                      string `json:"issuer"`
	AuthorizationEndpoint       string `json:"authorization_endpoint"`
	TokenEndpoint               string `json:"token_endpoint"`
	JWKSURI                     string `json:"jwks_uri"`
	UserInfoEndpoint            string `json:"userinfo_endpoint"`
	RevocationEndpoint          string `json:"revocation_endpoint"`
	IntrospectionEndpoint       string `json:"introspection_endpoint"`
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint"`
	RegistrationEndpoint        string `json:"registration_endpoint,omitempty"`
	// EndSessionEndpoint: [OIDC RP-Initiated Logout Section 2.1].
	//
	// [OIDC RP-Initiated Logout Section 2.1]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#OPMetadata
	EndSessionEndpoint                        string   `json:"end_session_endpoint"`
	ScopesSupported                           []string `json:"scopes_supported"`
	ResponseTypesSupported                    []string `json:"response_types_supported"`
	ResponseModesSupported                    []string `json:"response_modes_supported"`
	GrantTypesSupported                       []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported         []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
	// The algorithms of private_key_jwt assertions at each endpoint.
	TokenEndpointAuthSigningAlgValuesSupported         []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	RevocationEndpointAuthSigningAlgValuesSupported    []string `json:"revocation_endpoint_auth_signing_alg_values_supported"`
	IntrospectionEndpointAuthSigningAlgValuesSupported []string `json:"introspection_endpoint_auth_signing_alg_values_supported"`
	CodeChallengeMethodsSupported                      []string `json:"code_challenge_methods_supported"`
	AuthorizationResponseIssParameterSupported         bool     `json:"authorization_response_iss_parameter_supported"`
	SubjectTypesSupported                              []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported                   []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                                    []string `json:"claims_supported"`
	PromptValuesSupported                              []Prompt `json:"prompt_values_supported"`
	RequestParameterSupported                          bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported                       bool     `json:"request_uri_parameter_supported"`
	ClaimsParameterSupported                           bool     `json:"claims_parameter_supported"`
	// Pushed authorization requests: [RFC 9126 Section 5].
	//
	// [RFC 9126 Section 5]: https://www.rfc-editor.org/rfc/rfc9126#section-5
	PushedAuthorizationRequestEndpoint string `json:"pushed_authorization_request_endpoint"`
	RequirePushedAuthorizationRequests bool   `json:"require_pushed_authorization_requests"`
	// AccessTokenSigningAlgValuesSupported is not in the IANA registry: the
	// provider's own field ([RFC 8414 Section 2]: "Additional authorization
	// server metadata parameters MAY also be used"), naming the algs of
	// its RFC 9068 access tokens so a resource server can pin them
	// (accessTokenAlgs).
	//
	// [RFC 8414 Section 2]: https://www.rfc-editor.org/rfc/rfc8414#section-2
	AccessTokenSigningAlgValuesSupported []string `json:"access_token_signing_alg_values_supported"`
	// DPoPSigningAlgValuesSupported: [RFC 9449 Section 5.1].
	//
	// [RFC 9449 Section 5.1]: https://www.rfc-editor.org/rfc/rfc9449#section-5.1
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported"`
	// UILocalesSupported: "Languages and scripts supported for the user
	// interface" ([OIDC Discovery Section 3]), the languages ui_locales
	// can choose.
	//
	// [OIDC Discovery Section 3]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
	UILocalesSupported []string `json:"ui_locales_supported"`
	// ClientIDMetadataDocumentSupported: a client_id may be the URL of a
	// client ID metadata document ([CIMD Section 5]: "Authorization servers
	// that publish Authorization Server Metadata [RFC8414] MUST include the
	// following property to signal support").
	//
	// [CIMD Section 5]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-5
	ClientIDMetadataDocumentSupported bool `json:"client_id_metadata_document_supported"`
}

// Metadata describes this provider: its endpoints and what it supports, so
// a client needs only the issuer URL ([RFC 8414 Section 3]), including the
// PAR endpoint ([RFC 9126 Section 2]).
//
// [RFC 8414 Section 3]: https://www.rfc-editor.org/rfc/rfc8414#section-3
// [RFC 9126 Section 2]: https://www.rfc-editor.org/rfc/rfc9126#section-2
func (p *Provider) Metadata() Metadata {
	iss := p.Config.Issuer
	secretMethods := stringsOf(AuthClientSecretBasic, AuthClientSecretPost, AuthPrivateKeyJWT)
	assertionAlgs := stringsOf(ClientAssertionAlgs...)
	m := Metadata{
		Issuer:                                             iss,
		AuthorizationEndpoint:                              iss + PathAuthorize,
		TokenEndpoint:                                      iss + PathToken,
		JWKSURI:                                            iss + PathJWKS,
		UserInfoEndpoint:                                   iss + PathUserInfo,
		RevocationEndpoint:                                 iss + PathRevoke,
		IntrospectionEndpoint:                              iss + PathIntrospect,
		DeviceAuthorizationEndpoint:                        iss + PathDeviceAuthorization,
		EndSessionEndpoint:                                 iss + PathEndSession,
		ScopesSupported:                                    SupportedScopes(),
		ResponseTypesSupported:                             []string{"code"},
		ResponseModesSupported:                             []string{"query"},
		GrantTypesSupported:                                stringsOf(supportedGrantTypes...),
		TokenEndpointAuthMethodsSupported:                  append(secretMethods, string(AuthNone)),
		RevocationEndpointAuthMethodsSupported:             append(secretMethods, string(AuthNone)),
		IntrospectionEndpointAuthMethodsSupported:          secretMethods,
		TokenEndpointAuthSigningAlgValuesSupported:         assertionAlgs,
		RevocationEndpointAuthSigningAlgValuesSupported:    assertionAlgs,
		IntrospectionEndpointAuthSigningAlgValuesSupported: assertionAlgs,
		CodeChallengeMethodsSupported:                      []string{CodeChallengeMethodS256},
		AuthorizationResponseIssParameterSupported:         true,
		SubjectTypesSupported:                              []string{"public"},
		IDTokenSigningAlgValuesSupported:                   stringsOf(p.Keys.Algorithms()...),
		AccessTokenSigningAlgValuesSupported:               p.accessTokenAlgs(),
		ClaimsSupported: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
			"name", "email", "email_verified"},
		PromptValuesSupported: knownPrompts,
		// "Authorization servers supporting PAR SHOULD include the URL of
		// their pushed authorization request endpoint in their
		// authorization server metadata document" ([RFC 9126 Section 2]).
		// PAR is required per client, never globally.
		//
		// [RFC 9126 Section 2]: https://www.rfc-editor.org/rfc/rfc9126#section-2
		PushedAuthorizationRequestEndpoint: iss + PathPAR,
		RequirePushedAuthorizationRequests: false,
		DPoPSigningAlgValuesSupported:      DPoPSigningAlgs,
		UILocalesSupported:                 i18n.Supported(),
		ClientIDMetadataDocumentSupported:  p.Config.MetadataDocumentsOn(),
	}
	if p.RegistrationEnabled() {
		m.RegistrationEndpoint = iss + PathRegister
	}
	return m
}

// accessTokenAlgs are the algorithms of the access tokens that may be live:
// the one that signs this process's (ACCESS_TOKEN_SIGNING_ALG) first, then
// every other one the key set signs with (token.Keys.Algorithms), which
// keeps each algorithm it has held (token.Keys.Rotate renews them all). A token
// signed before ACCESS_TOKEN_SIGNING_ALG changed, or by a provider on the
// same store still running the old setting, verifies until it expires; a
// resource server that pinned the current algorithm alone would refuse it.
func (p *Provider) accessTokenAlgs() []string {
	current := p.Keys.AccessTokenAlgorithm()
	others := slices.DeleteFunc(p.Keys.Algorithms(), func(alg token.Algorithm) bool { return alg == current })
	return stringsOf(append([]token.Algorithm{current}, others...)...)
}
