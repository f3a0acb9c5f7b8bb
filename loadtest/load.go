package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// request makes one request of a path (or one whole login flow); worker
// is the index of the client goroutine making it, for per-client state.
type request func(ctx context.Context, worker int) error

// window bounds one measured window in time and count.
type window struct {
	Duration time.Duration // clients send requests at least this long…
	MinCPU   time.Duration // …and until the server spent this much CPU (at most 4× Duration)
	Max      int           // and never more than this many requests (a safety bound: -max)
	Workers  int           // client goroutines, each on a keep-alive connection
}

// windowFunc measures one window of a path or of a reference.
type windowFunc func(ctx context.Context) (measurement, error)

// measureWindow runs one window of requests against process pid and
// reports the requests completed, the CPU pid spent meanwhile, and the CPU
// the database spent when db (nil for none) can tell.
func measureWindow(ctx context.Context, pid int, db cpuProbe, w window, do request) (measurement, error) {
	dbBefore, dbErr := probe(ctx, db)
	before, err := cpuTime(pid)
	if err != nil {
		return measurement{}, err
	}
	latencies, capped, err := drive(ctx, pid, w, do)
	if err != nil {
		return measurement{}, err
	}
	after, settled, err := settledCPUTime(pid, maxSettle)
	if err != nil {
		return measurement{}, err
	}
	rss, err := residentSize(pid)
	if err != nil {
		return measurement{}, err
	}
	m := summarize(latencies, after-before, rss)
	m.Capped, m.Unsettled = capped, !settled
	if dbAfter, err := probe(ctx, db); dbErr == nil && err == nil {
		m.DBCPU, m.DBKnown = spentByBoth(dbBefore, dbAfter), true
	}
	return m, nil
}

// spentByBoth is the CPU time the processes sampled both before and after
// spent in between. A backend that ended meanwhile, or started, is left
// out: its CPU before the window is not known to be outside it.
func spentByBoth(before, after map[int]time.Duration) time.Duration {
	var total time.Duration
	for pid, end := range after {
		if start, ok := before[pid]; ok {
			total += end - start
		}
	}
	return total
}

// probe samples db, if there is one.
func probe(ctx context.Context, db cpuProbe) (map[int]time.Duration, error) {
	if db == nil {
		return nil, errors.New("loadtest: no database probe")
	}
	return db(ctx)
}

// drive runs w.Workers clients that call do until w says stop, and returns
// every completed request's latency, and whether w.Max ended the window
// (capped). The first failure stops them all.
func drive(ctx context.Context, pid int, w window, do request) (latencies []time.Duration, capped bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	go func() {
		defer close(stop)
		stopAfter(ctx, pid, w)
	}()
	var (
		started  atomic.Int64 // requests begun, or about to be: one more than w.Max means capped
		wg       sync.WaitGroup
		failOnce sync.Once
		failure  error
	)
	perWorker := make([][]time.Duration, w.Workers)
	for i := range w.Workers {
		wg.Go(func() {
			for !stopped(stop) && started.Add(1) <= int64(w.Max) {
				t0 := time.Now()
				if err := do(ctx, i); err != nil {
					failOnce.Do(func() { failure = err; cancel() })
					return
				}
				perWorker[i] = append(perWorker[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	if failure != nil {
		return nil, false, failure
	}
	for _, l := range perWorker {
		latencies = append(latencies, l...)
	}
	return latencies, started.Load() > int64(w.Max), nil
}

// stopAfter returns once w.Duration has passed and process pid has spent
// w.MinCPU since the call (or 4× w.Duration has passed), or ctx ends.
func stopAfter(ctx context.Context, pid int, w window) {
	start, _ := cpuTime(pid)
	timer := time.NewTimer(w.Duration)
	defer timer.Stop()
	hardStop := time.Now().Add(4 * w.Duration)
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		now, err := cpuTime(pid)
		if err != nil || now-start >= w.MinCPU || time.Now().After(hardStop) {
			return
		}
		timer.Reset(20 * time.Millisecond)
	}
}

// stopped reports whether stop is closed.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}
