package service

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// writes records each Write it is given, as its own copy.
type writes struct {
	mu    sync.Mutex
	calls [][]byte
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, bytes.Clone(p))
	return len(p), nil
}

// snapshot returns the writes so far and all their bytes together.
func (w *writes) snapshot() (calls int, all string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.calls), string(bytes.Join(w.calls, nil))
}

func TestBatchWriterWritesLinesTogetherAfterTheDelay(t *testing.T) {
	var out writes
	b := NewBatchWriter(&out, 500*time.Millisecond) // far longer than the three writes take
	defer b.Close()
	line := []byte("line 1\n")
	b.Write(line)
	copy(line, "LINE 9\n") // a handler reuses its buffer: the queued line must be a copy
	b.Write([]byte("line 2\n"))
	b.Write([]byte("line 3\n"))
	if calls, _ := out.snapshot(); calls != 0 {
		t.Fatalf("%d writes as the lines came, want none before the delay", calls)
	}
	deadline := time.Now().Add(10 * time.Second)
	for calls, _ := out.snapshot(); calls == 0 && time.Now().Before(deadline); calls, _ = out.snapshot() {
		time.Sleep(time.Millisecond)
	}
	calls, all := out.snapshot()
	if calls != 1 || all != "line 1\nline 2\nline 3\n" {
		t.Errorf("got %d writes of %q, want one write of the three lines in order", calls, all)
	}
}

// TestBatchWriterOldBatchWrittenByTheWrite: a Write that finds the batch a
// delay old writes it before returning, on the writer's goroutine: under
// load no timer has to wake a goroutine to write the log.
func TestBatchWriterOldBatchWrittenByTheWrite(t *testing.T) {
	var out writes
	b := NewBatchWriter(&out, 20*time.Millisecond)
	defer b.Close()
	b.Write([]byte("line 1\n"))
	b.timer.Stop() // as if the timer had not run yet: the runtime runs it when the CPU is free
	time.Sleep(30 * time.Millisecond)
	b.Write([]byte("line 2\n"))
	if calls, all := out.snapshot(); calls != 1 || all != "line 1\nline 2\n" {
		t.Errorf("after a Write to a batch older than the delay: %d writes of %q, want both lines in one", calls, all)
	}
}

// TestBatchWriterTimerSetBeforeItCanFire: a writer whose delay passes at
// once has its timer set before the timer can run (which flushes, and
// stops the timer).
func TestBatchWriterTimerSetBeforeItCanFire(t *testing.T) {
	var out writes
	const writers = 20000 // the timer runs first in a few of them, on a busy machine
	for i := range writers {
		b := NewBatchWriter(&out, time.Nanosecond)
		fmt.Fprintf(b, "line %d\n", i)
		b.Close()
	}
	if calls, _ := out.snapshot(); calls != writers {
		t.Errorf("%d writes of %d lines, each in a writer of its own: want %d", calls, writers, writers)
	}
}

func TestBatchWriterCloseWritesWhatIsPending(t *testing.T) {
	var out writes
	b := NewBatchWriter(&out, time.Hour) // no batch would go out before Close
	b.Write([]byte("before close\n"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if calls, all := out.snapshot(); calls != 1 || all != "before close\n" {
		t.Fatalf("after Close: %d writes of %q, want the pending line in one", calls, all)
	}
	b.Write([]byte("after close\n"))
	if calls, all := out.snapshot(); calls != 2 || all != "before close\nafter close\n" {
		t.Errorf("a line after Close: %d writes of %q, want it written at once", calls, all)
	}
}

func TestBatchWriterBoundsWhatItHolds(t *testing.T) {
	var out writes
	b := NewBatchWriter(&out, time.Hour)
	defer b.Close()
	line := []byte(strings.Repeat("x", 99) + "\n")
	for range 3 * maxPending / len(line) {
		b.Write(line)
		b.mu.Lock()
		held := len(b.pending)
		b.mu.Unlock()
		if held >= maxPending {
			t.Fatalf("holds %d bytes, want fewer than %d: a full buffer is written by the Write that fills it", held, maxPending)
		}
	}
	calls, all := out.snapshot()
	if calls < 2 || len(all) < 2*maxPending {
		t.Errorf("%d writes of %d bytes while the delay ran, want the full buffers written", calls, len(all))
	}
}

func TestBatchWriterKeepsConcurrentLinesWhole(t *testing.T) {
	var out writes
	b := NewBatchWriter(&out, time.Millisecond)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 500 {
				fmt.Fprintf(b, "writer %d line %d\n", w, i)
			}
		})
	}
	wg.Wait()
	b.Close()
	_, all := out.snapshot()
	lines := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
	next := make(map[int]int) // each writer's lines arrive whole and in its order
	for _, l := range lines {
		var w, i int
		if _, err := fmt.Sscanf(l, "writer %d line %d", &w, &i); err != nil || i != next[w] {
			t.Fatalf("line %q: want writer %d's line %d", l, w, next[w])
		}
		next[w]++
	}
	if len(lines) != 8*500 {
		t.Errorf("got %d lines, want %d", len(lines), 8*500)
	}
}
