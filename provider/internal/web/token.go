package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// handleToken handles "POST /oauth/token" (and its alias "POST
// /oauth/access_token"), the token endpoint ([RFC 6749 Section 3.2]).
//
// [RFC 6749 Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
func (s *Server) handleToken(c *gin.Context) {
	form, err := postForm(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	req, err := oauth.ParseTokenRequest(c.Request.Context(), form, c.Request.Header.Values("Authorization"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	noteGrantType(c, req.GrantType)
	req.DPoP = s.dpopRequest(c)
	resp, err := s.p.Token(c.Request.Context(), req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	setNoStore(c)
	setDPoPNonce(c, resp.DPoPNonce)
	c.JSON(http.StatusOK, resp)
}

// handleRevoke handles "POST /oauth/revoke", token revocation
// ([RFC 7009 Section 2]). [RFC 7009 Section 2.2]: "The authorization
// server responds with HTTP status code 200 if the token has been revoked
// successfully or if the client submitted an invalid token."
//
// [RFC 7009 Section 2]: https://www.rfc-editor.org/rfc/rfc7009#section-2
// [RFC 7009 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7009#section-2.2
func (s *Server) handleRevoke(c *gin.Context) {
	q, err := readTokenQuery(c, oauth.ParseRevocationRequest)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.p.Revoke(c.Request.Context(), q); err != nil {
		s.writeError(c, err)
		return
	}
	setNoStore(c)
	c.Status(http.StatusOK)
}

// handleIntrospect handles "POST /oauth/introspect", token introspection
// ([RFC 7662 Section 2]).
//
// [RFC 7662 Section 2]: https://www.rfc-editor.org/rfc/rfc7662#section-2
func (s *Server) handleIntrospect(c *gin.Context) {
	q, err := readTokenQuery(c, oauth.ParseIntrospectionRequest)
	if err != nil {
		s.writeError(c, err)
		return
	}
	resp, err := s.p.Introspect(c.Request.Context(), q)
	if err != nil {
		s.writeError(c, err)
		return
	}
	setNoStore(c)
	c.JSON(http.StatusOK, resp)
}

// readTokenQuery reads the form of a revocation or introspection request
// and parses it with parse.
func readTokenQuery(c *gin.Context, parse func(context.Context, url.Values, []string) (oauth.TokenQuery, *oauth.Error)) (oauth.TokenQuery, *oauth.Error) {
	form, err := postForm(c)
	if err != nil {
		return oauth.TokenQuery{}, err
	}
	return parse(c.Request.Context(), form, c.Request.Header.Values("Authorization"))
}
