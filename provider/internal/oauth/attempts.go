package oauth

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/ratelimit"
)

// TooManyAttemptsError refuses an attempt over a limit (wrong passwords,
// user codes, registrations); the caller may try again after RetryAfter.
type TooManyAttemptsError struct {
	RetryAfter time.Duration
	// InFlight: the failures counted leave room, but attempts still being
	// checked fill the budget. It is no sign of guessing (a crowd behind
	// one address signing in at once), and ends as they are judged.
	InFlight bool
	// Paced: a RateLimit refused it, requests come faster than its pace,
	// right or wrong. It counts no failure and ends in a few seconds.
	Paced bool
}

// Error says that the attempt was refused over a limit, and after how long
// it may be tried again.
func (e *TooManyAttemptsError) Error() string {
	return fmt.Sprintf("oauth: too many attempts; retry after %s", e.RetryAfter)
}

// tooManyRequests refuses a request over one of the limits of rule, too
// many of what from one address: temporarily_unavailable, "The
// authorization server is currently unable to handle the request due to a
// temporary overloading" ([RFC 6749 Section 4.1.2.1]), to be tried again
// after the given time (RetryAfter: 429 Too Many Requests with
// Retry-After, [RFC 6585 Section 4]).
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
// [RFC 6585 Section 4]: https://www.rfc-editor.org/rfc/rfc6585#section-4
func tooManyRequests(rule Rule, what string, after time.Duration) *Error {
	err := rule.Refuse(ErrTemporarilyUnavailable, what+" from this address; try again later")
	err.RetryAfter = after
	return err
}

// attemptBudget bounds failures (wrong passwords, wrong user codes): at most
// limit per requester in any stretch of time of the given length, as a
// sliding window counts them (reserveAttempt). The counts live in the store,
// so every provider process sharing a database shares the budget
// (store.Store.ReserveAttempt). Memory holds none of it, and only the
// requester who failed spends its own budget: no one is ever refused for
// what others did.
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

// keysOf is the store keys an attempt from addr counts under
// (ratelimit.CountedUnder).
func (b attemptBudget) keysOf(addr netip.Addr) []attemptKey {
	var keys []attemptKey
	for _, c := range ratelimit.CountedUnder(addr) {
		keys = append(keys, attemptKey{b.kind + ":" + c.Name, c.Times * b.limit})
	}
	return keys
}

// attemptLease is how long a reserved attempt counts unless it is confirmed
// or forgiven: far longer than any check (an Argon2id hash takes tens of
// milliseconds), and short enough that an attempt whose provider died
// during its check soon stops counting against its requester.
const attemptLease = time.Minute

// inFlightRetryAfter is the Retry-After of an attempt refused only because
// attempts still being checked fill its budget: each check takes tens of
// milliseconds (one Argon2id hash, or one lookup), so a second, the least
// Retry-After can say, is enough for those ahead of it to be judged.
const inFlightRetryAfter = time.Second

// attemptTicket holds the leases of an attempt reserved by reserveAttempt,
// one per key: confirmAttempt turns them into failures when the attempt
// turns out wrong, forgiveAttempt gives them back when it turns out right.
type attemptTicket struct {
	leases []int64
}

// reserveAttempt reserves one attempt for addr in advance, under each of
// its keys, so that concurrent attempts (in any process) cannot overshoot
// the budget (store.Store.ReserveAttempt). Over the budget of any key it
// reserves nothing and refuses with a *TooManyAttemptsError (refusal).
//
// The budget is counted as a sliding window. Failures are counted in fixed
// windows of b.length (15:00 to 15:15, 15:15 to 15:30, ...), which are cheap
// to keep: one count per key and window. But a fixed window alone would let
// an address fail limit times just before 15:15 and limit times again just
// after. So the previous window's failures count too, weighed by how much
// of that window still lies within the last b.length: at 15:18, 80% of the
// 15:00 window's failures count, plus all of the 15:15 window's. An attempt
// passes while that sum, the attempts still being checked and itself stay
// within the limit. Then over any stretch of time up to b.length no more
// than limit failures pass, plus limit for the share of b.length the
// stretch lasts: never a burst of twice the limit.
func (p *Provider) reserveAttempt(ctx context.Context, b attemptBudget, addr netip.Addr) (attemptTicket, error) {
	now := p.Now()
	window := now.Truncate(b.length)
	end := window.Add(b.length)
	var t attemptTicket
	for _, k := range b.keysOf(addr) {
		r := store.AttemptReservation{
			Key: k.key, Window: window, WindowEnd: end, PreviousWeight: float64(end.Sub(now)) / float64(b.length),
			Limit: k.limit, Now: now, LeaseUntil: now.Add(attemptLease),
		}
		lease, reserved, counted, err := p.Store.ReserveAttempt(ctx, r)
		if err == nil && !reserved {
			err = refusal(r, counted)
		}
		if err != nil {
			p.forgiveAttempt(ctx, t)
			return attemptTicket{}, err
		}
		t.leases = append(t.leases, lease)
	}
	return t, nil
}

// refusal is the error of an attempt that r did not admit with what was
// counted: when the failures alone leave room, attempts still being
// checked filled it, and the refusal ends in a moment (InFlight); else it
// ends when enough failures have slid out of the window (roomAt).
func refusal(r store.AttemptReservation, counted store.AttemptCounts) *TooManyAttemptsError {
	if failures := (store.AttemptCounts{Previous: counted.Previous, Failures: counted.Failures}); r.Admits(failures) {
		return &TooManyAttemptsError{RetryAfter: inFlightRetryAfter, InFlight: true}
	}
	return &TooManyAttemptsError{RetryAfter: roomAt(r, counted).Sub(r.Now)}
}

// roomAt is when the failures counted leave room for one more attempt
// under r.Limit, if no other fails meanwhile. The previous window's weight
// falls as time passes, from 1 at r.Window to 0 at r.WindowEnd: while this
// window's failures leave room, it is when the previous window's, so
// weighed, fit in the rest. Else it is in the next window, when this
// window's failures, weighed there in turn, fit under the limit.
func roomAt(r store.AttemptReservation, counted store.AttemptCounts) time.Time {
	length := float64(r.WindowEnd.Sub(r.Window))
	if room := r.Limit - 1 - counted.Failures; room >= 0 {
		return r.WindowEnd.Add(-time.Duration(float64(room) / float64(counted.Previous) * length))
	}
	return r.WindowEnd.Add(time.Duration(length - float64(r.Limit-1)/float64(counted.Failures)*length))
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
