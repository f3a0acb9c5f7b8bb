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
	// Endpoint is the path of the endpoint the request came to (PathToken
	// for either of its paths): a client assertion's "aud" may name its URL
	// (assertionAudiences).
	Endpoint string
}

// parseClientRequest reads the body of a request to endpoint whose client
// authenticates (token, PAR, device authorization, revocation,
// introspection): the client's credentials and the endpoint's own
// parameters (own), each at most once, checked together, then the
// credentials' form. Of the Authorization header (authorization: the values
// the request carried) there may be one at most (oneAuthorization):
// [RFC 6749 Section 5.2] makes invalid_request of a request that "includes
// multiple credentials, utilizes more than one mechanism for authenticating
// the client, or is otherwise malformed".
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func parseClientRequest(ctx context.Context, endpoint string, authorization []string, form url.Values, own ...param) (ClientCredentials, *Error) {
	tr := TraceFrom(ctx)
	var f clientAuthForm
	// Two lists read in turn, not one joined with append: the joined copy
	// would live on the heap, and with it f and the fields own points to,
	// three allocations on every token, revocation and introspection request.
	err := readEach(form, f.params())
	if err == nil {
		err = readEach(form, own)
	}
	if !tr.Check(ruleParameterOnce, err == nil) {
		return ClientCredentials{}, err
	}
	header, err := oneAuthorization(ruleOneClientAuthorization, authorization)
	if err != nil {
		return ClientCredentials{}, err
	}
	cc, err := f.credentials(tr, header)
	if err != nil {
		return ClientCredentials{}, err
	}
	cc.Endpoint = endpoint
	return cc, nil
}

// clientAuthForm holds the client authentication parameters of a form body.
type clientAuthForm struct {
	id, secret, assertionType, assertion string
}

// params lists the form parameters that fill f.
func (f *clientAuthForm) params() []param {
	return []param{{"client_id", &f.id}, {"client_secret", &f.secret},
		{"client_assertion_type", &f.assertionType}, {"client_assertion", &f.assertion}}
}

// credentials tells which method the client used, and reads its credentials.
//
// [RFC 6749 Section 2.3]: "The client MUST NOT use more than one
// authentication method in each request." With Basic ([RFC 6749 Section 2.3.1]),
// client_id and secret are form-encoded before they are joined with ":" and
// base64-encoded, so they are form-decoded here (a secret may contain ":" or
// "%"); a client_id in the body must then name the same client.
//
// [RFC 6749 Section 2.3]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
func (f clientAuthForm) credentials(tr *Trace, authorization string) (ClientCredentials, *Error) {
	if f.assertionType != "" {
		if err := requireOneAuthMethod(tr, authorization == "" && f.secret == ""); err != nil {
			return ClientCredentials{}, err
		}
		return f.assertionCredentials(tr)
	}
	if authorization == "" {
		tr.Check(ruleOneAuthMethod, true)
		if f.secret != "" {
			return ClientCredentials{Method: AuthClientSecretPost, ClientID: f.id, Secret: f.secret}, nil
		}
		return ClientCredentials{Method: AuthNone, ClientID: f.id}, nil
	}
	cc, err := parseBasicAuth(tr, authorization)
	if err != nil {
		return ClientCredentials{}, err
	}
	if err := requireOneAuthMethod(tr, f.secret == ""); err != nil {
		return ClientCredentials{}, err
	}
	if err := tr.Require(ruleBasicClientID, f.id == "" || f.id == cc.ClientID, ErrInvalidRequest,
		"client_id "+quoteShort(f.id)+" is not the client of the HTTP Basic credentials"); err != nil {
		return ClientCredentials{}, err
	}
	return cc, nil
}

// requireOneAuthMethod records ruleOneAuthMethod, and refuses the request
// when it used several.
func requireOneAuthMethod(tr *Trace, one bool) *Error {
	return tr.Require(ruleOneAuthMethod, one, ErrInvalidRequest, "the client used more than one authentication method")
}

