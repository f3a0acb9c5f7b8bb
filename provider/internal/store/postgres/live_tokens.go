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
// keys does, migration 0092 notifies clientsChannel with a client's id when
// an update or a deletion of that client does, in any process. Migration
// 0093 has the first two notify only when the write changed a row: a
// purge that deletes nothing notifies no one.
const (
	revocationsChannel = "access_token_revocations"
	signingKeysChannel = "signing_keys"
	clientsChannel     = "clients"
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
// revocationsChannel, signingKeysChannel and clientsChannel until ctx ends:
// it empties s.liveTokens on every revocation, so this process sees another
// one's revocation as soon as PostgreSQL delivers it, tells the key
// watchers of every signing key change and the client watchers of every
// client changed. While it is not listening (at start, after a lost
// connection) the memory is paused and the client watchers are told so
// (setListening): a notification could be missed then. It tries again
// every relistenAfter, and says so once per outage: a warning when
// listening fails, a line when it is back, the retries between at debug
// level.
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
		s.setListening(false)
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
// the client watchers (setListening) and answers every notification until
// the connection or ctx ends. A connection can die without a word (the
// database's host gone without a reset): after listenCheckAfter without a
// notification, listen checks it with a ping, and a ping not answered
// within listenCheckTimeout ends the connection like any failure.
func (s *Store) listen(ctx context.Context, config *pgx.ConnConfig, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for _, channel := range []string{revocationsChannel, signingKeysChannel, clientsChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
			return err
		}
	}
	listening()
	s.setListening(true) // from here on, no revocation or client change goes unnoticed
	for {
		n, err := waitForNotification(ctx, conn)
		switch {
		case err != nil:
			return err
		case n == nil: // none within listenCheckAfter, and the connection answered
		case n.Channel == signingKeysChannel:
			s.signingKeysChanged()
		case n.Channel == clientsChannel:
			s.clientChanged(n.Payload)
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
// process commits (migrations 0091 and 0093 notify it), and when the listener is
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

// clientWatcher is one caller of WatchClients.
type clientWatcher struct {
	changed   func(id string)
	listening func(bool)
}

// WatchClients calls changed with a client's id after each update or
// deletion of that client that any process commits (migration 0092
// notifies it; "" for an id too long to notify), and listening with whether
// the listener listens: at once, then each time that changes. Both run on
// the listener's goroutine, but for that first call: they must not block.
func (s *Store) WatchClients(changed func(id string), listening func(bool)) {
	s.watchersMu.Lock()
	defer s.watchersMu.Unlock()
	s.clientWatchers = append(s.clientWatchers, clientWatcher{changed, listening})
	listening(s.listening)
}

// clientChanged tells the client watchers that the client with this id
// changed.
func (s *Store) clientChanged(id string) {
	s.watchersMu.Lock()
	defer s.watchersMu.Unlock()
	for _, w := range s.clientWatchers {
		w.changed(id)
	}
}

// setListening records whether the listener listens, and pauses or resumes
// the memory of live tokens and tells the client watchers accordingly.
func (s *Store) setListening(listening bool) {
	if listening {
		s.liveTokens.Resume()
	} else {
		s.liveTokens.Pause()
	}
	s.watchersMu.Lock()
	defer s.watchersMu.Unlock()
	s.listening = listening
	for _, w := range s.clientWatchers {
		w.listening(listening)
	}
}
