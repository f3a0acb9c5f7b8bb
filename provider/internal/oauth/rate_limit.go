package oauth

import (
	"container/list"
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
// (golang.org/x/time/rate) per requester, in this process's memory. It
// paces work, such as user-code entry and client registration; the budgets
// of failures that must hold across processes are counted in the store
// (attemptBudget).
//
// Memory is bounded by forgetting the requester seen least recently when
// maxTrackedRequesters are tracked. Forgetting only ever gives a requester
// a fresh burst: no one is refused because others were busy, and an IPv6
// network that churns through its /64s evicts no one's refusal but its own.
// Safe for concurrent use.
type RateLimit struct {
	every time.Duration // one request refills per every
	burst int

	mu     sync.Mutex
	lru    *list.List // of *requesterLimit, most recently seen first
	byName map[string]*list.Element
}

// requesterLimit is one requester's bucket.
type requesterLimit struct {
	name    string
	limiter *rate.Limiter
}

// NewRateLimit allows burst requests per requester, refilled at burst per
// period.
func NewRateLimit(burst int, period time.Duration) *RateLimit {
	return &RateLimit{every: period / time.Duration(burst), burst: burst, lru: list.New(), byName: map[string]*list.Element{}}
}

// allow takes one request from addr's bucket at now, or refuses with a
// *TooManyAttemptsError saying when the next one is allowed.
func (l *RateLimit) allow(addr netip.Addr, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.bucketLocked(Requester(addr)).ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return &TooManyAttemptsError{RetryAfter: delay}
	}
	return nil
}

// bucketLocked returns the bucket of a requester, marking it seen most
// recently, and makes one when there is none, forgetting the requester seen
// least recently to stay within maxTrackedRequesters. l.mu must be held.
func (l *RateLimit) bucketLocked(name string) *rate.Limiter {
	if e, ok := l.byName[name]; ok {
		l.lru.MoveToFront(e)
		return e.Value.(*requesterLimit).limiter
	}
	if l.lru.Len() >= maxTrackedRequesters {
		oldest := l.lru.Back()
		l.lru.Remove(oldest)
		delete(l.byName, oldest.Value.(*requesterLimit).name)
	}
	r := &requesterLimit{name: name, limiter: rate.NewLimiter(rate.Every(l.every), l.burst)}
	l.byName[name] = l.lru.PushFront(r)
	return r.limiter
}

// tracked is how many requesters the limit remembers.
func (l *RateLimit) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}
