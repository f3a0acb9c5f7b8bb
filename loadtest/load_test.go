package main

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestDriveStopsAtMax: a window with time to spare ends after w.Max
// requests, and says so.
func TestDriveStopsAtMax(t *testing.T) {
	w := window{Duration: 2 * time.Second, Max: 50, Workers: 3}
	latencies, capped, err := drive(t.Context(), os.Getpid(), w, func(context.Context, int) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(latencies) != w.Max || !capped {
		t.Errorf("got %d requests, capped %v; want %d, capped", len(latencies), capped, w.Max)
	}
}

// TestDriveStopsAtDuration: with no -min-cpu to wait for and a count it
// does not reach, a window ends once its duration has passed.
func TestDriveStopsAtDuration(t *testing.T) {
	w := window{Duration: 50 * time.Millisecond, Max: 1 << 30, Workers: 2}
	start := time.Now()
	latencies, capped, err := drive(t.Context(), os.Getpid(), w, func(context.Context, int) error {
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < w.Duration || took > 2*time.Second || capped || len(latencies) == 0 {
		t.Errorf("took %v for %d requests, capped %v; want at least %v, some requests, not capped", took, len(latencies), capped, w.Duration)
	}
}

// TestSpentByBothCountsOnlyBackendsSampledTwice: of three PostgreSQL
// backends, only the one in both samples counts; one that ended mid-window
// (only before) or started in it (only after) would add CPU time the
// window did not spend, or take away time it did.
func TestSpentByBothCountsOnlyBackendsSampledTwice(t *testing.T) {
	before := map[int]time.Duration{1: 10 * time.Second, 2: 30 * time.Second}
	after := map[int]time.Duration{1: 12 * time.Second, 3: 50 * time.Second}
	if got, want := spentByBoth(before, after), 2*time.Second; got != want {
		t.Errorf("spentByBoth = %v; want %v, pid 1's time alone", got, want)
	}
}
