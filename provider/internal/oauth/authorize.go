package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/setting"
)

// AuthorizationRequest is the authorization request of
// [RFC 6749 Section 4.1.1] with the PKCE ([RFC 7636 Section 4.3]) and
// OpenID Connect ([OIDC Core Section 3.1.2.1]) parameters, as received.
//
// [RFC 6749 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
// [RFC 7636 Section 4.3]: https://www.rfc-editor.org/rfc/rfc7636#section-4.3
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
type AuthorizationRequest struct {
	ResponseType        string
	ClientID            string
	RedirectURI         string
	Scope               string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string
	Nonce               string
	Prompt              string
	MaxAge              string
	IDTokenHint         string
	ResponseMode        string
	Request             string
	RequestURI          string
	// Resources are the resource parameters ([RFC 8707 Section 2]), which,
	// unlike the others, may be repeated; an empty one counts as omitted
	// (resourceParameters).
	//
	// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
	Resources []string
	// DPoPJKT is dpop_jkt, [RFC 9449 Section 10].
	//
	// [RFC 9449 Section 10]: https://www.rfc-editor.org/rfc/rfc9449#section-10
	DPoPJKT string
	// UILocales is ui_locales ([OIDC Core Section 3.1.2.1]): "End-User's
	// preferred languages and scripts for the user interface", as a
	// space-separated list. It only chooses the pages' language (package
	// i18n reads it), so an unsupported or malformed value is never an
	// error; only one longer than maxParameterBytes is, as any parameter.
	//
	// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
	UILocales string
	// Repeated lists parameters that were sent more than once.
	Repeated []string
	// NotText lists parameters whose value is not text (validText).
	NotText []string
	// TooLong lists parameters whose value is longer than maxParameterBytes.
	TooLong []string
}

// maxParameterBytes bounds the value of each authorization request
// parameter that no other check bounds: state, nonce, ui_locales, max_age
// (whose digits may start with any number of zeros), a public client's
// loopback redirect_uri (whose port may too, loopbackMatch), and any
// parameter added later. A pushed request is stored with its parameters
// (PushAuthorizationRequest) and the login form carries them, so without a
// bound one request could store as much as the PAR endpoint reads (64 KB).
// 4096 bytes leaves room for the longest values clients send: some put
// protected data in state (ASP.NET Core's OpenID Connect handler puts its
// encrypted properties there, often 1–2 KB). The lists scope and prompt
// have a shorter bound of their own (maxListBytes, with their own error
// codes), and an id_token_hint must carry this provider's signature, so
// it is no longer than an ID token this provider issued.
const maxParameterBytes = 4096

// ruleParameterLength is the bound of maxParameterBytes, this provider's
// own: a value past it is "an invalid parameter value", invalid_request
// ([RFC 6749 Section 4.1.2.1]), a section that sets no length.
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
var ruleParameterLength = Rule{"each parameter's value is at most 4096 bytes, a bound of this server's: the specifications set none (scope, prompt: shorter; id_token_hint: signed)", "RFC 6749 Section 4.1.2.1"}

// params is the one table of the request's single-valued parameters:
// ParseAuthorizationRequest reads each of them, Values writes each back.
func (r *AuthorizationRequest) params() []param {
	return []param{
		{"response_type", &r.ResponseType}, {"client_id", &r.ClientID}, {"redirect_uri", &r.RedirectURI},
		{"scope", &r.Scope}, {"state", &r.State}, {"code_challenge", &r.CodeChallenge},
		{"code_challenge_method", &r.CodeChallengeMethod}, {"nonce", &r.Nonce}, {"prompt", &r.Prompt},
		{"max_age", &r.MaxAge}, {"id_token_hint", &r.IDTokenHint}, {"response_mode", &r.ResponseMode}, {"request", &r.Request},
		{"request_uri", &r.RequestURI}, {"dpop_jkt", &r.DPoPJKT}, {"ui_locales", &r.UILocales},
	}
}

// value returns the value of the single-valued parameter name.
func (r *AuthorizationRequest) value(name string) string {
	for _, p := range r.params() {
		if p.name == name {
			return *p.dst
		}
	}
	return ""
}

