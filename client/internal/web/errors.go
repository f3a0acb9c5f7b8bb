package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/client/internal/xray"
	"github.com/oauth-reference/provider/service"
)

// errorView is the content of the error page.
type errorView struct {
	Title   string
	Message string
	Detail  string // what a library or the provider said, shown as it is after Message
	// Code and Description are the OAuth error ([RFC 6749 Section 4.1.2.1],
	// [RFC 6749 Section 5.2]) when there is one.
	//
	// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
	// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
	Code        string
	Description string
	Rule        string   // the rule that applies, quoted from its RFC
	Causes      []string // what most often leads to this error: what to check
	Retry       bool     // offer to log in again
	Walk        walkView // the hops that led here, the failed one last
}

// renderError writes the error page.
func (a *App) renderError(c *gin.Context, status int, e errorView) {
	if e.Code != "" {
		service.Note(c, "error", e.Code) // the OAuth error code, on the request's log line
	}
	a.render(c, status, "error.html", e.Title, e)
}

// pageError is an error that carries the page explaining it to the user.
// Its cause, if any, is logged, never shown beyond what the view says.
type pageError struct {
	status int
	view   errorView
	cause  error
}

// Error returns the page title and the cause, for the log.
func (e *pageError) Error() string {
	if e.cause != nil {
		return "web: " + e.view.Title + ": " + e.cause.Error()
	}
	return "web: " + e.view.Title
}

// Unwrap returns the cause.
func (e *pageError) Unwrap() error { return e.cause }

// pageErr returns a *pageError.
func pageErr(status int, v errorView) *pageError {
	return &pageError{status: status, view: v}
}

// withCause records the underlying error for the log.
func (e *pageError) withCause(err error) *pageError {
	e.cause = err
	return e
}

// renderFailure writes the page of err with the walk that led to it: the
// hops so far, the failed one last, with the provider's trace when there is
// one.
func (a *App) renderFailure(c *gin.Context, err error, walk *xray.Walk) {
	var pe *pageError
	if errors.As(err, &pe) {
		pe.view.Walk = a.viewWalk(c.Request.Context(), walk)
	}
	a.renderPageError(c, err)
}

// renderPageError writes the page of a *pageError, and a generic 500 for
// any other error.
func (a *App) renderPageError(c *gin.Context, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		a.renderInternalError(c, "handling the request", err)
		return
	}
	if a.visitorHungUp(c, pe.status) {
		return
	}
	if pe.cause != nil { // shortened: a cause may quote whatever the provider sent
		a.log.WarnContext(c.Request.Context(), pe.view.Title, "route", c.FullPath(), "err", wirelog.Shorten(pe.cause.Error()))
	}
	a.renderError(c, pe.status, pe.view)
}

// renderInternalError logs err and writes a generic 500 page.
func (a *App) renderInternalError(c *gin.Context, doing string, err error) {
	if a.visitorHungUp(c, http.StatusInternalServerError) {
		return
	}
	a.log.ErrorContext(c.Request.Context(), doing, "err", err)
	a.renderError(c, http.StatusInternalServerError, errorView{Title: "Internal error", Message: a.lang(c).T("Something went wrong %s. The details are in the client's log.", a.lang(c).T(doing))})
}

// visitorHungUp reports whether a page that failed with status, a 5xx,
// failed because its visitor hung up (service.CallerHungUp): a call to the
// provider canceled with the visitor's request, which is neither the
// provider's failing nor the client's. It is then logged at info, not
// warned of, and the request is answered, to no one,
// service.StatusClientClosedRequest (499), which its log line and
// http_requests_total record, as the provider records its own callers'.
func (a *App) visitorHungUp(c *gin.Context, status int) bool {
	ctx := c.Request.Context()
	if status < http.StatusInternalServerError || !service.CallerHungUp(ctx) {
		return false
	}
	a.log.InfoContext(ctx, "request canceled by the caller", "route", c.FullPath())
	c.AbortWithStatus(service.StatusClientClosedRequest)
	return true
}

