// Package jwttest reads the parts of a compact JWS ([RFC 7515 Section 7.1])
// in tests, without verifying it, to look at what went on the wire.
//
// [RFC 7515 Section 7.1]: https://www.rfc-editor.org/rfc/rfc7515#section-7.1
package jwttest

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// Header and Claims are the parts of a compact JWS that Decode reads.
const (
	Header = 0
	Claims = 1
)

// Decode base64url-decodes part (Header or Claims) of the compact JWS raw
// and unmarshals its JSON into v, failing the test on anything else.
func Decode(t testing.TB, raw string, part int, v any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("jwttest: got %d JWS parts, want 3", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[part])
	if err != nil {
		t.Fatalf("jwttest: part %d: %v", part, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("jwttest: part %d: %v", part, err)
	}
}

// Part returns part (Header or Claims) of the compact JWS raw as a map.
func Part(t testing.TB, raw string, part int) map[string]any {
	t.Helper()
	var m map[string]any
	Decode(t, raw, part, &m)
	return m
}
