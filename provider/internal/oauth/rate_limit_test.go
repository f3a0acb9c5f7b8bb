package oauth

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

var limitT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// tracked is how many requesters the limit remembers.
func (l *RateLimit) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// addrN is the n-th of many distinct addresses, in 10.0.0.0/8 or, with v6,
// as /64s of one IPv6 /48.
func addrN(n int, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, byte(n >> 8), byte(n), 15: 1})
	}
	return netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
}

func tooMany(err error) bool {
	var e *TooManyAttemptsError
	return errors.As(err, &e) && e.RetryAfter > 0
}

func TestRateLimit(t *testing.T) {
	l := NewRateLimit(UserCodeEntriesPerMinute, time.Minute)
	a, b := addrN(1, false), addrN(2, false)
	for i := range UserCodeEntriesPerMinute {
		if err := l.allow(a, limitT0); err != nil {
			t.Fatalf("entry %d: %v", i+1, err)
		}
	}
	if err := l.allow(a, limitT0); !tooMany(err) {
		t.Errorf("entry %d in a minute: got %v, want TooManyAttemptsError", UserCodeEntriesPerMinute+1, err)
	}
	if err := l.allow(b, limitT0); err != nil {
		t.Errorf("another address: got %v, want its own burst", err)
	}
	if err := l.allow(a, limitT0.Add(time.Minute/UserCodeEntriesPerMinute)); err != nil {
		t.Errorf("after one refill interval: got %v, want one more entry", err)
	}
	v6 := NewRateLimit(1, time.Minute)
	if err := v6.allow(netip.MustParseAddr("2001:db8:1:2::1"), limitT0); err != nil {
		t.Fatal(err)
	}
	if err := v6.allow(netip.MustParseAddr("2001:db8:1:2::ffff"), limitT0); !tooMany(err) {
		t.Errorf("another address of the same IPv6 /64: got %v, want the /64's bucket, used up", err)
	}
}

// TestRateLimitNeverLocksOutTheInnocent: requesters past what the limit can
// track — 10,000 busy IPv4 addresses, or every /64 a /48 holds — never make
// it refuse a requester that did nothing, and its memory stays bounded.
func TestRateLimitNeverLocksOutTheInnocent(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		l := NewRateLimit(1, time.Hour)
		for n := range maxTrackedRequesters + 1000 {
			_ = l.allow(addrN(n, v6), limitT0)
			_ = l.allow(addrN(n, v6), limitT0) // refused: its bucket is empty
		}
		if err := l.allow(netip.MustParseAddr("192.0.2.200"), limitT0); err != nil {
			t.Errorf("v6 %t: a fresh address after the flood: got %v, want it let in", v6, err)
		}
		if got := l.tracked(); got > maxTrackedRequesters {
			t.Errorf("v6 %t: tracked %d requesters, want at most %d", v6, got, maxTrackedRequesters)
		}
	}
}

// TestRateLimitCapsASite: the /64s of one IPv6 /48 together get ten times
// one /64's budget (networkBudgetFactor), not 65,536 times; another /48 and
// IPv4 are not affected, and a request the /48 refuses takes nothing from
// its /64.
func TestRateLimitCapsASite(t *testing.T) {
	l := NewRateLimit(1, time.Hour)
	for n := range networkBudgetFactor {
		if err := l.allow(addrN(n, true), limitT0); err != nil {
			t.Fatalf("/64 number %d of the /48: %v", n+1, err)
		}
	}
	late := addrN(networkBudgetFactor, true)
	if err := l.allow(late, limitT0); !tooMany(err) {
		t.Errorf("/64 number %d of the /48: got %v, want TooManyAttemptsError", networkBudgetFactor+1, err)
	}
	for _, other := range []string{"2001:db8:2::1", "192.0.2.1"} {
		if err := l.allow(netip.MustParseAddr(other), limitT0); err != nil {
			t.Errorf("%s, outside the /48: got %v, want its own burst", other, err)
		}
	}
	// The /48 refills one request per hour/networkBudgetFactor; the /64
	// refused above still has its own.
	if err := l.allow(late, limitT0.Add(time.Hour/networkBudgetFactor)); err != nil {
		t.Errorf("the refused /64 once the /48 refilled one: got %v, want its own request, untouched", err)
	}
}

// TestRateLimitRefusalsEvictNoOne: a request that is refused makes no
// bucket, so an IPv6 /48 whose budget is spent cannot churn through its
// /64s to push another requester's spent bucket out of memory and give it a
// fresh burst.
func TestRateLimitRefusalsEvictNoOne(t *testing.T) {
	l := NewRateLimit(1, time.Hour)
	spent := netip.MustParseAddr("192.0.2.1")
	if err := l.allow(spent, limitT0); err != nil {
		t.Fatal(err)
	}
	for n := range maxTrackedRequesters + networkBudgetFactor {
		_ = l.allow(addrN(n, true), limitT0) // past the /48's budget, refused
	}
	if err := l.allow(spent, limitT0); !tooMany(err) {
		t.Errorf("a spent address after a /48 churned its /64s: got %v, want still refused", err)
	}
	if got, want := l.tracked(), 1+1+networkBudgetFactor; got != want {
		t.Errorf("tracked %d buckets, want %d (the address, the /48, the /64s it let in)", got, want)
	}
}
