package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/ratelimit"
	"github.com/oauth-reference/provider/service"
)

// providerMetrics are the provider's own counters, beside the request
// metrics every process has (service.Metrics). Every label value comes
// from a fixed set: grant types the provider accepts, its error codes,
// its limiters.
type providerMetrics struct {
	tokensIssued  *prometheus.CounterVec // {grant_type}
	tokenErrors   *prometheus.CounterVec // {error}
	refreshReuse  prometheus.Counter
	codeReplay    prometheus.Counter
	loginFailures prometheus.Counter
	rateLimited   *prometheus.CounterVec // {limit}

	// when a request was last refused under each limit from each address
	// (rateLimited)
	rateLimitedAt refusals
}

// newProviderMetrics registers the counters on reg.
func newProviderMetrics(reg prometheus.Registerer) *providerMetrics {
	m := &providerMetrics{
		tokensIssued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oauth_tokens_issued_total",
			Help: "Successful token responses, by grant_type."}, []string{"grant_type"}),
		tokenErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oauth_token_errors_total",
			Help: "Error responses of the token endpoint, by OAuth error code."}, []string{"error"}),
		refreshReuse: prometheus.NewCounter(prometheus.CounterOpts{Name: "oauth_refresh_reuse_detected_total",
			Help: "Rotated-out refresh tokens presented again (each revoked its grant)."}),
		codeReplay: prometheus.NewCounter(prometheus.CounterOpts{Name: "oauth_code_replay_detected_total",
			Help: "Authorization codes presented a second time (each revoked its grant)."}),
		loginFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "oauth_login_failures_total",
			Help: "Sign-ins refused for a wrong username or password."}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oauth_rate_limited_total",
			Help: "Requests refused by a rate limit, by limit (" + rateLimitLabels() + ")."}, []string{"limit"}),
		rateLimitedAt: refusals{last: map[refusalKey]*atomic.Int64{}},
	}
	reg.MustRegister(m.tokensIssued, m.tokenErrors, m.refreshReuse, m.codeReplay, m.loginFailures, m.rateLimited)
	for _, limit := range rateLimits {
		m.rateLimited.WithLabelValues(limit.label) // exposed at 0 before the first hit, so alerts see the series
	}
	return m
}

// securityEvent counts an event the protocol layer detected and logged.
func (m *providerMetrics) securityEvent(e oauth.SecurityEvent) {
	switch e {
	case oauth.EventRefreshReuse:
		m.refreshReuse.Inc()
	case oauth.EventCodeReplay:
		m.codeReplay.Inc()
	}
}

// errorCodeKey is the gin context key of the OAuth error code a request
// was answered with.
const errorCodeKey = "oauth.error"

// noteError puts the OAuth error code of an answer on the request's log
// line, and logs the hidden cause of a server fault: an error, or a warning
// when the store could not be reached. A request whose own time ran out
// (service.TimedOut) is a server fault: the store did not answer within
// it. A caller that hung up is not, and never comes here (callerHungUp).
func (s *Server) noteError(c *gin.Context, err *oauth.Error) {
	c.Set(errorCodeKey, err.Code)
	service.Note(c, "error", string(err.Code))
	ctx := c.Request.Context()
	switch {
	case !err.ServerFault():
	case err.Code == oauth.ErrTemporarilyUnavailable:
		s.storeUnavailable(ctx, c.FullPath(), err)
	default:
		s.log.ErrorContext(ctx, "server error", "route", c.FullPath(), "err", err)
	}
}

// storeQuietAfter is how long without a request refused for the store
// ends an outage, as far as the log is concerned: the next refusal is
// warned of again.
const storeQuietAfter = oauth.StoreRetryAfter

