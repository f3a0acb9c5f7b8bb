// Package ratelimit counts requests per address for both programs: whom a
// request counts as (CountedUnder), and a token bucket per such name in this
// process's memory (Limit). The provider paces with it the requests anyone
// can make (user-code entry, for the rate limit that [RFC 8628 Section 5.1]
// asks for: "it is recommended that the server rate-limit user code
// attempts"; client registrations; device authorization and pushed
// authorization requests), and counts failures in its store under the same
// names. The client gives each of its visitors a part of the provider's
// budgets, as it sends every visitor's requests from its one address. One
// package, so that the client counts a visitor exactly as the provider
// counts a requester. It has no Gin and no store, so the provider's
// protocol package imports it too.
//
// # Counted as
//
// A request is counted as its Requester: an IPv4 address on its own, an
// IPv6 address by its /64, as one subscriber usually holds a whole /64 and
// can pick any address in it. An IPv6 request is counted under its /48 (one
// site) too, with NetworkBudgetFactor times the budget, so that the 65,536
// /64s of one site cannot multiply its budget. An IPv4-mapped IPv6 address
// (::ffff:192.0.2.1) is counted as its IPv4 address.
//
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
package ratelimit

import (
	"container/list"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// NetworkBudgetFactor is how many times a requester's own budget its
// network's is: an IPv6 /48 (one site) may fail, or send, this many times as
// often as one of its /64s (one subscriber).
const NetworkBudgetFactor = 10

// maxTracked bounds the memory of a Limit: it remembers the names seen most
// recently, at most this many.
const maxTracked = 10_000

// Requester names who sends a request from addr: an IPv4 address, or the
// /64 of an IPv6 address (one subscriber). An address that does not parse
// (a test's pipe) is counted as itself.
func Requester(addr netip.Addr) string {
	if addr = addr.Unmap(); addr.Is6() {
		prefix, _ := addr.Prefix(64)
		return prefix.String()
	}
	return addr.String()
}

// CountedAs is one name a limit counts a request under, with how many times
// a requester's budget that name has.
type CountedAs struct {
	Name  string
	Times int
}

// CountedUnder names whom a request from addr counts against, in every
// limit: its Requester with the budget, and for IPv6 also its /48 with
// NetworkBudgetFactor times the budget.
func CountedUnder(addr netip.Addr) []CountedAs {
	requester := CountedAs{Requester(addr), 1}
	if addr = addr.Unmap(); !addr.Is6() {
		return []CountedAs{requester}
	}
	site, _ := addr.Prefix(48)
	return []CountedAs{requester, {site.String(), NetworkBudgetFactor}}
}

// Limit allows each name a burst of requests that refills at a steady rate:
// a token bucket (golang.org/x/time/rate) per name, in this process's
// memory. A name counted with Times n gets n times the burst, refilled n
// times as fast.
//
// Memory is bounded by forgetting the name seen least recently when
// maxTracked are tracked. Forgetting only ever gives a requester a fresh
// burst: no one is refused because others were busy (but for the /64s of
// one busy /48). Nor can a flood buy fresh bursts by evicting: a refused
// request makes no bucket, so once a /48 has spent its budget, churning
// through its /64s adds nothing to forget. Safe for concurrent use.
type Limit struct {
	every time.Duration // one request refills per every
	burst int

	mu     sync.Mutex
	lru    *list.List // of *bucket, most recently seen first
	byName map[string]*list.Element
}

// bucket is one name's token bucket.
type bucket struct {
	name    string
	limiter *rate.Limiter
}

// New allows burst requests per requester, refilled at burst per period.
func New(burst int, period time.Duration) *Limit {
	return &Limit{every: period / time.Duration(burst), burst: burst, lru: list.New(), byName: map[string]*list.Element{}}
}

// Allow takes one request from each bucket of counted at now and returns 0,
// or takes none and returns how long until one more is allowed. Only a
// bucket already made can refuse (a new one is full), so those are asked
// first, and a refused request makes none.
func (l *Limit) Allow(counted []CountedAs, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var taken []*rate.Reservation
	var missing []CountedAs
	for _, c := range counted {
		limiter, ok := l.seenLocked(c.Name)
		if !ok {
			missing = append(missing, c)
			continue
		}
		r := limiter.ReserveN(now, 1)
		if wait := r.DelayFrom(now); wait > 0 {
			for _, t := range append(taken, r) {
				t.CancelAt(now)
			}
			return wait
		}
		taken = append(taken, r)
	}
	for _, c := range missing {
		l.newBucketLocked(c).ReserveN(now, 1)
	}
	return 0
}

// seenLocked returns the bucket of a name, marking it seen most recently,
// if there is one. l.mu must be held.
func (l *Limit) seenLocked(name string) (*rate.Limiter, bool) {
	e, ok := l.byName[name]
	if !ok {
		return nil, false
	}
	l.lru.MoveToFront(e)
	return e.Value.(*bucket).limiter, true
}

// newBucketLocked makes the bucket of a name (c.Times the requester's burst
// and rate), forgetting the name seen least recently to stay within
// maxTracked. l.mu must be held.
func (l *Limit) newBucketLocked(c CountedAs) *rate.Limiter {
	if l.lru.Len() >= maxTracked {
		oldest := l.lru.Back()
		l.lru.Remove(oldest)
		delete(l.byName, oldest.Value.(*bucket).name)
	}
	b := &bucket{name: c.Name, limiter: rate.NewLimiter(rate.Every(l.every/time.Duration(c.Times)), c.Times*l.burst)}
	l.byName[c.Name] = l.lru.PushFront(b)
	return b.limiter
}
