package web

import (
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"
)

// TestRefusalsBounded: refusals remembers at most maxRefusalKeys limits
// and addresses; a new one when full starts over, so its refusal, and the
// next refusal of one forgotten, are warnings again.
func TestRefusalsBounded(t *testing.T) {
	r := refusals{last: map[refusalKey]*atomic.Int64{}}
	for i := range maxRefusalKeys {
		if got := r.level(refusalKey{"password", strconv.Itoa(i)}); got != slog.LevelWarn {
			t.Fatalf("first refusal of address %d: got %v, want a warning", i, got)
		}
	}
	if got := r.level(refusalKey{"password", "0"}); got != slog.LevelDebug || len(r.last) != maxRefusalKeys {
		t.Fatalf("second refusal of a remembered address: got %v with %d remembered, want debug with %d", got, len(r.last), maxRefusalKeys)
	}
	if got := r.level(refusalKey{"password", "new"}); got != slog.LevelWarn || len(r.last) != 1 {
		t.Errorf("a new address when full: got %v with %d remembered, want a warning with 1", got, len(r.last))
	}
	if got := r.level(refusalKey{"password", "0"}); got != slog.LevelWarn {
		t.Errorf("an address forgotten when full started over: got %v, want a warning", got)
	}
}
