package oauth

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"

	"github.com/oauth-reference/provider/internal/store"
)

// ClientAuthMethod is how a client authenticated at the token, revocation or
// introspection endpoint.
type ClientAuthMethod string

// The client authentication methods of [RFC 6749 Section 2.3.1] (registered
// names from RFC 7591), plus "none" for a public client that only names itself.
//
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
const (
	AuthClientSecretBasic ClientAuthMethod = "client_secret_basic"
	AuthClientSecretPost  ClientAuthMethod = "client_secret_post"
	AuthNone              ClientAuthMethod = "none"
	// AuthPrivateKeyJWT is a client assertion signed with the client's key
	// ([RFC 7523 Section 2.2], [OIDC Core Section 9]).
	//
	// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
	// [OIDC Core Section 9]: https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
	AuthPrivateKeyJWT ClientAuthMethod = "private_key_jwt"
)

// ClientCredentials is what a request presented to identify its client.
type ClientCredentials struct {
	Method   ClientAuthMethod
	ClientID string
	Secret   string
}

// ParseClientCredentials reads a client's credentials from the Authorization
// header (may be "") and the form body of a request.
//
// [RFC 6749 Section 2.3.1]: "The client MUST NOT use more than one
// authentication method in each request." With Basic, client_id and secret
// are form-encoded before they are joined with ":" and base64-encoded, so
// they are form-decoded here (a secret may contain ":" or "%").
func ParseClientCredentials(authorization string, form url.Values) (ClientCredentials, *Error) {
	formID, err := singleValue(form, "client_id")
	if err != nil {
		return ClientCredentials{}, err
	}
	formSecret, err := singleValue(form, "client_secret")
	if err != nil {
		return ClientCredentials{}, err
	}
	if authorization != "" {
		cc, err := parseBasicAuth(authorization)
		if err != nil {
			return ClientCredentials{}, err
		}
		if formSecret != "" || (formID != "" && formID != cc.ClientID) {
			return ClientCredentials{}, invalidRequest("the client used more than one authentication method")
		}
		return cc, nil
	}
	if formSecret != "" {
		return ClientCredentials{Method: AuthClientSecretPost, ClientID: formID, Secret: formSecret}, nil
	}
	return ClientCredentials{Method: AuthNone, ClientID: formID}, nil
}

// parseBasicAuth decodes an HTTP Basic header ([RFC 7617]) whose user-id and
// password are application/x-www-form-urlencoded ([RFC 6749 Section 2.3.1]).
//
// [RFC 7617]: https://www.rfc-editor.org/rfc/rfc7617
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
func parseBasicAuth(header string) (ClientCredentials, *Error) {
	bad := &Error{Code: ErrInvalidClient, Description: "malformed HTTP Basic client credentials", UsedBasicAuth: true}
	scheme, encoded, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return ClientCredentials{}, bad
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return ClientCredentials{}, bad
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return ClientCredentials{}, bad
	}
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	if err1 != nil || err2 != nil || id == "" || !validText(id) || !validText(secret) {
		return ClientCredentials{}, bad
	}
	return ClientCredentials{Method: AuthClientSecretBasic, ClientID: id, Secret: secret}, nil
}

// authenticateClient checks presented credentials against the registration:
// a confidential client must prove its secret; a public client may only name
// itself ([RFC 6749 Section 3.2.1], [RFC 7009 Section 2.1]).
//
// [RFC 6749 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2.1
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
func (p *Provider) authenticateClient(ctx context.Context, cc ClientCredentials) (store.Client, *Error) {
	fail := &Error{Code: ErrInvalidClient, Description: "client authentication failed", UsedBasicAuth: cc.Method == AuthClientSecretBasic}
	if cc.ClientID == "" {
		fail.Description = "client authentication is required"
		return store.Client{}, fail
	}
	client, err := p.getClient(ctx, cc.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, fail
	}
	if err != nil {
		return store.Client{}, serverError(err)
	}
	if err := checkClientSecret(client, cc, fail); err != nil {
		return store.Client{}, err
	}
	if err := p.markClientUsed(ctx, client); err != nil {
		return store.Client{}, serverError(err)
	}
	return client, nil
}

// checkClientSecret checks the method and the credentials a client
// presented against its registration. A client that registered a
// token_endpoint_auth_method ([RFC 7591 Section 2]) must use that one.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func checkClientSecret(client store.Client, cc ClientCredentials, fail *Error) *Error {
	if client.TokenEndpointAuthMethod != "" && cc.Method != ClientAuthMethod(client.TokenEndpointAuthMethod) {
		fail.Description = "this client registered token_endpoint_auth_method " + client.TokenEndpointAuthMethod
		return fail
	}
	if client.Type == store.Public {
		if cc.Method != AuthNone {
			fail.Description = "a public client has no secret to present"
			return fail
		}
		return nil
	}
	if cc.Method == AuthNone || !secretMatches(cc.Secret, client.SecretHash) {
		return fail
	}
	return nil
}

// singleValue returns a form parameter that must appear at most once:
// "Request and response parameters MUST NOT be included more than once"
// ([RFC 6749 Section 3.1] and [Section 3.2]). A missing one is "". A value
// that is not text (validText) is refused too.
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
// [Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
func singleValue(form url.Values, name string) (string, *Error) {
	v := form[name]
	switch len(v) {
	case 0:
		return "", nil
	case 1:
		if !validText(v[0]) {
			return "", invalidRequest("parameter %s is not valid UTF-8 text", name)
		}
		return v[0], nil
	default:
		return "", invalidRequest("parameter %s is repeated", name)
	}
}
