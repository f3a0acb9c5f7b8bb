package service

import (
	"io"
	"sync"
	"time"
)

// BatchWriter passes the log lines written to it on to an io.Writer in
// batches: the first line after a quiet spell starts a short wait (the
// delay), and whatever lines came in by its end go out in one write. A
// server under load writes a line per request; one write(2) each cost the
// request log about as much as formatting the line did, and a batch shares
// one among all its lines. An idle server makes no writes and no wake-ups.
//
// The price is the delay: a line reaches the log that much later, and a
// process killed outright (SIGKILL, a fatal runtime error) loses the lines
// of its last delay. Close writes what is left, so a normal exit loses
// nothing. nginx's access_log buffer=/flush= and zap's BufferedWriteSyncer
// make the same trade.
type BatchWriter struct {
	out   io.Writer
	delay time.Duration
	wake  chan struct{} // holds one token while a batch is gathering
	done  chan struct{} // closed by Close: the batching goroutine returns

	mu      sync.Mutex // guards pending and closed
	pending []byte     // the lines not yet written, in order
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
	b := &BatchWriter{out: out, delay: delay, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go b.run()
	return b
}

// Write queues a copy of p (a handler reuses its buffer) and returns; it
// writes the pending lines itself when they reach maxPending, or once the
// writer is closed.
func (b *BatchWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.pending = append(b.pending, p...)
	now := len(b.pending) >= maxPending || b.closed
	b.mu.Unlock()
	if now {
		return len(p), b.flush()
	}
	select {
	case b.wake <- struct{}{}: // the first line of a batch starts its wait
	default: // a batch is already gathering: this line goes with it
	}
	return len(p), nil
}

// run writes a batch delay after its first line, until Close.
func (b *BatchWriter) run() {
	for {
		select {
		case <-b.wake:
		case <-b.done:
			return
		}
		time.Sleep(b.delay)
		_ = b.flush() // as slog ignores a handler's write error, so does the log
	}
}

// flush writes the pending lines, if any, in one write.
func (b *BatchWriter) flush() error {
	b.outMu.Lock()
	defer b.outMu.Unlock()
	b.mu.Lock()
	b.pending, b.spare = b.spare[:0], b.pending
	b.mu.Unlock()
	if len(b.spare) == 0 {
		return nil
	}
	_, err := b.out.Write(b.spare)
	return err
}

// Close stops the batching and writes what is pending; later lines are
// written as they come.
func (b *BatchWriter) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	close(b.done)
	return b.flush()
}
