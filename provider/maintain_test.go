package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestJobLogWarnsOncePerFailure: a background job failing at every tick (a
// store outage) is one warning, its repeats debug lines, and the success
// after them one line; a failure with another cause is warned of again.
func TestJobLogWarnsOncePerFailure(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	j := jobLog{log: log, job: "reload signing keys"}
	down, locked := errors.New("connection refused"), errors.New("database is locked")
	for i, step := range []struct {
		err      error
		wantLine string // the line logged, "" for none
	}{
		{nil, ""},
		{down, `level=WARN msg="reload signing keys: failed; tried again at the next tick" err="connection refused"`},
		{down, `level=DEBUG msg="reload signing keys: failed again" err="connection refused"`},
		{down, `level=DEBUG msg="reload signing keys: failed again" err="connection refused"`},
		{locked, `level=WARN msg="reload signing keys: failed; tried again at the next tick" err="database is locked"`},
		{nil, `level=INFO msg="reload signing keys: works again"`},
		{nil, ""},
		{down, `level=WARN msg="reload signing keys: failed; tried again at the next tick" err="connection refused"`},
	} {
		buf.Reset()
		if ok := j.ran(step.err); ok != (step.err == nil) {
			t.Errorf("run %d (%v): ran reported %v", i, step.err, ok)
		}
		line := strings.TrimSpace(buf.String())
		if _, rest, found := strings.Cut(line, " "); found { // drop time=…
			line = rest
		}
		if line != step.wantLine {
			t.Errorf("run %d (%v): logged %q, want %q", i, step.err, line, step.wantLine)
		}
	}
}