// The rules of a client assertion's parameters ([RFC 7523 Section 2.2],
// [RFC 7521 Section 4.2]) and of its subject, [RFC 7523 Section 3]: "For
// client authentication, the subject MUST be the "client_id" of the OAuth
// client."
//
// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
// [RFC 7523 Section 3]: https://www.rfc-editor.org/rfc/rfc7523#section-3
// [RFC 7521 Section 4.2]: https://www.rfc-editor.org/rfc/rfc7521#section-4.2
var (
	ruleAssertionType     = Rule{"client_assertion_type is " + ClientAssertionTypeJWT + ", with a client_assertion", "RFC 7523 Section 2.2"}
	ruleAssertionParsed   = Rule{"the client_assertion is a single signed JWT whose \"sub\" names a client", "RFC 7523 Section 3"}
	ruleAssertionClientID = Rule{"a client_id sent beside the client_assertion names the same client", "RFC 7521 Section 4.2"}
)

// assertionCredentials reads the client authentication of
// [RFC 7523 Section 2.2]: client_assertion_type, client_assertion and,
// optionally, client_id, which must then name the assertion's subject
// ([RFC 7521 Section 4.2]: "If present, the value of the "client_id"
// parameter MUST identify the same client as is identified by the client
// assertion.").
//
// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
// [RFC 7521 Section 4.2]: https://www.rfc-editor.org/rfc/rfc7521#section-4.2
func (f clientAuthForm) assertionCredentials(tr *Trace) (ClientCredentials, *Error) {
	if f.assertionType != ClientAssertionTypeJWT {
		return ClientCredentials{}, tr.Fail(ruleAssertionType, ErrInvalidClient, "client_assertion_type must be "+ClientAssertionTypeJWT)
	}
	if f.assertion == "" {
		return ClientCredentials{}, tr.Fail(ruleAssertionType, ErrInvalidRequest, "client_assertion is required with client_assertion_type")
	}
	tr.Check(ruleAssertionType, true)
	assertion, err := ParseClientAssertion(f.assertion)
	if tr.Check(ruleAssertionParsed, err == nil); err != nil {
		return ClientCredentials{}, err
	}
	if err := tr.Require(ruleAssertionClientID, f.id == "" || f.id == assertion.Subject,
		ErrInvalidClient, "client_id does not match the client_assertion's 'sub'"); err != nil {
		return ClientCredentials{}, err
	}
	return ClientCredentials{Method: AuthPrivateKeyJWT, ClientID: assertion.Subject, Assertion: assertion}, nil
}

// The rules of client authentication ([RFC 6749 Section 5.2], [RFC 6749 Section 2.3], [RFC 6749 Section 2.3.1], [RFC 6749 Section 3.2.1]).
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
// [RFC 6749 Section 2.3]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
// [RFC 6749 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2.1
var (
	ruleOneClientAuthorization = Rule{"a client's request has at most one Authorization header, so it carries one set of client credentials", "RFC 6749 Section 5.2"}
	ruleOneAuthMethod          = Rule{"the client uses one authentication method, not several", "RFC 6749 Section 2.3"}
	ruleBasicAuthForm          = Rule{"HTTP Basic credentials are base64 of form-encoded client_id:client_secret", "RFC 6749 Section 2.3.1"}
	// A client_id beside HTTP Basic credentials is no second method ("A
	// client MAY use the "client_id" request parameter to identify itself",
	// [RFC 6749 Section 3.2.1]), but it must not name another client.
	ruleBasicClientID        = Rule{"a client_id sent beside HTTP Basic credentials names the same client", "RFC 6749 Section 3.2.1"}
	ruleClientIdentified     = Rule{"the client identifies itself", "RFC 6749 Section 3.2.1"}
	ruleClientRegistered     = Rule{"client_id names a registered client", "RFC 6749 Section 2.2"}
	ruleRegisteredAuthMethod = Rule{"the client authenticates with the token_endpoint_auth_method it registered", "RFC 7591 Section 2"}
	rulePublicClientBare     = Rule{"a public client presents no secret (it has none)", "RFC 6749 Section 2.1"}
	ruleClientSecretMatch    = Rule{"the confidential client presents its secret, and it matches", "RFC 6749 Section 3.2.1"}
)

