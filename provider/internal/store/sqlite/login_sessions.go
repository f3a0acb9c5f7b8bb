package sqlite

import (
	"context"
	"fmt"
	"time"
)

// EndLoginSession records the login session with this id hash as ended
// until expiresAt. Ending it again changes nothing.
func (s *Store) EndLoginSession(ctx context.Context, hash string, expiresAt time.Time) error {
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO ended_login_sessions (hash, expires_at) VALUES (?, ?)
		ON CONFLICT (hash) DO NOTHING`, hash, micros(expiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: end login session: %w", err)
	}
	return nil
}

// loginSessionEndedSQL asks whether a login session was ended
// (LoginSessionEnded: each page request of a signed-in user).
const loginSessionEndedSQL = `SELECT EXISTS (SELECT 1 FROM ended_login_sessions WHERE hash = ?)`

// LoginSessionEnded reports whether EndLoginSession recorded hash.
func (s *Store) LoginSessionEnded(ctx context.Context, hash string) (bool, error) {
	var ended bool
	err := s.loginSessionEnded.QueryRowContext(ctx, hash).Scan(&ended)
	if err != nil {
		return false, fmt.Errorf("sqlite: login session ended: %w", err)
	}
	return ended, nil
}
