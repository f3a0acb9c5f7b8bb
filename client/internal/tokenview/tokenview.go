// Package tokenview turns tokens into something safe and useful to show a
// learner: masked values, decoded JWT headers and claims, and the claims
// that are times (package i18n says them in words).
//
// Nothing here verifies a signature. Decoding is for display only: the
// provider verifies its own access tokens at its resource endpoints, and the
// client verifies ID tokens with go-oidc (signature against the JWKS, iss,
// aud, exp, nonce) before it trusts a single claim.
package tokenview

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Mask returns a token in a form that can be shown or logged: the first 6
// and last 4 characters around an ellipsis. That is enough to tell two
// tokens apart (a rotated refresh token, say) and far too little to use one.
// Short values are masked entirely.
func Mask(token string) string {
	if token == "" {
		return ""
	}
	if len(token) < 24 {
		return "…"
	}
	return token[:6] + "…" + token[len(token)-4:]
}

// MaskSecret hides a secret (a client secret, a password, a PKCE
// code_verifier) completely: unlike a token, no part of it is ever shown.
func MaskSecret(secret string) string {
	if secret == "" {
		return ""
	}
	return "••••••"
}

// JWT is a JSON Web Token decoded for display, [RFC 7519 Section 3].
//
// [RFC 7519 Section 3]: https://www.rfc-editor.org/rfc/rfc7519#section-3
type JWT struct {
	Header string         // the JOSE header, pretty-printed JSON
	Claims string         // the claims set, pretty-printed JSON
	Values map[string]any // the claims, for picking out single ones
	Times  []TimeClaim    // exp, iat, nbf and auth_time, in human terms
}

// TimeClaim is a NumericDate claim ([RFC 7519 Section 2]) made readable.
//
// [RFC 7519 Section 2]: https://www.rfc-editor.org/rfc/rfc7519#section-2
type TimeClaim struct {
	Name string    // "exp", "iat", …
	At   time.Time // the instant
}

// timeClaims are the NumericDate claims of RFC 7519 and OIDC Core
// that a learner wants to read as dates.
var timeClaims = []string{"iat", "nbf", "exp", "auth_time"}

// maxNumericDate bounds the NumericDates shown (year 33658): beyond it a
// claim is nonsense, and converting it to int64 would not be meaningful.
const maxNumericDate = 1e12

// Decode splits a compact JWS into its header and claims and pretty-prints
// both. It does not verify the signature (see the package comment).
func Decode(raw string) (JWT, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return JWT{}, errors.New("tokenview: not a JWT (want three dot-separated parts)")
	}
	header, err := prettySegment(parts[0])
	if err != nil {
		return JWT{}, fmt.Errorf("tokenview: header: %w", err)
	}
	claims, err := prettySegment(parts[1])
	if err != nil {
		return JWT{}, fmt.Errorf("tokenview: claims: %w", err)
	}
	values := map[string]any{}
	if err := json.Unmarshal([]byte(claims), &values); err != nil {
		return JWT{}, fmt.Errorf("tokenview: claims: %w", err)
	}
	return JWT{Header: header, Claims: claims, Values: values, Times: times(values)}, nil
}

// prettySegment base64url-decodes one JWT segment ([RFC 7515 Section 2]:
// no padding) and indents its JSON.
//
// [RFC 7515 Section 2]: https://www.rfc-editor.org/rfc/rfc7515#section-2
func prettySegment(seg string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return "", err
	}
	return out.String(), nil
}

// times picks the NumericDate claims out of values.
func times(values map[string]any) []TimeClaim {
	var out []TimeClaim
	for _, name := range timeClaims {
		n, ok := values[name].(float64)
		if !ok || math.IsNaN(n) || math.Abs(n) > maxNumericDate {
			continue
		}
		out = append(out, TimeClaim{Name: name, At: time.Unix(int64(n), 0).UTC()})
	}
	return out
}
