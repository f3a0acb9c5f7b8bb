package web

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/ratelimit"
	"github.com/oauth-reference/provider/service"
)

// The provider limits device authorization requests and pushed
// authorization requests per address (DEVICE_AUTHORIZATIONS_PER_HOUR,
// default 60, and PUSHED_REQUESTS_PER_HOUR, default 3600), and this app
// sends them from its one address on behalf of every visitor: without a
// limit of its own, one visitor could spend that budget for all the
// others. So each visitor gets a small part of it.
const (
	// deviceStartsPerHour is how many runs of the device grant
	// (POST /device-flow) a visitor may start an hour: a quarter of the
	// provider's default budget. A run takes minutes (the user reads the
	// code, signs in, approves), so a learner trying it again and again
	// meets this seldom, and one visitor leaves the rest to the others.
	deviceStartsPerHour = 15
	// pushesPerHour is how many logins with PAR (GET /login?par=on) a
	// visitor may start an hour, one a minute once the burst is spent: a
	// sixtieth of the provider's default budget.
	pushesPerHour = 60
)

// visitorLimits are the limits per visitor of the pages that make the
// provider spend a budget it keeps per address.
type visitorLimits struct {
	deviceStarts *visitorLimit // POST /device-flow: a device authorization request
	pushes       *visitorLimit // GET /login?par=on: a pushed authorization request
}

// newVisitorLimits returns the limits, each with the page that explains it.
func newVisitorLimits() visitorLimits {
	return visitorLimits{
		deviceStarts: newVisitorLimit("device_authorization", deviceStartsPerHour,
			"The provider counts device authorization requests per address, and this app sends every visitor's from its one address: so that no one visitor can spend them all, it starts at most %d runs an hour for each visitor. Nothing was sent to the provider. You can start another run in %s."),
		pushes: newVisitorLimit("pushed_authorization", pushesPerHour,
			"The provider counts pushed authorization requests per address, and this app sends every visitor's from its one address: so that no one visitor can spend them all, it pushes at most %d an hour for each visitor. Nothing was sent to the provider. You can log in with PAR again in %s, or now without it."),
	}
}

// visitorLimit allows each visitor of this app a burst of requests of one
// kind, refilled over an hour: the token buckets of a ratelimit.Limit, in
// this app's memory, which counts a visitor as the provider counts a
// requester (an IPv4 address, or an IPv6 /64, and an IPv6 /48 has
// ratelimit.NetworkBudgetFactor times the budget, which each of its /64s
// draws from as well, so a site cannot multiply its budget by its /64s).
// Its memory is bounded, and a refused request makes no bucket, as
// ratelimit.Limit says. Safe for concurrent use.
type visitorLimit struct {
	name    string // what is limited, on a refused request's log line
	perHour int    // each visitor's burst, refilled over an hour
	// Message explains a refusal on the page (a message of the
	// catalogue): %d is perHour, %s the wait.
	Message string
	buckets *ratelimit.Limit
}

// newVisitorLimit allows perHour requests per visitor, refilled at
// perHour an hour.
func newVisitorLimit(name string, perHour int, message string) *visitorLimit {
	return &visitorLimit{name: name, perHour: perHour, Message: message, buckets: ratelimit.New(perHour, time.Hour)}
}

// allow takes one request of the visitor at addr at now and returns 0, or
// takes none and returns how long until one more is allowed.
func (l *visitorLimit) allow(addr netip.Addr, now time.Time) time.Duration {
	return l.buckets.Allow(ratelimit.CountedUnder(addr), now)
}

// admitVisitor counts one request of c's visitor against limit and reports
// whether it may go on to the provider. Past the limit it answers 429 Too
// Many Requests with Retry-After and a page saying why ([RFC 6585 Section 4]:
// "The response representations SHOULD include details explaining the
// condition, and MAY include a Retry-After header indicating how long to
// wait before making a new request."), and the provider hears nothing of
// it. The visitor is the connection's address: this app believes no
// X-Forwarded-For.
//
// [RFC 6585 Section 4]: https://www.rfc-editor.org/rfc/rfc6585#section-4
func (a *App) admitVisitor(c *gin.Context, limit *visitorLimit) bool {
	addr, _ := netip.ParseAddr(c.ClientIP())
	wait := limit.allow(addr, a.now())
	if wait <= 0 {
		return true
	}
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	service.Note(c, "limit", limit.name)
	l := a.lang(c)
	a.renderError(c, http.StatusTooManyRequests, errorView{Title: "Too many requests",
		Message: l.T(limit.Message, limit.perHour, l.Duration(roundUpWait(wait))),
		Rule:    `RFC 6585 Section 4: "The 429 status code indicates that the user has sent too many requests in a given amount of time ("rate limiting")."`})
	return false
}

// roundUpWait rounds a wait up to the unit the page says it in (the minute
// past a minute, else the second), so that a visitor who waits as long as
// the page says is let in.
func roundUpWait(wait time.Duration) time.Duration {
	unit := time.Second
	if wait > time.Minute {
		unit = time.Minute
	}
	return (wait + unit - 1).Truncate(unit)
}
