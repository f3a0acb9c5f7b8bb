package oauth

import (
	"strings"
	"testing"
)

// TestIsB64Token: every byte is accepted in a b64token exactly when the
// grammar of RFC 6750 Section 2.1 allows it, and "=" only as trailing
// padding after at least one other byte.
func TestIsB64Token(t *testing.T) {
	allowed := func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0
	}
	for c := range 256 {
		s := "ab" + string([]byte{byte(c)}) + "cd"
		if got := isB64Token(s); got != allowed(byte(c)) {
			t.Errorf("isB64Token(%q) = %v, want %v", s, got, allowed(byte(c)))
		}
	}
	for s, want := range map[string]bool{
		"abc==": true, "a.b-c_d~e+f/g": true, "=": false, "": false, "ab=c": false, "==ab": false, "ab c": false,
	} {
		if got := isB64Token(s); got != want {
			t.Errorf("isB64Token(%q) = %v, want %v", s, got, want)
		}
	}
}