// ParseAuthorizationRequest reads an authorization request from the query
// (GET) or form body (POST). It never fails: every check is in Authorize,
// which knows whether an error may be redirected.
func ParseAuthorizationRequest(form url.Values) AuthorizationRequest {
	ownBound := []string{"scope", "prompt", "id_token_hint"} // see maxParameterBytes
	r := AuthorizationRequest{Resources: resourceParameters(form["resource"])}
	for _, p := range r.params() {
		v := form[p.name]
		if len(v) == 0 {
			continue
		}
		*p.dst = v[0]
		if len(v) > 1 {
			r.Repeated = append(r.Repeated, p.name)
		}
		if !validText(v[0]) {
			r.NotText = append(r.NotText, p.name)
		}
		if len(v[0]) > maxParameterBytes && !slices.Contains(ownBound, p.name) {
			r.TooLong = append(r.TooLong, p.name)
		}
	}
	slices.Sort(r.Repeated)
	slices.Sort(r.NotText)
	slices.Sort(r.TooLong)
	return r
}

// Values encodes the request's parameters again, for the hidden fields of
// the login and consent form.
func (r AuthorizationRequest) Values() url.Values {
	v := url.Values{}
	for _, p := range r.params() {
		if *p.dst != "" {
			v.Set(p.name, *p.dst)
		}
	}
	for _, resource := range r.Resources {
		v.Add("resource", resource)
	}
	return v
}

// Authorization is an authorization request that passed every check: what
// the consent page shows and what a code is issued for.
type Authorization struct {
	Client        store.Client
	RedirectURI   string   // where the response goes
	SentRedirect  bool     // redirect_uri was in the request (it must then be in the token request)
	Scope         string   // the scope to grant
	Resources     []string // the resource servers to grant (RFC 8707); none: the provider's own
	State         string
	CodeChallenge string
	Nonce         string
	// DPoPJKT is the DPoP key the code is bound to ([RFC 9449 Section 10]);
	// "" for none.
	//
	// [RFC 9449 Section 10]: https://www.rfc-editor.org/rfc/rfc9449#section-10
	DPoPJKT     string
	Prompt      []Prompt
	MaxAge      time.Duration // -1 when absent
	HintSubject string        // the sub of a valid id_token_hint: the only user who may approve; "" for any
	// Request is the request as it arrived: for a pushed request only
	// client_id and request_uri, which the login form carries on.
	Request   AuthorizationRequest
	UILocales string // the language of the pages: ui_locales, pushed or not
	// PushedRequest is the hash of the request_uri when the request was
	// pushed to the PAR endpoint ([RFC 9126 Section 2]), "" otherwise. The pushed
	// request is used up when the authorization ends.
	//
	// [RFC 9126 Section 2]: https://www.rfc-editor.org/rfc/rfc9126#section-2
	PushedRequest string
}

// OpenID reports whether this is an OpenID Connect request.
func (a *Authorization) OpenID() bool { return hasScope(a.Scope, ScopeOpenID) }

// PromptIncludes reports whether the prompt parameter holds value.
func (a *Authorization) PromptIncludes(value Prompt) bool { return slices.Contains(a.Prompt, value) }

// AuthorizationError is a failed authorization request. When RedirectURI is
// empty the error must be shown to the user and never redirected: "the
// authorization server SHOULD inform the resource owner of the error and MUST
// NOT automatically redirect the user-agent to the invalid redirection URI"
// ([RFC 6749 Section 4.1.2.1]). Otherwise it goes back to the client.
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
type AuthorizationError struct {
	*Error
	RedirectURI   string
	State         string
	PushedRequest string // as in Authorization: used up when the error is redirected
	UILocales     string // as in Authorization: the language of the error page
	// Client is the client the error goes back to; nil when it is not
	// redirected (RedirectURI is "").
	Client *store.Client
	// Mismatch is set when redirect_uri matched no registered one: what was
	// received and what is registered, for the error page to compare.
	Mismatch *RedirectMismatch
}

// RedirectMismatch is a redirect_uri that is not registered for the client,
// beside the ones that are. Registered redirect URIs are public: the
// client's own requests show them.
type RedirectMismatch struct {
	Received   string
	Registered []string
}

