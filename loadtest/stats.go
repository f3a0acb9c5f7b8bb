package main

import (
	"math"
	"slices"
	"time"
)

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of
// sorted latencies: the smallest value that at least p % of them do not
// exceed. It returns 0 for no latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// measurement is one path's window: what the clients completed and what
// the server process spent on it.
type measurement struct {
	Requests  int           // requests (or login flows) completed in the window
	CPU       time.Duration // the server's utime+stime over the window
	P50, P99  time.Duration // latency seen by the clients
	RSS       int64         // the server's resident set size at the window's end
	DBCPU     time.Duration // PostgreSQL's processes serving the server, over the window…
	DBKnown   bool          // …when they could be measured
	Capped    bool          // the window ended at -max requests, before its time and CPU bounds
	Unsettled bool          // the server was not idle within maxSettle after the window
}

// PerCPUSecond is requests per second of server CPU: the figure every
// target is stated in. It is 0 when no CPU time was measured.
func (m measurement) PerCPUSecond() float64 {
	if m.CPU <= 0 {
		return 0
	}
	return float64(m.Requests) / m.CPU.Seconds()
}

// DBCPUPerRequest is the database's CPU per request (see DBKnown).
func (m measurement) DBCPUPerRequest() time.Duration {
	if m.Requests == 0 {
		return 0
	}
	return m.DBCPU / time.Duration(m.Requests)
}

// summarize turns the latencies of a window (in any order; sorted in
// place), the CPU the server spent over it and its RSS at the end into a
// measurement.
func summarize(latencies []time.Duration, cpu time.Duration, rss int64) measurement {
	slices.Sort(latencies)
	return measurement{
		Requests: len(latencies),
		CPU:      cpu,
		P50:      percentile(latencies, 50),
		P99:      percentile(latencies, 99),
		RSS:      rss,
	}
}

// median is the middle value of vs, or the mean of the two middle ones
// for an even count; 0 for none. vs is left as it was.
func median[T ~int64 | ~float64](vs []T) T {
	if len(vs) == 0 {
		return 0
	}
	sorted := slices.Sorted(slices.Values(vs))
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid]
	}
	return (sorted[mid-1] + sorted[mid]) / 2
}

// spread is a figure measured once per round: the median of the rounds,
// and Low and High, the bounds of the median's 95 % confidence interval.
type spread struct{ Median, Low, High float64 }

// spreadOf is the spread of vs (all zero for none). The interval assumes
// nothing of how the rounds are distributed, only that they are
// independent: the true median lies below each round with probability ½,
// so it lies between the k-th lowest and the k-th highest of n rounds
// unless at least n−k+1 of them fall on one side, which the binomial
// distribution bounds (the sign test's interval). k is the largest rank
// that leaves at most 2.5 % on each side; with five rounds or fewer none
// does, and the interval is the whole range.
func spreadOf(vs []float64) spread {
	if len(vs) == 0 {
		return spread{}
	}
	sorted := slices.Sorted(slices.Values(vs))
	k := medianBoundRank(len(sorted))
	return spread{Median: median(vs), Low: sorted[k], High: sorted[len(sorted)-1-k]}
}

// medianBoundRank is the index, among n sorted values, of the lower bound
// of their median's 95 % confidence interval: the largest k whose
// P(Binomial(n, ½) ≤ k) is at most 2.5 %, else 0.
func medianBoundRank(n int) int {
	k, below := 0, 0.0
	for i := 0; i < n; i++ {
		below += binomialHalf(n, i)
		if below > 0.025 {
			break
		}
		k = i
	}
	return k
}

// binomialHalf is P(Binomial(n, ½) = i): C(n, i) / 2ⁿ, through logarithms
// so that a large n neither overflows nor underflows.
func binomialHalf(n, i int) float64 {
	lgN, _ := math.Lgamma(float64(n + 1))
	lgI, _ := math.Lgamma(float64(i + 1))
	lgRest, _ := math.Lgamma(float64(n - i + 1))
	return math.Exp(lgN - lgI - lgRest - float64(n)*math.Ln2)
}

// summary is a row's figures over all its windows: the median of the
// windows' figures, except the requests (all of them added up) and the RSS
// (at the end of the last window).
type summary struct {
	Requests        int
	PerCPUSecond    float64
	P50, P99        time.Duration
	RSS             int64
	DBCPUPerRequest time.Duration // the median of the windows whose database CPU is known…
	DBKnown         bool          // …when there is one
}

// summarizeWindows is the summary of windows.
func summarizeWindows(windows []measurement) summary {
	var s summary
	var rates []float64
	var p50s, p99s, db []time.Duration
	for _, m := range windows {
		s.Requests += m.Requests
		rates = append(rates, m.PerCPUSecond())
		p50s, p99s = append(p50s, m.P50), append(p99s, m.P99)
		s.RSS = m.RSS
		if m.DBKnown {
			db = append(db, m.DBCPUPerRequest())
		}
	}
	s.PerCPUSecond, s.P50, s.P99 = median(rates), median(p50s), median(p99s)
	s.DBCPUPerRequest, s.DBKnown = median(db), len(db) > 0
	return s
}
