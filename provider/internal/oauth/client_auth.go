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
	// Assertion is the parsed client_assertion of private_key_jwt.
	Assertion *ClientAssertion
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
	assertionType, err := singleValue(form, "client_assertion_type")
	if err != nil {
		return ClientCredentials{}, err
	}
	if assertionType != "" {
		if authorization != "" || formSecret != "" {
			return ClientCredentials{}, invalidRequest("the client used more than one authentication method")
		}
		return parseAssertionCredentials(assertionType, formID, form)
	}
	if authorization != "" {
		cc, err := parseBasicAuth(authorization)
		if err != nil {
			return ClientCredentials{}, err
		}
		if formSecret != "" || (formID != "" && formID != cc.ClientID) {
			return ClientCredentials{}, ruleOneAuthMethod.Refuse(ErrInvalidRequest, "the client used more than one authentication method")
		}
		return cc, nil
	}
	if formSecret != "" {
		return ClientCredentials{Method: AuthClientSecretPost, ClientID: formID, Secret: formSecret}, nil
	}
	return ClientCredentials{Method: AuthNone, ClientID: formID}, nil
}

// parseAssertionCredentials reads the client authentication of [RFC 7523
// Section 2.2]: client_assertion_type, client_assertion and, optionally,
// client_id, which must then name the assertion's subject ([RFC 7521
// Section 4.2]: "If present, the value of the "client_id" parameter MUST
// identify the same client as is identified by the client assertion.").
//
// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
// [RFC 7521 Section 4.2]: https://www.rfc-editor.org/rfc/rfc7521#section-4.2
func parseAssertionCredentials(assertionType, formID string, form url.Values) (ClientCredentials, *Error) {
	if assertionType != ClientAssertionTypeJWT {
		return ClientCredentials{}, NewError(ErrInvalidClient, "client_assertion_type must be "+ClientAssertionTypeJWT)
	}
	raw, err := singleValue(form, "client_assertion")
	if err != nil {
		return ClientCredentials{}, err
	}
	if raw == "" {
		return ClientCredentials{}, invalidRequest("client_assertion is required with client_assertion_type")
	}
	assertion, err := ParseClientAssertion(raw)
	if err != nil {
		return ClientCredentials{}, err
	}
	if formID != "" && formID != assertion.Subject {
		return ClientCredentials{}, NewError(ErrInvalidClient, "client_id does not match the client_assertion's \"sub\"")
	}
	return ClientCredentials{Method: AuthPrivateKeyJWT, ClientID: assertion.Subject, Assertion: assertion}, nil
}

// The rules of client authentication ([RFC 6749 Section 2.3.1], [RFC 6749 Section 3.2.1]).
//
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
// [RFC 6749 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2.1
var (
	ruleOneAuthMethod        = Rule{"the client uses one authentication method, not several", "RFC 6749 Section 2.3.1"}
	ruleBasicAuthForm        = Rule{"HTTP Basic credentials are base64 of form-encoded client_id:client_secret", "RFC 6749 Section 2.3.1"}
	ruleClientIdentified     = Rule{"the client identifies itself", "RFC 6749 Section 3.2.1"}
	ruleClientRegistered     = Rule{"client_id names a registered client", "RFC 6749 Section 2.2"}
	ruleRegisteredAuthMethod = Rule{"the client authenticates with the token_endpoint_auth_method it registered", "RFC 7591 Section 2"}
	rulePublicClientBare     = Rule{"a public client presents no secret (it has none)", "RFC 6749 Section 2.1"}
	ruleClientSecretMatch    = Rule{"the confidential client presents its secret, and it matches", "RFC 6749 Section 3.2.1"}
)

// parseBasicAuth decodes an HTTP Basic header ([RFC 7617]) whose user-id and
// password are application/x-www-form-urlencoded ([RFC 6749 Section 2.3.1]).
//
// [RFC 7617]: https://www.rfc-editor.org/rfc/rfc7617
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
func parseBasicAuth(header string) (ClientCredentials, *Error) {
	bad := ruleBasicAuthForm.Refuse(ErrInvalidClient, "malformed HTTP Basic client credentials")
	bad.UsedBasicAuth = true
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
	tr := TraceFrom(ctx)
	tr.Client(cc.ClientID)
	fail := func(r Rule, description string) *Error {
		err := tr.Fail(r, ErrInvalidClient, description)
		err.UsedBasicAuth = cc.Method == AuthClientSecretBasic
		return err
	}
	if cc.ClientID == "" {
		return store.Client{}, fail(ruleClientIdentified, "client authentication is required")
	}
	tr.Check(ruleClientIdentified, true)
	client, err := p.getClient(ctx, cc.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, fail(ruleClientRegistered, "client authentication failed")
	}
	if err != nil {
		return store.Client{}, serverError(err)
	}
	tr.Check(ruleClientRegistered, true)
	if err := p.checkClientCredentials(ctx, tr, client, cc, fail); err != nil {
		return store.Client{}, err
	}
	if err := p.markClientUsed(ctx, client); err != nil {
		return store.Client{}, serverError(err)
	}
	return client, nil
}

// checkClientCredentials checks the method and the credentials a client
// presented against its registration: a public client only names itself; a
// confidential one proves its secret, or signs an assertion with its key. A
// client that registered a token_endpoint_auth_method ([RFC 7591 Section
// 2]) must use that one.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func (p *Provider) checkClientCredentials(ctx context.Context, tr *Trace, client store.Client, cc ClientCredentials, fail func(Rule, string) *Error) *Error {
	if client.TokenEndpointAuthMethod != "" {
		if cc.Method != ClientAuthMethod(client.TokenEndpointAuthMethod) {
			return fail(ruleRegisteredAuthMethod, "this client registered token_endpoint_auth_method "+client.TokenEndpointAuthMethod)
		}
		tr.Check(ruleRegisteredAuthMethod, true)
	}
	if client.Type == store.Public {
		if cc.Method != AuthNone {
			return fail(rulePublicClientBare, "a public client has no secret to present")
		}
		tr.Check(rulePublicClientBare, true)
		return nil
	}
	if cc.Method == AuthPrivateKeyJWT {
		return p.verifyClientAssertion(ctx, client, cc.Assertion, fail)
	}
	if cc.Method == AuthNone || !secretMatches(cc.Secret, client.SecretHash) {
		return fail(ruleClientSecretMatch, "client authentication failed")
	}
	tr.Check(ruleClientSecretMatch, true)
	return nil
}

// singleValue returns a form parameter that must appear at most once:
// "Request and response parameters MUST NOT be included more than once"
// ([RFC 6749 Section 3.1] and [RFC 6749 Section 3.2]). A missing one is "".
// A value that is not text (validText) is refused too.
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
// [RFC 6749 Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
func singleValue(form url.Values, name string) (string, *Error) {
	v := form[name]
	switch len(v) {
	case 0:
		return "", nil
	case 1:
		if !validText(v[0]) {
			return "", ruleParameterOnce.Refuse(ErrInvalidRequest, "parameter "+name+" is not valid UTF-8 text")
		}
		return v[0], nil
	default:
		return "", ruleParameterOnce.Refuse(ErrInvalidRequest, "parameter "+name+" is repeated")
	}
}

// ruleParameterOnce is the rule singleValue enforces ([RFC 6749 Section 3.2]).
//
// [RFC 6749 Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
var ruleParameterOnce = Rule{"no request parameter is sent more than once, and each is UTF-8 text", "RFC 6749 Section 3.2"}