// Authorize validates an authorization request ([RFC 6749 Section 4.1.1]),
// sent through the browser or, by client_id and request_uri, pushed before
// to the PAR endpoint ([RFC 9126 Section 4]: "The authorization server MUST
// validate authorization requests arising from a pushed request as it would
// any other authorization request."). Errors are *AuthorizationError; the
// ones about client_id, a pushed request's request_uri and redirect_uri are
// checked first and are never redirected. A request_uri not of the PAR
// endpoint's form is one to fetch ([OIDC Core Section 6.2]): the request
// is checked as it came, and refused with request_uri_not_supported
// (checkUnsupported), redirected once its client and redirect URI are known.
//
// [RFC 6749 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
// [RFC 9126 Section 4]: https://www.rfc-editor.org/rfc/rfc9126#section-4
// [OIDC Core Section 6.2]: https://openid.net/specs/openid-connect-core-1_0.html#RequestUriParameter
func (p *Provider) Authorize(ctx context.Context, r AuthorizationRequest) (*Authorization, *AuthorizationError) {
	if !isPushedRequestURI(r.RequestURI) {
		return p.checkAuthorizationRequest(ctx, r, "")
	}
	pushed, err := p.pushedRequest(ctx, r)
	if err != nil {
		return nil, &AuthorizationError{Error: err}
	}
	a, aerr := p.checkAuthorizationRequest(ctx, pushed, HashSecret(r.RequestURI))
	if aerr != nil {
		return nil, aerr
	}
	a.Request = AuthorizationRequest{ClientID: r.ClientID, RequestURI: r.RequestURI}
	return a, nil
}

// checkAuthorizationRequest is the one function that decides whether an
// authorization request is valid, whichever way it arrived: at the
// authorization endpoint, or at the PAR endpoint (pushedHash is then the hash
// of its request_uri).
func (p *Provider) checkAuthorizationRequest(ctx context.Context, r AuthorizationRequest, pushedHash string) (*Authorization, *AuthorizationError) {
	tr := TraceFrom(ctx)
	client, redirectURI, err := p.checkClientAndRedirect(ctx, tr, r)
	if err != nil {
		e := &AuthorizationError{Error: err, UILocales: r.UILocales}
		if err.rule == ruleRedirectURIRegistered {
			e.Mismatch = &RedirectMismatch{Received: r.RedirectURI, Registered: client.RedirectURIs}
		}
		return nil, e
	}
	a := &Authorization{Client: client, RedirectURI: redirectURI, SentRedirect: r.RedirectURI != "",
		State: r.State, CodeChallenge: r.CodeChallenge, Nonce: r.Nonce, DPoPJKT: r.DPoPJKT, Request: r, PushedRequest: pushedHash,
		UILocales: r.UILocales}
	if err := p.checkRedirectable(tr, a, r); err != nil {
		return nil, a.errorResponse(err)
	}
	return a, nil
}

// The rules of the authorization request whose failure is shown to the user
// and never redirected ([RFC 6749 Section 3.1], [RFC 6749 Section 4.1.1],
// [RFC 6749 Section 3.1.2.3], [RFC 9700 Section 2.1], [OIDC Core Section 3.1.2.1]).
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
// [RFC 6749 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
// [RFC 6749 Section 3.1.2.3]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2.3
// [RFC 9700 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
var (
	ruleClientAndRedirectOnce = Rule{"client_id and redirect_uri are each sent at most once, as UTF-8 text", "RFC 6749 Section 3.1"}
	ruleClientIDPresent       = Rule{"the request carries client_id", "RFC 6749 Section 4.1.1"}
	ruleRedirectURIRegistered = Rule{"redirect_uri exactly matches one registered for the client", "RFC 9700 Section 2.1"}
	ruleRedirectURILoopback   = Rule{"a public client's loopback redirect_uri matches one registered but for its port", "RFC 8252 Section 7.3"}
	ruleRedirectURIForOpenID  = Rule{"an OpenID Connect request names its redirect_uri", "OIDC Core Section 3.1.2.1"}
	ruleRedirectURIImplied    = Rule{"without redirect_uri, the client has exactly one registered", "RFC 6749 Section 3.1.2.3"}
)

