package oauth

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// displayedUserCode is the form RFC 8628 Section 6.1 gives as its example,
// "WDJB-MJHT": two groups of four letters of the base-20 alphabet.
var displayedUserCode = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

func TestNewUserCodeFormat(t *testing.T) {
	for range 1000 {
		code := newUserCode()
		if len(code) != userCodeLength || strings.Trim(code, userCodeAlphabet) != "" {
			t.Fatalf("newUserCode() = %q, want 8 letters of %s (RFC 8628 Section 6.1)", code, userCodeAlphabet)
		}
		if got := FormatUserCode(code); !displayedUserCode.MatchString(got) {
			t.Fatalf("FormatUserCode(%q) = %q, want the form WDJB-MJHT", code, got)
		}
	}
}

// TestNewUserCodeIsUniform draws 160,000 letters and applies a chi-squared
// test: a modulo-biased draw (the first 16 letters at 13/256 and the last 4 at
// 12/256) scores about 800 here; a uniform one scores 19 on average and
// passes the limit of 60 with probability 1 − 10^-6.
func TestNewUserCodeIsUniform(t *testing.T) {
	counts := map[byte]int{}
	const codes = 20_000
	for range codes {
		for _, c := range []byte(newUserCode()) {
			counts[c]++
		}
	}
	want := float64(codes*userCodeLength) / float64(len(userCodeAlphabet))
	chi2 := 0.0
	for _, c := range []byte(userCodeAlphabet) {
		d := float64(counts[c]) - want
		chi2 += d * d / want
	}
	if len(counts) != len(userCodeAlphabet) || chi2 > 60 {
		t.Errorf("letter counts %v: got chi-squared %.1f over %d letters, want ≤ 60 (uniform, no modulo bias)", counts, chi2, len(counts))
	}
}

func TestRandomIndexCoversRange(t *testing.T) {
	for _, n := range []int{1, 2, 20, 255, 256} {
		seen := map[int]bool{}
		for range 20 * n {
			i := randomIndex(n)
			if i < 0 || i >= n {
				t.Fatalf("randomIndex(%d) = %d, want in [0, %d)", n, i, n)
			}
			seen[i] = true
		}
		if n <= 20 && len(seen) != n {
			t.Errorf("randomIndex(%d): got %d distinct values, want %d", n, len(seen), n)
		}
	}
}

func TestNormalizeUserCode(t *testing.T) {
	tests := []struct {
		name, typed, want string // want "" = no code
	}{
		{"the displayed form is accepted (RFC 8628 Section 6.1)", "WDJB-MJHT", "WDJBMJHT"},
		{"the dash is optional", "WDJBMJHT", "WDJBMJHT"},
		{"lower case is the same code (case-insensitive, RFC 8628 Section 6.1)", "wdjb-mjht", "WDJBMJHT"},
		{"mixed case is the same code", "wDjB-mJhT", "WDJBMJHT"},
		{"spaces anywhere are ignored", "  WDJB MJHT ", "WDJBMJHT"},
		{"punctuation is ignored (RFC 8628 Section 6.1)", "WDJB.MJHT", "WDJBMJHT"},
		{"several dashes are ignored", "W-D-J-B-M-J-H-T", "WDJBMJHT"},
		{"seven letters is no code", "WDJB-MJH", ""},
		{"nine letters is no code", "WDJB-MJHTB", ""},
		{"a vowel is outside the alphabet: no code", "WDJB-MJHA", ""},
		{"a digit is outside the alphabet: no code", "WDJB-MJH1", ""},
		{"a non-ASCII letter is no code", "WDJB-MJHТ", ""}, // Cyrillic Т
		{"a long s (ToUpper would make it S) is no code", "WDJB-MJHſ", ""},
		{"a NUL byte is no code", "WDJB-MJH\x00", ""},
		{"a newline is no code", "WDJB-MJHT\n", ""},
		{"empty is no code", "", ""},
		{"only separators is no code", "- - -", ""},
		{"a huge input is refused before it is read", strings.Repeat("B", 1<<20), ""},
		{"8 letters padded past the length bound are refused", strings.Repeat(" ", 30) + "WDJBMJHT", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NormalizeUserCode(tc.typed)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("NormalizeUserCode(%.40q) = %q, %t; want %q, %t", tc.typed, got, ok, tc.want, tc.want != "")
			}
		})
	}
}

func FuzzNormalizeUserCode(f *testing.F) {
	for _, s := range []string{"WDJB-MJHT", "wdjbmjht", " W D J B M J H T ", "WDJB-MJHA", "", "ſ", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		code, ok := NormalizeUserCode(typed)
		if !ok {
			if code != "" {
				t.Fatalf("NormalizeUserCode(%q) = %q, false; want \"\" with false", typed, code)
			}
			return
		}
		if len(code) != userCodeLength || strings.Trim(code, userCodeAlphabet) != "" {
			t.Fatalf("NormalizeUserCode(%q) = %q, want 8 letters of the alphabet", typed, code)
		}
		if again, ok := NormalizeUserCode(FormatUserCode(code)); !ok || again != code {
			t.Fatalf("NormalizeUserCode(FormatUserCode(%q)) = %q, %t; want %q", code, again, ok, code)
		}
	})
}

func ExampleNormalizeUserCode() {
	for _, typed := range []string{"WDJB-MJHT", "wdjb mjht", "WDJB-MJH", "WDJA-MJHT"} {
		code, ok := NormalizeUserCode(typed)
		fmt.Printf("%q → %q %t\n", typed, code, ok)
	}
	// Output:
	// "WDJB-MJHT" → "WDJBMJHT" true
	// "wdjb mjht" → "WDJBMJHT" true
	// "WDJB-MJH" → "" false
	// "WDJA-MJHT" → "" false
}

