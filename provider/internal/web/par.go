package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// handlePAR handles "POST /oauth/par", the pushed authorization request
// endpoint ([RFC 9126 Section 2]): "the server MUST generate a request URI
// and provide it in the response with a 201 HTTP status code".
//
// [RFC 9126 Section 2]: https://www.rfc-editor.org/rfc/rfc9126#section-2
func (s *Server) handlePAR(c *gin.Context) {
	form, err := postForm(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	req, err := oauth.ParsePushedAuthorizationRequest(c.Request.Context(), form, c.GetHeader("Authorization"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	req.DPoP = s.dpopRequest(c)
	resp, err := s.p.PushAuthorizationRequest(c.Request.Context(), req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	setNoStore(c)
	c.JSON(http.StatusCreated, resp)
}
