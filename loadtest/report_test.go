package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

// row is a path measured in one round, whose figure is rate per
// CPU-second, beside a reference whose figure is refRate.
func row(path, storeName string, rate float64, ref string, refRate float64) result {
	r := result{Path: path, Store: storeName, Reference: ref, Goal: goalFor(path, storeName),
		Windows: []measurement{{Requests: int(rate), CPU: time.Second, P50: 90 * time.Microsecond, P99: 2 * time.Millisecond, RSS: 31_400_000}}}
	if ref != "" {
		r.RefWindows = []measurement{{Requests: int(refRate), CPU: time.Second}}
	}
	return r
}

func TestVerdicts(t *testing.T) {
	all := []result{
		row(ccPath("RS256"), "SQLite", 960, signRef("RS256"), 1000),
		row(ccPath("ES256"), "SQLite", 12000, signRef("ES256"), 30000),
		row(ccPath("EdDSA"), "SQLite", 11000, signRef("EdDSA"), 40000),
		row(pathBearer, "SQLite", 20000, pathBareGin, 36000),
		row(pathBearer, "PostgreSQL", 15000, pathBareGin, 36000),
		row(pathIntrospection, "SQLite", 21000, pathBareGin, 36000),
		row(pathLogin, "SQLite", 29, refArgon2id, 40),
		row(pathUserinfo, "SQLite", 9000, pathBareGin, 36000),
	}
	for i, want := range []string{
		"PASS", // 0.96 ≥ 0.95 of the sign bound
		"PASS", // 12,000 ≥ 10,000
		"MISS", // ≥ 10,000 but not above ES256
		"MISS", // 0.56 < 0.60
		"PASS", // 0.42 ≥ 0.40 on PostgreSQL
		"MISS", // 21,000/36,000 = 0.58 < 0.60
		"MISS", // 29 < 30
		"",     // no target
	} {
		if got := verdict(all[i], all); got != want {
			t.Errorf("%s on %s: got %q, want %q", all[i].Path, all[i].Store, got, want)
		}
	}
}

func TestWriteTable(t *testing.T) {
	pgBearer := row(pathBearer, "PostgreSQL", 10000, pathBareGin, 30000)
	pgBearer.Windows[0].DBCPU, pgBearer.Windows[0].DBKnown = 290*time.Millisecond, true
	pgIntrospection := row(pathIntrospection, "PostgreSQL", 10000, pathBareGin, 30000)
	pgIntrospection.Windows[0].DBKnown = true // measured, and none spent
	rep := report{
		Machine: "Measured on a test.",
		Results: []result{row(ccPath("ES256"), "SQLite", 12345, signRef("ES256"), 30000), pgBearer, pgIntrospection},
		Memory:  []flatness{{Store: "SQLite", WarmUp: 100, More: 1000, RSSWarm: 30e6, RSSAfter: 31e6, RowsWarm: 20, RowsAfter: 21}},
	}
	var b strings.Builder
	if err := writeTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| client_credentials, ES256 | SQLite | 12,345 | 12,345 | ES256 sign 30,000 | 0.41× (0.41–0.41) | 90 µs | 2.00 ms | 31.4 MB | — | ≥ 10,000/CPU-s | PASS |",
		"| bearer check (/protected/resource) | PostgreSQL | 10,000 | 10,000 | bare Gin handler 30,000 | 0.33× (0.33–0.33) | 90 µs | 2.00 ms | 31.4 MB | +29 µs | ≥ 0.40× bare Gin | MISS |",
		"| introspection | PostgreSQL | 10,000 | 10,000 | bare Gin handler 30,000 | 0.33× (0.33–0.33) | 90 µs | 2.00 ms | 31.4 MB | +0 µs | — |  |",
		"RSS 30.0 MB after 100 warm-up cycles, 31.0 MB after 1,000 more: +3.3 % (target within ±10 %) PASS",
		"store rows 20 → 21 MISS",
		"Measured on a test.",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{formatCount(1234567), "1,234,567"},
		{formatCount(999), "999"},
		{formatCount(-1000), "-1,000"},
		{formatRate(4.44), "4.4"},
		{formatRate(15234.6), "15,235"},
		{formatRate(0), "—"},
		{formatRatio(0.6049), "0.60×"},
		{formatLatency(1500 * time.Microsecond), "1.50 ms"},
		{formatLatency(234 * time.Millisecond), "234 ms"},
		{formatBytes(31_450_000), "31.4 MB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestTargetRate(t *testing.T) {
	for _, tc := range []struct {
		r    result
		want float64
	}{
		{row(ccPath("RS256"), "SQLite", 900, signRef("RS256"), 1000), 950},
		{row(pathBearer, "PostgreSQL", 9000, pathBareGin, 30000), 12000},
		{row(pathLogin, "SQLite", 25, refArgon2id, 40), 30},
		{row(pathUserinfo, "SQLite", 9000, pathBareGin, 30000), 0},
	} {
		if got := tc.r.targetRate(); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s on %s: got %v, want %v", tc.r.Path, tc.r.Store, got, tc.want)
		}
	}
}

// TestFloorLinesReadThePathAgainstItsOwnRounds: a path's share of its
// floor is the median of the rounds' ratios, on its own store.
func TestFloorLinesReadThePathAgainstItsOwnRounds(t *testing.T) {
	path := row(pathIntrospection, "SQLite", 300, pathBareGin, 1000)
	floor := row(pathIntrospectionFloor, "SQLite", 400, pathBareGin, 1000)
	floor.FloorOf = pathIntrospection
	other := row(pathIntrospection, "PostgreSQL", 100, pathBareGin, 1000)
	lines := floorLines([]result{path, floor, other})
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "introspection on SQLite: 0.75× ") {
		t.Errorf("got %q, want one line: introspection on SQLite: 0.75× of its floor", lines)
	}
}

// TestWindowNoteCountsCappedAndUnsettledWindows: a window -max ended and
// one whose server did not go idle are counted on their row.
func TestWindowNoteCountsCappedAndUnsettledWindows(t *testing.T) {
	r := row(pathBearer, "SQLite", 1000, pathBareGin, 2000)
	r.Windows = append(r.Windows, measurement{Capped: true}, measurement{Unsettled: true})
	if got, want := windowNote([]result{r}), "bearer check (/protected/resource) on SQLite: 1 of 3 ended by -max, 1 not idle within 50ms"; !strings.Contains(got, want) {
		t.Errorf("got %q, want it to say %q", got, want)
	}
	if got := windowNote([]result{row(pathBearer, "SQLite", 1000, pathBareGin, 2000)}); !strings.Contains(got, "every one ended") {
		t.Errorf("no window capped or unsettled: got %q", got)
	}
}
