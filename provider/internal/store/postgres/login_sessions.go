package postgres

import (
	"context"
	"fmt"
	"time"
)

// EndLoginSession records the login session with this id hash as ended
// until expiresAt. Ending it again changes nothing.
func (s *Store) EndLoginSession(ctx context.Context, hash string, expiresAt time.Time) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO ended_login_sessions (hash, expires_at) VALUES ($1, $2)
		ON CONFLICT (hash) DO NOTHING`, hash, expiresAt)
	if err != nil {
		return fmt.Errorf("postgres: end login session: %w", err)
	}
	return nil
}

// LoginSessionEnded reports whether EndLoginSession recorded hash, in any
// process sharing the database.
func (s *Store) LoginSessionEnded(ctx context.Context, hash string) (bool, error) {
	var ended bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ended_login_sessions WHERE hash = $1)`, hash).Scan(&ended)
	if err != nil {
		return false, fmt.Errorf("postgres: login session ended: %w", err)
	}
	return ended, nil
}
