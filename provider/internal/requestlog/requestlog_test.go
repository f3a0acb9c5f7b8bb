package requestlog

import (
	"context"
	"testing"
)

// TestWithKeepsParent: the context With returns carries
// the id and still answers its parent's values and cancellation, also to
// a context derived from it.
func TestWithKeepsParent(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	ctx := With(parent, "req-1")
	child, stop := context.WithCancel(ctx)
	defer stop()
	if got := ID(child); got != "req-1" {
		t.Errorf("ID = %q, want req-1", got)
	}
	if got := child.Value(key{}); got != "v" {
		t.Errorf("the parent's value = %v, want v", got)
	}
	cancel()
	<-child.Done() // blocks until the test times out if cancellation does not reach it
	if ctx.Err() != context.Canceled {
		t.Errorf("Err = %v, want context.Canceled", ctx.Err())
	}
}
