package main

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"
)

// fakeWindows returns a window function that records its calls in log
// under name and reports rates[i] per CPU-second in its i-th window.
func fakeWindows(name string, log *[]string, rates ...int) windowFunc {
	return func(context.Context) (measurement, error) {
		i := 0
		for _, n := range *log {
			if n == name {
				i++
			}
		}
		*log = append(*log, name)
		if i >= len(rates) {
			return measurement{}, errors.New("one window too many")
		}
		return measurement{Requests: rates[i], CPU: time.Second}, nil
	}
}

func TestInterleaveAlternatesTheOrderOfEachRound(t *testing.T) {
	var log []string
	ref := fakeWindows("ref", &log, 100, 200, 300, 400)
	path := fakeWindows("path", &log, 10, 20, 30, 40)
	windows, err := interleave(t.Context(), 4, ref, path)
	if err != nil {
		t.Fatal(err)
	}
	refs, paths := windows[0], windows[1]
	if want := []string{"ref", "path", "path", "ref", "ref", "path", "path", "ref"}; !slices.Equal(log, want) {
		t.Errorf("order: got %v, want %v", log, want)
	}
	for i := range 4 {
		if refs[i].Requests != 100*(i+1) || paths[i].Requests != 10*(i+1) {
			t.Errorf("round %d: got reference %d and path %d, want %d and %d (each round's own windows)",
				i, refs[i].Requests, paths[i].Requests, 100*(i+1), 10*(i+1))
		}
	}
}

// TestInterleaveReversesThreeWindowsInOddRounds: with a floor, the path
// stays in the middle and the reference and the floor take turns first.
func TestInterleaveReversesThreeWindowsInOddRounds(t *testing.T) {
	var log []string
	ref := fakeWindows("ref", &log, 100, 200)
	path := fakeWindows("path", &log, 10, 20)
	floor := fakeWindows("floor", &log, 1, 2)
	windows, err := interleave(t.Context(), 2, ref, path, floor)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ref", "path", "floor", "floor", "path", "ref"}; !slices.Equal(log, want) {
		t.Errorf("order: got %v, want %v", log, want)
	}
	if got := windows[2][1].Requests; got != 2 {
		t.Errorf("the floor's window of round 2: got %d requests, want 2", got)
	}
}

func TestInterleaveStopsAtTheFirstError(t *testing.T) {
	var log []string
	ref := fakeWindows("ref", &log, 100)
	path := fakeWindows("path", &log, 10, 20)
	if _, err := interleave(t.Context(), 2, ref, path); err == nil {
		t.Error("the reference failed in round 2: got no error")
	}
	if want := []string{"ref", "path", "path", "ref"}; !slices.Equal(log, want) {
		t.Errorf("got %v, want %v", log, want)
	}
}

// TestRatioIsTheMedianOfTheRounds checks that a machine whose speed drifts
// between rounds leaves the ratio where it is, and that one disturbed
// round does not move it.
func TestRatioIsTheMedianOfTheRounds(t *testing.T) {
	r := result{Path: pathBearer, Reference: pathBareGin}
	for i, speed := range []int{10, 12, 15, 8, 11} { // ±30 % drift of the machine
		ref := 3000 * speed
		path := 1800 * speed // always 0.60 of the reference
		if i == 3 {
			path = 600 * speed // a neighbour took the CPU in this window only
		}
		r.Windows = append(r.Windows, measurement{Requests: path, CPU: time.Second})
		r.RefWindows = append(r.RefWindows, measurement{Requests: ref, CPU: time.Second})
	}
	got := r.Ratio()
	if !near(got.Median, 0.60) || !near(got.Low, 0.20) || !near(got.High, 0.60) {
		t.Errorf("got %+v, want median 0.60, interval 0.20–0.60 (five rounds: their whole range)", got)
	}
	if !near(r.RefRate(), 33000) || !near(r.PerCPUSecond(), 19800) {
		t.Errorf("figures: got %v beside %v, want the medians 19,800 beside 33,000", r.PerCPUSecond(), r.RefRate())
	}
}

func TestRoundRatiosSkipRoundsWithoutAFigure(t *testing.T) {
	paths := []measurement{{Requests: 50, CPU: time.Second}, {Requests: 50}, {Requests: 30, CPU: time.Second}}
	refs := []measurement{{Requests: 100, CPU: time.Second}, {Requests: 100, CPU: time.Second}, {}}
	if got := roundRatios(paths, refs); !slices.Equal(got, []float64{0.5}) {
		t.Errorf("got %v, want [0.5]", got)
	}
}

// TestRoundWindowSharesTheDuration: the rounds share -duration, but each
// window keeps the whole of -max, so more rounds do not cut the fast
// windows short of -min-cpu.
func TestRoundWindowSharesTheDuration(t *testing.T) {
	o := options{Window: window{Duration: 5 * time.Second, MinCPU: time.Millisecond, Max: 1000, Workers: 4}, Alternation: 500 * time.Millisecond}
	want := window{Duration: 500 * time.Millisecond, MinCPU: time.Millisecond, Max: 1000, Workers: 4}
	if got, rounds := o.roundWindow(), o.rounds(); got != want || rounds != 5 {
		t.Errorf("got %d rounds of %+v, want 5 of %+v", rounds, got, want)
	}
	o.Alternation = 4 * time.Second // longer than half the duration: one round still
	if rounds := o.rounds(); rounds != 1 {
		t.Errorf("a -window of 4s in a -duration of 5s: got %d rounds, want 1", rounds)
	}
}

// near reports whether a and b agree to 1e-9 relative.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b) }
