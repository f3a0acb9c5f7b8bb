package service

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/joho/godotenv"
)

// LoadDotEnv loads the .env file of the working directory, if there is one,
// without overriding a variable already set. A file that cannot be read or
// parsed is an error: a program that went on without it would start on its
// defaults, not on the settings the file holds. The error names the line
// that does not parse, and the variable it sets when that reads as a name,
// but never the file's text: godotenv's own error quotes the rest of the
// file, or a value, which would print the secrets the file holds.
func LoadDotEnv() error {
	err := godotenv.Load()
	var pathErr *fs.PathError
	switch {
	case err == nil || errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.As(err, &pathErr): // the file could not be read: no content in it
		return fmt.Errorf("reading .env: %w", err)
	}
	content, readErr := os.ReadFile(".env")
	if readErr != nil {
		return fmt.Errorf("reading .env: %w", readErr)
	}
	line := unparsableDotEnvLine(string(content))
	if name := dotEnvName(line.text); name != "" {
		return fmt.Errorf("reading .env: cannot parse line %d (%s); its text is not shown, as it may hold a secret", line.number, name)
	}
	return fmt.Errorf("reading .env: cannot parse line %d; its text is not shown, as it may hold a secret", line.number)
}

// dotEnvLine is one line of a .env file and its number, from 1.
type dotEnvLine struct {
	number int
	text   string
}

// unparsableDotEnvLine returns the line where the statement that stops
// content from parsing starts: the line after the longest run of first
// lines that parses (a quoted value may span lines, so a run that ends
// inside one does not parse either).
func unparsableDotEnvLine(content string) dotEnvLine {
	lines := strings.SplitAfter(content, "\n")
	parsed := 0
	for n := 1; n < len(lines); n++ {
		if _, err := godotenv.Unmarshal(strings.Join(lines[:n], "")); err == nil {
			parsed = n
		}
	}
	return dotEnvLine{number: parsed + 1, text: lines[parsed]}
}

// dotEnvName returns the variable name line assigns, as in "NAME=value" or
// "export NAME=value", or "" when what comes before the '=' is not a name
// (it might be a secret written on the wrong line).
func dotEnvName(line string) string {
	before, _, found := strings.Cut(line, "=")
	name := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(before), "export "))
	if !found || !isDotEnvName(name) {
		return ""
	}
	return name
}

// isDotEnvName reports whether s is a variable name godotenv reads:
// letters, digits, '_' and '.', not starting with a digit.
func isDotEnvName(s string) bool {
	for i, r := range s {
		letter := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '_'
		if !letter && (i == 0 || !('0' <= r && r <= '9' || r == '.')) {
			return false
		}
	}
	return s != ""
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
