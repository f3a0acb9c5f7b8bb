package oauth

import (
	"container/list"
	"errors"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxTrackedRequesters bounds the memory of a RateLimit: it remembers the
// requesters seen most recently, at most this many.
const maxTrackedRequesters = 10_000

// RateLimit allows each requester (an IPv4 address, or an IPv6 /64) a burst
// of requests that refills at a steady rate: a token bucket
// (golang.org/x/time/rate) per requester, in this process's memory. An IPv6
// /48 has a bucket too, networkBudgetFactor times as large and as fast
// (countedUnder), which each of its /64s draws from as well. It paces work,
// such as user-code entry, client registration and device authorization;
// the budgets of failures that must hold across processes are counted in
// the store (attemptBudget).
//
// Memory is bounded by forgetting the requester seen least recently when
// maxTrackedRequesters are tracked. Forgetting only ever gives a requester
// a fresh burst: no one is refused because others were busy (but for the
// /64s of one busy /48). Nor can a flood buy fresh bursts by evicting: a
// refused request makes no bucket, so once a /48 has spent its budget,
// churning through its /64s adds nothing to forget. Safe for concurrent
// use.
type RateLimit struct {
	every time.Duration // one request refills per every
	burst int

	mu     sync.Mutex
	lru    *list.List // of *requesterLimit, most recently seen first
	byName map[string]*list.Element
}

// requesterLimit is one requester's (or /48's) bucket.
type requesterLimit struct {
	name    string
	limiter *rate.Limiter
}

// NewRateLimit allows burst requests per requester, refilled at burst per
// period.
func NewRateLimit(burst int, period time.Duration) *RateLimit {
	return &RateLimit{every: period / time.Duration(burst), burst: burst, lru: list.New(), byName: map[string]*list.Element{}}
}

// allow takes one request from each bucket addr counts under at now, or
// takes none and refuses with a *TooManyAttemptsError (Paced) saying when
// the next one is allowed.
func (l *RateLimit) allow(addr netip.Addr, now time.Time) error {
	return l.allowEach(countedUnder(addr), now)
}

// allowEach takes one request from each bucket of counted at now, or takes
// none and refuses as allow does. Only a bucket already made can refuse (a
// new one is full), so those are asked first, and a refused request makes
// none: churning through the /64s of a spent /48 evicts no one's bucket.
func (l *RateLimit) allowEach(counted []countedAs, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var taken []*rate.Reservation
	var missing []countedAs
	for _, c := range counted {
		limiter, ok := l.seenLocked(c.name)
		if !ok {
			missing = append(missing, c)
			continue
		}
		r := limiter.ReserveN(now, 1)
		if delay := r.DelayFrom(now); delay > 0 {
			for _, t := range append(taken, r) {
				t.CancelAt(now)
			}
			return &TooManyAttemptsError{RetryAfter: delay, Paced: true}
		}
		taken = append(taken, r)
	}
	for _, c := range missing {
		l.newBucketLocked(c).ReserveN(now, 1)
	}
	return nil
}

// seenLocked returns the bucket of a name, marking it seen most recently,
// if there is one. l.mu must be held.
func (l *RateLimit) seenLocked(name string) (*rate.Limiter, bool) {
	e, ok := l.byName[name]
	if !ok {
		return nil, false
	}
	l.lru.MoveToFront(e)
	return e.Value.(*requesterLimit).limiter, true
}

// newBucketLocked makes the bucket of a name (c.times the requester's burst
// and rate), forgetting the name seen least recently to stay within
// maxTrackedRequesters. l.mu must be held.
func (l *RateLimit) newBucketLocked(c countedAs) *rate.Limiter {
	if l.lru.Len() >= maxTrackedRequesters {
		oldest := l.lru.Back()
		l.lru.Remove(oldest)
		delete(l.byName, oldest.Value.(*requesterLimit).name)
	}
	r := &requesterLimit{name: c.name, limiter: rate.NewLimiter(rate.Every(l.every/time.Duration(c.times)), c.times*l.burst)}
	l.byName[c.name] = l.lru.PushFront(r)
	return r.limiter
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
	refused := errors.As(l.admitAs(countedUnder(addr), now, perHour), &over)
	if !tr.Check(rule, !refused) {
		return tooManyRequests(rule, what, over.RetryAfter)
	}
	return nil
}

// admitName counts one request of name (a site, say) at now, or refuses it
// with a *TooManyAttemptsError when name used up its perHour requests.
func (l *hourlyLimit) admitName(name string, now time.Time, perHour int) error {
	return l.admitAs([]countedAs{{name, 1}}, now, perHour)
}

// admitAs takes one request from each bucket of counted, the limit made at
// the first request with perHour.
func (l *hourlyLimit) admitAs(counted []countedAs, now time.Time, perHour int) error {
	l.once.Do(func() { l.limit = NewRateLimit(perHour, time.Hour) })
	return l.limit.allowEach(counted, now)
}
