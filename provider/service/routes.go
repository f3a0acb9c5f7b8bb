package service

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

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
// Routes match the path as it was sent, its percent-encoding included
// (UseEscapedPath), not the path net/http decoded: [RFC 3986 Section 2.2]:
// "URIs that differ in the replacement of a reserved character with its
// corresponding percent-encoded octet are not equivalent". So
// "/oauth%2Ftoken" is one segment that no route has, 404, and a proxy that
// allows or refuses requests by their path's prefix sees the path the
// routes see. Any other encoding of a route's path ("/oauth/%74oken") is
// 404 too, like "/Healthz". A path parameter (a client_id, a request id)
// is its segment as sent, not decoded (UnescapePathValues off): nothing
// this server issues or names there needs percent-encoding, and an encoded
// "/" in a parameter stays "%2F", so it names no client and no trace, and
// a "/*path" parameter keeps "a%2Fb" apart from "a/b".
//
// [RFC 9700 Section 4.12]: https://www.rfc-editor.org/rfc/rfc9700#section-4.12
// [RFC 3986 Section 2.2]: https://www.rfc-editor.org/rfc/rfc3986#section-2.2
func NewEngine() *gin.Engine {
	r := gin.New()
	r.RedirectTrailingSlash = false // "/path/" for "/path", or the reverse
	r.RedirectFixedPath = false     // "/PATH" or "/a/../path" for "/path"
	r.HandleMethodNotAllowed = true
	r.UseEscapedPath = true      // "/oauth%2Ftoken" is not "/oauth/token"
	r.UnescapePathValues = false // ":client_id" is "a%2Fb" for "/oauth/register/a%2Fb"
	return r
}

// Routes registers routes on a Gin engine or group; its GET registers HEAD
// too. [RFC 9110 Section 9.1]: "All general-purpose servers MUST support
// the methods GET and HEAD." A HEAD request runs the GET route's handlers,
// so it answers the same status and headers, and its log line, metrics
// and trace say HEAD. [RFC 9110 Section 9.3.2]: "The HEAD method is
// identical to GET except that the server MUST NOT send content in the
// response": net/http drops what the handlers write (and still sends the
// Content-Length a GET would have had when the answer was small enough to
// be buffered whole). A handler of both GET and POST tells them apart by
// "is it POST", so that HEAD takes GET's branch.
//
// [RFC 9110 Section 9.1]: https://www.rfc-editor.org/rfc/rfc9110#section-9.1
// [RFC 9110 Section 9.3.2]: https://www.rfc-editor.org/rfc/rfc9110#section-9.3.2
type Routes struct {
	gin.IRoutes
}

// GET registers path for GET and HEAD.
func (r Routes) GET(path string, handlers ...gin.HandlerFunc) gin.IRoutes {
	return r.Match(getAndHead, path, handlers...)
}

// getAndHead are the methods Routes.GET registers.
var getAndHead = []string{http.MethodGet, http.MethodHead}
