package web

import (
	"crypto/rand"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/service"
)

// headerRequestID names the response header that carries each request's id.
const headerRequestID = "X-Request-Id"

// assignRequestID gives every request a fresh random id (128 bits, from
// crypto/rand) and answers it in X-Request-Id. An id the caller sends is
// never used: a client could otherwise choose the id of another request
// and read that request's trace. The id goes into the request context, so
// the log lines (service.NewLogger adds it to each) and the teaching trace
// name the same request.
func assignRequestID(c *gin.Context) {
	id := rand.Text()
	c.Header(headerRequestID, id)
	c.Request = c.Request.WithContext(service.WithRequestID(c.Request.Context(), id))
	c.Next()
}
