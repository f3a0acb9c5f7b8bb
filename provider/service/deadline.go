package service

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// ErrRequestTimeout is the cause (context.Cause) of a request context that
// Deadline ended.
var ErrRequestTimeout = errors.New("service: the request's time ran out")

// Deadline is the middleware that gives each request's context a deadline
// d from now (the provider's is config.RequestTimeout), with
// ErrRequestTimeout as its cause.
func Deadline(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := &deadlineContext{Context: c.Request.Context(), deadline: time.Now().Add(d)}
		defer ctx.release()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// deadlineContext is a request's context with a deadline, which arms its
// timer only when something waits for the context to end: the first call
// of Done, made by a database call, an outgoing fetch, or a context made
// from this one. Until then the deadline is only a time to compare with
// (Err, Deadline). A request answered from memory, as a bearer check or an
// introspection usually is, so never arms a timer: a timer costs each
// request a runtime timer and the parent's bookkeeping, which on those
// paths is a measurable share of the request (README, "Performance").
// Armed, it is the context context.WithDeadlineCause returns.
type deadlineContext struct {
	context.Context // the request's context without the deadline
	deadline        time.Time

	once   sync.Once
	armed  atomic.Bool        // timed and cancel are set
	timed  context.Context    // the context with the deadline's timer
	cancel context.CancelFunc // stops the timer
}

// Deadline returns the request's deadline.
func (c *deadlineContext) Deadline() (time.Time, bool) { return c.deadline, true }

// Done arms the deadline's timer and returns the channel that closes when
// the deadline passes or the request's context ends.
func (c *deadlineContext) Done() <-chan struct{} { return c.arm().Done() }

// Err reports why the context ended: the request's context's error, or
// context.DeadlineExceeded once the deadline has passed, whether or not
// the timer was armed.
func (c *deadlineContext) Err() error {
	if c.armed.Load() || !time.Now().Before(c.deadline) {
		return c.arm().Err()
	}
	return c.Context.Err()
}

// Value asks the armed context once the timer is armed (so that
// context.Cause and the contexts made from this one find its cancellation),
// the request's context before.
func (c *deadlineContext) Value(key any) any {
	if c.armed.Load() {
		return c.timed.Value(key)
	}
	return c.Context.Value(key)
}

// arm makes the context with the deadline's timer, once, and returns it.
func (c *deadlineContext) arm() context.Context {
	c.once.Do(func() {
		c.timed, c.cancel = context.WithDeadlineCause(c.Context, c.deadline, ErrRequestTimeout)
		c.armed.Store(true)
	})
	return c.timed
}

// release stops the timer, if it was armed, when the request is done.
func (c *deadlineContext) release() {
	if c.armed.Load() {
		c.cancel()
	}
}

// TimedOut reports whether ctx ended because its request's time ran out
// (Deadline), as opposed to its caller going away. It asks Err first: a
// request context whose timer was never armed (deadlineContext) learns
// there that its deadline has passed, and only then has a cause to tell.
func TimedOut(ctx context.Context) bool {
	return ctx.Err() != nil && errors.Is(context.Cause(ctx), ErrRequestTimeout)
}

// CallerHungUp reports whether ctx, a request's context, ended because its
// caller went away (closed its connection) while the request was served,
// not because the request's time ran out (TimedOut, the server's own
// failing). This is the one place that tells the two apart. A failure that
// follows a hang-up, such as a database query canceled with the request,
// is the caller's doing, not a server fault: a handler that meets one
// answers StatusClientClosedRequest. Ask it while the request is served:
// once Deadline is done, every context it armed is canceled.
func CallerHungUp(ctx context.Context) bool {
	return ctx.Err() != nil && !TimedOut(ctx)
}

// StatusClientClosedRequest is the status a request whose caller hung up
// (CallerHungUp) is answered and recorded with, in its log line and in
// http_requests_total: nginx's 499 "client closed request". No answer
// reaches anyone then, so no status of HTTP's own is true of it; 499 is the
// de-facto code for it in access logs and dashboards. A 5xx would count a
// caller's hang-up as a server error, which any caller could then raise at
// will by sending requests and closing their connections.
const StatusClientClosedRequest = 499
