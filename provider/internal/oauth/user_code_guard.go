package oauth

import (
	"fmt"
	"sync"
	"time"
)

// The limits of user-code entry at the verification URI, per client of the
// verification page (an IP address, or an IPv6 /64: see web) and in total.
const (
	// UserCodeEntriesPerMinute is how many codes one client may enter per
	// minute, right or wrong: the rate limit.
	UserCodeEntriesPerMinute = 20
	// WrongUserCodesPerClient is how many wrong codes one client may enter
	// per guess window (the device code lifetime).
	WrongUserCodesPerClient = 10
	// WrongUserCodesTotal is how many wrong codes all clients together may
	// enter per guess window.
	WrongUserCodesTotal = 1000
	// maxTrackedClients bounds the memory of each counter: past it, new
	// clients share one budget until the window ends.
	maxTrackedClients = 10_000
)

// TooManyAttemptsError refuses a user-code entry over a limit of
// UserCodeGuard; the user may try again after RetryAfter.
type TooManyAttemptsError struct {
	RetryAfter time.Duration
}

func (e *TooManyAttemptsError) Error() string {
	return fmt.Sprintf("oauth: too many user code attempts; retry after %s", e.RetryAfter)
}

// UserCodeGuard is the brute-force defence of user-code entry, [RFC 8628
// Section 5.1]: "it is recommended that the server rate-limit user code
// attempts. The user code SHOULD have enough entropy that, when combined
// with rate-limiting and other mitigations, a brute-force attack becomes
// infeasible."
//
// It keeps three fixed-window counters in memory:
//
//   - entries per client per minute: the rate limit;
//   - wrong guesses per client per guess window;
//   - wrong guesses of all clients together per guess window.
//
// The issue asks for "a bounded number of wrong guesses per pending code".
// A wrong guess names no code, so it cannot be charged to the code it was
// aimed at; but every wrong guess made while a code is pending is a guess
// at that code (and at every other pending one). So the bound per pending
// code is the bound on all wrong guesses during its lifetime. The guess
// window is the device code lifetime, so a code's life overlaps at most two
// windows: it faces at most 2 × WrongUserCodesTotal wrong guesses from
// everyone (a chance of at most 2000 / 20^8 ≈ 2^-23.6 that they hit it), and
// at most 2 × WrongUserCodesPerClient from any one client (≈ 2^-30.3). The
// RFC's example: with 34.5 bits, allowing "5 attempts" gives "the same 2^-32
// probability of success by random guessing".
//
// The price of the total bound: an attacker with many addresses can spend
// it and hold off every user's code entry until the window ends. Only a
// wrong guess spends it; right codes never do.
//
// Entries that cannot be a code (the wrong length, a vowel) count as
// entries but not as wrong guesses: they have no chance of hitting one.
//
// Memory is bounded: each counter forgets everything when its window ends
// and holds at most maxTrackedClients clients. A single process counts on
// its own; behind a load balancer each process has its own budget.
//
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
type UserCodeGuard struct {
	mu       sync.Mutex
	entries  windowCounter
	wrong    windowCounter
	allWrong windowCounter
}

// NewUserCodeGuard returns a guard whose guess window is codeLifetime, the
// lifetime of a device code (Config.DeviceCodeTTL).
func NewUserCodeGuard(codeLifetime time.Duration) *UserCodeGuard {
	return &UserCodeGuard{
		entries:  windowCounter{limit: UserCodeEntriesPerMinute, length: time.Minute},
		wrong:    windowCounter{limit: WrongUserCodesPerClient, length: codeLifetime},
		allWrong: windowCounter{limit: WrongUserCodesTotal, length: codeLifetime},
	}
}

// guessTicket is an admitted entry, counted as a wrong guess until
// notAGuess gives the guess back.
type guessTicket struct {
	client string
	window time.Time // start of the guess window it was counted in
}

// admit counts one entry by client at now, and reserves a wrong guess for
// it (both per client and in total), so that concurrent guesses cannot
// overshoot the bound. Over any limit it counts nothing and refuses with a
// *TooManyAttemptsError.
func (g *UserCodeGuard) admit(client string, now time.Time) (guessTicket, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	checks := []struct {
		w   *windowCounter
		key string
	}{{&g.entries, client}, {&g.wrong, client}, {&g.allWrong, ""}}
	for _, c := range checks {
		c.w.roll(now)
	}
	for _, c := range checks {
		if c.w.full(c.key) {
			return guessTicket{}, &TooManyAttemptsError{RetryAfter: c.w.end().Sub(now)}
		}
	}
	g.entries.add(client, 1)
	g.wrong.add(client, 1)
	g.allWrong.add("", 1)
	return guessTicket{client: client, window: g.wrong.start}, nil
}

// notAGuess gives back the wrong guess reserved by admit: the entry named a
// real code, or could not name any.
func (g *UserCodeGuard) notAGuess(t guessTicket) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.wrong.start.Equal(t.window) { // both guess counters roll together
		g.wrong.add(t.client, -1)
		g.allWrong.add("", -1)
	}
}

// windowCounter counts events per key in fixed windows of time. When a
// window ends every count is dropped, so memory never grows past the keys
// of one window, and at most maxTrackedClients of those.
type windowCounter struct {
	limit  int
	length time.Duration
	start  time.Time
	counts map[string]int
}

// overflowKey is the shared key of the clients past maxTrackedClients; no
// client address looks like it.
const overflowKey = "*"

// roll starts a new window if now is past the current one.
func (w *windowCounter) roll(now time.Time) {
	if start := now.Truncate(w.length); !start.Equal(w.start) || w.counts == nil {
		w.start, w.counts = start, make(map[string]int)
	}
}

// end is when the current window ends.
func (w *windowCounter) end() time.Time { return w.start.Add(w.length) }

// slot is the key the events of key are counted under: key itself, or
// overflowKey once the window tracks maxTrackedClients others.
func (w *windowCounter) slot(key string) string {
	if _, ok := w.counts[key]; !ok && len(w.counts) >= maxTrackedClients {
		return overflowKey
	}
	return key
}

// full reports whether key has used up the window's limit.
func (w *windowCounter) full(key string) bool { return w.counts[w.slot(key)] >= w.limit }

// add counts n events (n may be -1, to give one back) for key.
func (w *windowCounter) add(key string, n int) {
	k := w.slot(key)
	if w.counts[k] += n; w.counts[k] <= 0 {
		delete(w.counts, k)
	}
}
