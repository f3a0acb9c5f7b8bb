package service

import "github.com/gin-gonic/gin"

// NewEngine returns a Gin engine that answers a path only as its route
// table has it: a known path with a method it does not take is 405 with
// Allow, and any other path is unknown, 404 whatever the method.
//
// Gin's own redirects are off. They would send a POST to "/oauth/token/"
// on to "/oauth/token" with a 307, which makes the browser send the body
// (a password, a client secret) again, as [RFC 9700 Section 4.12] warns
// (after a POST, 302 or 303, never 307); and they build the Location from
// the request's X-Forwarded-Prefix header, which anyone can send.
//
// [RFC 9700 Section 4.12]: https://www.rfc-editor.org/rfc/rfc9700#section-4.12
func NewEngine() *gin.Engine {
	r := gin.New()
	r.RedirectTrailingSlash = false // "/path/" for "/path", or the reverse
	r.RedirectFixedPath = false     // "/PATH" or "/a/../path" for "/path"
	r.HandleMethodNotAllowed = true
	return r
}
