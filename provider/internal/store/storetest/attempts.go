package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// errOverLimit stands for ReserveAttempt's false: the window's limit was
// reached, nothing was reserved.
var errOverLimit = errors.New("attempt limit reached")

// attemptWindow is the length of the window the attempt tests count in,
// and attemptLease how long their leases count unless confirmed.
const (
	attemptWindow = 15 * time.Minute
	attemptLease  = time.Minute
)

// reservation asks for an attempt under key at now, in the window of
// attemptWindow that now falls in (the windows start at t0), for a lease of
// attemptLease.
func reservation(key string, limit int, now time.Time) store.AttemptReservation {
	window := at(now.Sub(t0).Truncate(attemptWindow))
	end := window.Add(attemptWindow)
	return store.AttemptReservation{
		Key: key, Window: window, WindowEnd: end, PreviousWeight: float64(end.Sub(now)) / float64(attemptWindow),
		Limit: limit, Now: now, LeaseUntil: now.Add(attemptLease),
	}
}

// reserveAttempt calls ReserveAttempt at now (reservation) and returns the
// lease and nil when it reserved, errOverLimit when not.
func reserveAttempt(ctx context.Context, s store.Store, key string, limit int, now time.Time) (int64, error) {
	lease, reserved, _, err := s.ReserveAttempt(ctx, reservation(key, limit, now))
	if err == nil && !reserved {
		err = errOverLimit
	}
	return lease, err
}

// reserveNow is reserveAttempt at t0, the window's start.
func reserveNow(ctx context.Context, s store.Store, key string, limit int) error {
	_, err := reserveAttempt(ctx, s, key, limit, t0)
	return err
}

// checkCounted checks how many of errs reserved (nil) and that the others
// are errOverLimit.
func checkCounted(t *testing.T, errs []error, want int) {
	t.Helper()
	counted := 0
	for i, err := range errs {
		switch {
		case err == nil:
			counted++
		case !errors.Is(err, errOverLimit):
			t.Errorf("ReserveAttempt #%d: got error %v, want nil or over the limit", i, err)
		}
	}
	if counted != want {
		t.Errorf("ReserveAttempt by %d callers with limit %d: %d reserved, want %d", len(errs), want, counted, want)
	}
}

