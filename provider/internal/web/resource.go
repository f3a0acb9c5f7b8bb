package web

import (
	"net/http"
	"net/url"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/i18n"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/token"
)

// handleProtectedResourceMetadata handles "GET
// /.well-known/oauth-protected-resource" and "GET
// /.well-known/oauth-protected-resource/{path}": the metadata of the
// provider's own resource server, at the one path and query that
// [RFC 9728 Section 3] forms from its resource identifier
// (oauth.Provider.IsResourcePath). Any other path or query is not found.
//
// [RFC 9728 Section 3]: https://www.rfc-editor.org/rfc/rfc9728#section-3
func (s *Server) handleProtectedResourceMetadata(c *gin.Context) {
	if !s.p.IsResourcePath(c.Param("path"), c.Request.URL.RawQuery) {
		s.handleNotFound(c)
		return
	}
	c.JSON(http.StatusOK, s.p.ProtectedResourceMetadata())
}

// handleProtectedResource handles "GET /protected/resource": any valid
// access token, Bearer or DPoP ([RFC 6750 Section 2.1],
// [RFC 9449 Section 7.1]), gets the secured page; a request
// without one is told the scope to ask for (oauth.ScopeProtectedResource).
// The page sets none of the headers of the pages a browser opens
// (protectPage): no browser opens it, since it takes the token in a
// header, which no link or frame sends, and a shared cache stores no
// answer to a request with Authorization ([RFC 9111 Section 3.5]). They
// would cost this hot path about a sixth of its CPU (measured with wrk).
//
// [RFC 9111 Section 3.5]: https://www.rfc-editor.org/rfc/rfc9111#section-3.5
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
func (s *Server) handleProtectedResource(c *gin.Context) {
	claims, _, ok := s.authenticateResource(c, oauth.ScopeProtectedResource)
	if !ok {
		return
	}
	key := resourcePage{locale(c), claims.Subject, claims.ClientID, claims.Scope}
	writePage(c, http.StatusOK, s.resourcePages.get(key, func() []byte {
		return s.renderPage(c, "resource.html", claims)
	}))
}

// resourcePage is what the protected resource's page says: it names the
// token's subject, client and scope, in the request's language. Nothing
// else on it changes, so each such page is rendered once (pageCache).
type resourcePage struct {
	locale                 i18n.Locale
	subject, client, scope string
}

// maxCachedPages bounds a pageCache; when it is full it starts over.
const maxCachedPages = 1024

// pageCache keeps rendered pages, at most maxCachedPages of them.
type pageCache struct {
	mu    sync.Mutex
	pages map[resourcePage][]byte
}

// get returns the page for key, rendering it first if it is not kept.
func (pc *pageCache) get(key resourcePage, render func() []byte) []byte {
	pc.mu.Lock()
	page, ok := pc.pages[key]
	pc.mu.Unlock()
	if ok {
		return page
	}
	page = render()
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.pages == nil || len(pc.pages) >= maxCachedPages {
		pc.pages = make(map[resourcePage][]byte)
	}
	pc.pages[key] = page
	return page
}

// handleUserProfile handles "GET /user/profile": a user's token with scope
// read gets the user's profile as JSON, with what its scope allows.
func (s *Server) handleUserProfile(c *gin.Context) {
	claims, scheme, ok := s.authenticateResource(c, oauth.ScopeUserProfile)
	if !ok {
		return
	}
	profile, err := s.p.UserProfile(c.Request.Context(), claims)
	if err != nil {
		s.writeResourceError(c, err, scheme, oauth.ScopeUserProfile)
		return
	}
	setNoStore(c) // user data, as /userinfo's
	c.JSON(http.StatusOK, profile)
}

// handleUserInfo handles "GET /userinfo" and "POST /userinfo", the OpenID
// Connect userinfo endpoint ([OIDC Core Section 5.3]).
//
// [OIDC Core Section 5.3]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
func (s *Server) handleUserInfo(c *gin.Context) {
	claims, scheme, ok := s.authenticateResource(c, oauth.ScopeUserInfo)
	if !ok {
		return
	}
	info, err := s.p.UserInfo(c.Request.Context(), claims)
	if err != nil {
		s.writeResourceError(c, err, scheme, oauth.ScopeUserInfo)
		return
	}
	setNoStore(c)
	c.JSON(http.StatusOK, info)
}

// authenticateResource authenticates a request to a resource by its
// Authorization header, Bearer or DPoP, or by its form body
// (oauth.ParseResourceRequest, oauth.Provider.AuthenticateResource), and
// returns the token's claims and the scheme the request used. It checks no scope:
// challengeScope is only what the challenge of a refusal names
// (writeResourceError); a resource that needs a scope checks it after.
// A refusal goes in the challenge of the scheme the request used, a
// malformed "DPoP" header's too; a request refused before that is
// established (two methods at once, say) gets the challenges of both
// schemes (oauth.ParseResourceRequest).
func (s *Server) authenticateResource(c *gin.Context, challengeScope string) (claims token.AccessTokenClaims, scheme string, ok bool) {
	ctx := c.Request.Context()
	req, err := s.resourceRequest(c)
	if err != nil {
		s.writeResourceError(c, err, req.Scheme, challengeScope)
		return token.AccessTokenClaims{}, "", false
	}
	access, err := s.p.AuthenticateResource(ctx, req)
	if err != nil {
		s.writeResourceError(c, err, req.Scheme, challengeScope)
		return token.AccessTokenClaims{}, "", false
	}
	setDPoPNonce(c, access.DPoPNonce)
	return access.Claims, req.Scheme, true
}

// resourceRequest reads how a resource request presents its access token
// (oauth.ParseResourceRequest): the form body when it may carry one
// (resourceBody), the DPoP proof only with the DPoP scheme.
func (s *Server) resourceRequest(c *gin.Context) (oauth.ResourceRequest, *oauth.Error) {
	body, err := resourceBody(c)
	if err != nil {
		return oauth.ResourceRequest{}, err
	}
	req, err := oauth.ParseResourceRequest(c.Request.Context(), c.Request.Header.Values("Authorization"), c.Request.URL.RawQuery, body)
	if err == nil && req.Scheme == oauth.TokenTypeDPoP {
		req.DPoP = s.dpopRequest(c) // only then: the Bearer path allocates nothing more
	}
	return req, err
}

// resourceBody reads the form body of a resource request when
// oauth.BodyMayCarryToken admits it, else nil. Only a method whose body is
// read (oauth.MethodHasBody: POST) has its Content-Type read, and two of
// them refused (contentType): a GET or HEAD, whose body is never read, is
// not refused for the headers that would describe it.
func resourceBody(c *gin.Context) (url.Values, *oauth.Error) {
	if !oauth.MethodHasBody(c.Request.Method) {
		return nil, nil
	}
	header, err := contentType(c)
	if err != nil || !oauth.BodyMayCarryToken(c.Request.Method, isFormContentType(header)) {
		return nil, err
	}
	return formBody(c, ruleTokenFormBody)
}

// ruleTokenFormBody: a body that may carry the access token is read as
// the form it says it is: "The entity-body follows the encoding
// requirements of the "application/x-www-form-urlencoded" content-type"
// ([RFC 6750 Section 2.2]); it is also within this server's size limit.
//
// [RFC 6750 Section 2.2]: https://www.rfc-editor.org/rfc/rfc6750#section-2.2
var ruleTokenFormBody = oauth.Rule{Text: "the POST body is a valid x-www-form-urlencoded form in UTF-8, sent without a Content-Encoding, within the size limit and the request's time", Ref: "RFC 6750 Section 2.2"}