// storeUnavailable logs the cause of a request refused because the store
// cannot be used: a warning for the first of an outage, the others at
// debug level, so that an outage under load is one warning, not one per
// request (each request's own line still says status=503
// error=temporarily_unavailable). A store that did not answer within the
// request's time (service.Deadline) is said so.
func (s *Server) storeUnavailable(ctx context.Context, route string, err *oauth.Error) {
	level := episodeLevel(&s.storeRefusedAt, storeQuietAfter)
	if service.TimedOut(ctx) {
		s.log.Log(ctx, level, "store unavailable: no answer within the request's time", "route", route,
			"request_timeout", s.requestTimeout, "err", err)
		return
	}
	s.log.Log(ctx, level, "store unavailable", "route", route, "err", err)
}

// episodeLevel is the level to log an event at that comes in episodes
// (a store outage, a flood of refusals): a warning for the first of an
// episode, debug for the others. last holds when the event last happened
// (Unix ns) and is set to now; an episode ends after quiet without one.
func episodeLevel(last *atomic.Int64, quiet time.Duration) slog.Level {
	now := time.Now().UnixNano()
	if now-last.Swap(now) > int64(quiet) {
		return slog.LevelWarn
	}
	return slog.LevelDebug
}

// grantTypeKey is the gin context key of the grant type a token request
// was parsed with (oauth.ParseTokenRequest).
const grantTypeKey = "oauth.grant_type"

// noteGrantType records the parsed grant type of a token request, for
// countTokens.
func noteGrantType(c *gin.Context, g oauth.GrantType) { c.Set(grantTypeKey, g) }

// otherGrantType is the grant_type label of tokens issued under a grant
// type the provider does not support, which cannot happen: it keeps the
// label's values a fixed set whatever a request sends.
const otherGrantType = "other"

// countTokens is the token endpoint's middleware: it counts each answer,
// tokens issued by grant type (as handleToken parsed it: noteGrantType)
// or the error code.
func (s *Server) countTokens(c *gin.Context) {
	c.Next()
	if code, failed := c.Get(errorCodeKey); failed {
		s.metrics.tokenErrors.WithLabelValues(string(code.(oauth.ErrorCode))).Inc()
	} else if c.Writer.Status() == http.StatusOK {
		s.metrics.tokensIssued.WithLabelValues(grantTypeLabel(c)).Inc()
	}
}

// grantTypeLabel is the grant_type label of a token response: the grant
// type handleToken parsed, or otherGrantType for one the provider does not
// support.
func grantTypeLabel(c *gin.Context) string {
	v, _ := c.Get(grantTypeKey)
	g, _ := v.(oauth.GrantType)
	if !g.Supported() {
		return otherGrantType
	}
	return string(g)
}

// loginFailed logs and counts a sign-in refused for a wrong username or
// password. The username is not logged: users type passwords into it.
func (s *Server) loginFailed(c *gin.Context) {
	s.metrics.loginFailures.Inc()
	s.log.WarnContext(c.Request.Context(), "sign-in refused: wrong username or password", "client_address", clientKey(c))
}

// clientKey names the client in a log line as the limits count it: its IP
// address, or for IPv6 its /64 network.
func clientKey(c *gin.Context) string { return ratelimit.Requester(clientAddr(c)) }

// rateLimit is one of the limits: its "limit" label and what its log line
// says was too many.
type rateLimit struct{ label, tooMany string }

