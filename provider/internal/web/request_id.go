package web

import (
	"context"
	"crypto/rand"

	"github.com/gin-gonic/gin"
)

// headerRequestID names the response header that carries each request's id.
const headerRequestID = "X-Request-Id"

// requestIDKey is the key of the request id in the request's context.
type requestIDKey struct{}

// assignRequestID gives every request a fresh random id (128 bits, from
// crypto/rand) and answers it in X-Request-Id. An id the caller sends is
// never used: a client could otherwise choose the id of another request
// and read that request's trace. The id goes into the request context, so
// the log line and the teaching trace name the same request.
func assignRequestID(c *gin.Context) {
	id := rand.Text()
	c.Header(headerRequestID, id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey{}, id))
	c.Next()
}

// requestID returns the id assignRequestID gave the request, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
