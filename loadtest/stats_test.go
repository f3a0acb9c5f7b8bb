package main

import (
	"slices"
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
	m := summarize(latencies, 500*time.Millisecond, 7)
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

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
		{[]float64{1, 100, 2, 3, -50}, 2}, // the outliers do not move it
		{nil, 0},
	} {
		in := append([]float64(nil), tc.in...)
		if got := median(in); got != tc.want {
			t.Errorf("median(%v): got %v, want %v", tc.in, got, tc.want)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("median(%v) reordered its input to %v", tc.in, in)
		}
	}
	if got := median([]time.Duration{3 * time.Millisecond, time.Millisecond}); got != 2*time.Millisecond {
		t.Errorf("median of durations: got %v, want 2ms", got)
	}
}

func TestSpreadOf(t *testing.T) {
	if got, want := spreadOf([]float64{0.6, 0.5, 0.9, 0.61, 0.62}), (spread{Median: 0.61, Low: 0.5, High: 0.9}); got != want {
		t.Errorf("five rounds: got %+v, want %+v (the whole range: no narrower interval holds 95 %%)", got, want)
	}
	fifty := make([]float64, 50)
	for i := range fifty {
		fifty[i] = float64((i*7)%50 + 1) // 1…50, shuffled
	}
	if got, want := spreadOf(fifty), (spread{Median: 25.5, Low: 18, High: 33}); got != want {
		t.Errorf("fifty rounds: got %+v, want %+v (the 18th and the 33rd of 50)", got, want)
	}
	if got := spreadOf(nil); got != (spread{}) {
		t.Errorf("spread of none: got %+v, want zeros", got)
	}
}

func TestSummarizeWindows(t *testing.T) {
	ms := time.Millisecond
	windows := []measurement{
		{Requests: 100, CPU: 100 * ms, P50: 1 * ms, P99: 9 * ms, RSS: 10, DBCPU: 10 * ms, DBKnown: true}, // 1,000/s, 100 µs of database CPU per request
		{Requests: 300, CPU: 100 * ms, P50: 3 * ms, P99: 7 * ms, RSS: 30},                                // 3,000/s; database unknown
		{Requests: 200, CPU: 100 * ms, P50: 2 * ms, P99: 8 * ms, RSS: 20, DBCPU: 6 * ms, DBKnown: true},  // 2,000/s, 30 µs
	}
	want := summary{Requests: 600, PerCPUSecond: 2000, P50: 2 * ms, P99: 8 * ms, RSS: 20,
		DBCPUPerRequest: 65 * time.Microsecond, DBKnown: true}
	if got := summarizeWindows(windows); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := summarizeWindows(windows[1:2]); got.DBKnown {
		t.Errorf("no window knows the database CPU: got %+v, want DBKnown false", got)
	}
}

// TestMedianBoundRank checks the ranks against the sign test's table: for
// n rounds the 95 % interval of the median runs from the (k+1)-th lowest
// to the (k+1)-th highest.
func TestMedianBoundRank(t *testing.T) {
	for _, tc := range []struct{ n, want int }{
		{1, 0}, {5, 0}, {6, 0}, {8, 0}, {9, 1}, {10, 1}, {20, 5}, {50, 17}, {100, 39},
	} {
		if got := medianBoundRank(tc.n); got != tc.want {
			t.Errorf("medianBoundRank(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}
