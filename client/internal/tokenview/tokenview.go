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
	_, header, err := prettySegment(parts[0])
	if err != nil {
		return JWT{}, fmt.Errorf("tokenview: header: %w", err)
	}
	doc, claims, err := prettySegment(parts[1])
	if err != nil {
		return JWT{}, fmt.Errorf("tokenview: claims: %w", err)
	}
	values := map[string]any{}
	if err := json.Unmarshal(doc, &values); err != nil {
		return JWT{}, fmt.Errorf("tokenview: claims: %w", err)
	}
	return JWT{Header: header, Claims: claims, Values: values, Times: times(values)}, nil
}

// prettySegment base64url-decodes one JWT segment ([RFC 7515 Section 2]:
// no padding), and returns its JSON document as it came and indented
// (IndentJSON).
//
// [RFC 7515 Section 2]: https://www.rfc-editor.org/rfc/rfc7515#section-2
func prettySegment(seg string) (doc []byte, shown string, err error) {
	if doc, err = base64.RawURLEncoding.DecodeString(seg); err != nil {
		return nil, "", err
	}
	shown, err = IndentJSON(doc)
	return doc, shown, err
}

// maxIndentDepth is the deepest nesting of arrays and objects shown
// indented. Each level indents its lines two spaces more, so a document
// nested n deep has about 2n lines of up to 2n spaces: indenting costs the
// square of the depth, and would turn 18 KB of brackets into 160 MB. The
// protocol's documents nest 4 deep at most (a JWKS in a registration
// response); anything deeper comes from a broken or hostile server.
const maxIndentDepth = 16

// IndentJSON returns the JSON document doc indented two spaces a level,
// for reading. A document nested deeper than maxIndentDepth is returned
// compact instead, with a line saying so, so that what is shown is never
// more than a small multiple of doc's length.
func IndentJSON(doc []byte) (string, error) {
	var out bytes.Buffer
	if nestingDepth(doc) > maxIndentDepth {
		if err := json.Compact(&out, doc); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s\n(nested more than %d deep: not indented)", out.Bytes(), maxIndentDepth), nil
	}
	if err := json.Indent(&out, doc, "", "  "); err != nil {
		return "", err
	}
	return strings.TrimSpace(out.String()), nil
}

// nestingDepth returns how deep the arrays and objects of the JSON
// document doc nest, in one pass: brackets inside strings do not count.
func nestingDepth(doc []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(doc); i++ {
		switch c := doc[i]; {
		case inString && c == '\\':
			i++ // the escaped character, which may be a quote
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
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
