package oauth

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
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
		{"a tab is ignored", "WDJB\tMJHT", "WDJBMJHT"},
		// Unicode punctuation and spaces, as text copied from mail, chat or
		// a PDF has them, and as a CJK input method types them: skipped too
		// (RFC 8628 Section 6.1).
		{"an en dash (U+2013) is ignored", "WDJB\u2013MJHT", "WDJBMJHT"},
		{"a non-breaking hyphen (U+2011) is ignored", "WDJB\u2011MJHT", "WDJBMJHT"},
		{"a hyphen (U+2010) is ignored", "WDJB\u2010MJHT", "WDJBMJHT"},
		{"a minus sign (U+2212) is ignored", "WDJB\u2212MJHT", "WDJBMJHT"},
		{"a no-break space (U+00A0) is ignored", "WDJB\u00a0MJHT", "WDJBMJHT"},
		{"an ideographic space (U+3000) is ignored", "WDJB\u3000MJHT", "WDJBMJHT"},
		{"an em dash (U+2014) is ignored", "WDJB\u2014MJHT", "WDJBMJHT"},
		{"a double em dash (zh-TW 破折號) is ignored", "WDJB\u2014\u2014MJHT", "WDJBMJHT"},
		{"full-width letters are the same code", "ＷＤＪＢＭＪＨＴ", "WDJBMJHT"},
		{"full-width lower case with a full-width dash and spaces", "\u3000ｗｄｊｂ－ｍｊｈｔ\u3000", "WDJBMJHT"},
		{"a full-width vowel is outside the alphabet: no code", "ＷＤＪＢＭＪＨＡ", ""},
		{"a full-width digit is outside the alphabet: no code", "ＷＤＪＢＭＪＨ１", ""},
		{"a byte that is not UTF-8 is no code", "WDJB\xffMJHT", ""},
		{"U+FFFD is no code", "WDJB\uFFFDMJHT", ""},
		{"a zero-width space (a format character) is no code", "WDJB\u200bMJHT", ""},
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
		{"8 letters padded past the length bound are refused", strings.Repeat(" ", 41) + "WDJBMJHT", ""},
		{"full-width letters padded past the length bound are refused", strings.Repeat("\u3000", 9) + "ＷＤＪＢＭＪＨＴ", ""},
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
	for _, s := range []string{"WDJB-MJHT", "wdjbmjht", " W D J B M J H T ", "WDJB-MJHA", "", "ſ", "\xff\xfe", "ＷＤＪＢ\u2013ＭＪＨＴ"} {
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
