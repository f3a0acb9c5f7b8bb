package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// revocationsChannel is the channel migration 0090 notifies when a write
// that can revoke an access token commits, in any process.
const revocationsChannel = "access_token_revocations"

// relistenAfter is how long the listener waits before it connects again
// after losing its connection; meanwhile every lookup asks the database.
const relistenAfter = time.Second

// listenForRevocations keeps a connection of its own listening on
// revocationsChannel until ctx ends, and empties s.liveTokens on every
// notification, so this process sees another one's revocation as soon as
// PostgreSQL delivers it. While it is not listening (at start, after a lost
// connection) the memory is paused: a notification could be missed then.
// It tries again every relistenAfter, and says so once per outage: a
// warning when listening fails, a line when it is back, the retries between
// at debug level.
func (s *Store) listenForRevocations(ctx context.Context, config *pgx.ConnConfig) {
	defer close(s.listenerDone)
	failing := false
	for {
		err := s.listen(ctx, config, func() {
			if failing {
				slog.Info("postgres: listening for revocations again")
			}
			failing = false
		})
		s.liveTokens.Pause()
		if ctx.Err() != nil {
			return
		}
		if failing {
			slog.Debug("postgres: listening for revocations failed again", "err", err)
		} else {
			slog.Warn("postgres: listening for revocations failed; every bearer check asks the database until it is back", "err", err)
		}
		failing = true
		select {
		case <-ctx.Done():
			return
		case <-time.After(relistenAfter):
		}
	}
}

// listen connects, listens (then calls listening), resumes the memory and
// forgets it on every notification until the connection or ctx ends.
func (s *Store) listen(ctx context.Context, config *pgx.ConnConfig, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+revocationsChannel); err != nil {
		return err
	}
	listening()
	s.liveTokens.Resume() // from here on, no revocation goes unnoticed
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		s.liveTokens.Forget()
	}
}
