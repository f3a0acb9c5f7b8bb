package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// corsGroup registers the routes browser apps (the SPA demo) may call from
// any origin. Each route gets the CORS headers, and its path answers the
// CORS preflight (OPTIONS) with the methods registered for it. Every other
// path has no OPTIONS route: a preflight there gets 405, and the browser
// does not send the request.
//
// It embeds the gin group, so a route is added with api.GET or api.POST as
// anywhere else; those two, PUT and DELETE are the methods that record the path.
// Its GET registers HEAD too, as service.Routes does.
type corsGroup struct {
	*gin.RouterGroup
	methods map[string][]string // path → the methods registered for it
}

// newCORSGroup returns an empty group on r.
func newCORSGroup(r *gin.Engine) *corsGroup {
	return &corsGroup{RouterGroup: r.Group("", allowCORS), methods: map[string][]string{}}
}

// Handle registers a route and, the first time its path is seen, the path's preflight.
func (g *corsGroup) Handle(method, path string, handlers ...gin.HandlerFunc) gin.IRoutes {
	if _, seen := g.methods[path]; !seen {
		g.RouterGroup.OPTIONS(path, g.preflight(path))
	}
	g.methods[path] = append(g.methods[path], method)
	return g.RouterGroup.Handle(method, path, handlers...)
}

// GET registers a GET route with CORS, and the same route for HEAD.
func (g *corsGroup) GET(path string, handlers ...gin.HandlerFunc) gin.IRoutes {
	routes := g.Handle(http.MethodGet, path, handlers...)
	g.Handle(http.MethodHead, path, handlers...)
	return routes
}

// POST registers a POST route with CORS.
func (g *corsGroup) POST(path string, handlers ...gin.HandlerFunc) gin.IRoutes {
	return g.Handle(http.MethodPost, path, handlers...)
}

// PUT registers a PUT route with CORS.
func (g *corsGroup) PUT(path string, handlers ...gin.HandlerFunc) gin.IRoutes {
	return g.Handle(http.MethodPut, path, handlers...)
}

// DELETE registers a DELETE route with CORS.
func (g *corsGroup) DELETE(path string, handlers ...gin.HandlerFunc) gin.IRoutes {
	return g.Handle(http.MethodDelete, path, handlers...)
}

// preflight answers "OPTIONS path" with the methods the path takes and the
// request headers a page may send. The map is complete before the server
// starts and only read afterwards.
func (g *corsGroup) preflight(path string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Access-Control-Allow-Methods", strings.Join(g.methods[path], ", "))
		setFixed(c, preflightHeaders...)
		c.AbortWithStatus(http.StatusNoContent)
	}
}

// preflightHeaders are the headers only a preflight's answer needs: the
// browser reads Access-Control-Allow-Headers there, not on the answer to
// the request itself (Fetch Standard, "CORS-preflight fetch").
// A Model Context Protocol client sends MCP-Protocol-Version with its
// requests, the discovery of the metadata documents among them: a browser
// asks first whether it may. A script that revalidates the JWKS itself
// sends If-None-Match (handleJWKS).
var preflightHeaders = []fixedHeader{
	newFixedHeader("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP, MCP-Protocol-Version, If-None-Match"),
	newFixedHeader("Access-Control-Max-Age", "600"),
}

// allowCORS lets a page of any origin call the route and read the answer.
// No cookies are involved (credentials travel in headers and bodies), so
// allowing every origin exposes nothing a page could not already send.
func allowCORS(c *gin.Context) {
	setFixed(c, corsHeaders...)
	c.Next()
}

// corsHeaders are the headers allowCORS sets.
var corsHeaders = []fixedHeader{
	newFixedHeader("Access-Control-Allow-Origin", "*"),
	// [RFC 9449 Section 8]: "the server needs to make it available to the
	// application by including DPoP-Nonce in the Access-Control-Expose-
	// Headers response header list value."
	//
	// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
	// The JWKS's ETag, for a script that revalidates it itself (handleJWKS).
	newFixedHeader("Access-Control-Expose-Headers", "WWW-Authenticate, X-Request-Id, DPoP-Nonce, ETag"),
}
