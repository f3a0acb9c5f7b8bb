package oauth

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

var limitT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestRateLimit: user-code entry allows UserCodeEntriesPerMinute entries a
// minute per address (package ratelimit tests the buckets: other addresses,
// refills, the /64s and /48s, the bound); one more is refused as Paced, to
// be tried again after one refill interval.
func TestRateLimit(t *testing.T) {
	l, addr := newUserCodeRateLimit(), netip.MustParseAddr("10.0.0.1")
	for i := range UserCodeEntriesPerMinute {
		if err := l.allow(addr, limitT0); err != nil {
			t.Fatalf("entry %d: %v", i+1, err)
		}
	}
	every := time.Minute / UserCodeEntriesPerMinute
	var over *TooManyAttemptsError
	if err := l.allow(addr, limitT0); !errors.As(err, &over) || !over.Paced || over.RetryAfter != every {
		t.Errorf("entry %d in a minute: got %v, want a Paced TooManyAttemptsError, RetryAfter %v", UserCodeEntriesPerMinute+1, err, every)
	}
}