// grantType is the grant of a token request: what its errors most often
// mean depends on it.
type grantType string

// The grants this client's pages request tokens with: the authorization
// code ([RFC 6749 Section 4.1.3]), the refresh token ([RFC 6749 Section 6]),
// the device code ([RFC 8628 Section 3.4]) and the client credentials
// ([RFC 6749 Section 4.4.2]).
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
// [RFC 8628 Section 3.4]: https://www.rfc-editor.org/rfc/rfc8628#section-3.4
// [RFC 6749 Section 4.4.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
const (
	codeGrant        grantType = "authorization_code"
	refreshGrant     grantType = "refresh_token"
	deviceGrant      grantType = "urn:ietf:params:oauth:grant-type:device_code"
	credentialsGrant grantType = "client_credentials"
)

// tokenRequestError explains a failed token request of grant: the OAuth
// error of [RFC 6749 Section 5.2] when the provider sent one, with the
// causes that fit that grant, else the failure.
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func tokenRequestError(title string, grant grantType, err error) *pageError {
	v := errorView{Title: title, Retry: true}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		v.Code, v.Description = wirelog.Shorten(re.ErrorCode), wirelog.Shorten(re.ErrorDescription)
		v.Message = "The provider's token endpoint refused the request."
		v.explain(tokenErrors, grant)
		return pageErr(http.StatusBadRequest, v).withCause(err)
	}
	v.Message, v.Detail = "The provider's token endpoint could not be reached or gave an unusable answer:", wirelog.Shorten(err.Error())
	v.Causes = unreachableCauses
	return pageErr(http.StatusBadGateway, v).withCause(err)
}

// errorRule explains an OAuth error code to the user: its definition,
// quoted from the RFC, and what most often produces it.
type errorRule struct {
	Quote  string   // the definition, with its section
	Causes []string // what to check, most likely first
	// ByGrant are the causes that depend on the grant of the request,
	// shown before Causes.
	ByGrant map[grantType][]string
}

// explain sets the view's rule and causes from rules, by the view's code
// and the grant of the request ("" when it had none).
func (v *errorView) explain(rules map[string]errorRule, grant grantType) {
	r := rules[v.Code]
	v.Rule, v.Causes = r.Quote, append(slices.Clone(r.ByGrant[grant]), r.Causes...)
}

// authorizationErrors explain the error codes of [RFC 6749 Section 4.1.2.1],
// each by its definition.
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
var authorizationErrors = map[string]errorRule{
	"invalid_request":           {Quote: `RFC 6749 Section 4.1.2.1: "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."`},
	"unauthorized_client":       {Quote: `RFC 6749 Section 4.1.2.1: "The client is not authorized to request an authorization code using this method."`},
	"access_denied":             {Quote: `RFC 6749 Section 4.1.2.1: "The resource owner or authorization server denied the request."`},
	"unsupported_response_type": {Quote: `RFC 6749 Section 4.1.2.1: "The authorization server does not support obtaining an authorization code using this method."`},
	"invalid_scope":             {Quote: `RFC 6749 Section 4.1.2.1: "The requested scope is invalid, unknown, or malformed."`},
	"server_error":              {Quote: `RFC 6749 Section 4.1.2.1: "The authorization server encountered an unexpected condition that prevented it from fulfilling the request."`},
	"temporarily_unavailable":   {Quote: `RFC 6749 Section 4.1.2.1: "The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server."`},
}

