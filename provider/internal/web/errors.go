package web

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/service"
)

// statusOf is the one table from protocol error to HTTP status
// ([RFC 6749 Section 5.2], [RFC 6750 Section 3.1]).
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func statusOf(code oauth.ErrorCode) int {
	switch code {
	case oauth.ErrInvalidClient, oauth.ErrInvalidToken:
		return http.StatusUnauthorized
	case oauth.ErrInsufficientScope:
		return http.StatusForbidden
	case oauth.ErrServerError:
		return http.StatusInternalServerError
	case oauth.ErrTemporarilyUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusBadRequest
	}
}

// resourceStatus is statusOf for a refused resource request, where the two
// DPoP errors are 401, not 400: invalid_dpop_proof is an error of the DPoP
// challenge, "made using the 401 (Unauthorized) response status code"
// ([RFC 9449 Section 7.1]: "invalid_dpop_proof is used to indicate that the
// DPoP proof itself was deemed invalid"), and so is use_dpop_nonce
// ([RFC 9449 Section 9]: "Resource servers use an HTTP 401 (Unauthorized)
// error code with an accompanying WWW-Authenticate: DPoP value and
// DPoP-Nonce value").
//
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 9449 Section 9]: https://www.rfc-editor.org/rfc/rfc9449#section-9
func resourceStatus(code oauth.ErrorCode) int {
	if code == oauth.ErrInvalidDPoPProof || code == oauth.ErrUseDPoPNonce {
		return http.StatusUnauthorized
	}
	return statusOf(code)
}

// errorBody is the JSON error response of [RFC 6749 Section 5.2].
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
type errorBody struct {
	Error       oauth.ErrorCode `json:"error"`
	Description string          `json:"error_description,omitempty"`
}

// MarshalJSON writes the body with its description as the protocol allows
// it (oauth.DescriptionValue), whoever built it.
func (b errorBody) MarshalJSON() ([]byte, error) {
	type plain errorBody
	b.Description = oauth.DescriptionValue(b.Description)
	return json.Marshal(plain(b))
}

// writeError writes a protocol error as JSON, with the status errorStatus
// gives it.
func (s *Server) writeError(c *gin.Context, err *oauth.Error) {
	s.writeErrorStatus(c, errorStatus(err), err)
}

// errorStatus is statusOf for a whole error: a refusal over one of the
// limits (RetryAfter) is 429 Too Many Requests ([RFC 6585 Section 4]),
// whatever its code.
//
// [RFC 6585 Section 4]: https://www.rfc-editor.org/rfc/rfc6585#section-4
func errorStatus(err *oauth.Error) int {
	if err.RetryAfter > 0 {
		return http.StatusTooManyRequests
	}
	return statusOf(err.Code)
}

// clientChallenge is the challenge of an invalid_client answer, whichever
// way the client authenticated. "The server generating a 401 response MUST
// send a WWW-Authenticate header field [...] containing at least one challenge
// applicable to the target resource" ([RFC 9110 Section 15.5.2]); "If the
// client attempted to authenticate via the "Authorization" request header
// field, the authorization server MUST respond with an HTTP 401
// (Unauthorized) status code and include the "WWW-Authenticate" response
// header field matching the authentication scheme used by the client", and
// any other invalid_client 401 is "to indicate which HTTP authentication
// schemes are supported" ([RFC 6749 Section 5.2]). Basic is the one HTTP
// authentication scheme an endpoint that authenticates clients takes:
// client_secret_post and private_key_jwt send their credentials in the
// body, under no scheme.
//
// [RFC 9110 Section 15.5.2]: https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
const clientChallenge = `Basic realm="oauth", charset="UTF-8"`

// writeErrorStatus is writeError with the HTTP status given, for the
// endpoints whose specification names another status for an error than
// statusOf's. An invalid_client answer carries clientChallenge.
func (s *Server) writeErrorStatus(c *gin.Context, status int, err *oauth.Error) {
	if s.refused(c, err) {
		return
	}
	if err.Code == oauth.ErrInvalidClient {
		c.Header("WWW-Authenticate", clientChallenge)
	}
	setDPoPNonce(c, err.DPoPNonce)
	setNoStore(c)
	c.AbortWithStatusJSON(status, errorBody{Error: err.Code, Description: err.Description})
}

