package oauth

import (
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/oauth-reference/provider/ratelimit"
)

// RateLimit allows each requester (an IPv4 address, or an IPv6 /64) a burst
// of requests that refills at a steady rate, and an IPv6 /48
// ratelimit.NetworkBudgetFactor times as much, which each of its /64s draws
// from as well: the token buckets of a ratelimit.Limit, in this process's
// memory, bounded as it says. It paces work, such as user-code entry,
// client registration and device authorization; the budgets of failures
// that must hold across processes are counted in the store (attemptBudget).
// Safe for concurrent use.
type RateLimit struct {
	buckets *ratelimit.Limit
}

// NewRateLimit allows burst requests per requester, refilled at burst per
// period.
func NewRateLimit(burst int, period time.Duration) *RateLimit {
	return &RateLimit{buckets: ratelimit.New(burst, period)}
}

// allow takes one request from each bucket addr counts under at now, or
// takes none and refuses with a *TooManyAttemptsError (Paced) saying when
// the next one is allowed.
func (l *RateLimit) allow(addr netip.Addr, now time.Time) error {
	return l.allowEach(ratelimit.CountedUnder(addr), now)
}

// allowEach takes one request from each bucket of counted at now, or takes
// none and refuses as allow does; a refused request makes no bucket.
func (l *RateLimit) allowEach(counted []ratelimit.CountedAs, now time.Time) error {
	if wait := l.buckets.Allow(counted, now); wait > 0 {
		return &TooManyAttemptsError{RetryAfter: wait, Paced: true}
	}
	return nil
}

// hourlyLimit is a RateLimit of requests per hour whose number comes from
// the Config: it is made at the first request.
type hourlyLimit struct {
	once  sync.Once
	limit *RateLimit
}

// admit counts one request from addr at now, or refuses it when addr used
// up its perHour requests (tooManyRequests, saying it was too many of
// what), and records on tr whether it kept to rule.
func (l *hourlyLimit) admit(tr *Trace, rule Rule, what string, addr netip.Addr, now time.Time, perHour int) *Error {
	var over *TooManyAttemptsError
	refused := errors.As(l.admitAs(ratelimit.CountedUnder(addr), now, perHour), &over)
	if !tr.Check(rule, !refused) {
		return tooManyRequests(rule, what, over.RetryAfter)
	}
	return nil
}

// admitName counts one request of name (a site, say) at now, or refuses it
// with a *TooManyAttemptsError when name used up its perHour requests.
func (l *hourlyLimit) admitName(name string, now time.Time, perHour int) error {
	return l.admitAs([]ratelimit.CountedAs{{Name: name, Times: 1}}, now, perHour)
}

// admitAs takes one request from each bucket of counted, the limit made at
// the first request with perHour.
func (l *hourlyLimit) admitAs(counted []ratelimit.CountedAs, now time.Time, perHour int) error {
	l.once.Do(func() { l.limit = NewRateLimit(perHour, time.Hour) })
	return l.limit.allowEach(counted, now)
}
