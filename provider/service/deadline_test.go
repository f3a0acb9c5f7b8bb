package service

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// TestDeadline: a handler's context ends once the request's time runs out,
// and TimedOut and CallerHungUp tell that apart from a caller who went away.
func TestDeadline(t *testing.T) {
	for _, tc := range []struct {
		name         string
		hangUp       bool // the caller goes away before the time runs out
		wantTimedOut bool
	}{
		{"the time runs out", false, true},
		{"the caller goes away", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tc.hangUp {
				cancel()
			}
			var timedOut, hungUp bool
			serveWithDeadline(t, ctx, 50*time.Millisecond, func(ctx context.Context) {
				<-ctx.Done()
				timedOut, hungUp = TimedOut(ctx), CallerHungUp(ctx)
			})
			if timedOut != tc.wantTimedOut {
				t.Errorf("TimedOut: got %v, want %v", timedOut, tc.wantTimedOut)
			}
			if hungUp != tc.hangUp {
				t.Errorf("CallerHungUp: got %v, want %v", hungUp, tc.hangUp)
			}
		})
	}
}

// serveWithDeadline serves one request through Deadline(d) to handle, with
// the caller's context ctx, and returns the request context the handler saw.
func serveWithDeadline(t *testing.T, ctx context.Context, d time.Duration, handle func(ctx context.Context)) context.Context {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	var seen context.Context
	r.Use(Deadline(d))
	r.GET("/x", func(c *gin.Context) {
		seen = c.Request.Context()
		handle(seen)
	})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, http.MethodGet, "/x", nil))
	return seen
}

// TestDeadlineWithoutWaiting: a handler that never waits on its context
// (answered from memory) arms no timer, yet its context still says when
// its time ran out: Deadline, then Err and TimedOut once past it.
func TestDeadlineWithoutWaiting(t *testing.T) {
	start := time.Now()
	var before, after error
	var timedOut bool
	var deadline time.Time
	ctx := serveWithDeadline(t, t.Context(), 20*time.Millisecond, func(ctx context.Context) {
		deadline, _ = ctx.Deadline()
		before = ctx.Err()
		_ = ctx.Value(struct{}{})
		if ctx.(*deadlineContext).armed.Load() {
			t.Error("the timer was armed by Deadline, Err or Value: only Done arms it")
		}
		time.Sleep(30 * time.Millisecond)
		after, timedOut = ctx.Err(), TimedOut(ctx)
	})
	if got := deadline.Sub(start); got < 20*time.Millisecond || got > time.Second {
		t.Errorf("Deadline: %v after the request started, want 20ms", got)
	}
	if before != nil {
		t.Errorf("Err before the deadline: %v, want nil", before)
	}
	if !errors.Is(after, context.DeadlineExceeded) || !timedOut {
		t.Errorf("after the deadline: Err %v, TimedOut %v; want DeadlineExceeded, true", after, timedOut)
	}
	if cause := context.Cause(ctx); !errors.Is(cause, ErrRequestTimeout) {
		t.Errorf("Cause: %v, want ErrRequestTimeout", cause)
	}
}

// TestDeadlineDerivedContexts: a context made from the request's (as a
// database driver or an outgoing fetch makes one) ends at the request's
// deadline with its cause, and ends at once when the caller goes away;
// goroutines waiting on Done at the same time all see it.
func TestDeadlineDerivedContexts(t *testing.T) {
	serveWithDeadline(t, t.Context(), 20*time.Millisecond, func(ctx context.Context) {
		child, cancel := context.WithCancel(ctx)
		defer cancel()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { <-ctx.Done() })
		}
		<-child.Done()
		wg.Wait()
		if cause := context.Cause(child); !errors.Is(cause, ErrRequestTimeout) {
			t.Errorf("the derived context's cause: %v, want ErrRequestTimeout", cause)
		}
	})
	caller, hangUp := context.WithCancel(t.Context())
	serveWithDeadline(t, caller, time.Minute, func(ctx context.Context) {
		child, cancel := context.WithTimeout(ctx, time.Hour)
		defer cancel()
		hangUp()
		<-child.Done()
		if err := child.Err(); !errors.Is(err, context.Canceled) || TimedOut(child) {
			t.Errorf("after the caller went away: Err %v, TimedOut %v; want Canceled, false", err, TimedOut(child))
		}
	})
}
