package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// NewSecret returns a random, URL-safe value with 256 bits of entropy, used
// for codes, refresh tokens, device codes and ids. [RFC 6749 Section 10.10]:
// "The probability of an attacker guessing generated tokens (and other
// credentials not intended for handling by end-users) MUST be less than or
// equal to 2^(-128) and SHOULD be less than or equal to 2^(-160)."
//
// [RFC 6749 Section 10.10]: https://www.rfc-editor.org/rfc/rfc6749#section-10.10
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashSecret returns the SHA-256 hash of a high-entropy secret (client
// secret, code, refresh token, device code), as stored.
//
// A fast hash is right for these: a slow hash (bcrypt, argon2) defends
// low-entropy passwords against guessing, but a 256-bit random value cannot
// be guessed at any speed, so the hash only has to be one-way. A fast hash
// also keeps the token endpoint fast. User passwords use Argon2id instead (password.go).
func HashSecret(secret string) string {
	text := hashText(secret)
	return string(text[:])
}

// hashText is HashSecret's text in an array, which can stay on the stack:
// the SHA-256 sum of secret in unpadded base64url. It is also PKCE's S256
// transform (S256Challenge) and DPoP's ath (checkAccessTokenBinding).
func hashText(secret string) [hashTextLen]byte {
	sum := sha256.Sum256([]byte(secret))
	var text [hashTextLen]byte
	base64.RawURLEncoding.Encode(text[:], sum[:])
	return text
}

// secretMatches compares a presented secret with a stored hash in constant
// time, so the comparison leaks nothing through its timing. It compares
// hashText's array, not HashSecret's string: every client authentication
// passes here, and the string would cost an allocation.
func secretMatches(presented, storedHash string) bool {
	got := hashText(presented)
	return subtle.ConstantTimeCompare(got[:], []byte(storedHash)) == 1
}

// hashTextLen is the length of HashSecret's text: a SHA-256 sum in
// unpadded base64url.
const hashTextLen = (sha256.Size*8 + 5) / 6

// newID returns a random identifier (128 bits, URL-safe) for records that
// are not secrets themselves: grant ids, JWT ids.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
