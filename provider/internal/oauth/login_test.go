package oauth

import (
	"errors"
	"testing"
	"time"
)

func TestPasswordGuard(t *testing.T) {
	g := NewPasswordGuard()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range WrongPasswordsPerClient {
		if _, err := g.reserve("192.0.2.1", now); err != nil {
			t.Fatalf("wrong password %d of %d: got %v, want it counted", i+1, WrongPasswordsPerClient, err)
		}
	}
	var tooMany *TooManyAttemptsError
	if _, err := g.reserve("192.0.2.1", now); !errors.As(err, &tooMany) || tooMany.RetryAfter != PasswordWindow {
		t.Errorf("one more from the same address: got %v, want TooManyAttemptsError with RetryAfter %v", err, PasswordWindow)
	}
	if _, err := g.reserve("192.0.2.2", now); err != nil {
		t.Errorf("another address: got %v, want its own budget", err)
	}
	if _, err := g.reserve("192.0.2.1", now.Add(PasswordWindow)); err != nil {
		t.Errorf("the next window: got %v, want a fresh budget", err)
	}
}

func TestPasswordGuardForgivesRightPasswords(t *testing.T) {
	g := NewPasswordGuard()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 3 * WrongPasswordsPerClient {
		window, err := g.reserve("192.0.2.1", now)
		if err != nil {
			t.Fatalf("right passwords must not use up the budget: %v", err)
		}
		g.forgive("192.0.2.1", window)
	}
}
