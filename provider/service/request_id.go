package service

import (
	"crypto/rand"

	"github.com/gin-gonic/gin"
	"github.com/oauth-reference/provider/internal/requestlog"
)

// HeaderRequestID names the response header that carries each request's id.
const HeaderRequestID = "X-Request-Id"

// AssignRequestID gives every request a fresh random id (128 bits, from
// crypto/rand) and answers it in X-Request-Id. An id the caller sends is
// never used: a client could otherwise choose the id of another request
// and read that request's trace. The id goes into the request context, so
// the log lines (NewLogger adds it to each) and the provider's teaching
// trace name the same request. Both programs install it before Observe.
func AssignRequestID(c *gin.Context) {
	id := rand.Text()
	c.Header(HeaderRequestID, id)
	c.Request = c.Request.WithContext(requestlog.With(c.Request.Context(), id))
	c.Next()
}
