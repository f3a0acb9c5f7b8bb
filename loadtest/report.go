package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// The paths and references, as the table and the chart name them.
const (
	pathBareGin     = "bare Gin handler"
	pathSignedFloor = "bare Gin handler signing RS256 (floor)"
	// pathIntrospectionFloor answers introspection requests as the
	// provider's, reading the form and writing an answer of the same size.
	pathIntrospectionFloor = "bare Gin handler answering introspection (floor)"
	pathBearer             = "bearer check (/protected/resource)"
	pathIntrospection      = "introspection"
	pathUserinfo           = "userinfo"
	pathLogin              = "login (code + PKCE + openid)"
	refArgon2id            = "Argon2id verify"
)

// ccPath is the client credentials path of one signing algorithm.
func ccPath(alg string) string { return "client_credentials, " + alg }

// signRef is the reference of one algorithm's bare signature.
func signRef(alg string) string { return alg + " sign" }

// result is one row of the table: a path on a store, or a reference.
type result struct {
	Path       string        // what was measured
	Store      string        // "SQLite", "PostgreSQL", or "" for a reference measured on every store
	Windows    []measurement // its window of each round (a reference's row: every window it was measured in)
	Reference  string        // what it is compared with ("" for none)
	RefWindows []measurement // the reference's window of each round, RefWindows[i] beside Windows[i]
	FloorOf    string        // a floor's row: the path measured in the same rounds, whose RefWindows these are
	Goal       goal
}

// Summary is the row's figures over its windows.
func (r result) Summary() summary { return summarizeWindows(r.Windows) }

// PerCPUSecond is the row's figure: the median of its windows'.
func (r result) PerCPUSecond() float64 { return r.Summary().PerCPUSecond }

// RefRate is the reference's figure per CPU-second: the median of its
// windows' beside the row (0 without a reference).
func (r result) RefRate() float64 { return summarizeWindows(r.RefWindows).PerCPUSecond }

// Ratio is the row's figure divided by its reference's, round by round:
// their median and its confidence interval. Each round's two windows ran
// back to back, so the machine's drift between rounds cancels out of each
// ratio; a ratio of medians would not have that property.
func (r result) Ratio() spread { return spreadOf(roundRatios(r.Windows, r.RefWindows)) }

// goal is a row's target (README, "Performance"), met when each bound it
// sets holds.
type goal struct {
	Text     string  // as the table shows it
	MinRatio float64 // the ratio to the reference must be at least this
	MinRate  float64 // the figure per CPU-second must be at least this
	Above    string  // the figure must exceed this path's on the same store
}

// goalFor is the target of a path on a store (README, "Performance").
func goalFor(path, storeName string) goal {
	switch {
	case path == ccPath("RS256"):
		return goal{Text: "≥ 0.95× sign", MinRatio: 0.95}
	case path == ccPath("ES256"):
		return goal{Text: "≥ 10,000/CPU-s", MinRate: 10000}
	case path == ccPath("EdDSA"):
		return goal{Text: "≥ 10,000/CPU-s, > ES256", MinRate: 10000, Above: ccPath("ES256")}
	case path == pathBearer && storeName == "PostgreSQL":
		return goal{Text: "≥ 0.40× bare Gin", MinRatio: 0.40}
	case (path == pathBearer || path == pathIntrospection) && storeName == "SQLite":
		return goal{Text: "≥ 0.60× bare Gin", MinRatio: 0.60}
	case path == pathLogin:
		return goal{Text: "≥ 30/CPU-s", MinRate: 30}
	}
	return goal{}
}

// targetRate is the figure per CPU-second a row's goal asks for at least
// (0 without a goal); a goal relative to another path is left out.
func (r result) targetRate() float64 {
	return max(r.Goal.MinRate, r.Goal.MinRatio*r.RefRate())
}

// verdict is "PASS" or "MISS" for a row with a goal, "" without; all are
// the rows of the same report, for goals relative to another path.
func verdict(r result, all []result) string {
	g := r.Goal
	if g.Text == "" {
		return ""
	}
	ok := r.Ratio().Median >= g.MinRatio && r.PerCPUSecond() >= g.MinRate
	if g.Above != "" {
		for _, other := range all {
			if other.Path == g.Above && other.Store == r.Store {
				ok = ok && r.PerCPUSecond() > other.PerCPUSecond()
			}
		}
	}
	return passOrMiss(ok)
}

// flatness is the memory check of one store: RSS and the store's rows
// after a warm-up, and again after ten times as many requests.
type flatness struct {
	Store               string
	WarmUp, More        int // cycles of the warm-up, and after it
	RSSWarm, RSSAfter   int64
	RowsWarm, RowsAfter int64
}

// RSSChange is the relative change of RSS from the warm-up to the end.
func (f flatness) RSSChange() float64 {
	if f.RSSWarm == 0 {
		return math.Inf(1)
	}
	return float64(f.RSSAfter-f.RSSWarm) / float64(f.RSSWarm)
}

// maxRSSChange bounds the change of RSS across 10× a warm-up's requests
// (README, "Load test": within ±10 %).
const maxRSSChange = 0.10

// report is what one run of the load tool measured.
type report struct {
	Machine string
	Results []result
	Memory  []flatness
}