// parseBasicAuth decodes an HTTP Basic header ([RFC 7617 Section 2]) whose user-id and
// password are application/x-www-form-urlencoded ([RFC 6749 Section 2.3.1]).
//
// [RFC 7617 Section 2]: https://www.rfc-editor.org/rfc/rfc7617#section-2
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
func parseBasicAuth(tr *Trace, header string) (ClientCredentials, *Error) {
	cc, ok := decodeBasicAuth(header)
	if !ok {
		return ClientCredentials{}, tr.Fail(ruleBasicAuthForm, ErrInvalidClient, basicAuthProblem(header))
	}
	tr.Check(ruleBasicAuthForm, true)
	return cc, nil
}

// basicAuthProblem says what is wrong with an Authorization header that
// decodeBasicAuth refused: another scheme (a caller sending its access
// token, say), or Basic credentials it could not read.
func basicAuthProblem(header string) string {
	if scheme, _, _ := strings.Cut(header, " "); !strings.EqualFold(scheme, "Basic") {
		return "the Authorization header does not use the Basic scheme: a client authenticates with HTTP Basic, its secret in the form, or a client assertion, not with a token"
	}
	return "malformed HTTP Basic client credentials"
}

// decodeBasicAuth decodes an HTTP Basic header into client credentials, and
// reports whether it had the form of [RFC 6749 Section 2.3.1].
//
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
func decodeBasicAuth(header string) (ClientCredentials, bool) {
	user, pass, ok := basicAuthPair(header)
	if !ok {
		return ClientCredentials{}, false
	}
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	if err1 != nil || err2 != nil || id == "" || !validText(id) || !validText(secret) {
		return ClientCredentials{}, false
	}
	return ClientCredentials{Method: AuthClientSecretBasic, ClientID: id, Secret: secret}, true
}

