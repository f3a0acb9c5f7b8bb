package oauth

import (
	"crypto/rand"
	"strings"
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

// maxTypedUserCode bounds what NormalizeUserCode reads: a well-formed code
// with a dash and a few spaces is far shorter, and a huge input is refused
// before any work is done on it.
const maxTypedUserCode = 32

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

// userCodeSeparators are the characters NormalizeUserCode skips: ASCII
// spaces, punctuation and symbols, such as the dash of "WDJB-MJHT".
const userCodeSeparators = " \t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// NormalizeUserCode turns what a user typed into the stored form of a user
// code: upper case, no separators. [RFC 8628 Section 6.1]: "The server should
// ignore any characters like punctuation that are not in the character set",
// and the character set is "case-insensitive". So spaces and ASCII
// punctuation (the dash) are skipped and ASCII letters folded to upper case.
// Any other character outside the alphabet (a vowel, a digit, non-ASCII), or
// the wrong number of letters, means no code (ok is false): such an input
// cannot name a code, so it is simply unknown, never an error.
//
// [RFC 8628 Section 6.1]: https://www.rfc-editor.org/rfc/rfc8628#section-6.1
func NormalizeUserCode(typed string) (code string, ok bool) {
	if len(typed) > maxTypedUserCode {
		return "", false
	}
	out := make([]byte, 0, userCodeLength)
	for i := 0; i < len(typed); i++ {
		c := typed[i]
		switch {
		case strings.IndexByte(userCodeSeparators, c) >= 0:
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		if strings.IndexByte(userCodeAlphabet, c) < 0 || len(out) == userCodeLength {
			return "", false
		}
		out = append(out, c)
	}
	if len(out) != userCodeLength {
		return "", false
	}
	return string(out), true
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
