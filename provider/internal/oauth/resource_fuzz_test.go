package oauth

import (
	"net/url"
	"testing"

	"github.com/oauth-reference/provider/setting"
)

// FuzzNormalizedResource: the spelling of a resource that sameResource
// compares, for any value parseResource takes, is a URI
// (RFC 3986 Section 6.2.2), spelled the same once normalized again, and
// the same resource as the value.
func FuzzNormalizedResource(f *testing.F) {
	for _, s := range []string{"http://example.com", "HTTP://EXAMPLE.com:80/", "https://a.example:443/mcp?x=1", "urn:x:y",
		"https://[::1]:8443/a%2Fb", "https://a.example/%7e", "http://xn--bcher-kva.example/", "https://a.example/./b/../c",
		"A://::", "wss://mcp.example:x:/mcp", "https://[fe80::1%25eth0]/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, ok := setting.ResourceIndicator(raw)
		if !ok {
			return
		}
		normal := normalizedResource(u)
		again, err := url.Parse(normal)
		if err != nil {
			t.Fatalf("normalizedResource(%q) = %q, which is no URI: %v", raw, normal, err)
		}
		if twice := normalizedResource(again); twice != normal {
			t.Fatalf("normalizedResource(%q) = %q, then %q: want a fixed point", raw, normal, twice)
		}
		if !sameResource(u, normal) {
			t.Fatalf("%q is not the same resource as its normal form %q", raw, normal)
		}
	})
}