// basicAuthPair decodes an HTTP Basic header ([RFC 7617 Section 2]) into its user-id
// and password, still form-encoded.
//
// [RFC 7617 Section 2]: https://www.rfc-editor.org/rfc/rfc7617#section-2
func basicAuthPair(header string) (user, pass string, ok bool) {
	scheme, encoded, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	// Decoded into room on the stack (AppendDecode allocates only for a
	// longer header), then copied once into the string user and pass are
	// cut from: DecodeString would allocate the bytes and the string both,
	// on every request a client authenticates with Basic.
	var room [basicAuthRoom]byte
	raw, err := base64.StdEncoding.AppendDecode(room[:0], []byte(strings.TrimSpace(encoded)))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// basicAuthRoom is the size of basicAuthPair's stack buffer: room for a
// client_id and a secret of this provider's length, form-encoded.
const basicAuthRoom = 128

// clientGone refuses a request whose client authenticated and was then
// deleted ([RFC 7592 Section 2.3]) before what the request issues could be
// stored: the store found no client to attach it to (store.ErrNotFound).
//
// [RFC 7592 Section 2.3]: https://www.rfc-editor.org/rfc/rfc7592#section-2.3
func clientGone(tr *Trace) *Error {
	return tr.Fail(ruleClientRegistered, ErrInvalidClient, "the client is no longer registered")
}

// authenticateClient checks presented credentials against the registration:
// a confidential client must prove its secret; a public client may only name
// itself ([RFC 6749 Section 3.2.1], [RFC 7009 Section 2.1]).
//
// [RFC 6749 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2.1
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
func (p *Provider) authenticateClient(ctx context.Context, cc ClientCredentials) (store.Client, *Error) {
	tr := TraceFrom(ctx)
	if cc.ClientID == "" {
		return store.Client{}, refuseClient(tr, ruleClientIdentified, "client authentication is required")
	}
	tr.Check(ruleClientIdentified, true)
	client, err := p.getClient(ctx, cc.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, refuseClient(tr, ruleClientRegistered, "client authentication failed")
	}
	if refused, ok := documentClientError(err); ok {
		return store.Client{}, refused
	}
	if err != nil {
		return store.Client{}, ServerError(err)
	}
	tr.Check(ruleClientRegistered, true)
	if err := p.checkClientCredentials(ctx, tr, client, cc); err != nil {
		return store.Client{}, err
	}
	if err := p.markClientUsed(ctx, client); err != nil {
		return store.Client{}, ServerError(err)
	}
	return client, nil
}

// refuseClient refuses a client's authentication under rule r. Every such
// refusal is invalid_client: "Client authentication failed (e.g., unknown
// client, no client authentication included, or unsupported
// authentication method)" ([RFC 6749 Section 5.2]).
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func refuseClient(tr *Trace, r Rule, description string) *Error {
	return tr.Fail(r, ErrInvalidClient, description)
}

// checkClientCredentials checks the method and the credentials a client
// presented against its registration: a public client only names itself; a
// confidential one proves its secret, or signs an assertion with its key. A
// client that registered a token_endpoint_auth_method
// ([RFC 7591 Section 2]) must use that one.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func (p *Provider) checkClientCredentials(ctx context.Context, tr *Trace, client store.Client, cc ClientCredentials) *Error {
	if client.TokenEndpointAuthMethod != "" {
		if cc.Method != ClientAuthMethod(client.TokenEndpointAuthMethod) {
			return refuseClient(tr, ruleRegisteredAuthMethod, "this client registered token_endpoint_auth_method "+client.TokenEndpointAuthMethod)
		}
		tr.Check(ruleRegisteredAuthMethod, true)
	}
	if client.Type == store.Public {
		if cc.Method != AuthNone {
			return refuseClient(tr, rulePublicClientBare, "a public client has no secret to present")
		}
		tr.Check(rulePublicClientBare, true)
		return nil
	}
	if cc.Method == AuthPrivateKeyJWT {
		return p.verifyClientAssertion(ctx, client, cc)
	}
	if cc.Method == AuthNone || !secretMatches(cc.Secret, client.SecretHash) {
		return refuseClient(tr, ruleClientSecretMatch, "client authentication failed")
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
		if err := requireText(name, v[0]); err != nil {
			return "", err
		}
		return v[0], nil
	default:
		return "", ruleParameterOnce.Refuse(ErrInvalidRequest, "parameter "+name+" is repeated")
	}
}

// textValues returns the values of a parameter a request may send more
// than once (resource, [RFC 8707 Section 2]), each refused as singleValue
// refuses one that is not text.
//
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
func textValues(form url.Values, name string) ([]string, *Error) {
	for _, v := range form[name] {
		if err := requireText(name, v); err != nil {
			return nil, err
		}
	}
	return form[name], nil
}

// requireText refuses v, the value of parameter name, unless it is text
// (validText).
func requireText(name, v string) *Error {
	if validText(v) {
		return nil
	}
	return ruleParameterOnce.Refuse(ErrInvalidRequest, "parameter "+name+" "+notText(v))
}

// param names one form parameter a parser reads, and where it goes.
type param struct {
	name string
	dst  *string
}

// readEach reads form parameters with singleValue, each into its dst, up
// to the first that breaks ruleParameterOnce.
func readEach(form url.Values, params []param) *Error {
	for _, p := range params {
		var err *Error
		if *p.dst, err = singleValue(form, p.name); err != nil {
			return err
		}
	}
	return nil
}

// ruleParameterOnce is the rule singleValue and textValues enforce
// ([RFC 6749 Section 3.2]), for the parameters the endpoint reads:
// resource may be repeated ([RFC 8707 Section 2]), and the others are not
// looked at ("The authorization server MUST ignore unrecognized request
// parameters"), so the rule's text says no more.
//
// [RFC 6749 Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
var ruleParameterOnce = Rule{"each request parameter this endpoint reads is UTF-8 text and, resource aside, sent at most once (others are ignored)", "RFC 6749 Section 3.2"}
