package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// errOverLimit stands for CountAttempt's false: the window's limit was
// reached, nothing was counted.
var errOverLimit = errors.New("attempt limit reached")

// countAttempt calls CountAttempt in the window that starts at t0 and ends a
// minute later, and returns nil when it counted, errOverLimit when not.
func countAttempt(ctx context.Context, s store.Store, key string, limit int) error {
	counted, err := s.CountAttempt(ctx, key, t0, limit, at(time.Minute))
	if err == nil && !counted {
		err = errOverLimit
	}
	return err
}

// checkCounted checks how many of errs counted (nil) and that the others
// are errOverLimit.
func checkCounted(t *testing.T, errs []error, want int) {
	t.Helper()
	counted := 0
	for i, err := range errs {
		switch {
		case err == nil:
			counted++
		case !errors.Is(err, errOverLimit):
			t.Errorf("CountAttempt #%d: got error %v, want nil or over the limit", i, err)
		}
	}
	if counted != want {
		t.Errorf("CountAttempt by %d callers with limit %d: %d counted, want %d", len(errs), want, counted, want)
	}
}

// attemptTests hold the store to the attempt counters behind the limits of
// wrong passwords and wrong user codes (RFC 8628 Section 5.1): a limit
// holds exactly, per key and window, however many requests race.
var attemptTests = []test{
	{"CountAttempt counts up to the limit, then refuses; other keys and windows have their own", func(t *testing.T, s store.Store) {
		for range 3 {
			checkErr(t, "CountAttempt within the limit", countAttempt(t.Context(), s, "password:192.0.2.1", 3), nil)
		}
		checkErr(t, "CountAttempt over the limit", countAttempt(t.Context(), s, "password:192.0.2.1", 3), errOverLimit)
		checkErr(t, "CountAttempt(another key)", countAttempt(t.Context(), s, "password:192.0.2.2", 3), nil)
		counted, err := s.CountAttempt(t.Context(), "password:192.0.2.1", at(time.Minute), 3, at(2*time.Minute))
		if err != nil || !counted {
			t.Errorf("CountAttempt in the next window: got %t, %v; want counted", counted, err)
		}
	}},
	{"UncountAttempt gives one back, never below zero", func(t *testing.T, s store.Store) {
		must(t, "CountAttempt", countAttempt(t.Context(), s, "k", 1))
		checkErr(t, "CountAttempt at the limit", countAttempt(t.Context(), s, "k", 1), errOverLimit)
		must(t, "UncountAttempt", s.UncountAttempt(t.Context(), "k", t0))
		must(t, "UncountAttempt below zero", s.UncountAttempt(t.Context(), "k", t0))
		must(t, "UncountAttempt of nothing", s.UncountAttempt(t.Context(), "never-counted", t0))
		checkErr(t, "CountAttempt after the uncount", countAttempt(t.Context(), s, "k", 1), nil)
		checkErr(t, "CountAttempt at the limit again (the count did not go below zero)", countAttempt(t.Context(), s, "k", 1), errOverLimit)
	}},
	{"concurrent CountAttempt of one key: exactly limit counted", func(t *testing.T, s store.Store) {
		errs := concurrently(contention, func(int) error { return countAttempt(t.Context(), s, "raced", 5) })
		checkCounted(t, errs, 5)
	}},
	{"PurgeExpired deletes the counts of ended windows", func(t *testing.T, s store.Store) {
		must(t, "CountAttempt", countAttempt(t.Context(), s, "k", 1))
		n, err := s.PurgeExpired(t.Context(), at(time.Minute+time.Second))
		must(t, "PurgeExpired", err)
		if n < 1 {
			t.Errorf("PurgeExpired: got %d rows deleted, want the ended count among them", n)
		}
		checkErr(t, "CountAttempt after the purge", countAttempt(t.Context(), s, "k", 1), nil)
	}},
}

// sharedAttemptTest: two stores on one database (two provider processes)
// share one budget: racing through both, exactly limit attempts count.
func sharedAttemptTest(t *testing.T, openPair func(t *testing.T) (store.Store, store.Store)) {
	a, b := openPair(t)
	errs := concurrently(contention, func(i int) error {
		s := a
		if i%2 == 1 {
			s = b
		}
		return countAttempt(t.Context(), s, "password:2001:db8::/64", 10)
	})
	checkCounted(t, errs, 10)
}
