package service

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// ShutdownContext returns a context that ends at the first SIGINT or
// SIGTERM, which is when a program begins its graceful shutdown. The two
// signals stay caught for the rest of the process's life: one that arrives
// while the program finishes — a terminal's Ctrl-C reaches both programs
// and scripts/run.sh, which then sends each a SIGTERM — must not turn a
// clean exit 0 into death by signal.
func ShutdownContext() context.Context {
	ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	return ctx
}
