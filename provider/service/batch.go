package service

import (
	"io"
	"math"
	"sync"
	"time"
)

// BatchWriter passes the log lines written to it on to an io.Writer in
// batches: a batch starts with the first line after the last write, and
// goes out in one write once it is a delay old. A server under load writes
// a line per request; one write(2) each cost the request log about as much
// as formatting the line did, and a batch shares one among all its lines.
//
// Under load the Write that finds the batch old enough writes it itself,
// on the request that logs: no goroutine is woken, so the batching cannot
// change the order in which the runtime serves connections. (A goroutine
// that slept a millisecond per batch did: on one CPU, with requests that
// took about that long, one connection in four waited up to ten times as
// long as the rest.) The first line of a batch also sets a timer for the
// delay, which writes the batch if no Write has: the last lines before a
// quiet spell. An idle server makes no writes and no wake-ups.
//
// The price is the delay: a line reaches the log that much later, and a
// process killed outright (SIGKILL, a fatal runtime error) loses the lines
// of its last delay. Close writes what is left, so a normal exit loses
// nothing. nginx's access_log buffer=/flush= and zap's BufferedWriteSyncer
// make the same trade.
type BatchWriter struct {
	out   io.Writer
	delay time.Duration
	timer *time.Timer // writes a batch no Write has written within the delay

	mu      sync.Mutex // guards pending, started and closed
	pending []byte     // the lines not yet written, in order
	started time.Time  // when the first pending line came
	closed  bool       // Close was called: each Write writes at once

	outMu sync.Mutex // one write to out at a time, in the order taken
	spare []byte     // the buffer a batch is written from (guarded by outMu)
}

// maxPending bounds the lines a BatchWriter holds: a Write that finds this
// many bytes pending writes them itself, at once, so a log that cannot keep
// up slows the writers down instead of growing without bound.
const maxPending = 64 << 10

// NewBatchWriter returns a BatchWriter writing to out at most delay after a
// line arrives. Close it when done.
func NewBatchWriter(out io.Writer, delay time.Duration) *BatchWriter {
	b := &BatchWriter{out: out, delay: delay}
	// Set to fire never, until a first line: with delay, it could fire
	// before b.timer is set, and flush would find no timer to stop.
	b.timer = time.AfterFunc(math.MaxInt64, func() { _ = b.flush() }) // as slog ignores a handler's write error, so does the log
	return b
}

// Write queues a copy of p (a handler reuses its buffer). It writes the
// pending lines itself when the batch is a delay old, when they reach
// maxPending, or once the writer is closed; the first line of a batch
// sets the timer.
func (b *BatchWriter) Write(p []byte) (int, error) {
	now := time.Now()
	b.mu.Lock()
	if len(b.pending) == 0 {
		b.started = now
		b.timer.Reset(b.delay)
	}
	b.pending = append(b.pending, p...)
	due := now.Sub(b.started) >= b.delay || len(b.pending) >= maxPending || b.closed
	b.mu.Unlock()
	if due {
		return len(p), b.flush()
	}
	return len(p), nil
}

// flush writes the pending lines, if any, in one write, and stops the
// timer their batch set.
func (b *BatchWriter) flush() error {
	b.outMu.Lock()
	defer b.outMu.Unlock()
	b.mu.Lock()
	b.pending, b.spare = b.spare[:0], b.pending
	b.timer.Stop()
	b.mu.Unlock()
	if len(b.spare) == 0 {
		return nil
	}
	_, err := b.out.Write(b.spare)
	return err
}

// Close writes what is pending; later lines are written as they come.
func (b *BatchWriter) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return b.flush()
}
