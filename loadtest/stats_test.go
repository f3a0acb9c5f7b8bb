package main

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := percentile(sorted, tc.p); got != tc.want {
			t.Errorf("p%v: got %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile(sorted[:1], 99); got != time.Millisecond {
		t.Errorf("p99 of one: got %v, want 1ms", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of none: got %v, want 0", got)
	}
}

func TestSummarize(t *testing.T) {
	latencies := []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}
	m := summarize(latencies, procSample{CPU: time.Second}, procSample{CPU: 1500 * time.Millisecond, RSS: 7})
	want := measurement{Requests: 4, CPU: 500 * time.Millisecond, P50: 2 * time.Millisecond, P99: 4 * time.Millisecond, RSS: 7}
	if m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	if got := m.PerCPUSecond(); got != 8 {
		t.Errorf("PerCPUSecond: got %v, want 8", got)
	}
	if got := (measurement{Requests: 5}).PerCPUSecond(); got != 0 {
		t.Errorf("PerCPUSecond without CPU: got %v, want 0", got)
	}
}