// writeResourceError answers a request to a resource that failed the
// bearer check ([RFC 6750 Section 3]): "If the protected resource request
// does not include authentication credentials or does not contain an
// access token that enables access to the protected resource, the resource
// server MUST include the HTTP "WWW-Authenticate" response header field".
// The challenge names challengeScope, the scope the resource needs, with
// or without an error code, unless no scope would help
// (resourceChallengeParams), and the resource's
// metadata ([RFC 9728 Section 5.1]), so a client that met this resource
// first can find its authorization server.
//
// The provider's resources take DPoP too ([RFC 9449 Section 7.1]). scheme
// is the one the request used (oauth.ParseResourceRequest), "" when it
// was refused before that was established. "If the mechanism used to attempt
// authentication could be established unambiguously, then the
// corresponding challenge SHOULD be used to deliver error information"
// ([RFC 9449 Section 7.2]): the DPoP scheme gets the DPoP challenge, with a
// fresh DPoP-Nonce when one is needed; any other request gets the Bearer
// challenge followed by "DPoP algs=…", so the client learns both schemes.
//
// [RFC 6750 Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
// [RFC 9728 Section 5.1]: https://www.rfc-editor.org/rfc/rfc9728#section-5.1
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 9449 Section 7.2]: https://www.rfc-editor.org/rfc/rfc9449#section-7.2
func (s *Server) writeResourceError(c *gin.Context, err *oauth.Error, scheme, challengeScope string) {
	params := s.resourceChallengeParams(err, challengeScope)
	if scheme == oauth.TokenTypeDPoP && !err.NoCredentials {
		c.Header("WWW-Authenticate", dpopChallenge(err)+", "+params)
		s.writeErrorStatus(c, resourceStatus(err.Code), err)
		return
	}
	s.writeBearerError(c, err, ", "+params+", "+dpopChallenge(nil))
}

// resourceChallengeParams are the attributes of a resource's challenge
// beside the error code: the scope the resource needs
// ([RFC 6750 Section 3]: "The "scope" attribute [...] indicating the
// required scope of the access token for accessing the requested
// resource", which [RFC 9449 Section 7.1] keeps for the DPoP scheme),
// left out when no scope would lift the refusal err (err.NoScopeHelps),
// and resource_metadata, the URL of its metadata ([RFC 9728 Section 5.1]).
//
// [RFC 6750 Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 9728 Section 5.1]: https://www.rfc-editor.org/rfc/rfc9728#section-5.1
func (s *Server) resourceChallengeParams(err *oauth.Error, scope string) string {
	metadata := `resource_metadata="` + s.p.ProtectedResourceMetadataURL() + `"`
	if err.NoScopeHelps {
		return metadata
	}
	return `scope="` + scope + `", ` + metadata
}

// writeBearerError answers a request whose Bearer token failed, with a
// challenge of [RFC 6750 Section 3] followed by extra. A request with no
// credentials at all (err.NoCredentials) gets the bare challenge and an
// empty body, as in the example of [RFC 6750 Section 3]: "If the request
// lacks any authentication information [...], the resource server SHOULD
// NOT include an error code or other error information"
// ([RFC 6750 Section 3.1]); its trace still names the rule it broke.
//
// [RFC 6750 Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func (s *Server) writeBearerError(c *gin.Context, err *oauth.Error, extra string) {
	challenge := `Bearer realm="` + s.p.Config.Issuer + `"`
	if err.NoCredentials {
		oauth.TraceFrom(c.Request.Context()).Refused(err)
		c.Header("WWW-Authenticate", challenge+extra)
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	c.Header("WWW-Authenticate", challenge+", "+challengeError(err)+extra)
	s.writeError(c, err)
}

// challengeError is the error and error_description attributes of a
// WWW-Authenticate challenge ([RFC 6750 Section 3]), Bearer or DPoP; the
// description is written as oauth.DescriptionValue allows, without a double
// quote or a backslash, so the quoted string stays whole.
//
// [RFC 6750 Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
func challengeError(err *oauth.Error) string {
	return fmt.Sprintf(`error="%s", error_description="%s"`, err.Code, oauth.DescriptionValue(err.Description))
}

// renderError shows the user an error page for a request refused with
// err, with status, where a page is the only answer: an authorization
// request whose client or redirect URI cannot be trusted, which must not
// be redirected ([RFC 6749 Section 4.1.2.1]), a logout request, or a
// sign-in form sent from another site (403). A server fault's page has its
// own status (renderErrorPage).
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
func (s *Server) renderError(c *gin.Context, status int, err *oauth.Error) {
	s.renderErrorPage(c, status, newErrorPage(err))
}

// renderFault shows the error page of a failure that is the server's, not
// the request's (oauth.ServerError: 500, or 503 when the store cannot be
// reached).
func (s *Server) renderFault(c *gin.Context, cause error) {
	err := oauth.ServerError(cause)
	s.renderError(c, statusOf(err.Code), err)
}