// writeTable writes the report as a Markdown table, then the memory checks.
func writeTable(w io.Writer, rep report) error {
	var b strings.Builder
	b.WriteString("| path | store | requests | per CPU-second | reference | ratio | p50 | p99 | RSS | + PostgreSQL CPU | target | |\n")
	b.WriteString("|---|---|--:|--:|---|--:|--:|--:|--:|--:|---|---|\n")
	for _, r := range rep.Results {
		s := r.Summary()
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.Path, orDash(r.Store), formatCount(s.Requests), formatRate(s.PerCPUSecond), reference(r),
			formatSpread(r.Ratio()), formatLatency(s.P50), formatLatency(s.P99), formatBytes(s.RSS),
			perRequest(s), orDash(r.Goal.Text), verdict(r, rep.Results))
	}
	if lines := floorLines(rep.Results); len(lines) > 0 {
		fmt.Fprintf(&b, "\n%s\n", strings.Join(lines, "\n"))
	}
	fmt.Fprintf(&b, "\n%s\n", windowNote(rep.Results))
	for _, f := range rep.Memory {
		fmt.Fprintf(&b, "\nMemory, %s: RSS %s after %s warm-up cycles, %s after %s more: %+.1f %% (target within ±%.0f %%) %s; "+
			"store rows %s → %s %s\n",
			f.Store, formatBytes(f.RSSWarm), formatCount(f.WarmUp), formatBytes(f.RSSAfter), formatCount(f.More),
			100*f.RSSChange(), 100*maxRSSChange, passOrMiss(math.Abs(f.RSSChange()) <= maxRSSChange),
			formatCount(int(f.RowsWarm)), formatCount(int(f.RowsAfter)), passOrMiss(f.RowsAfter <= f.RowsWarm))
	}
	if rep.Machine != "" {
		fmt.Fprintf(&b, "\n%s\n", rep.Machine)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// floorLines say how much of its floor each path with one keeps: the
// median of the rounds' ratios, the path's window over the floor's of the
// same round.
func floorLines(results []result) []string {
	var lines []string
	for _, floor := range results {
		for _, r := range results {
			if floor.FloorOf == r.Path && floor.Store == r.Store {
				lines = append(lines, fmt.Sprintf("%s on %s: %s of %s, measured in the same rounds.",
					r.Path, r.Store, formatSpread(spreadOf(roundRatios(r.Windows, floor.Windows))), floor.Path))
			}
		}
	}
	return lines
}

// windowNote says how many windows of each row -max ended, and after how
// many the server did not go idle within maxSettle (its CPU after that
// went into no window), or that every window ended as it should.
func windowNote(results []result) string {
	var notes []string
	for _, r := range results {
		capped, unsettled := 0, 0
		for _, w := range r.Windows {
			capped += btoi(w.Capped)
			unsettled += btoi(w.Unsettled)
		}
		if capped+unsettled > 0 {
			notes = append(notes, fmt.Sprintf("%s on %s: %d of %d ended by -max, %d not idle within %v",
				r.Path, orDash(r.Store), capped, len(r.Windows), unsettled, maxSettle))
		}
	}
	if len(notes) == 0 {
		return fmt.Sprintf("Windows: every one ended on its time and CPU bounds, and its server went idle within %v after it.", maxSettle)
	}
	return "Windows: " + strings.Join(notes, "; ") + "."
}

// btoi is 1 for true, 0 for false.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// reference is the reference column: its name and figure.
func reference(r result) string {
	if r.Reference == "" {
		return "—"
	}
	return r.Reference + " " + formatRate(r.RefRate())
}

// perRequest writes the database's CPU per request, "—" when unknown.
func perRequest(s summary) string {
	switch d := s.DBCPUPerRequest; {
	case !s.DBKnown:
		return "—"
	case d < time.Microsecond:
		return "+0 µs"
	default:
		return "+" + formatLatency(d)
	}
}

// passOrMiss is a check's verdict.
func passOrMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// orDash is s, or a dash for an empty cell.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// formatRate writes a figure per CPU-second: whole numbers with thousands
// separators, one decimal below 100.
func formatRate(v float64) string {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return "—"
	}
	if v < 100 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return formatCount(int(math.Round(v)))
}

// formatCount writes n with thousands separators.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + formatCount(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// formatRatio writes a ratio to the reference as "0.62×".
func formatRatio(v float64) string {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "×"
}

// formatSpread writes the ratios of the rounds as "0.62× (0.58–0.66)": the
// median, then its 95 % confidence interval.
func formatSpread(s spread) string {
	if s.Median <= 0 {
		return "—"
	}
	return fmt.Sprintf("%s (%s–%s)", formatRatio(s.Median), strconv.FormatFloat(s.Low, 'f', 2, 64), strconv.FormatFloat(s.High, 'f', 2, 64))
}

// formatLatency writes a latency in µs or ms, three significant digits.
func formatLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 0, 64) + " µs"
	case d < 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
	default:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 0, 64) + " ms"
	}
}

// formatBytes writes a size in MB (10^6 bytes), one decimal.
func formatBytes(n int64) string {
	if n <= 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
}