// checkClientAndRedirect finds the client and the redirect URI: the checks
// whose failure must not redirect. The client is returned with an unregistered
// redirect URI too, so the error page can show the registered ones.
func (p *Provider) checkClientAndRedirect(ctx context.Context, tr *Trace, r AuthorizationRequest) (store.Client, string, *Error) {
	if err := checkClientAndRedirectForm(tr, r); err != nil {
		return store.Client{}, "", err
	}
	if err := tr.Require(ruleClientIDPresent, r.ClientID != "", ErrInvalidRequest, "client_id is required"); err != nil {
		return store.Client{}, "", err
	}
	client, err := p.getClient(ctx, r.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, "", tr.Fail(ruleClientRegistered, ErrInvalidClient, "unknown client_id "+quoteShort(r.ClientID))
	}
	if refused, ok := documentClientError(err); ok {
		return store.Client{}, "", refused
	}
	if err != nil {
		return store.Client{}, "", ServerError(err)
	}
	tr.Check(ruleClientRegistered, true)
	redirectURI, rerr := chooseRedirectURI(tr, client, r.RedirectURI, hasScope(r.Scope, ScopeOpenID))
	return client, redirectURI, rerr
}

// checkClientAndRedirectForm applies ruleClientAndRedirectOnce and, to
// client_id and redirect_uri, ruleParameterLength: the form of the two
// parameters that decide where an error may go.
func checkClientAndRedirectForm(tr *Trace, r AuthorizationRequest) *Error {
	either := func(names []string) bool {
		return slices.Contains(names, "client_id") || slices.Contains(names, "redirect_uri")
	}
	switch {
	case either(r.Repeated):
		return tr.Fail(ruleClientAndRedirectOnce, ErrInvalidRequest, "client_id and redirect_uri must not be repeated")
	case either(r.NotText):
		return tr.Fail(ruleClientAndRedirectOnce, ErrInvalidRequest, "client_id and redirect_uri must be valid UTF-8 without NUL")
	}
	tr.Check(ruleClientAndRedirectOnce, true)
	if either(r.TooLong) {
		return tr.Fail(ruleParameterLength, ErrInvalidRequest, fmt.Sprintf("client_id and redirect_uri must be at most %d bytes each", maxParameterBytes))
	}
	return nil
}

// chooseRedirectURI implements [RFC 9700 Section 2.1]: "authorization servers MUST
// utilize exact string matching" of redirect URIs, with the one exception
// [RFC 9700 Section 4.1.3] makes, native apps' loopback URIs, whose port
// may vary (loopbackMatch). "If multiple redirection URIs have been registered … the
// client MUST include a redirection URI with the authorization request"
// ([RFC 6749 Section 3.1.2.3]); OpenID Connect requires it always
// ([OIDC Core Section 3.1.2.1]).
//
// [RFC 9700 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1
// [RFC 9700 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc9700#section-4.1.3
// [RFC 6749 Section 3.1.2.3]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2.3
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func chooseRedirectURI(tr *Trace, client store.Client, requested string, openID bool) (string, *Error) {
	if requested != "" {
		switch {
		case slices.Contains(client.RedirectURIs, requested):
			tr.Check(ruleRedirectURIRegistered, true)
		case client.Type == store.Public && loopbackMatch(client.RedirectURIs, requested):
			tr.Check(ruleRedirectURILoopback, true)
		default:
			return "", tr.Fail(ruleRedirectURIRegistered, ErrInvalidRequest, "redirect_uri is not registered for this client")
		}
		return requested, nil
	}
	if err := tr.Require(ruleRedirectURIForOpenID, !openID, ErrInvalidRequest, "redirect_uri is required in an OpenID Connect request"); err != nil {
		return "", err
	}
	if err := tr.Require(ruleRedirectURIImplied, len(client.RedirectURIs) == 1, ErrInvalidRequest,
		"redirect_uri is required: the client has no single registered one"); err != nil {
		return "", err
	}
	return client.RedirectURIs[0], nil
}