func ExampleFormatUserCode() {
	fmt.Println(FormatUserCode("WDJBMJHT"))
	// Output: WDJB-MJHT
}

// guardT0 starts a guess window (and a minute).
var guardT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// enter admits one entry by client at t and reports whether it was let in;
// right gives the guess back, as a real code does.
func enter(g *UserCodeGuard, client string, t time.Time, right bool) error {
	ticket, err := g.admit(client, t)
	if err == nil && right {
		g.notAGuess(ticket)
	}
	return err
}

func TestUserCodeGuard(t *testing.T) {
	const window = 15 * time.Minute
	tooMany := func(err error) bool {
		var e *TooManyAttemptsError
		return errors.As(err, &e) && e.RetryAfter > 0
	}
	tests := []struct {
		name string
		run  func(t *testing.T, g *UserCodeGuard)
	}{
		{"a client may make 10 wrong guesses per window, the 11th is refused (RFC 8628 Section 5.1)", func(t *testing.T, g *UserCodeGuard) {
			for i := range WrongUserCodesPerClient {
				if err := enter(g, "192.0.2.1", guardT0.Add(time.Duration(i)*time.Minute), false); err != nil {
					t.Fatalf("wrong guess %d: got %v, want it let in", i+1, err)
				}
			}
			if err := enter(g, "192.0.2.1", guardT0.Add(11*time.Minute), true); !tooMany(err) {
				t.Errorf("entry after %d wrong guesses: got %v, want TooManyAttemptsError", WrongUserCodesPerClient, err)
			}
			if err := enter(g, "192.0.2.2", guardT0.Add(11*time.Minute), false); err != nil {
				t.Errorf("another client: got %v, want it let in", err)
			}
		}},
		{"the wrong-guess budget comes back when the window ends", func(t *testing.T, g *UserCodeGuard) {
			for range WrongUserCodesPerClient {
				_ = enter(g, "192.0.2.1", guardT0, false)
			}
			err := enter(g, "192.0.2.1", guardT0.Add(window-time.Second), false)
			var e *TooManyAttemptsError
			if !errors.As(err, &e) || e.RetryAfter != time.Second {
				t.Fatalf("at the end of the window: got %v, want TooManyAttemptsError with RetryAfter 1s", err)
			}
			if err := enter(g, "192.0.2.1", guardT0.Add(window), false); err != nil {
				t.Errorf("in the next window: got %v, want it let in", err)
			}
		}},
		{"right codes do not spend the wrong-guess budget", func(t *testing.T, g *UserCodeGuard) {
			for i := range 3 * WrongUserCodesPerClient {
				if err := enter(g, "192.0.2.1", guardT0.Add(time.Duration(i)*time.Minute/2), true); err != nil {
					t.Fatalf("right code %d: got %v, want it let in", i+1, err)
				}
			}
		}},
		{"a client may enter 20 codes a minute, right or wrong; the 21st is refused", func(t *testing.T, g *UserCodeGuard) {
			for i := range UserCodeEntriesPerMinute {
				if err := enter(g, "192.0.2.1", guardT0.Add(time.Duration(i)*time.Second), true); err != nil {
					t.Fatalf("entry %d: got %v, want it let in", i+1, err)
				}
			}
			if err := enter(g, "192.0.2.1", guardT0.Add(30*time.Second), true); !tooMany(err) {
				t.Errorf("entry %d in a minute: got %v, want TooManyAttemptsError", UserCodeEntriesPerMinute+1, err)
			}
			if err := enter(g, "192.0.2.1", guardT0.Add(time.Minute), true); err != nil {
				t.Errorf("entry in the next minute: got %v, want it let in", err)
			}
		}},
		{"wrong guesses of all clients together are bounded per window", func(t *testing.T, g *UserCodeGuard) {
			clients := WrongUserCodesTotal / WrongUserCodesPerClient
			for i := range clients {
				for range WrongUserCodesPerClient {
					if err := enter(g, fmt.Sprintf("198.51.100.%d", i), guardT0, false); err != nil {
						t.Fatalf("client %d: got %v, want it let in", i, err)
					}
				}
			}
			if err := enter(g, "203.0.113.1", guardT0, true); !tooMany(err) {
				t.Errorf("a fresh client after %d wrong guesses in total: got %v, want TooManyAttemptsError", WrongUserCodesTotal, err)
			}
		}},
		{"memory is bounded: past the tracked clients, new ones share one budget", func(t *testing.T, g *UserCodeGuard) {
			for i := range maxTrackedClients {
				_ = enter(g, fmt.Sprintf("client-%d", i), guardT0, true)
			}
			for i := range UserCodeEntriesPerMinute {
				if err := enter(g, fmt.Sprintf("extra-%d", i), guardT0, true); err != nil {
					t.Fatalf("extra client %d: got %v, want it let in", i, err)
				}
			}
			if err := enter(g, "one-more", guardT0, true); !tooMany(err) {
				t.Errorf("past the shared budget: got %v, want TooManyAttemptsError", err)
			}
			if n := len(g.entries.counts); n > maxTrackedClients+1 {
				t.Errorf("tracked clients: got %d, want ≤ %d", n, maxTrackedClients+1)
			}
			_ = enter(g, "next-minute", guardT0.Add(time.Minute), true)
			if n := len(g.entries.counts); n != 1 {
				t.Errorf("tracked clients in a new window: got %d, want 1", n)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, NewUserCodeGuard(window)) })
	}
}
