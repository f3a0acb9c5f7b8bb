package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// handlePAR handles "POST /oauth/par", the pushed authorization request
// endpoint ([RFC 9126 Section 2]): "the server MUST generate a request URI
// and provide it in the response with a 201 HTTP status code". Over
// PUSHED_REQUESTS_PER_HOUR the answer is 429 with Retry-After.
//
// [RFC 9126 Section 2]: https://www.rfc-editor.org/rfc/rfc9126#section-2
func (s *Server) handlePAR(c *gin.Context) {
	form, err := postForm(c)
	if err != nil {
		s.writeErrorStatus(c, parStatus(err), err)
		return
	}
	req, err := oauth.ParsePushedAuthorizationRequest(c.Request.Context(), form, c.Request.Header.Values("Authorization"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	req.DPoP, req.ClientAddr = s.dpopRequest(c), clientAddr(c)
	resp, err := s.p.PushAuthorizationRequest(c.Request.Context(), req)
	if err != nil {
		s.writeLimitedError(c, limitPushedRequest, parStatus(err), err)
		return
	}
	setNoStore(c)
	c.JSON(http.StatusCreated, resp)
}

// parStatus is the status of a refused pushed authorization request: "If
// the request size was beyond the upper bound that the authorization server
// allows, the authorization server responds with an HTTP 413 (Payload Too
// Large) status code" ([RFC 9126 Section 2.3]) — a body past the limit of
// every form, or a request larger than the provider stores
// (oauth.ErrPushedRequestTooLarge); any other refusal has its usual status
// (errorStatus: 429 over PUSHED_REQUESTS_PER_HOUR).
//
// [RFC 9126 Section 2.3]: https://www.rfc-editor.org/rfc/rfc9126#section-2.3
func parStatus(err *oauth.Error) int {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, oauth.ErrPushedRequestTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return errorStatus(err)
}