// loopbackMatch reports whether requested is a loopback redirect URI that
// differs from one of registered by its port alone. [RFC 8252 Section 7.3]:
// "The authorization server MUST allow any port to be specified at the
// time of the request for loopback IP redirect URIs, to accommodate clients
// that obtain an available ephemeral port from the operating system at the
// time of the request." Native apps are public clients
// ([RFC 8252 Section 8.4]), and only theirs get the exception; every other
// byte must match, so 127.0.0.1 and localhost (which [RFC 8252 Section 8.3]
// advises against, but RFC 9700 names) never stand in for each other.
//
// [RFC 8252 Section 7.3]: https://www.rfc-editor.org/rfc/rfc8252#section-7.3
// [RFC 8252 Section 8.4]: https://www.rfc-editor.org/rfc/rfc8252#section-8.4
// [RFC 8252 Section 8.3]: https://www.rfc-editor.org/rfc/rfc8252#section-8.3
func loopbackMatch(registered []string, requested string) bool {
	want, ok := withoutLoopbackPort(requested)
	if !ok {
		return false
	}
	for _, uri := range registered {
		if got, ok := withoutLoopbackPort(uri); ok && got == want {
			return true
		}
	}
	return false
}

// withoutLoopbackPort returns uri without its port when it is a loopback
// redirect URI, "http://" then 127.0.0.1, [::1] or localhost, then an
// optional port, then nothing or a path: the text is cut, never parsed and
// written back, so the rest compares byte for byte. The port, when it has
// digits, is one from 1 to 65535 (setting.ValidPort), the rule a
// registered redirect URI meets (checkRedirectURIAuthority): the "any
// port" of [RFC 8252 Section 7.3] is a port the app can listen on, and no
// app listens on port 0 or 99999.
//
// [RFC 8252 Section 7.3]: https://www.rfc-editor.org/rfc/rfc8252#section-7.3
func withoutLoopbackPort(uri string) (string, bool) {
	rest, ok := strings.CutPrefix(uri, "http://")
	if !ok {
		return "", false
	}
	for _, host := range []string{"127.0.0.1", "[::1]", "localhost"} {
		after, ok := strings.CutPrefix(rest, host)
		if !ok {
			continue
		}
		if port, ok := strings.CutPrefix(after, ":"); ok {
			after = strings.TrimLeft(port, "0123456789")
			if digits := strings.TrimSuffix(port, after); digits != "" && !setting.ValidPort(digits) {
				return "", false
			}
		}
		if after == "" || after[0] == '/' { // not 127.0.0.10, localhost.example or a userinfo's @
			return host + after, true
		}
	}
	return "", false
}

// checkRedirectable makes the checks whose errors go back to the client.
func (p *Provider) checkRedirectable(tr *Trace, a *Authorization, r AuthorizationRequest) *Error {
	if err := checkParameterForm(tr, r); err != nil {
		return err
	}
	if err := checkUnsupported(tr, r); err != nil {
		return err
	}
	if err := requirePushed(tr, a.Client, a.PushedRequest); err != nil {
		return err
	}
	if err := checkResponseType(tr, a.Client, r.ResponseType); err != nil {
		return err
	}
	scope, err := resolveScope(tr, r.Scope, a.Client.Scopes, a.Client.DefaultScope)
	if err != nil {
		return err
	}
	a.Scope = scope
	if a.Resources, err = p.checkResources(tr, r.Resources); err != nil {
		return err
	}
	if err := checkCodeChallenge(tr, a.Client, r.CodeChallenge, r.CodeChallengeMethod); err != nil {
		return err
	}
	if a.Prompt, err = parsePrompt(tr, r.Prompt); err != nil {
		return err
	}
	if a.MaxAge, err = parseMaxAge(tr, r.MaxAge); err != nil {
		return err
	}
	if a.HintSubject, err = p.hintedSubject(tr, r.IDTokenHint); err != nil {
		return err
	}
	return checkDPoPJKT(tr, r.DPoPJKT)
}

// checkParameterForm applies ruleAuthorizationParameterOnce, then
// ruleParameterLength, to every parameter.
func checkParameterForm(tr *Trace, r AuthorizationRequest) *Error {
	if len(r.Repeated) > 0 {
		return tr.Fail(ruleAuthorizationParameterOnce, ErrInvalidRequest, "parameter "+r.Repeated[0]+" is repeated")
	}
	if len(r.NotText) > 0 {
		return tr.Fail(ruleAuthorizationParameterOnce, ErrInvalidRequest, "parameter "+r.NotText[0]+" "+notText(r.value(r.NotText[0])))
	}
	tr.Check(ruleAuthorizationParameterOnce, true)
	if len(r.TooLong) > 0 {
		return tr.Fail(ruleParameterLength, ErrInvalidRequest, fmt.Sprintf("parameter %s is longer than %d bytes", r.TooLong[0], maxParameterBytes))
	}
	tr.Check(ruleParameterLength, true)
	return nil
}

