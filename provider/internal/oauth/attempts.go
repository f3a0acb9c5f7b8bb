package oauth

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// TooManyAttemptsError refuses an attempt over a limit (wrong passwords,
// user codes, registrations); the caller may try again after RetryAfter.
type TooManyAttemptsError struct {
	RetryAfter time.Duration
}

func (e *TooManyAttemptsError) Error() string {
	return fmt.Sprintf("oauth: too many attempts; retry after %s", e.RetryAfter)
}

// Requester names who sends a request, as both kinds of limit count it
// (attemptBudget below, RateLimit in rate_limit.go): an IPv4 address, or
// the /64 of an IPv6 address (one subscriber). The limits also count an
// IPv6 request against its /48 (countedUnder).
func Requester(addr netip.Addr) string {
	if addr = addr.Unmap(); addr.Is6() {
		prefix, _ := addr.Prefix(64)
		return prefix.String()
	}
	return addr.String()
}

// networkBudgetFactor is how many times a requester's own budget its
// network's is: an IPv6 /48 (one site) may fail, or send, this many times as
// often as one of its /64s (one subscriber).
const networkBudgetFactor = 10

// countedAs is one name a limit counts a request under, with how many times
// a requester's budget that name has.
type countedAs struct {
	name  string
	times int
}

// countedUnder names whom a request from addr counts against, in every
// limit (attemptBudget, RateLimit): its Requester (an IPv4 address on its
// own; an IPv6 address by its /64, as one subscriber usually holds a whole
// /64) with the budget, and for IPv6 also its /48 with networkBudgetFactor
// times the budget, so that the 65,536 /64s of one site cannot multiply its
// guesses or its requests. An address that does not parse (a test's pipe)
// counts as itself.
func countedUnder(addr netip.Addr) []countedAs {
	requester := countedAs{Requester(addr), 1}
	if addr = addr.Unmap(); !addr.Is6() {
		return []countedAs{requester}
	}
	site, _ := addr.Prefix(48)
	return []countedAs{requester, {site.String(), networkBudgetFactor}}
}

// attemptBudget bounds failures (wrong passwords, wrong user codes): at most
// limit per requester in each fixed window of the given length. The counts
// live in the store, so every provider process sharing a database shares
// the budget (store.Store.ReserveAttempt). Memory holds none of it, and only
// the requester who failed spends its own budget: no one is ever refused
// for what others did.
type attemptBudget struct {
	kind   string // what is counted: the first part of each key
	limit  int
	length time.Duration
}

// attemptKey is one store key an attempt is counted under, with its limit.
type attemptKey struct {
	key   string
	limit int
}

// keysOf is the store keys an attempt from addr counts under (countedUnder).
func (b attemptBudget) keysOf(addr netip.Addr) []attemptKey {
	var keys []attemptKey
	for _, c := range countedUnder(addr) {
		keys = append(keys, attemptKey{b.kind + ":" + c.name, c.times * b.limit})
	}
	return keys
}

// attemptLease is how long a reserved attempt counts unless it is confirmed
// or forgiven: far longer than any check (an Argon2id hash takes tens of
// milliseconds), and short enough that an attempt whose provider died
// during its check soon stops counting against its requester.
const attemptLease = time.Minute

// attemptTicket holds the leases of an attempt reserved by reserveAttempt,
// one per key: confirmAttempt turns them into failures when the attempt
// turns out wrong, forgiveAttempt gives them back when it turns out right.
type attemptTicket struct {
	leases []int64
}

// reserveAttempt reserves one attempt for addr in advance, under each of
// its keys, so that concurrent attempts (in any process) cannot overshoot
// the budget (store.Store.ReserveAttempt). Over the budget of any key it
// reserves nothing and refuses with a *TooManyAttemptsError.
func (p *Provider) reserveAttempt(ctx context.Context, b attemptBudget, addr netip.Addr) (attemptTicket, error) {
	now := p.Now()
	window := now.Truncate(b.length)
	end := window.Add(b.length)
	var t attemptTicket
	for _, k := range b.keysOf(addr) {
		lease, reserved, err := p.Store.ReserveAttempt(ctx, store.AttemptReservation{
			Key: k.key, Window: window, WindowEnd: end, Limit: k.limit,
			Now: now, LeaseUntil: now.Add(attemptLease),
		})
		if err == nil && !reserved {
			err = &TooManyAttemptsError{RetryAfter: end.Sub(now)}
		}
		if err != nil {
			p.forgiveAttempt(ctx, t)
			return attemptTicket{}, err
		}
		t.leases = append(t.leases, lease)
	}
	return t, nil
}

// confirmAttempt counts an attempt reserved by reserveAttempt as a failure
// for the rest of its window: it was wrong. A failure to count it is
// logged; the lease still counts until it ends.
func (p *Provider) confirmAttempt(ctx context.Context, t attemptTicket) {
	p.settle(ctx, t, p.Store.ConfirmAttempt, "count a failed attempt")
}

// forgiveAttempt gives back an attempt reserved by reserveAttempt: it was
// right, or could not be judged. A failure to give it back is logged; the
// lease then counts until it ends, as it does when the provider dies
// during the check.
func (p *Provider) forgiveAttempt(ctx context.Context, t attemptTicket) {
	p.settle(ctx, t, p.Store.ReleaseAttempt, "take back an attempt")
}

// settle applies op (counting or giving back) to each lease of t, in the
// settling context, and tries a lease once more when its first try fails:
// a broken database connection (a restart, a killed session) fails the
// statement it carried, and the pool serves the retry on a new one.
// Without it, right passwords checked during such a blip would hold their
// requester's attempts for the lease's minute, and lock out an address
// that guessed nothing. A lease that fails twice is logged as what.
func (p *Provider) settle(ctx context.Context, t attemptTicket, op func(context.Context, int64) error, what string) {
	ctx, cancel := settling(ctx)
	defer cancel()
	for _, lease := range t.leases {
		err := op(ctx, lease)
		if err != nil && ctx.Err() == nil {
			err = op(ctx, lease)
		}
		if err != nil {
			p.Log.WarnContext(ctx, what, "err", err)
		}
	}
}

// settling is the context in which an attempt is counted or given back:
// not canceled with ctx, so that a caller who hangs up once its attempt is
// judged cannot take back a wrong guess, but ended at ctx's deadline (the
// request's time), so that a store that stopped answering does not hold
// the request past it.
func settling(ctx context.Context) (context.Context, context.CancelFunc) {
	detached := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(detached, deadline)
	}
	return detached, func() {}
}
