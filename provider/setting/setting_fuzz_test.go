package setting

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzShow: the password of a URL (of four bytes or more, and written
// once) never reaches what Show shows.
func FuzzShow(f *testing.F) {
	for _, s := range []string{"https://u:secret@host/x", "postgres://a:b%40c@h/db", "https://host/?q#f", "::", "u:p@h", "https://u:@h", "u:pw-X@h:1", ":8080"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		shown := Show(raw)
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		if p, ok := u.User.Password(); ok && len(p) >= 4 && strings.Contains(shown, p) && strings.Count(raw, p) == 1 {
			t.Fatalf("Show(%q) = %s shows the password %q", raw, shown, p)
		}
	})
}

// FuzzCheckURLs: an issuer or redirect URI accepted is an absolute http
// or https URL with a host, no userinfo, a port from 1 to 65535 if any,
// no fragment, and for the issuer no query; a listen address is checked
// without panicking.
func FuzzCheckURLs(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080", "https://id.example/tenant", "http://localhost:3000/callback", "https://u@h/", "http://h:0/",
		"http://h:65536/", "https://h/#", "https://h/?", "http:///x", "HTTP://H", "https://h/a b", "127.0.0.1:8080", ":8080", "[::1]:1", "localhost:99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		accepted := func(what string, query bool) {
			u, err := url.Parse(raw)
			if err != nil || !(u.Scheme == "http" || u.Scheme == "https") || u.Host == "" || u.User != nil || strings.Contains(raw, "#") ||
				(!query && strings.Contains(raw, "?")) || !PortInRange(u) {
				t.Fatalf("%s accepted %q (%v)", what, raw, err)
			}
		}
		if CheckIssuer("ISSUER", raw) == nil {
			accepted("CheckIssuer", false)
		}
		if CheckRedirectURI(raw) == nil {
			accepted("CheckRedirectURI", true)
		}
		_ = CheckListenAddr("PROVIDER_ADDR", raw)
	})
}
