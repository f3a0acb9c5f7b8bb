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
// requests in flight as the others do. A program started with SIGHUP
// ignored (under nohup, to outlive its terminal) keeps it ignored: asking
// for it would undo what nohup asked (os/signal, "Changing the behavior of
// signals in Go programs"). The signals stay caught for the rest of the
// process's life: one that arrives while the program finishes — a
// terminal's Ctrl-C reaches both programs and scripts/run.sh, which then
// sends each a SIGTERM — must not turn a clean exit 0 into death by
// signal.
func ShutdownContext() context.Context {
	signals := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		signals = append(signals, syscall.SIGHUP)
	}
	ctx, _ := signal.NotifyContext(context.Background(), signals...)
	return ctx
}

// keepServingOnClosedLog asks for SIGPIPE (and drops it), so that while a
// program serves, a write to a standard output or error whose reader has
// gone (a log shipper that died, a "| head") fails with EPIPE instead of
// killing the process, as Go does for those two descriptors unless SIGPIPE
// is notified (os/signal, "SIGPIPE"): the server loses those log lines, and
// goes on serving. A command that only writes its output (`client device`)
// does not ask, and ends as a pipeline's command does when its reader has
// gone.
func keepServingOnClosedLog() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE) // never read: a full channel drops the signal
}
