package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// DPoPNonceLifetime is how long a server-provided DPoP nonce is accepted.
// [RFC 9449 Section 8]: "Nonce values MUST be unpredictable." A client keeps
// one nonce and uses it until the server hands it a new one
// ([RFC 9449 Section 8.2]): every DPoP answer carries a fresh one, so an
// active client never sees its nonce expire.
//
// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
// [RFC 9449 Section 8.2]: https://www.rfc-editor.org/rfc/rfc9449#section-8.2
const DPoPNonceLifetime = 5 * time.Minute

// DPoPNonces makes and checks the server-provided nonces of
// [RFC 9449 Section 8] and [RFC 9449 Section 9] without storing them: a
// nonce is the time it was made and an HMAC of that time, so any provider
// process with the same key accepts it (derive the key from
// SESSION_SECRET, which processes behind one issuer share). "The nonce is
// opaque to the client."
//
// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
// [RFC 9449 Section 9]: https://www.rfc-editor.org/rfc/rfc9449#section-9
type DPoPNonces struct {
	key []byte
}

// NewDPoPNonces returns a nonce maker keyed from secret.
func NewDPoPNonces(secret []byte) *DPoPNonces {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("dpop-nonce"))
	return &DPoPNonces{key: mac.Sum(nil)}
}

// nonceMACLength is the length of the truncated HMAC in a nonce (128 bits).
const nonceMACLength = 16

// New returns a nonce made at now: base64url of 8 bytes of Unix time and
// 16 bytes of HMAC, 32 characters of the NQCHAR syntax of [RFC 9449 Section 8.1].
//
// [RFC 9449 Section 8.1]: https://www.rfc-editor.org/rfc/rfc9449#section-8.1
func (n *DPoPNonces) New(now time.Time) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(now.Unix()))
	return base64.RawURLEncoding.EncodeToString(append(b, n.mac(b)...))
}

// Valid reports whether nonce was made by New with this key no longer than
// DPoPNonceLifetime before now (and not after it).
func (n *DPoPNonces) Valid(nonce string, now time.Time) bool {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 8+nonceMACLength || !hmac.Equal(b[8:], n.mac(b[:8])) {
		return false
	}
	age := now.Sub(time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0))
	return age >= -time.Second && age <= DPoPNonceLifetime
}

func (n *DPoPNonces) mac(b []byte) []byte {
	m := hmac.New(sha256.New, n.key)
	m.Write(b)
	return m.Sum(nil)[:nonceMACLength]
}
