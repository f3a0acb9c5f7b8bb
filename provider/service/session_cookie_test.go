package service

import "testing"

// TestSessionCookieName: over https a session cookie's name carries the
// prefix the browser enforces, "__Host-" for a cookie with Path "/"
// ([RFC 6265bis Section 4.1.3.2]) and "__Secure-" for one scoped to a path
// ([RFC 6265bis Section 4.1.3.1]); over http it has none, since a browser
// refuses a prefixed cookie without Secure.
//
// [RFC 6265bis Section 4.1.3.1]: https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis-12#section-4.1.3.1
// [RFC 6265bis Section 4.1.3.2]: https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis-12#section-4.1.3.2
func TestSessionCookieName(t *testing.T) {
	for _, c := range []struct {
		https, pathScoped bool
		want              string
	}{
		{https: true, pathScoped: false, want: "__Host-s"},
		{https: true, pathScoped: true, want: "__Secure-s"},
		{https: false, pathScoped: false, want: "s"},
		{https: false, pathScoped: true, want: "s"},
	} {
		if got := SessionCookieName("s", c.https, c.pathScoped); got != c.want {
			t.Errorf("SessionCookieName(%q, https %v, pathScoped %v): got %q, want %q", "s", c.https, c.pathScoped, got, c.want)
		}
	}
}
