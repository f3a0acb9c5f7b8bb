package oauth

import (
	"crypto/rand"
	"strings"
	"unicode"
	"unicode/utf8"
)

// userCodeAlphabet is the base-20 character set of [RFC 8628 Section 6.1]:
// "One way to improve input speed is to restrict the character set to
// case-insensitive A-Z characters, with no digits. … Further removing vowels
// to avoid randomly creating words results in the base 20 character set
// "BCDFGHJKLMNPQRSTVWXZ"."
//
// [RFC 8628 Section 6.1]: https://www.rfc-editor.org/rfc/rfc8628#section-6.1
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// userCodeLength is the number of letters of a user code: 8 letters of base
// 20 are about 34.5 bits, the example of [RFC 8628 Section 5.1] ("an
// 8-character base 20 user code (with roughly 34.5 bits of entropy)").
//
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
const userCodeLength = 8

// maxTypedUserCode bounds what NormalizeUserCode reads, in bytes: a
// well-formed code typed in full-width letters (3 bytes each) with a dash
// and a few spaces is shorter, and a huge input is refused before any work
// is done on it.
const maxTypedUserCode = 48

// newUserCode draws a user code, normalized (no dash): each letter is drawn
// independently and uniformly from userCodeAlphabet with crypto/rand.
func newUserCode() string {
	code := make([]byte, userCodeLength)
	for i := range code {
		code[i] = userCodeAlphabet[randomIndex(len(userCodeAlphabet))]
	}
	return string(code)
}

// randomIndex returns a uniformly random integer in [0, n), 0 < n ≤ 256. A
// random byte is taken modulo n only when it is below the largest multiple
// of n (240 for n = 20); a higher byte is drawn again. Taking every byte
// modulo n would make the first 256 % n values more likely (modulo bias).
func randomIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// NormalizeUserCode turns what a user typed into the stored form of a user
// code: upper case, no separators. [RFC 8628 Section 6.1]: "The server should
// ignore any characters like punctuation that are not in the character set",
// and the character set is "case-insensitive". So spaces, punctuation and
// symbols are skipped, ASCII or not (the dash of "WDJB-MJHT", and also an en
// dash, a non-breaking hyphen, a minus sign or a no-break space, as text
// copied from mail or a PDF has them), full-width letters (as a CJK input
// method types them) are read as their ASCII letters, and letters are folded
// to upper case. Any other character outside the alphabet (a vowel, a digit,
// another script's letter, a control character, a byte that is not UTF-8),
// or the wrong number of letters, means no code (ok is false): such an input
// cannot name a code, so it is simply unknown, never an error. It reads each
// character once, and at most maxTypedUserCode bytes.
//
// [RFC 8628 Section 6.1]: https://www.rfc-editor.org/rfc/rfc8628#section-6.1
func NormalizeUserCode(typed string) (code string, ok bool) {
	if len(typed) > maxTypedUserCode {
		return "", false
	}
	out := make([]byte, 0, userCodeLength)
	for _, r := range typed {
		r = foldWidth(r)
		if isUserCodeSeparator(r) {
			continue
		}
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		if !strings.ContainsRune(userCodeAlphabet, r) || len(out) == userCodeLength {
			return "", false
		}
		out = append(out, byte(r))
	}
	if len(out) != userCodeLength {
		return "", false
	}
	return string(out), true
}

// isUserCodeSeparator reports whether NormalizeUserCode skips r: a space
// (a tab, or Unicode's space separators: U+0020, U+00A0, U+3000 …), or
// punctuation or a symbol of any script (the hyphen-minus, U+2010 to
// U+2015, the minus sign U+2212 …). Other controls, such as a newline, are
// not skipped: they mean no code, and so does a byte that is not UTF-8,
// which range reads as utf8.RuneError (a symbol, U+FFFD).
func isUserCodeSeparator(r rune) bool {
	if r == utf8.RuneError {
		return false
	}
	return r == '\t' || unicode.In(r, unicode.Zs, unicode.P, unicode.S)
}

// foldWidth maps a character of Unicode's block of full-width forms of
// ASCII (U+FF01 to U+FF5E: "Ａ", "ｂ", "－") to that ASCII character, as
// width folding (Unicode's compatibility decomposition of that block) does;
// other characters are returned as they are.
func foldWidth(r rune) rune {
	const fullWidthOffset = 0xFF01 - '!'
	if '！' <= r && r <= '～' {
		return r - fullWidthOffset
	}
	return r
}

// FormatUserCode shows a normalized user code as the user reads it, in two
// groups of four: "WDJBMJHT" → "WDJB-MJHT" ([RFC 8628 Section 6.1]: "Dashes or
// other punctuation may be added for readability"). Other input is returned
// as it is.
//
// [RFC 8628 Section 6.1]: https://www.rfc-editor.org/rfc/rfc8628#section-6.1
func FormatUserCode(code string) string {
	if len(code) != userCodeLength {
		return code
	}
	return code[:userCodeLength/2] + "-" + code[userCodeLength/2:]
}
