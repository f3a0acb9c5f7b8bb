package web

import (
	"net/netip"
	"testing"
	"time"
)

var visitorT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// tracked is how many visitors (and /48s) the limit remembers.
func (l *visitorLimit) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// visitorN is the n-th of many distinct visitors, in 10.0.0.0/8 or, with
// v6, as /64s of one IPv6 /48.
func visitorN(n int, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, byte(n >> 8), byte(n), 15: 1})
	}
	return netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
}

func TestVisitorLimit(t *testing.T) {
	l := newVisitorLimit("device_authorization", deviceStartsPerHour, "")
	a, b := visitorN(1, false), visitorN(2, false)
	for i := range deviceStartsPerHour {
		if wait := l.allow(a, visitorT0); wait != 0 {
			t.Fatalf("request %d: refused for %v, want it allowed", i+1, wait)
		}
	}
	every := time.Hour / deviceStartsPerHour
	if wait := l.allow(a, visitorT0); wait != every {
		t.Errorf("request %d in an hour: got wait %v, want %v (one refills per %v)", deviceStartsPerHour+1, wait, every, every)
	}
	if wait := l.allow(b, visitorT0); wait != 0 {
		t.Errorf("another visitor: refused for %v, want its own burst", wait)
	}
	if wait := l.allow(a, visitorT0.Add(every)); wait != 0 {
		t.Errorf("after one refill interval: refused for %v, want one more", wait)
	}
	v6 := newVisitorLimit("pushed_authorization", 1, "")
	if wait := v6.allow(netip.MustParseAddr("2001:db8:1:2::1"), visitorT0); wait != 0 {
		t.Fatalf("a first IPv6 request: refused for %v", wait)
	}
	if wait := v6.allow(netip.MustParseAddr("2001:db8:1:2::ffff"), visitorT0); wait == 0 {
		t.Error("another address of the same IPv6 /64: allowed, want the /64's bucket, spent")
	}
	if wait := v6.allow(netip.MustParseAddr("::ffff:10.0.0.1"), visitorT0); wait != 0 {
		t.Errorf("an IPv4-mapped address: refused for %v, want it counted as its IPv4 address", wait)
	}
	if wait := v6.allow(netip.MustParseAddr("10.0.0.1"), visitorT0); wait == 0 {
		t.Error("10.0.0.1 after ::ffff:10.0.0.1: allowed, want them one visitor")
	}
}

// TestVisitorLimitCapsASite: the /64s of one IPv6 /48 together get ten
// times one /64's budget (siteBudgetFactor), not 65,536 times; another /48
// and IPv4 are not affected, and a request the /48 refuses makes no bucket.
func TestVisitorLimitCapsASite(t *testing.T) {
	l := newVisitorLimit("pushed_authorization", 1, "")
	for n := range siteBudgetFactor {
		if wait := l.allow(visitorN(n, true), visitorT0); wait != 0 {
			t.Fatalf("/64 number %d of the /48: refused for %v, want it allowed", n+1, wait)
		}
	}
	tracked := l.tracked()
	if wait := l.allow(visitorN(siteBudgetFactor, true), visitorT0); wait == 0 {
		t.Errorf("/64 number %d of the /48: allowed, want the /48's budget spent", siteBudgetFactor+1)
	}
	if got := l.tracked(); got != tracked {
		t.Errorf("a refused request made buckets: %d tracked, want %d", got, tracked)
	}
	if wait := l.allow(netip.MustParseAddr("2001:db8:2::1"), visitorT0); wait != 0 {
		t.Errorf("another /48: refused for %v", wait)
	}
	if wait := l.allow(visitorN(1, false), visitorT0); wait != 0 {
		t.Errorf("an IPv4 visitor: refused for %v", wait)
	}
}

// TestVisitorLimitNeverLocksOutTheInnocent: visitors past what the limit
// can track — 10,000 busy IPv4 addresses, or every /64 a /48 holds — never
// make it refuse a visitor that did nothing, and its memory stays bounded.
func TestVisitorLimitNeverLocksOutTheInnocent(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		l := newVisitorLimit("device_authorization", 1, "")
		for n := range maxTrackedVisitors + 1000 {
			_ = l.allow(visitorN(n, v6), visitorT0)
			_ = l.allow(visitorN(n, v6), visitorT0) // refused: its bucket is spent
		}
		if wait := l.allow(netip.MustParseAddr("192.0.2.200"), visitorT0); wait != 0 {
			t.Errorf("v6 %t: a fresh visitor after the flood: refused for %v, want it let in", v6, wait)
		}
		if got := l.tracked(); got > maxTrackedVisitors {
			t.Errorf("v6 %t: tracked %d visitors, want at most %d", v6, got, maxTrackedVisitors)
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