// The limits.
var (
	// wrong passwords per address (oauth.WrongPasswordsPerAddress)
	limitPassword = rateLimit{"password", "too many wrong password attempts"}
	// wrong user codes per address (oauth.LookUpUserCode)
	limitUserCode = rateLimit{"user_code", "too many wrong user_code attempts"}
	// user-code entries per address and minute, right or wrong
	// (oauth.UserCodeEntriesPerMinute): the pace, no sign of guessing
	limitUserCodeEntryRate = rateLimit{"user_code_entry_rate", "too many user codes entered in a minute"}
	// passwords, or user codes, being checked at once from one address,
	// when the wrong ones counted leave room
	// (oauth.TooManyAttemptsError.InFlight): no sign of guessing
	limitPasswordInFlight = rateLimit{"password_in_flight", "too many passwords being checked at once"}
	limitUserCodeInFlight = rateLimit{"user_code_in_flight", "too many user codes being checked at once"}
	// registrations per address and hour (config REGISTRATIONS_PER_HOUR)
	limitRegistration = rateLimit{"registration", "too many registrations"}
	// device authorization requests per address and hour (config
	// DEVICE_AUTHORIZATIONS_PER_HOUR)
	limitDeviceAuthorization = rateLimit{"device_authorization", "too many device authorization requests"}
	// pushed authorization requests per address and hour (config
	// PUSHED_REQUESTS_PER_HOUR)
	limitPushedRequest = rateLimit{"pushed_request", "too many pushed authorization requests"}

	rateLimits = []rateLimit{limitPassword, limitUserCode, limitPasswordInFlight, limitUserCodeInFlight,
		limitUserCodeEntryRate, limitRegistration, limitDeviceAuthorization, limitPushedRequest}
)

// rateLimitLabels lists the limits' labels, comma-separated.
func rateLimitLabels() string {
	labels := make([]string, len(rateLimits))
	for i, limit := range rateLimits {
		labels[i] = limit.label
	}
	return strings.Join(labels, ", ")
}

// attemptsRefused logs and counts a request refused by an attempt budget
// (oauth.TooManyAttemptsError) and sets its Retry-After: under inFlight
// when only attempts still being checked filled the budget, which is no
// sign of guessing, else under guessing. It reports whether it was in
// flight, for the page to say so.
func (s *Server) attemptsRefused(c *gin.Context, tooMany *oauth.TooManyAttemptsError, guessing, inFlight rateLimit) bool {
	limit := guessing
	if tooMany.InFlight {
		limit = inFlight
	}
	s.rateLimited(c, limit)
	setRetryAfter(c, tooMany.RetryAfter)
	return tooMany.InFlight
}

// rateLimitQuietAfter is how long without a request refused under a
// limit from an address ends a flood of them, as far as the log is
// concerned: the next refusal under that limit from that address is
// warned of again. A minute, the shortest
// window of the limits (oauth.UserCodeEntriesPerMinute).
const rateLimitQuietAfter = time.Minute

// rateLimited counts a request refused by one of the limits, and logs it:
// a warning for the first refusal of a flood from one address under that
// limit, the others at debug level, so that a flood is one warning per
// address, not one per request (the metric counts each; each request's
// own line says its status). Each address has its own flood: one address
// refused now and then does not hide another's refusals.
func (s *Server) rateLimited(c *gin.Context, limit rateLimit) {
	s.metrics.rateLimited.WithLabelValues(limit.label).Inc()
	address := clientKey(c)
	level := s.metrics.rateLimitedAt.level(refusalKey{limit.label, address})
	s.log.Log(c.Request.Context(), level, "rate limit hit: "+limit.tooMany+" from this address; refused",
		"limit", limit.label, "client_address", address)
}

// refusalKey is one limit (its label) and one address (clientKey).
type refusalKey struct{ limit, address string }

// maxRefusalKeys bounds refusals: at most this many limits and addresses
// are remembered. A refusal under a new one when it is full starts over,
// forgetting them all, so a flood from more addresses than that warns of
// some addresses again rather than growing the map without end.
const maxRefusalKeys = 1024

// refusals holds when a request was last refused under each limit from
// each address (episodeLevel's last, by refusalKey), for at most
// maxRefusalKeys of them.
type refusals struct {
	mu   sync.Mutex
	last map[refusalKey]*atomic.Int64
}

// level is the level to log a refusal under key at (episodeLevel): a
// warning for the first of a flood from that address under that limit.
func (r *refusals) level(key refusalKey) slog.Level {
	r.mu.Lock()
	defer r.mu.Unlock()
	last, ok := r.last[key]
	if !ok {
		if len(r.last) >= maxRefusalKeys {
			clear(r.last)
		}
		last = new(atomic.Int64)
		r.last[key] = last
	}
	return episodeLevel(last, rateLimitQuietAfter)
}