// renderErrorPage renders an error page built by newErrorPage with status,
// the status of a refusal (400, 403). The page of a server fault has
// statusOf's status (500, 503) whatever status says: a caller that may
// hold either, as the authorization endpoint's error page does, need not
// tell them apart.
func (s *Server) renderErrorPage(c *gin.Context, status int, page errorPage) {
	if s.refused(c, page.Error) {
		return
	}
	if page.ServerFault() {
		status = statusOf(page.Code)
	}
	s.render(c, status, "error.html", page)
}

// refused ends the request's trace with err (teaching mode) and notes it
// for the log and the metrics. A request refused over a limit, or because
// the store could not be reached, is told when to try again. It reports
// whether the caller hung up instead (callerHungUp): the request is then
// answered already, and the refusal must not be written.
func (s *Server) refused(c *gin.Context, err *oauth.Error) (hungUp bool) {
	if s.callerHungUp(c, err) {
		return true
	}
	oauth.TraceFrom(c.Request.Context()).Refused(err)
	s.noteError(c, err)
	switch {
	case err.RetryAfter > 0:
		setRetryAfter(c, err.RetryAfter)
	case err.Code == oauth.ErrTemporarilyUnavailable && err.ServerFault():
		setRetryAfter(c, oauth.StoreRetryAfter)
	}
	return false
}

// callerHungUp reports whether err, a server fault, followed the caller
// hanging up (service.CallerHungUp): a database query canceled with the
// request, say. That is no server fault: it is logged at info, the trace
// says so (outcomeHungUp), and the request is answered, to no one,
// service.StatusClientClosedRequest (499), which its log line and
// http_requests_total record. It is no server_error, in the log line or in
// oauth_token_errors_total: anyone can hang up, as often as they like.
func (s *Server) callerHungUp(c *gin.Context, err *oauth.Error) bool {
	ctx := c.Request.Context()
	if !err.ServerFault() || !service.CallerHungUp(ctx) {
		return false
	}
	s.log.InfoContext(ctx, "request canceled by the caller", "route", c.FullPath())
	if tr := oauth.TraceFrom(ctx); tr != nil {
		tr.Outcome = outcomeHungUp
	}
	c.AbortWithStatus(service.StatusClientClosedRequest)
	return true
}

// setRetryAfter tells a client over a rate limit when to try again
// ([RFC 9110 Section 10.2.3]), in whole seconds rounded up.
//
// [RFC 9110 Section 10.2.3]: https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
func setRetryAfter(c *gin.Context, d time.Duration) {
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
}

// writeLimitedError answers with status the refusal of a JSON endpoint
// that has one of the limits, as writeErrorStatus does; a refusal over the
// limit (oauth.Error.RetryAfter: 429 by errorStatus) is logged and counted
// under limit.
func (s *Server) writeLimitedError(c *gin.Context, limit rateLimit, status int, err *oauth.Error) {
	if err.RetryAfter > 0 {
		s.rateLimited(c, limit)
	}
	s.writeErrorStatus(c, status, err)
}

// errNotFound is the error of a path no route takes. It is not an OAuth
// error code: no endpoint answered.
const errNotFound oauth.ErrorCode = "not_found"

// handleNotFound answers unknown paths with 404: the error page to a
// browser (acceptsHTML), in its language, and JSON to any other caller.
func (s *Server) handleNotFound(c *gin.Context) {
	c.Writer.Header().Add("Vary", "Accept")
	err := oauth.NewError(errNotFound, "no such endpoint")
	if acceptsHTML(c.Request.Header.Values("Accept")) {
		protectPage(c) // a page, as every other
		s.render(c, http.StatusNotFound, "error.html", errorPage{Error: err, Check: msgCheckAddress})
		return
	}
	c.AbortWithStatusJSON(http.StatusNotFound, errorBody{Error: err.Code, Description: err.Description})
}

// acceptsHTML reports whether the Accept header (its values) names
// text/html with a quality above 0 ([RFC 9110 Section 12.5.1]), as a
// browser's navigation does. An API client's */* or application/json
// does not.
//
// [RFC 9110 Section 12.5.1]: https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1
func acceptsHTML(accept []string) bool {
	for _, value := range accept {
		for _, r := range strings.Split(value, ",") {
			mediaType, params, err := mime.ParseMediaType(r)
			if err != nil || mediaType != "text/html" {
				continue
			}
			q, err := strconv.ParseFloat(cmp.Or(params["q"], "1"), 64)
			if err == nil && q > 0 {
				return true
			}
		}
	}
	return false
}

// handleMethodNotAllowed answers a known path with the wrong method: the
// token endpoint, for one, "MUST use the HTTP "POST" method" ([RFC 6749 Section 3.2]).
//
// [RFC 6749 Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
func (s *Server) handleMethodNotAllowed(c *gin.Context) {
	setNoStore(c)
	c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: oauth.ErrInvalidRequest,
		Description: "method " + c.Request.Method + " is not allowed here"})
}
