package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// TestUnderResource: the resource of protected resource metadata is taken
// when it is the URL called or a path prefix of it on the same origin
// (draft-mcguinness-oauth-rfc9728bis-01), and never when it has userinfo,
// a fragment (RFC 9728 Section 1.2) or a query other than the URL called's
// (RFC 9728 Section 1.2 allows one), or is a prefix only once
// percent-decoded (RFC 3986 Section 2.2).
func TestUnderResource(t *testing.T) {
	const called, withQuery = "http://127.0.0.1:8080/user/profile", "http://127.0.0.1:8080/user/profile?tenant=a"
	for _, tt := range []struct {
		called, resource string
		want             bool
	}{
		{called, called, true},
		{called, "http://127.0.0.1:8080", true},
		{called, "http://127.0.0.1:8080/", true},
		{called, "HTTP://127.0.0.1:8080/user/", true},
		{called, "http://127.0.0.1:8080/user/prof", false},
		{called, "http://127.0.0.1:8081/", false},
		{called, "http://evil@127.0.0.1:8080/", false},
		{called, "http://127.0.0.1:8080/#x", false},
		{called, "http://127.0.0.1:8080/#", false},
		{called, "http://127.0.0.1:8080/?q", false},
		{called, "http://127.0.0.1:8080/?", false},
		{called, "http://127.0.0.1:8080/user%2Fprofile", false},
		{withQuery, withQuery, true},
		{withQuery, "http://127.0.0.1:8080/?tenant=a", true},
		{withQuery, "http://127.0.0.1:8080/?tenant=b", false},
		{withQuery, "http://127.0.0.1:8080/?tenant=a&x", false},
		{withQuery, "http://127.0.0.1:8080/?tenant=a#", false},
		{withQuery, "http://127.0.0.1:8080/", false},
	} {
		if got := underResource(tt.called, tt.resource); got != tt.want {
			t.Errorf("underResource(%q, %q) = %v, want %v", tt.called, tt.resource, got, tt.want)
		}
	}
}

// FuzzUnderResource: whatever resource underResource takes, it takes as
// the URL called or a prefix of it on segment boundaries, character for
// character up to the letter case of scheme and host: no userinfo or
// fragment, no query (the URL called has none), and no prefix only once
// percent-decoded.
func FuzzUnderResource(f *testing.F) {
	const called, origin = "http://127.0.0.1:8080/user/profile", "http://127.0.0.1:8080"
	for _, s := range []string{called, origin, origin + "/", "HTTP://127.0.0.1:8080/user", origin + "/user/prof",
		"http://evil@127.0.0.1:8080/", origin + "/#x", origin + "/?q", origin + "/user%2Fprofile", origin + "/./user"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, resource string) {
		if !underResource(called, resource) {
			return
		}
		r, err := url.Parse(resource)
		if err != nil || r.User != nil || strings.ContainsAny(resource, "?#") {
			t.Fatalf("underResource(%q, %q) = true", called, resource)
		}
		if len(resource) < len(origin) || !strings.EqualFold(resource[:len(origin)], origin) ||
			!strings.HasPrefix(called[len(origin):]+"/", strings.TrimSuffix(resource[len(origin):], "/")+"/") {
			t.Fatalf("underResource(%q, %q) = true: not a path prefix as sent", called, resource)
		}
	})
}

// TestMCPServerMetadataRefusesWhatIsNoIssuer: step 3 fetches nothing for an
// authorization server that is no issuer identifier (RFC 8414 Section 2:
// no query or fragment; an http(s) URL with a host), and shows the refusal
// as its failed check.
func TestMCPServerMetadataRefusesWhatIsNoIssuer(t *testing.T) {
	for _, issuer := range []string{"A:0", "https:as.example", "https://as.example?x=1", "https://as.example/t#f"} {
		var l checklist
		_, err := (&App{}).mcpServerMetadata(context.Background(), &l, issuer)
		if err == nil || len(l) != 1 || l[0].Passed || l[0].Rule != ruleAuthorizationServerIsIssuer.Text || l[0].Detail != issuer {
			t.Errorf("step 3 with authorization server %q: %v, checks %+v; want the failed check %q", issuer, err, l, ruleAuthorizationServerIsIssuer.Text)
		}
	}
}

// TestOriginLeavesOutTheDefaultPort: origin gives one origin for a URL
// with and without its scheme's default port [RFC 6454 Section 4], keeps
// any other port, and gives "" for a URL that names no origin.
func TestOriginLeavesOutTheDefaultPort(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"http://h.example:80/mcp", "http://h.example"},
		{"HTTP://H.Example/mcp", "http://h.example"},
		{"https://h.example:443/.well-known/x", "https://h.example"},
		{"https://h.example:80/", "https://h.example:80"},
		{"http://h.example:8080/", "http://h.example:8080"},
		{"http://[::1]:80/", "http://[::1]"},
		{"http://[::1]:8080/", "http://[::1]:8080"},
		{"http://user@h.example/", ""},
		{"/relative", ""},
	} {
		if got := origin(c.url); got != c.want {
			t.Errorf("origin(%q) = %q, want %q", c.url, got, c.want)
		}
	}
}
