package service

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/joho/godotenv"
)

// LoadDotEnv loads the .env file of the working directory, if there is one,
// without overriding a variable already set. A file that cannot be read or
// parsed is an error: a program that went on without it would start on its
// defaults, not on the settings the file holds.
func LoadDotEnv() error {
	if err := godotenv.Load(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading .env: %w", err)
	}
	return nil
}

// loggedError is an error the program has written to its log already.
type loggedError struct{ error }

func (e loggedError) Unwrap() error { return e.error }

// LogExit writes the error a program stops with to its log, as its last
// line in the log's format (a JSON log stays JSON to the end), and returns
// it marked so that PrintExit does not write it again.
func LogExit(log *slog.Logger, program string, err error) error {
	if err == nil {
		return nil
	}
	log.Error(program+" stopped", "err", err)
	return loggedError{err}
}

// PrintExit writes the error a program stops with to w (standard error)
// unless LogExit logged it: an error from before the log existed (a
// setting it could not read) is written as one plain line.
func PrintExit(w io.Writer, program string, err error) {
	var logged loggedError
	if err != nil && !errors.As(err, &logged) {
		fmt.Fprintf(w, "%s: %v\n", program, err)
	}
}

// minSessionSecret is the shortest SESSION_SECRET a program accepts: 32
// characters, as from `openssl rand -base64 32` (44). The secret keys the
// cookies that carry sessions; whoever learns it, by guessing a short one
// offline against a cookie, can forge any session.
const minSessionSecret = 32

// CheckSessionSecret refuses a SESSION_SECRET that is set but too short to
// key session cookies, not counting spaces around it (40 spaces are a key
// anyone can guess); an empty one is fine (a random key per start).
func CheckSessionSecret(secret string) error {
	if n := len(strings.TrimSpace(secret)); secret != "" && n < minSessionSecret {
		return fmt.Errorf("config: SESSION_SECRET must be at least %d characters besides spaces around them (openssl rand -base64 32 makes one), got %d", minSessionSecret, n)
	}
	return nil
}
