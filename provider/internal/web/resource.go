package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/token"
)

// handleProtectedResourceMetadata handles "GET
// /.well-known/oauth-protected-resource", the metadata of the provider's
// own resource server ([RFC 9728 Section 3]).
//
// [RFC 9728 Section 3]: https://www.rfc-editor.org/rfc/rfc9728#section-3
func (s *Server) handleProtectedResourceMetadata(c *gin.Context) {
	c.JSON(http.StatusOK, s.p.ProtectedResourceMetadata())
}

// handleProtectedResource handles "GET /protected/resource": any valid
// Bearer token ([RFC 6750 Section 2.1]) gets the secured page.
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
func (s *Server) handleProtectedResource(c *gin.Context) {
	claims, ok := s.bearer(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "resource.html", claims)
}

// handleUserProfile handles "GET /user/profile": a user's token with scope
// read gets the user's profile as JSON, with what its scope allows.
func (s *Server) handleUserProfile(c *gin.Context) {
	claims, ok := s.bearer(c)
	if !ok {
		return
	}
	profile, err := s.p.UserProfile(c.Request.Context(), claims)
	if err != nil {
		s.writeResourceError(c, err)
		return
	}
	c.JSON(http.StatusOK, profile)
}

// handleUserInfo handles "GET /userinfo" and "POST /userinfo", the OpenID
// Connect userinfo endpoint ([OIDC Core Section 5.3]).
//
// [OIDC Core Section 5.3]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
func (s *Server) handleUserInfo(c *gin.Context) {
	claims, ok := s.bearer(c)
	if !ok {
		return
	}
	info, err := s.p.UserInfo(c.Request.Context(), claims)
	if err != nil {
		s.writeResourceError(c, err)
		return
	}
	setNoStore(c)
	c.JSON(http.StatusOK, info)
}

// bearer authenticates a resource request by its Authorization header,
// Bearer or DPoP ([RFC 9449 Section 7.1]). A
// token in the query string is refused: [RFC 9700 Section 2.4]: "access
// tokens MUST NOT be sent in query parameters" (the URI method of
// [RFC 6750 Section 2.3] leaks tokens into logs and Referer headers).
//
// [RFC 9700 Section 2.4]: https://www.rfc-editor.org/rfc/rfc9700#section-2.4
// [RFC 6750 Section 2.3]: https://www.rfc-editor.org/rfc/rfc6750#section-2.3
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
func (s *Server) bearer(c *gin.Context) (token.AccessTokenClaims, bool) {
	tr := oauth.TraceFrom(c.Request.Context())
	if !tr.Check(ruleTokenNotInQuery, !c.Request.URL.Query().Has("access_token")) {
		s.writeResourceError(c, ruleTokenNotInQuery.Refuse(oauth.ErrInvalidRequest,
			"access tokens in the query string are not accepted; use the Authorization header"))
		return token.AccessTokenClaims{}, false
	}
	scheme, raw, err := oauth.ParseAuthorizationHeader(c.GetHeader("Authorization"))
	if err == nil && raw == "" {
		s.writeResourceError(c, nil)
		return token.AccessTokenClaims{}, false
	}
	if err != nil {
		s.writeResourceError(c, err)
		return token.AccessTokenClaims{}, false
	}
	tr.Check(ruleBearerPresent, true)
	req := oauth.ResourceRequest{Scheme: scheme, Token: raw}
	if scheme == oauth.TokenTypeDPoP {
		req.DPoP = s.dpopRequest(c) // only then: the Bearer path allocates nothing more
	}
	claims, err := s.p.AuthenticateResource(c.Request.Context(), req)
	if err != nil {
		s.writeResourceError(c, err)
		return token.AccessTokenClaims{}, false
	}
	if scheme == oauth.TokenTypeDPoP {
		setDPoPNonce(c, s.p.DPoPNonce())
	}
	return claims, true
}

// The rules of the resource request that bearer checks before the token
// itself ([RFC 6750 Section 2.3], [RFC 6750 Section 3]).
//
// [RFC 6750 Section 2.3]: https://www.rfc-editor.org/rfc/rfc6750#section-2.3
// [RFC 6750 Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
var (
	ruleTokenNotInQuery = oauth.Rule{Text: "the access token is not in the query string (it would leak into logs)", Ref: "RFC 6750 Section 2.3"}
	ruleBearerPresent   = oauth.Rule{Text: "the request carries an access token (Authorization: Bearer, or DPoP with RFC 9449)", Ref: "RFC 6750 Section 3"}
)
