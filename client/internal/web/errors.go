package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"
)

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

// renderPageError writes the page of a *pageError, and a generic 500 for
// any other error.
func (a *App) renderPageError(c *gin.Context, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		a.renderInternalError(c, "handling the request", err)
		return
	}
	if pe.cause != nil {
		a.log.Warn(pe.view.Title, "route", c.FullPath(), "err", pe.cause)
	}
	a.renderError(c, pe.status, pe.view)
}

// tokenRequestError explains a failed token request: the OAuth error of
// [RFC 6749 Section 5.2] when the provider sent one, else the failure.
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func tokenRequestError(title string, err error) *pageError {
	v := errorView{Title: title, Retry: true}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		v.Code, v.Description = re.ErrorCode, re.ErrorDescription
		v.Message = "The provider's token endpoint refused the request."
		v.Rule = tokenErrorRules[re.ErrorCode]
		return pageErr(http.StatusBadRequest, v).withCause(err)
	}
	v.Message = "The provider's token endpoint could not be reached or gave an unusable answer: " + err.Error()
	return pageErr(http.StatusBadGateway, v).withCause(err)
}

// tokenErrorRules quote the error codes of [RFC 6749 Section 5.2].
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
var tokenErrorRules = map[string]string{
	"invalid_request":        `RFC 6749 Section 5.2: "The request is missing a required parameter, includes an unsupported parameter value (other than grant type), repeats a parameter, includes multiple credentials, utilizes more than one mechanism for authenticating the client, or is otherwise malformed."`,
	"invalid_client":         `RFC 6749 Section 5.2: "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."`,
	"invalid_grant":          `RFC 6749 Section 5.2: "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."`,
	"unauthorized_client":    `RFC 6749 Section 5.2: "The authenticated client is not authorized to use this authorization grant type."`,
	"unsupported_grant_type": `RFC 6749 Section 5.2: "The authorization grant type is not supported by the authorization server."`,
	"invalid_scope":          `RFC 6749 Section 5.2: "The requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner."`,
}
