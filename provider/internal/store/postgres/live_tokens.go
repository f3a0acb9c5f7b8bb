package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The channels the listener listens on: migration 0090 notifies
// revocationsChannel when a write that can revoke an access token commits,
// migration 0091 notifies signingKeysChannel when a write to the signing
// keys does, in any process.
const (
	revocationsChannel = "access_token_revocations"
	signingKeysChannel = "signing_keys"
)

// relistenAfter is how long the listener waits before it connects again
// after losing its connection; meanwhile every lookup asks the database.
const relistenAfter = time.Second

// After listenCheckAfter without a notification the listener checks its
// connection, giving the database listenCheckTimeout to answer.
const (
	listenCheckAfter   = time.Second
	listenCheckTimeout = time.Second
)

// listenForNotifications keeps a connection of its own listening on
// revocationsChannel and signingKeysChannel until ctx ends: it empties
// s.liveTokens on every revocation, so this process sees another one's
// revocation as soon as PostgreSQL delivers it, and tells the key watchers
// of every signing key change. While it is not listening (at start, after a
// lost connection) the memory is paused: a notification could be missed
// then. It tries again every relistenAfter, and says so once per outage: a
// warning when listening fails, a line when it is back, the retries between
// at debug level.
func (s *Store) listenForNotifications(ctx context.Context, config *pgx.ConnConfig) {
	defer close(s.listenerDone)
	failing := false
	for {
		err := s.listen(ctx, config, func() {
			if failing {
				slog.Info("postgres: listening for revocations again")
				s.signingKeysChanged() // one may have changed during the outage
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
// answers every notification until the connection or ctx ends. A
// connection can die without a word (the database's host gone without a
// reset): after listenCheckAfter without a notification, listen checks it
// with a ping, and a ping not answered within listenCheckTimeout ends the
// connection like any failure.
func (s *Store) listen(ctx context.Context, config *pgx.ConnConfig, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for _, channel := range []string{revocationsChannel, signingKeysChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
			return err
		}
	}
	listening()
	s.liveTokens.Resume() // from here on, no revocation goes unnoticed
	for {
		n, err := waitForNotification(ctx, conn)
		switch {
		case err != nil:
			return err
		case n == nil: // none within listenCheckAfter, and the connection answered
		case n.Channel == signingKeysChannel:
			s.signingKeysChanged()
		default:
			s.liveTokens.Forget()
		}
	}
}

// waitForNotification returns the next notification on conn, or nil if
// none came within listenCheckAfter and conn then answered a ping within
// listenCheckTimeout.
func waitForNotification(ctx context.Context, conn *pgx.Conn) (*pgconn.Notification, error) {
	wait, cancel := context.WithTimeout(ctx, listenCheckAfter)
	n, err := conn.WaitForNotification(wait)
	cancel()
	if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
		return n, err
	}
	check, cancel := context.WithTimeout(ctx, listenCheckTimeout)
	defer cancel()
	if err := conn.Ping(check); err != nil {
		return nil, fmt.Errorf("postgres: listener's connection: %w", err)
	}
	return nil, nil
}

// WatchSigningKeys calls changed after each signing key change that any
// process commits (migration 0091 notifies it), and when the listener is
// back after an outage. changed runs on the listener's goroutine: it must
// not block.
func (s *Store) WatchSigningKeys(changed func()) {
	s.watchersMu.Lock()
	defer s.watchersMu.Unlock()
	s.keyWatchers = append(s.keyWatchers, changed)
}

// signingKeysChanged calls the key watchers.
func (s *Store) signingKeysChanged() {
	s.watchersMu.Lock()
	defer s.watchersMu.Unlock()
	for _, changed := range s.keyWatchers {
		changed()
	}
}
