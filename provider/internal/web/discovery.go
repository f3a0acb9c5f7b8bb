package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handleIndex handles "GET /": a page for a person who opens the issuer
// URL in a browser, pointing to the metadata, the device page and, in
// teaching mode, the traces.
func (s *Server) handleIndex(c *gin.Context) {
	s.render(c, http.StatusOK, "index.html", indexPage{Issuer: s.p.Config.Issuer, Traces: s.traces != nil})
}

// indexPage is what GET / shows: the issuer, and whether the traces'
// page is served (teaching mode).
type indexPage struct {
	Issuer string
	Traces bool
}

// handleMetadata handles "GET /.well-known/oauth-authorization-server"
// ([RFC 8414 Section 3]) and "GET /.well-known/openid-configuration"
// ([OIDC Discovery Section 4]): one document answers both.
//
// [RFC 8414 Section 3]: https://www.rfc-editor.org/rfc/rfc8414#section-3
// [OIDC Discovery Section 4]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
func (s *Server) handleMetadata(c *gin.Context) {
	c.JSON(http.StatusOK, s.p.Metadata())
}

// handleMetadataAtIssuerPath handles "GET
// /.well-known/oauth-authorization-server/{path}": the metadata of an issuer
// with a path component, at the path [RFC 8414 Section 3] forms by
// inserting the well-known string before it. Any other path is not found.
//
// [RFC 8414 Section 3]: https://www.rfc-editor.org/rfc/rfc8414#section-3
func (s *Server) handleMetadataAtIssuerPath(c *gin.Context) {
	if !s.p.IsIssuerPath(c.Param("path")) {
		s.handleNotFound(c)
		return
	}
	s.handleMetadata(c)
}

// handleJWKS handles "GET /.well-known/jwks.json", the public signing keys
// as a JWK Set ([RFC 7517 Section 5]).
//
// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
func (s *Server) handleJWKS(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json", s.p.Keys.JWKS())
}
