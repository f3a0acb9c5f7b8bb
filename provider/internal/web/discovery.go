package web

import (
	"bytes"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// handleIndex handles "GET /": a page for a person who opens the issuer
// URL in a browser, pointing to the metadata, the device page, in
// teaching mode the traces, and the demo client.
func (s *Server) handleIndex(c *gin.Context) {
	s.render(c, http.StatusOK, "index.html", indexPage{Issuer: s.p.Config.Issuer, Traces: s.traces != nil,
		ClientOrigin: demoClientOrigin(s.p.Config.RedirectURI)})
}

// indexPage is what GET / shows: the issuer, whether the traces' page is
// served (teaching mode), and where the demo client runs.
type indexPage struct {
	Issuer       string
	Traces       bool
	ClientOrigin string
}

// demoClientOrigin is the origin of REDIRECT_URI, which start-up checked:
// the demo client's address, as `make run` prints it.
func demoClientOrigin(redirectURI string) string {
	o, err := oauth.OriginOf(redirectURI)
	if err != nil {
		return redirectURI
	}
	return o
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
// A rotation signs with the new key at once, and a verifier that sees its
// unknown kid comes back here ([OIDC Core Section 10.1.1]: "The verifier
// knows to go back to the jwks_uri location to re-retrieve the keys when it
// sees an unfamiliar kid value"), perhaps through an HTTP cache. So the set
// is served "no-cache" ([RFC 9111 Section 5.2.2.4]: "The no-cache response
// directive, in its unqualified form (without an argument), indicates that
// the response MUST NOT be used to satisfy any other request without
// forwarding it for validation and receiving a successful response") with
// an ETag: http.ServeContent answers a request whose If-None-Match names it
// with 304 Not Modified and no content ([RFC 9110 Section 13.1.2],
// [RFC 9110 Section 15.4.5]), and one whose If-Match does not name it with
// 412 Precondition Failed ([RFC 9110 Section 13.1.1]). ServeContent would
// also serve byte ranges, but a part of a key set is of no use to a
// verifier: the Range header is dropped first, so a request for a range
// gets the whole set ([RFC 9110 Section 14.2]: "A server MAY ignore the
// Range header field").
//
// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
// [OIDC Core Section 10.1.1]: https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
// [RFC 9111 Section 5.2.2.4]: https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.4
// [RFC 9110 Section 13.1.1]: https://www.rfc-editor.org/rfc/rfc9110#section-13.1.1
// [RFC 9110 Section 13.1.2]: https://www.rfc-editor.org/rfc/rfc9110#section-13.1.2
// [RFC 9110 Section 14.2]: https://www.rfc-editor.org/rfc/rfc9110#section-14.2
// [RFC 9110 Section 15.4.5]: https://www.rfc-editor.org/rfc/rfc9110#section-15.4.5
func (s *Server) handleJWKS(c *gin.Context) {
	jwks, etag := s.p.Keys.JWKS()
	c.Header("Cache-Control", "no-cache")
	c.Header("ETag", etag)
	c.Header("Content-Type", "application/json")
	c.Request.Header.Del("Range")
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, bytes.NewReader(jwks))
}
