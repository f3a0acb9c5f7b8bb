package ratelimit

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// tracked is how many names (requesters and /48s) the limit remembers.
func (l *Limit) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// allow takes one request from addr at now, counted as CountedUnder says.
func (l *Limit) allow(addr netip.Addr, now time.Time) time.Duration {
	return l.Allow(CountedUnder(addr), now)
}

// addrN is the n-th of many distinct addresses, in 10.0.0.0/8 or, with v6,
// as /64s of one IPv6 /48.
func addrN(n int, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, byte(n >> 8), byte(n), 15: 1})
	}
	return netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
}

func TestCountedUnder(t *testing.T) {
	for _, tt := range []struct {
		addr netip.Addr
		want []CountedAs
	}{
		{netip.MustParseAddr("10.0.0.1"), []CountedAs{{"10.0.0.1", 1}}},
		{netip.MustParseAddr("::ffff:10.0.0.1"), []CountedAs{{"10.0.0.1", 1}}},
		{netip.MustParseAddr("2001:db8:1:2::ffff"), []CountedAs{{"2001:db8:1:2::/64", 1}, {"2001:db8:1::/48", NetworkBudgetFactor}}},
		{netip.Addr{}, []CountedAs{{"invalid IP", 1}}},
	} {
		if diff := cmp.Diff(tt.want, CountedUnder(tt.addr)); diff != "" {
			t.Errorf("CountedUnder(%v) (-want +got):\n%s", tt.addr, diff)
		}
	}
}

func TestLimit(t *testing.T) {
	const perHour = 15
	l := New(perHour, time.Hour)
	a, b := addrN(1, false), addrN(2, false)
	for i := range perHour {
		if wait := l.allow(a, t0); wait != 0 {
			t.Fatalf("request %d: refused for %v, want it allowed", i+1, wait)
		}
	}
	every := time.Hour / perHour
	if wait := l.allow(a, t0); wait != every {
		t.Errorf("request %d in an hour: got wait %v, want %v (one refills per %v)", perHour+1, wait, every, every)
	}
	if wait := l.allow(b, t0); wait != 0 {
		t.Errorf("another address: refused for %v, want its own burst", wait)
	}
	if wait := l.allow(a, t0.Add(every)); wait != 0 {
		t.Errorf("after one refill interval: refused for %v, want one more", wait)
	}
	v6 := New(1, time.Minute)
	if wait := v6.allow(netip.MustParseAddr("2001:db8:1:2::1"), t0); wait != 0 {
		t.Fatalf("a first IPv6 request: refused for %v", wait)
	}
	if wait := v6.allow(netip.MustParseAddr("2001:db8:1:2::ffff"), t0); wait == 0 {
		t.Error("another address of the same IPv6 /64: allowed, want the /64's bucket, spent")
	}
	if wait := v6.allow(netip.MustParseAddr("::ffff:10.0.0.1"), t0); wait != 0 {
		t.Errorf("an IPv4-mapped address: refused for %v, want it counted as its IPv4 address", wait)
	}
	if wait := v6.allow(netip.MustParseAddr("10.0.0.1"), t0); wait == 0 {
		t.Error("10.0.0.1 after ::ffff:10.0.0.1: allowed, want them one requester")
	}
}

// TestLimitNeverLocksOutTheInnocent: requesters past what the limit can
// track — 10,000 busy IPv4 addresses, or every /64 a /48 holds — never make
// it refuse a requester that did nothing, and its memory stays bounded.
func TestLimitNeverLocksOutTheInnocent(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		l := New(1, time.Hour)
		for n := range maxTracked + 1000 {
			_ = l.allow(addrN(n, v6), t0)
			_ = l.allow(addrN(n, v6), t0) // refused: its bucket is spent
		}
		if wait := l.allow(netip.MustParseAddr("192.0.2.200"), t0); wait != 0 {
			t.Errorf("v6 %t: a fresh address after the flood: refused for %v, want it let in", v6, wait)
		}
		if got := l.tracked(); got > maxTracked {
			t.Errorf("v6 %t: tracked %d names, want at most %d", v6, got, maxTracked)
		}
	}
}

// TestLimitCapsASite: the /64s of one IPv6 /48 together get ten times one
// /64's budget (NetworkBudgetFactor), not 65,536 times; another /48 and
// IPv4 are not affected, and a request the /48 refuses makes no bucket and
// takes nothing from its /64.
func TestLimitCapsASite(t *testing.T) {
	l := New(1, time.Hour)
	for n := range NetworkBudgetFactor {
		if wait := l.allow(addrN(n, true), t0); wait != 0 {
			t.Fatalf("/64 number %d of the /48: refused for %v, want it allowed", n+1, wait)
		}
	}
	tracked := l.tracked()
	late := addrN(NetworkBudgetFactor, true)
	if wait := l.allow(late, t0); wait == 0 {
		t.Errorf("/64 number %d of the /48: allowed, want the /48's budget spent", NetworkBudgetFactor+1)
	}
	if got := l.tracked(); got != tracked {
		t.Errorf("a refused request made buckets: %d tracked, want %d", got, tracked)
	}
	for _, other := range []string{"2001:db8:2::1", "192.0.2.1"} {
		if wait := l.allow(netip.MustParseAddr(other), t0); wait != 0 {
			t.Errorf("%s, outside the /48: refused for %v, want its own burst", other, wait)
		}
	}
	// The /48 refills one request per hour/NetworkBudgetFactor; the /64
	// refused above still has its own.
	if wait := l.allow(late, t0.Add(time.Hour/NetworkBudgetFactor)); wait != 0 {
		t.Errorf("the refused /64 once the /48 refilled one: refused for %v, want its own request, untouched", wait)
	}
}

// TestLimitRefusalsEvictNoOne: a request that is refused makes no bucket,
// so an IPv6 /48 whose budget is spent cannot churn through its /64s to
// push another requester's spent bucket out of memory and give it a fresh
// burst.
func TestLimitRefusalsEvictNoOne(t *testing.T) {
	l := New(1, time.Hour)
	spent := netip.MustParseAddr("192.0.2.1")
	if wait := l.allow(spent, t0); wait != 0 {
		t.Fatalf("a first request: refused for %v", wait)
	}
	for n := range maxTracked + NetworkBudgetFactor {
		_ = l.allow(addrN(n, true), t0) // past the /48's budget, refused
	}
	if wait := l.allow(spent, t0); wait == 0 {
		t.Error("a spent address after a /48 churned its /64s: allowed, want still refused")
	}
	if got, want := l.tracked(), 1+1+NetworkBudgetFactor; got != want {
		t.Errorf("tracked %d buckets, want %d (the address, the /48, the /64s it let in)", got, want)
	}
}
