package main

import (
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLoadToolSmoke runs the whole tool against the real provider for a
// fraction of a second per path, on SQLite and (with TEST_DATABASE_URL,
// always in CI) on PostgreSQL, and checks that every figure is sane: not
// the targets (a test machine is no benchmark), but that each path ran,
// was measured and was compared with its reference.
func TestLoadToolSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the provider")
	}
	databaseURL := os.Getenv("TEST_DATABASE_URL")
	if databaseURL == "" && os.Getenv("CI") != "" {
		t.Fatal("TEST_DATABASE_URL must be set in CI: the PostgreSQL pass is part of the smoke test")
	}
	o := options{
		Window:       window{Duration: 120 * time.Millisecond, MinCPU: 10 * time.Millisecond, Max: 1000, Workers: 2},
		Alternation:  20 * time.Millisecond, // three rounds: the second measures the path first, the reference second
		LoginWorkers: 1, MemoryWarmUp: 10, DatabaseURL: databaseURL,
		PasswordMemoryKiB: 64, PasswordTime: 1, // a cheap hash: the smoke test checks the flow, not its cost
	}
	rep, err := run(t.Context(), o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	stores := []string{"SQLite"}
	if databaseURL != "" {
		stores = append(stores, "PostgreSQL")
	}
	checkResults(t, rep, stores, o.rounds())
	for _, f := range rep.Memory {
		if f.RSSWarm <= 0 || f.RSSAfter <= 0 || f.RowsWarm <= 0 {
			t.Errorf("memory check on %s: got %+v, want RSS and rows sampled", f.Store, f)
		}
	}
	if len(rep.Memory) != len(stores) {
		t.Errorf("got %d memory checks, want one per store (%d)", len(rep.Memory), len(stores))
	}
	var table, chart strings.Builder
	if err := writeTable(&table, rep); err != nil {
		t.Fatal(err)
	}
	if err := writeSVG(&chart, rep); err != nil {
		t.Fatal(err)
	}
	parseSVG(t, chart.String())
	if !strings.Contains(table.String(), "| "+pathLogin+" | SQLite |") {
		t.Errorf("the table lacks the login row:\n%s", table.String())
	}
}

// checkResults checks that every path was measured on every store with
// sane figures in rounds windows beside as many of its reference's, and
// every reference too.
func checkResults(t *testing.T, rep report, stores []string, rounds int) {
	t.Helper()
	want := map[string]bool{}
	for _, st := range stores {
		for _, p := range []string{pathBareGin, pathSignedFloor, pathIntrospectionFloor, ccPath("RS256"), ccPath("ES256"), ccPath("EdDSA"), pathBearer, pathIntrospection, pathUserinfo, pathLogin} {
			want[p+" on "+st] = true
		}
	}
	for _, r := range rep.Results {
		delete(want, r.Path+" on "+r.Store)
		s := r.Summary()
		if s.Requests <= 0 || s.PerCPUSecond <= 0 || math.IsInf(s.PerCPUSecond, 0) {
			t.Errorf("%s on %q: %d requests, %v per CPU-second; want both positive", r.Path, r.Store, s.Requests, s.PerCPUSecond)
		}
		if r.Store != "" && (s.P50 <= 0 || s.P99 < s.P50 || s.RSS <= 0) {
			t.Errorf("%s on %s: p50 %v, p99 %v, RSS %d; want 0 < p50 ≤ p99 and an RSS", r.Path, r.Store, s.P50, s.P99, s.RSS)
		}
		if r.Reference == "" {
			continue
		}
		if len(r.Windows) != rounds || len(r.RefWindows) != rounds {
			t.Errorf("%s on %s: %d windows and %d of the reference, want %d of each", r.Path, r.Store, len(r.Windows), len(r.RefWindows), rounds)
		}
		if ratio := r.Ratio(); r.RefRate() <= 0 || !(0 < ratio.Low && ratio.Low <= ratio.Median && ratio.Median <= ratio.High) {
			t.Errorf("%s on %s: reference %s at %v per CPU-second, ratios %+v; want a figure and 0 < low ≤ median ≤ high",
				r.Path, r.Store, r.Reference, r.RefRate(), ratio)
		}
	}
	for missing := range want {
		t.Errorf("not measured: %s", missing)
	}
}
