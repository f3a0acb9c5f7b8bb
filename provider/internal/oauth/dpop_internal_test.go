package oauth

import "testing"

// TestNormalizeHTU: the htu of a DPoP proof and the request's URI compare
// after the normalizations of RFC 3986 Section 6.2.2 and
// RFC 3986 Section 6.2.3; the dot-segment cases are the examples of
// RFC 3986 Section 5.2.4 and RFC 3986 Section 5.4.1.
func TestNormalizeHTU(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTPS://Server.Example.COM:443", "https://server.example.com/"},
		{"http://localhost:80/oauth/token?q=1#f", "http://localhost/oauth/token"},
		{"http://[::1]:8080/x", "http://[::1]:8080/x"},
		{"http://h/%7euser/%74oken", "http://h/~user/token"},
		{"http://h/a%2fb%3A", "http://h/a%2Fb%3A"},
		{"http://h/a/b/c/./../../g", "http://h/a/g"},
		{"http://h/mid/content=5/../6", "http://h/mid/6"},
		{"http://h/a/b/..", "http://h/a/"},
		{"http://h/a/b/.", "http://h/a/b/"},
		{"http://h/../../g", "http://h/g"},
		{"http://h/a/.b/..c", "http://h/a/.b/..c"},
		{"http://h/a/%2E%2E/b", "http://h/b"},
		{"http://h//a//b/", "http://h//a//b/"},
	}
	for _, tc := range tests {
		got, ok := normalizeHTU(tc.in)
		if !ok || got != tc.want {
			t.Errorf("normalizeHTU(%q): got %q %v, want %q", tc.in, got, ok, tc.want)
		}
	}
}