// attemptTests hold the store to the attempt budgets behind the limits of
// wrong passwords and wrong user codes (RFC 8628 Section 5.1): a limit
// holds exactly, per key and sliding window, however many requests race, and an
// attempt whose provider died while checking it stops counting on its own.
var attemptTests = []test{
	{"ReserveAttempt reserves up to the limit, leases and failures together; other keys and windows have their own", func(t *testing.T, s store.Store) {
		lease, err := reserveAttempt(t.Context(), s, "password:192.0.2.1", 3, t0)
		must(t, "ReserveAttempt", err)
		must(t, "ConfirmAttempt", s.ConfirmAttempt(t.Context(), lease))
		for range 2 {
			checkErr(t, "ReserveAttempt within the limit", reserveNow(t.Context(), s, "password:192.0.2.1", 3), nil)
		}
		checkErr(t, "ReserveAttempt over the limit", reserveNow(t.Context(), s, "password:192.0.2.1", 3), errOverLimit)
		checkErr(t, "ReserveAttempt(another key)", reserveNow(t.Context(), s, "password:192.0.2.2", 3), nil)
		_, err = reserveAttempt(t.Context(), s, "password:192.0.2.2", 3, at(2*attemptWindow))
		checkErr(t, "ReserveAttempt two windows later", err, nil)
	}},
	{"the previous window's failures weigh as much as the part of it within the last window's length (a sliding window)", func(t *testing.T, s store.Store) {
		for range 3 {
			lease, err := reserveAttempt(t.Context(), s, "k", 3, at(attemptWindow-time.Second))
			must(t, "ReserveAttempt", err)
			must(t, "ConfirmAttempt", s.ConfirmAttempt(t.Context(), lease))
		}
		_, err := reserveAttempt(t.Context(), s, "k", 3, at(attemptWindow+time.Second))
		checkErr(t, "ReserveAttempt just after the window's end", err, errOverLimit)
		// A third into the next window, the 3 failures weigh 2: room for one.
		_, err = reserveAttempt(t.Context(), s, "k", 3, at(attemptWindow+attemptWindow/3))
		checkErr(t, "ReserveAttempt a third into the next window", err, nil)
		_, reserved, counted, err := s.ReserveAttempt(t.Context(), reservation("k", 3, at(attemptWindow+attemptWindow/3)))
		want := store.AttemptCounts{Previous: 3, Failures: 0, Leases: 1}
		if err != nil || reserved || counted != want {
			t.Errorf("ReserveAttempt a third into the next window, again: got %t, %+v, %v; want refused, %+v", reserved, counted, err, want)
		}
	}},
	{"leases of the previous window count in the next one", func(t *testing.T, s store.Store) {
		_, err := reserveAttempt(t.Context(), s, "k", 1, at(attemptWindow-time.Second))
		must(t, "ReserveAttempt", err)
		_, reserved, counted, err := s.ReserveAttempt(t.Context(), reservation("k", 1, at(attemptWindow+time.Second)))
		want := store.AttemptCounts{Leases: 1}
		if err != nil || reserved || counted != want {
			t.Errorf("ReserveAttempt in the next window: got %t, %+v, %v; want refused, %+v", reserved, counted, err, want)
		}
	}},
	{"ReleaseAttempt gives a lease back; releasing it again, or a lease never made, changes nothing", func(t *testing.T, s store.Store) {
		lease, err := reserveAttempt(t.Context(), s, "k", 1, t0)
		must(t, "ReserveAttempt", err)
		checkErr(t, "ReserveAttempt at the limit", reserveNow(t.Context(), s, "k", 1), errOverLimit)
		must(t, "ReleaseAttempt", s.ReleaseAttempt(t.Context(), lease))
		must(t, "ReleaseAttempt again", s.ReleaseAttempt(t.Context(), lease))
		must(t, "ReleaseAttempt of nothing", s.ReleaseAttempt(t.Context(), lease+1000))
		checkErr(t, "ReserveAttempt after the release", reserveNow(t.Context(), s, "k", 1), nil)
		checkErr(t, "ReserveAttempt at the limit again", reserveNow(t.Context(), s, "k", 1), errOverLimit)
	}},
	{"a lease neither confirmed nor released stops counting when it ends; a confirmed one counts to the window's end", func(t *testing.T, s store.Store) {
		confirmed, err := reserveAttempt(t.Context(), s, "k", 3, t0)
		must(t, "ReserveAttempt", err)
		must(t, "ConfirmAttempt", s.ConfirmAttempt(t.Context(), confirmed))
		must(t, "ConfirmAttempt again", s.ConfirmAttempt(t.Context(), confirmed))
		for range 2 { // two checks whose provider crashes: their leases are dropped
			_, err := reserveAttempt(t.Context(), s, "k", 3, t0)
			must(t, "ReserveAttempt", err)
		}
		_, err = reserveAttempt(t.Context(), s, "k", 3, at(attemptLease-time.Second))
		checkErr(t, "ReserveAttempt while the crashed leases last", err, errOverLimit)
		for range 2 {
			_, err := reserveAttempt(t.Context(), s, "k", 3, at(attemptLease+time.Second))
			checkErr(t, "ReserveAttempt after the crashed leases ended", err, nil)
		}
		_, err = reserveAttempt(t.Context(), s, "k", 3, at(2*attemptLease))
		checkErr(t, "ReserveAttempt with one failure (past its lease) and two new leases held", err, errOverLimit)
	}},
	{"concurrent ReserveAttempt of one key: exactly limit reserved, confirmed or not", func(t *testing.T, s store.Store) {
		errs := concurrently(contention, func(i int) error {
			lease, err := reserveAttempt(t.Context(), s, "raced", 5, t0)
			if err == nil && i%2 == 0 {
				err = s.ConfirmAttempt(t.Context(), lease)
			}
			return err
		})
		checkCounted(t, errs, 5)
	}},
	{"PurgeExpired deletes the leases that ended, and the failures of a window once the next one ended too", func(t *testing.T, s store.Store) {
		confirmed, err := reserveAttempt(t.Context(), s, "k", 1, t0)
		must(t, "ReserveAttempt", err)
		must(t, "ConfirmAttempt", s.ConfirmAttempt(t.Context(), confirmed))
		_, err = reserveAttempt(t.Context(), s, "crashed", 1, t0)
		must(t, "ReserveAttempt", err)
		n, err := s.PurgeExpired(t.Context(), at(attemptLease+time.Second))
		must(t, "PurgeExpired", err)
		if n != 1 {
			t.Errorf("PurgeExpired after the lease: got %d rows deleted, want the ended lease alone", n)
		}
		_, err = s.PurgeExpired(t.Context(), at(attemptWindow+time.Second))
		must(t, "PurgeExpired", err)
		_, err = reserveAttempt(t.Context(), s, "k", 1, at(attemptWindow+time.Second))
		checkErr(t, "ReserveAttempt in the next window, where the failure still weighs", err, errOverLimit)
		n, err = s.PurgeExpired(t.Context(), at(2*attemptWindow+time.Second))
		must(t, "PurgeExpired", err)
		if n < 1 {
			t.Errorf("PurgeExpired after the next window: got %d rows deleted, want the ended failure among them", n)
		}
		checkErr(t, "ReserveAttempt after the purge", reserveNow(t.Context(), s, "k", 1), nil)
	}},
}

// sharedAttemptTest: two stores on one database (two provider processes)
// share one budget: racing through both, exactly limit attempts reserve.
func sharedAttemptTest(t *testing.T, openPair func(t *testing.T) (store.Store, store.Store)) {
	a, b := openPair(t)
	errs := concurrently(contention, func(i int) error {
		s := a
		if i%2 == 1 {
			s = b
		}
		return reserveNow(t.Context(), s, "password:2001:db8::/64", 10)
	})
	checkCounted(t, errs, 10)
}
