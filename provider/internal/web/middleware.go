package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// maxBodyBytes bounds every request body: no OAuth request is anywhere near
// this, and a larger one is refused before it is read.
const maxBodyBytes = 64 << 10

// limitBody caps the request body; reading past the cap fails, and the
// handler answers with the protocol's invalid_request. A request without a
// body (http.NoBody, as the server gives a GET) has nothing to cap, and
// keeps it: the wrapper would be an allocation on every bearer check.
func limitBody(c *gin.Context) {
	if c.Request.Body != nil && c.Request.Body != http.NoBody {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
	}
	c.Next()
}

// recoverPanics turns a panic into a generic server_error: the caller never
// sees a stack trace, the log gets the cause.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(c.Request.Context(), "panic serving request", "route", c.FullPath(), "panic", v)
			c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{
				"error": "server_error", "error_description": "the server could not complete the request"})
		}
	}()
	c.Next()
}

// protectPage sets the headers of every page the provider renders: none
// may be framed ([RFC 9700 Section 4.16]: "authorization servers SHOULD …
// prevent framing" with X-Frame-Options and CSP frame-ancestors), load
// anything from elsewhere, be cached, or leak its URL in a Referer.
//
// [RFC 9700 Section 4.16]: https://www.rfc-editor.org/rfc/rfc9700#section-4.16
func protectPage(c *gin.Context) {
	setFixed(c, pageHeaders...)
	setNoStore(c)
	c.Next()
}

// pageHeaders are the headers protectPage sets.
var pageHeaders = []fixedHeader{
	newFixedHeader("X-Frame-Options", "DENY"),
	newFixedHeader("Content-Security-Policy", pageCSP(templateFS)),
	newFixedHeader("Referrer-Policy", "no-referrer"),
	newFixedHeader("X-Content-Type-Options", "nosniff"),
}

// setNoStore forbids caching: "The authorization server MUST include the
// HTTP "Cache-Control" response header field with a value of "no-store" in
// any response containing tokens, credentials, or other sensitive
// information, as well as the "Pragma" response header field with a value
// of "no-cache"" ([RFC 6749 Section 5.1]).
//
// [RFC 6749 Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
func setNoStore(c *gin.Context) {
	setFixed(c, noStoreHeaders...)
}

// noStoreHeaders are the headers setNoStore sets.
var noStoreHeaders = []fixedHeader{newFixedHeader("Cache-Control", "no-store"), newFixedHeader("Pragma", "no-cache")}

// fixedHeader is a response header whose value is the same on every
// response, built once: its name canonical, its value a one-element list.
// c.Header canonicalises the name and builds a new list on each call, for
// headers most requests carry (no-store, CORS). The list is shared by
// every response and never changed in place: Header.Set replaces it, and
// Header.Add appends to a copy (it has no spare capacity).
type fixedHeader struct {
	name  string
	value []string
}

// newFixedHeader returns the header name: value.
func newFixedHeader(name, value string) fixedHeader {
	return fixedHeader{name: http.CanonicalHeaderKey(name), value: []string{value}}
}

// setFixed sets the headers on c's response.
func setFixed(c *gin.Context, headers ...fixedHeader) {
	h := c.Writer.Header()
	for _, f := range headers {
		h[f.name] = f.value
	}
}
