package service

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// ShutdownContext returns a context that ends at the first SIGINT, SIGTERM
// or SIGHUP, which is when a program begins its graceful shutdown: SIGHUP
// is what a closed terminal or ssh session sends, and it drains the
// requests in flight as the others do. The three signals stay caught for
// the rest of the process's life: one that arrives while the program
// finishes — a terminal's Ctrl-C reaches both programs and scripts/run.sh,
// which then sends each a SIGTERM — must not turn a clean exit 0 into death
// by signal.
//
// It also asks for SIGPIPE (and drops it), so that a write to a standard
// output or error whose reader has gone (a log shipper that died, a
// "| head") fails with EPIPE instead of killing the process, as Go does
// for those two descriptors unless SIGPIPE is notified (os/signal,
// "SIGPIPE"): the program loses those log lines, and goes on serving.
func ShutdownContext() context.Context {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE) // never read: a full channel drops the signal
	ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	return ctx
}
