package web

import (
	"net/netip"
	"testing"
	"time"
)

var visitorT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestVisitorLimit: each page's limit allows a visitor its perHour requests
// an hour (package ratelimit tests the buckets: other visitors, refills,
// the /64s and /48s, the bound, refusals that make no bucket); one more
// waits one refill interval.
func TestVisitorLimit(t *testing.T) {
	limits := newVisitorLimits()
	for _, l := range []*visitorLimit{limits.deviceStarts, limits.pushes} {
		visitor := netip.MustParseAddr("10.0.0.1")
		for i := range l.perHour {
			if wait := l.allow(visitor, visitorT0); wait != 0 {
				t.Fatalf("%s: request %d: refused for %v, want it allowed", l.name, i+1, wait)
			}
		}
		if wait, every := l.allow(visitor, visitorT0), time.Hour/time.Duration(l.perHour); wait != every {
			t.Errorf("%s: request %d in an hour: got wait %v, want %v (one refills per %v)", l.name, l.perHour+1, wait, every, every)
		}
	}
}

func TestRoundUpWait(t *testing.T) {
	for _, tt := range []struct{ wait, want time.Duration }{
		{time.Millisecond, time.Second},
		{59*time.Second + time.Millisecond, time.Minute},
		{time.Minute, time.Minute},
		{11*time.Minute + time.Second, 12 * time.Minute},
		{12 * time.Minute, 12 * time.Minute},
	} {
		if got := roundUpWait(tt.wait); got != tt.want {
			t.Errorf("roundUpWait(%v) = %v, want %v", tt.wait, got, tt.want)
		}
	}
}
