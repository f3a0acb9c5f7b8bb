package service

import (
	"context"
	"errors"
	"time"

	"github.com/gin-gonic/gin"
)

// RequestTimeout is how long a request's work may take, counted from the
// end of its headers: the deadline of its context, which every database
// call and outgoing fetch of the request is made with. A database that
// stops answering mid-query (its host frozen, a partition that drops
// packets without a reset) then costs a request this long, not as long as
// its caller waits, and the request is answered (the provider: 503
// temporarily_unavailable) instead of holding its goroutine and its
// database connection. WriteTimeout closes the connection but does not
// stop the handler.
//
// 10 s: well below WriteTimeout, so the answer is still written, and below
// the 15 s an HTTP client commonly waits (this project's client does), so
// the caller reads the answer instead of its own timeout; equal to
// DrainTimeout, so a request stuck at shutdown ends within the drain; and
// above the provider's own budgets within a request (a new PostgreSQL
// connection: 2 s ping and 5 s connect; a client ID metadata document
// fetch: 5 s), which end first with their own answer.
const RequestTimeout = 10 * time.Second

// ErrRequestTimeout is the cause (context.Cause) of a request context that
// Deadline ended.
var ErrRequestTimeout = errors.New("service: the request's time ran out")

// Deadline is the middleware that gives each request's context a deadline
// d from now, with ErrRequestTimeout as its cause (RequestTimeout).
func Deadline(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeoutCause(c.Request.Context(), d, ErrRequestTimeout)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// TimedOut reports whether ctx ended because its request's time ran out
// (Deadline), as opposed to its caller going away.
func TimedOut(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), ErrRequestTimeout)
}