// The rules of id_token_hint in an authorization request
// ([OIDC Core Section 3.1.2.1]): "ID Token previously issued by the
// Authorization Server being passed as a hint about the End-User's current
// or past authenticated session with the Client. If the End-User identified
// by the ID Token is logged in or is logged in by the request, then the
// Authorization Server returns a positive response; otherwise, it SHOULD
// return an error, such as login_required."
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
var (
	ruleAuthorizeHintIssued = Rule{"an id_token_hint of the authorization request is an ID token this provider issued (signature, iss; it may have expired)", "OIDC Core Section 3.1.2.1"}
	ruleHintedUser          = Rule{"the user who approves is the one the id_token_hint names", "OIDC Core Section 3.1.2.1"}
)

// hintedSubject returns the user an id_token_hint names, under
// ruleAuthorizeHintIssued; "" without a hint.
func (p *Provider) hintedSubject(tr *Trace, hint string) (string, *Error) {
	if hint == "" {
		return "", nil
	}
	claims, err := p.verifyIDTokenHint(tr, ruleAuthorizeHintIssued, hint)
	return claims.Subject, err
}

// checkHintedUser applies ruleHintedUser to the user about to be issued a
// code: with prompt=none the one signed in, else the one who signed in or
// approved through the login form.
func (a *Authorization) checkHintedUser(ctx context.Context, userID string) *AuthorizationError {
	if a.HintSubject == "" {
		return nil
	}
	if !TraceFrom(ctx).Check(ruleHintedUser, userID == a.HintSubject) {
		return a.Refuse(ErrLoginRequired, "the signed-in user is not the one the id_token_hint names")
	}
	return nil
}

// hintAllows reports whether userID may approve this request: there is no
// id_token_hint, or it names that user. Another user signed in must sign in
// as the hinted one (ruleHintedUser).
func (a *Authorization) hintAllows(userID string) bool {
	return a.HintSubject == "" || a.HintSubject == userID
}

// ruleAuthorizationParameterOnce: "Request and response parameters MUST
// NOT be included more than once" ([RFC 6749 Section 3.1]), for the
// parameters of params(): resource may be repeated ([RFC 8707 Section 2]),
// and the others are not looked at ("The authorization server MUST ignore
// unrecognized request parameters"), so the rule's text says no more.
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
var ruleAuthorizationParameterOnce = Rule{"each parameter this endpoint reads, resource aside, is sent at most once, as UTF-8 text (others are ignored)", "RFC 6749 Section 3.1"}

// The rules that refuse, rather than ignore, the features of the
// authorization request this provider does not implement: request objects
// ([OIDC Core Section 6]: "request_not_supported"); request objects by
// reference, a request_uri to fetch ([OIDC Core Section 6.2]: "Should an
// OP not support this parameter and an RP uses it, the OP MUST return the
// request_uri_not_supported error."); and the response modes of
// [OIDC Multiple Response Types Section 2.1] other than query, the default
// of response_type code. A request_uri of the PAR endpoint's form never
// gets here: Authorize resolves it into the pushed request, which carries
// none (PushAuthorizationRequest refuses one).
//
// [OIDC Core Section 6]: https://openid.net/specs/openid-connect-core-1_0.html#JWTRequests
// [OIDC Core Section 6.2]: https://openid.net/specs/openid-connect-core-1_0.html#RequestUriParameter
// [OIDC Multiple Response Types Section 2.1]: https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseModes
var (
	ruleNoRequestObject   = Rule{"no request object (request objects are not supported)", "OIDC Core Section 6"}
	ruleNoRequestURIFetch = Rule{"no request_uri to fetch (only the PAR endpoint's are supported)", "OIDC Core Section 6.2"}
	ruleResponseModeQuery = Rule{"response_mode, if sent, is query (the others are not supported)", "OIDC Multiple Response Types Section 2.1"}
)

