package oauth

import (
	"net/url"
	"slices"
)

// PathProtectedResourceMetadata is where the provider's own resource server
// publishes its metadata ([RFC 9728 Section 3]).
//
// [RFC 9728 Section 3]: https://www.rfc-editor.org/rfc/rfc9728#section-3
const PathProtectedResourceMetadata = "/.well-known/oauth-protected-resource"

// ProtectedResourceMetadata is the metadata of a protected resource,
// [RFC 9728 Section 2]: what a client that met the resource first needs to
// find its authorization server.
//
// [RFC 9728 Section 2]: https://www.rfc-editor.org/rfc/rfc9728#section-2
type ProtectedResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name"`
	// DPoPSigningAlgValuesSupported lists the DPoP proof algorithms the
	// resource accepts ([RFC 9728 Section 2]:
	// "dpop_signing_alg_values_supported … JSON array containing a list of
	// the JWS alg values … supported by the resource server for validating
	// DPoP proof JWTs").
	//
	// [RFC 9728 Section 2]: https://www.rfc-editor.org/rfc/rfc9728#section-2
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported"`
}

// ProtectedResourceMetadata describes the provider's own resource server
// (/protected/resource, /user/profile, /userinfo). [RFC 9728 Section 2]:
// "resource REQUIRED. The protected resource's resource identifier"; it is
// the "aud" of the access tokens it accepts. scopes_supported is
// resourceScopes, not the authorization server's whole list.
// bearer_methods_supported names "header", the method every one of its
// endpoints takes, so a client that follows it succeeds at each; /userinfo
// also takes the token in a POST form body ([RFC 6750 Section 2.2], as
// [OIDC Core Section 5.3.1] allows: BodyMayCarryToken), and none takes it
// in the query ([RFC 9700 Section 4.3.2]).
//
// [RFC 9728 Section 2]: https://www.rfc-editor.org/rfc/rfc9728#section-2
// [RFC 6750 Section 2.2]: https://www.rfc-editor.org/rfc/rfc6750#section-2.2
// [OIDC Core Section 5.3.1]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfoRequest
// [RFC 9700 Section 4.3.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.3.2
func (p *Provider) ProtectedResourceMetadata() ProtectedResourceMetadata {
	return ProtectedResourceMetadata{
		Resource:               p.Config.ResourceAudience(),
		AuthorizationServers:   []string{p.Config.Issuer},
		ScopesSupported:        resourceScopes(),
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "The provider's demo resource server",

		DPoPSigningAlgValuesSupported: DPoPSigningAlgs,
	}
}

// resourceScopes are the scopes_supported of the provider's own resource
// server: [RFC 9728 Section 2], "JSON array containing a list of scope
// values, as defined in OAuth 2.0 [RFC6749], that are used in
// authorization requests to request access to this protected resource".
// They are the scopes its challenges name (ScopeProtectedResource,
// ScopeUserProfile, ScopeUserInfo) and the ones that widen its answers
// (profile and email: userClaims), in the order of SupportedScopes. A
// client that meets a challenge without a scope asks for all of them
// ([MCP Authorization, Scope Selection Strategy]: "use all scopes defined
// in scopes_supported from the Protected Resource Metadata document";
// "The scopes_supported field is intended to represent the minimal set of
// scopes necessary for basic functionality"), so write, which none of its
// endpoints uses, is not among them, and neither is offline_access, a
// scope of the authorization server only (the revision of 2026-07-28 of
// that specification, under "Refresh Tokens": "MCP Servers (Protected
// Resources) SHOULD NOT include offline_access in WWW-Authenticate scope
// or Protected Resource Metadata scopes_supported, as refresh tokens are
// not a resource requirement").
//
// [RFC 9728 Section 2]: https://www.rfc-editor.org/rfc/rfc9728#section-2
// [MCP Authorization, Scope Selection Strategy]: https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-selection-strategy
func resourceScopes() []string {
	used := []string{ScopeProtectedResource, ScopeUserProfile, ScopeUserInfo, ScopeProfile, ScopeEmail}
	return slices.DeleteFunc(SupportedScopes(), func(s string) bool { return !slices.Contains(used, s) })
}

// The scope the WWW-Authenticate challenge of each of the provider's own
// resources names ([RFC 6750 Section 3]: "The "scope" attribute is defined
// in Section 3.3 of [RFC6749]. The "scope" attribute is a space-delimited
// list of case-sensitive scope values indicating the required scope of the
// access token for accessing the requested resource"), so that a client
// asks for that and no more (the Model Context Protocol's authorization:
// "MCP servers SHOULD include a scope parameter in the WWW-Authenticate
// header").
//
// [RFC 6750 Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
const (
	// ScopeProtectedResource is only named, never required:
	// /protected/resource takes any valid token. Its challenge names read,
	// the default scope, what its page is ("Read your protected resources").
	ScopeProtectedResource = ScopeRead
	// ScopeUserProfile and ScopeUserInfo are also required
	// (requireUserScope): a token without them is insufficient_scope.
	ScopeUserProfile = ScopeRead
	ScopeUserInfo    = ScopeOpenID
)

// IsResourcePath reports whether path, what follows
// PathProtectedResourceMetadata in a request's path ("" for none), and
// query, the request's raw query ("" for none), are the path and query
// components of the resource identifier, so the request is for the
// resource's metadata: [RFC 9728 Section 3], "Protected resources
// supporting metadata MUST make a JSON document containing metadata as
// specified in Section 2 available at a URL formed by inserting a
// well-known URI string into the protected resource's resource identifier
// between the host component and the path and/or query components, if
// any." The document is there and nowhere else, not at another query nor
// at none when the identifier has one: its "resource" must be identical to
// the identifier the client formed the URL from ([RFC 9728 Section 3.3]).
//
// [RFC 9728 Section 3]: https://www.rfc-editor.org/rfc/rfc9728#section-3
// [RFC 9728 Section 3.3]: https://www.rfc-editor.org/rfc/rfc9728#section-3.3
func (p *Provider) IsResourcePath(path, query string) bool {
	identifier := p.Config.ResourceAudience()
	resource, err := url.Parse(identifier) // config.Validate refuses one that fails
	return err == nil && path == pathOf(identifier) && query == resource.RawQuery
}

// ProtectedResourceMetadataURL is the URL that WWW-Authenticate challenges
// name as resource_metadata ([RFC 9728 Section 5.1]), formed from the
// resource identifier as [RFC 9728 Section 3.1] says: "If the resource
// identifier value contains a path or query component, any terminating
// slash (/) following the host component MUST be removed before inserting
// /.well-known/ and the well-known URI path suffix between the host
// component and the path and/or query components." Resource
// http://h/api has its metadata at
// http://h/.well-known/oauth-protected-resource/api.
//
// [RFC 9728 Section 5.1]: https://www.rfc-editor.org/rfc/rfc9728#section-5.1
// [RFC 9728 Section 3.1]: https://www.rfc-editor.org/rfc/rfc9728#section-3.1
func (p *Provider) ProtectedResourceMetadataURL() string {
	resource, err := url.Parse(p.Config.ResourceAudience())
	if err != nil {
		return "" // config.Validate refuses such an identifier
	}
	path := resource.EscapedPath()
	if path == "/" {
		path = ""
	}
	metadata := resource.Scheme + "://" + resource.Host + PathProtectedResourceMetadata + path
	if resource.RawQuery != "" {
		metadata += "?" + resource.RawQuery
	}
	return metadata
}
