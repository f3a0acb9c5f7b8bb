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
	line := unparsableDotEnvLine(string(content), dotEnvParses)
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
// inside one does not parse either). parses tells whether godotenv parses
// a text (dotEnvParses); it is a parameter so that a test can count the
// bytes handed to the parser, and so check that the time is linear.
//
// It reads content once, line by line, so its time is linear in the
// file's size (trying every run of first lines would be quadratic).
// godotenv reads one statement after another, and only a quoted value goes
// on past the end of its line, so at the start of a line the parser is
// either between statements or inside a value quoted with " or '. Between
// statements, the line alone decides (afterDotEnvText): it parses, and so
// does the run it ends; or it leaves a quoted value open; or it cannot
// parse, and neither can any longer run. Inside a quoted value, the line
// is searched for the quote that ends it (closingQuote), and the rest of
// the line, after that quote, decides as a line would.
func unparsableDotEnvLine(content string, parses func(string) bool) dotEnvLine {
	lines := strings.SplitAfter(content, "\n") // each but the last ends with "\n"
	parsed, open := 0, byte(0)                 // open: the quote of a value left open, 0 between statements
	for n, line := range lines[:len(lines)-1] {
		if open != 0 {
			end := closingQuote(line, open)
			if end < 0 {
				continue // the value goes on past this line
			}
			line = line[end+1:]
		}
		var ok bool
		if open, ok = afterDotEnvText(line, parses); !ok {
			break
		}
		if open == 0 {
			parsed = n + 1
		}
	}
	return dotEnvLine{number: parsed + 1, text: lines[parsed]}
}

// afterDotEnvText tells how text, which ends with a newline, leaves
// godotenv's parser when it starts between statements: between statements
// again (open is 0), inside a value quoted with open (the text parses once
// that quote is added), or failed (ok is false).
func afterDotEnvText(text string, parses func(string) bool) (open byte, ok bool) {
	if parses(text) {
		return 0, true
	}
	for _, quote := range []byte{'"', '\''} {
		if parses(text + string(quote) + "\n") {
			return quote, true
		}
	}
	return 0, false
}

// closingQuote returns the index in line of the quote that ends a value
// quoted with quote on an earlier line, or -1: as godotenv reads it, the
// first such quote that no backslash precedes (the character before the
// line's first is a newline).
func closingQuote(line string, quote byte) int {
	for i := 0; i < len(line); i++ {
		if line[i] == quote && (i == 0 || line[i-1] != '\\') {
			return i
		}
	}
	return -1
}

// dotEnvParses reports whether godotenv parses text as a .env file.
func dotEnvParses(text string) bool {
	_, err := godotenv.Unmarshal(text)
	return err == nil
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