// checkUnsupported applies ruleNoRequestObject, ruleNoRequestURIFetch, then
// ruleResponseModeQuery.
func checkUnsupported(tr *Trace, r AuthorizationRequest) *Error {
	if err := tr.Require(ruleNoRequestObject, r.Request == "", ErrRequestNotSupported, "request objects are not supported"); err != nil {
		return err
	}
	if err := tr.Require(ruleNoRequestURIFetch, r.RequestURI == "", ErrRequestURINotSupported,
		"request_uri is supported only as issued by this provider's PAR endpoint: it is never fetched"); err != nil {
		return err
	}
	return tr.Require(ruleResponseModeQuery, r.ResponseMode == "" || r.ResponseMode == "query", ErrInvalidRequest, "only response_mode=query is supported")
}

// rulePushedRequired is the rule requirePushed applies: a client
// registered with require_pushed_authorization_requests sends its
// authorization requests through the PAR endpoint only.
var rulePushedRequired = Rule{"a client that must use PAR sent a pushed request_uri", "RFC 9126 Section 4"}

// requirePushed applies [RFC 9126 Section 4]: "Authorization server policy
// MAY dictate, either globally or on a per-client basis, that PAR be the only
// means for a client to pass authorization request data. In this case, the
// authorization server will refuse, using the invalid_request error code, to
// process any request to the authorization endpoint that does not have a
// request_uri parameter with a value obtained from the PAR endpoint."
//
// [RFC 9126 Section 4]: https://www.rfc-editor.org/rfc/rfc9126#section-4
func requirePushed(tr *Trace, client store.Client, pushedHash string) *Error {
	if !client.RequirePushedAuthorizationRequests {
		return nil
	}
	return tr.Require(rulePushedRequired, pushedHash != "", ErrInvalidRequest, "this client must push its authorization requests to the PAR endpoint")
}

// The rules of response_type ([RFC 6749 Section 4.1.1],
// [RFC 9700 Section 2.1.2]): only "code"; the implicit grant and the
// hybrid flows are not supported ("clients SHOULD NOT use the implicit
// grant"). A response_type other than "code" is unsupported_response_type
// ([RFC 6749 Section 4.1.2.1]): "The authorization server does not support
// obtaining an authorization code using this method."
//
// [RFC 6749 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
// [RFC 9700 Section 2.1.2]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
var (
	ruleResponseTypePresent = Rule{"the request carries response_type", "RFC 6749 Section 4.1.1"}
	ruleResponseTypeCode    = Rule{"response_type is code (the implicit and hybrid flows are not supported)", "RFC 9700 Section 2.1.2"}
	ruleClientMayUseCode    = Rule{"the client is registered for the authorization code grant", "RFC 6749 Section 4.1.2.1"}
)

// checkResponseType applies the rules of response_type.
func checkResponseType(tr *Trace, client store.Client, responseType string) *Error {
	if err := tr.Require(ruleResponseTypePresent, responseType != "", ErrInvalidRequest, "response_type is required"); err != nil {
		return err
	}
	if err := tr.Require(ruleResponseTypeCode, responseType == "code", ErrUnsupportedResponseType, "only response_type=code is supported"); err != nil {
		return err
	}
	return tr.Require(ruleClientMayUseCode, hasGrantType(client.GrantTypes, GrantTypeAuthorizationCode),
		ErrUnauthorizedClient, "the client is not registered for the authorization code grant")
}

// ruleDPoPJKTForm is the form of the dpop_jkt parameter ([RFC 9449 Section 10]).
//
// [RFC 9449 Section 10]: https://www.rfc-editor.org/rfc/rfc9449#section-10
var ruleDPoPJKTForm = Rule{"dpop_jkt is a JWK SHA-256 thumbprint (43 base64url characters)", "RFC 9449 Section 10"}

// checkDPoPJKT checks the form of the dpop_jkt authorization request
// parameter: "The value of the dpop_jkt authorization request parameter is
// the JWK Thumbprint [RFC7638] of the proof-of-possession public key using
// the SHA-256 hash function" ([RFC 9449 Section 10]), 43 base64url
// characters. The code issued is then bound to that key.
//
// [RFC 9449 Section 10]: https://www.rfc-editor.org/rfc/rfc9449#section-10
func checkDPoPJKT(tr *Trace, jkt string) *Error {
	if jkt == "" {
		return nil
	}
	return tr.Require(ruleDPoPJKTForm, isSHA256Base64URL(jkt), ErrInvalidRequest,
		"dpop_jkt must be a JWK SHA-256 thumbprint: 43 base64url characters")
}