// tokenErrors explain the error codes of [RFC 6749 Section 5.2]: each one's
// definition, and what most often produces it, so a failed step (D) says
// what to check.
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
var tokenErrors = map[string]errorRule{
	"invalid_request": {
		Quote: `RFC 6749 Section 5.2: "The request is missing a required parameter, includes an unsupported parameter value (other than grant type), repeats a parameter, includes multiple credentials, utilizes more than one mechanism for authenticating the client, or is otherwise malformed."`,
		ByGrant: map[grantType][]string{
			codeGrant:    {"A required parameter is missing (code, redirect_uri, code_verifier) or one appears twice (RFC 6749 Section 3.2)."},
			refreshGrant: {"The refresh_token parameter is missing or appears twice (RFC 6749 Section 6, RFC 6749 Section 3.2)."},
		},
		Causes: []string{"The body is not application/x-www-form-urlencoded, or was sent with GET (RFC 6749 Section 3.2)."},
	},
	"invalid_client": {
		Quote: `RFC 6749 Section 5.2: "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."`,
		Causes: []string{
			"CLIENT_ID or CLIENT_SECRET differ between the client and the provider: both processes read them from the environment or .env.",
			`HTTP Basic client authentication (RFC 6749 Section 2.3.1) sends Authorization: Basic base64(urlencode(client_id) ":" urlencode(client_secret)). A client that forgets to form-encode the id and secret first fails with any secret holding characters such as +, the percent sign or a colon.`,
			"The client authenticated with a method it did not register (client_secret_basic or client_secret_post), or with two methods at once (RFC 6749 Section 2.3).",
		},
	},
	"invalid_grant": {
		Quote: `RFC 6749 Section 5.2: "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."`,
		ByGrant: map[grantType][]string{
			codeGrant: {
				"The code was already redeemed: a code is single use, and a second attempt also revokes the tokens of the first (RFC 6749 Section 4.1.2). A reloaded or replayed callback does this.",
				"The code expired: the provider's codes live a few minutes at most (RFC 6749 Section 4.1.2).",
				"The code_verifier does not hash to the code_challenge sent in (A) (RFC 7636 Section 4.6): the verifier in the session is not the one of this login.",
				"The redirect_uri differs from the one in (A) (RFC 6749 Section 4.1.3), or the code was issued to another client.",
			},
			refreshGrant: {
				"The refresh token was used already: each refresh retires it for a new one, and presenting a retired one revokes the whole grant (RFC 9700 Section 4.14.2). A refresh sent twice, from two tabs, does this.",
				"The refresh token was revoked: by a logout (RFC 7009 Section 2.1), or with its whole grant after a reused authorization code (RFC 6749 Section 4.1.2) or refresh token, as the attack lab's code-replay and refresh-reuse do.",
				"The refresh token expired: the provider's refresh tokens live REFRESH_TOKEN_TTL, 30 days unless set otherwise (RFC 9700 Section 4.14.2).",
				"The refresh token was issued to another client: the provider checks that a refresh token comes from the client it was issued to (RFC 6749 Section 10.4).",
			},
		},
	},
	"unauthorized_client": {
		Quote:  `RFC 6749 Section 5.2: "The authenticated client is not authorized to use this authorization grant type."`,
		Causes: []string{"The client is not registered for this grant type: the provider's registration lists the grants each client may use."},
	},
	"unsupported_grant_type": {
		Quote:  `RFC 6749 Section 5.2: "The authorization grant type is not supported by the authorization server."`,
		Causes: []string{"The grant_type is misspelt or not offered by this provider; its metadata lists grant_types_supported (RFC 8414 Section 2)."},
	},
	"invalid_scope": {
		Quote:  `RFC 6749 Section 5.2: "The requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner."`,
		Causes: []string{"The scope asks for more than the grant holds, or names a scope the provider does not know (RFC 6749 Section 3.3)."},
	},
}

// unreachableCauses name what to check when the token endpoint did not
// answer with an OAuth error.
var unreachableCauses = []string{
	"The provider is not running, or the client reaches it at the wrong address: the back channel uses AUTH_SERVER_INTERNAL when set, else AUTH_SERVER.",
	"Something between the client and the provider (a proxy) answered instead of the provider.",
}
