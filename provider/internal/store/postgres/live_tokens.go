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
func (s *Store) listenForRevocations(ctx context.Context, config *pgx.ConnConfig) {
	defer close(s.listenerDone)
	for {
		err := s.listen(ctx, config)
		s.liveTokens.Pause()
		if ctx.Err() != nil {
			return
		}
		slog.Warn("postgres: listening for revocations failed; every bearer check asks the database until it is back", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(relistenAfter):
		}
	}
}

// listen connects, listens, resumes the memory and forgets it on every
// notification until the connection or ctx ends.
func (s *Store) listen(ctx context.Context, config *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+revocationsChannel); err != nil {
		return err
	}
	s.liveTokens.Resume() // from here on, no revocation goes unnoticed
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		s.liveTokens.Forget()
	}
}
