package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// handleDeviceAuthorization handles "POST /oauth/device/code", the device
// authorization endpoint ([RFC 8628 Section 3.1]).
//
// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
func (s *Server) handleDeviceAuthorization(c *gin.Context) {
	s.writeError(c, oauth.NewError(oauth.ErrTemporarilyUnavailable, "the device grant is being built"))
}

// handleDevice handles "GET /device" and "POST /device", the verification
// URI where the user enters the user code ([RFC 8628 Section 3.3]).
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
func (s *Server) handleDevice(c *gin.Context) {
	c.String(http.StatusServiceUnavailable, "the device grant is being built")
}
