package session

import (
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Unix(1_700_000_000, 0)} }
func newStore(c *clock, max int) *Store[string] {
	return NewStore[string](Options{TTL: time.Hour, Max: max, Now: c.Now})
}

func TestNewAndGet(t *testing.T) {
	st := newStore(newClock(), 10)
	s := st.New()
	s.Lock()
	s.Data = "hello"
	s.Unlock()
	got, ok := st.Get(s.ID())
	if !ok || got.Data != "hello" {
		t.Fatalf("Get = %v, %v; want the session with its data", got, ok)
	}
	if _, ok := st.Get("unknown"); ok {
		t.Error("Get(unknown) found a session")
	}
	st.Delete(s.ID())
	if _, ok := st.Get(s.ID()); ok {
		t.Error("Get after Delete found the session")
	}
}

func TestIDsAreLongAndUnique(t *testing.T) {
	st := newStore(newClock(), 1000)
	seen := map[string]bool{}
	for range 100 {
		id := st.New().ID()
		if len(id) < 43 || seen[id] {
			t.Fatalf("ID %q is short or repeated", id)
		}
		seen[id] = true
	}
}

func TestSessionsExpire(t *testing.T) {
	c := newClock()
	st := newStore(c, 10)
	s := st.New()
	c.Add(time.Hour - time.Second)
	if _, ok := st.Get(s.ID()); !ok {
		t.Fatal("session gone before its TTL")
	}
	c.Add(time.Second)
	if _, ok := st.Get(s.ID()); ok {
		t.Fatal("session still there at its TTL")
	}
	if st.Len() != 0 {
		t.Errorf("Len = %d after an expired Get, want 0", st.Len())
	}
}

func TestExpiredSessionsArePurged(t *testing.T) {
	c := newClock()
	st := newStore(c, 1000)
	for range 50 {
		st.New()
	}
	c.Add(2 * time.Hour)
	st.New()
	if got := st.Len(); got != 1 {
		t.Errorf("Len = %d, want 1: expired sessions should be purged", got)
	}
}

func TestStoreIsBounded(t *testing.T) {
	c := newClock()
	st := newStore(c, 3)
	first := st.New()
	for range 10 {
		c.Add(time.Second)
		st.New()
	}
	if got := st.Len(); got != 3 {
		t.Errorf("Len = %d, want 3", got)
	}
	if _, ok := st.Get(first.ID()); ok {
		t.Error("the session closest to expiry was not evicted")
	}
}

func TestConcurrentUse(t *testing.T) {
	st := NewStore[int](Options{Max: 50})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				s := st.New()
				if got, ok := st.Get(s.ID()); ok {
					got.Lock()
					got.Data++
					got.Unlock()
				}
				st.Delete(s.ID())
			}
		}()
	}
	wg.Wait()
}

func TestAnonymousSessionsNeverEvictALogin(t *testing.T) {
	c := newClock()
	st := newStore(c, 3)
	login := st.NewKept()
	for range 10 {
		c.Add(time.Second)
		st.New()
	}
	if _, ok := st.Get(login.ID()); !ok {
		t.Fatal("anonymous sessions pushed out a login")
	}
	if got := st.Len(); got != 4 {
		t.Errorf("Len = %d, want 4: 3 anonymous (the pool's bound) and the login", got)
	}
	for range 3 {
		st.NewKept()
	}
	if _, ok := st.Get(login.ID()); ok {
		t.Error("a full pool of logins did not make room for a new login by dropping the oldest")
	}
}
