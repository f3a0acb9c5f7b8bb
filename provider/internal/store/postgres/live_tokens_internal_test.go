package postgres

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/processtest"
)

// TestListenerWarnsOncePerOutage: while the revocation listener cannot
// connect it tries again every relistenAfter, warning once and logging the
// retries at debug level, not a warning a second.
func TestListenerWarnsOncePerOutage(t *testing.T) {
	var log processtest.Buffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(previous) })
	config, err := pgx.ParseConfig("postgres://nobody@127.0.0.1:1/none?connect_timeout=1") // nothing listens on port 1
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{listenerDone: make(chan struct{})}
	ctx, stop := context.WithCancel(t.Context())
	go s.listenForNotifications(ctx, config)
	time.Sleep(2*relistenAfter + relistenAfter/2) // three attempts
	stop()
	<-s.listenerDone
	out := log.String()
	if warns, retries := strings.Count(out, "level=WARN"), strings.Count(out, "failed again"); warns != 1 || retries < 1 {
		t.Errorf("got %d warnings and %d retries logged, want 1 warning and the retries at debug level:\n%s", warns, retries, out)
	}
}
