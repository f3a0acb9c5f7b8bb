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
	Requests int           // requests (or login flows) completed in the window
	CPU      time.Duration // the server's utime+stime over the window
	P50, P99 time.Duration // latency seen by the clients
	RSS      int64         // the server's resident set size at the window's end
	DBCPU    time.Duration // PostgreSQL's processes serving the server, over the window…
	DBKnown  bool          // …when they could be measured
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
// place) and the server samples around it into a measurement.
func summarize(latencies []time.Duration, before, after procSample) measurement {
	slices.Sort(latencies)
	return measurement{
		Requests: len(latencies),
		CPU:      after.CPU - before.CPU,
		P50:      percentile(latencies, 50),
		P99:      percentile(latencies, 99),
		RSS:      after.RSS,
	}
}

// add counts window m into the measurement: requests and CPU add up, the
// latencies are the worse window's, the RSS the later one's.
func (total *measurement) add(m measurement) {
	total.Requests += m.Requests
	total.CPU += m.CPU
	total.DBCPU += m.DBCPU
	total.DBKnown = total.DBKnown || m.DBKnown
	total.P50, total.P99 = max(total.P50, m.P50), max(total.P99, m.P99)
	total.RSS = m.RSS
}
