package web

import (
	"strconv"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/clocktest"
)

// TestTraceLogBounds checks the two bounds of the kept traces: the newest
// traceCapacity (at least 1,000) and none older than 15 minutes.
func TestTraceLogBounds(t *testing.T) {
	if traceCapacity < 1000 {
		t.Fatalf("traceCapacity = %d, want at least 1000", traceCapacity)
	}
	clock := clocktest.New(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	l := newTraceLog(clock.Now)
	const extra = 100
	for i := range traceCapacity + extra {
		l.put(&traceRecord{RequestID: strconv.Itoa(i), Time: clock.Now()})
	}
	for _, tc := range []struct {
		id   int
		kept bool
	}{{0, false}, {extra - 1, false}, {extra, true}, {traceCapacity + extra - 1, true}} {
		if _, ok := l.get(strconv.Itoa(tc.id)); ok != tc.kept {
			t.Errorf("trace %d of %d: kept = %v, want %v", tc.id, traceCapacity+extra, ok, tc.kept)
		}
	}
	if len(l.byID) != traceCapacity {
		t.Errorf("index holds %d traces, want %d", len(l.byID), traceCapacity)
	}
	clock.Advance(traceMaxAge)
	if _, ok := l.get(strconv.Itoa(traceCapacity)); !ok {
		t.Error("a trace exactly 15 minutes old: gone, want kept")
	}
	clock.Advance(time.Second)
	if _, ok := l.get(strconv.Itoa(traceCapacity)); ok {
		t.Error("a trace older than 15 minutes: kept, want 404")
	}
}
