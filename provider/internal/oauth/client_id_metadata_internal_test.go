package oauth

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestCheckMetadataDocumentURL holds client_id URLs to CIMD Section 3:
// https, a path, no fragment, no user or password, no dot segments.
func TestCheckMetadataDocumentURL(t *testing.T) {
	accepted := []string{
		"https://app.example/client.json",
		"https://app.example:8443/oauth/client-metadata",
		"https://app.example/c?v=2",    // a query SHOULD NOT be used, but MAY
		"https://app.example/a/..b/.c", // dots inside a segment are no dot segments
		"https://xn--laude-0ye.ai/mcp", // an internationalized name in its ASCII form
		"https://[2606:4700::1]/doc",
	}
	refused := map[string]string{
		"http://app.example/client.json":         "is not an absolute https URL",
		"HTTPS://app.example/client.json":        "compared character for character",
		"https://app.example":                    "has no path",
		"https://app.example/":                   "has no path",
		"https://app.example/client.json#top":    "has a fragment",
		"https://app.example/client.json#":       "has a fragment",
		"https://user:pw@app.example/client":     "has a user or password",
		"https://user@app.example/client":        "has a user or password",
		"https://app.example/a/../client.json":   "has a . or .. path segment",
		"https://app.example/./client.json":      "has a . or .. path segment",
		"https://app.example/a/%2E%2e/client":    "has a . or .. path segment",
		"https://app.example/a/..":               "has a . or .. path segment",
		"https:app.example/client":               "is not an absolute https URL",
		"https://app.example/client json%zz":     "is not an absolute https URL",
		"https:///client.json":                   "is not an absolute https URL",
		"https://app.example/\x00client.json":    "is not an absolute https URL",
		"https://[::1/client.json":               "is not an absolute https URL",
		"https://app.example/client.json/../../": "has a . or .. path segment",
		"https://\u0441laude.ai/mcp":             "(an internationalized name goes in its xn-- form)", // a Cyrillic с
		"https://%D1%81laude.ai/mcp":             "(an internationalized name goes in its xn-- form)",
		"https://claude%E3%80%82ai/mcp":          "(an internationalized name goes in its xn-- form)",
	}
	for _, id := range accepted {
		if err := checkMetadataDocumentURL(nil, id); err != nil {
			t.Errorf("%q: got %v, want it accepted (CIMD Section 3)", id, err)
		}
	}
	for id, want := range refused {
		err := checkMetadataDocumentURL(nil, id)
		if err == nil || err.Code != ErrInvalidClient || !strings.HasSuffix(err.Description, want) {
			t.Errorf("%q: got %v, want invalid_client ending %q (CIMD Section 3)", id, err, want)
			continue
		}
		if rule, _ := err.BrokenRule(); rule != ruleMetadataDocumentURL {
			t.Errorf("%q: broke %+v, want %+v", id, rule, ruleMetadataDocumentURL)
		}
	}
}

// TestPublicAddress: a document is fetched from public addresses only,
// never a special-use one of RFC 6890 or of the IANA registries it set up
// (CIMD Section 6.5), RFC 9637's 3fff::/20 among them.
func TestPublicAddress(t *testing.T) {
	public := []string{"93.184.215.14", "8.8.8.8", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::ffff:93.184.215.14", "100.128.0.1", "3fff:1000::1"}
	special := []string{
		"127.0.0.1", "127.1.2.3", "::1", // loopback
		"10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fc00::1", "fd12::1", // private
		"169.254.169.254", "fe80::1", // link-local (a cloud's metadata service)
		"0.0.0.0", "::", "0.1.2.3", // unspecified, "this network"
		"224.0.0.1", "ff02::1", "255.255.255.255", "240.0.0.1", // multicast, broadcast, reserved
		"100.64.0.1", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.1", "203.0.113.1", // shared, protocol, test, benchmark
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1", "2001::1", "2001:db8::1", "100::1", // IPv4 in disguise, documentation
		"::127.0.0.1", "1::1", // IPv4-compatible, outside 2000::/3
		"3fff::1", "3fff:fff:ffff::1", // documentation, the IPv6 one of RFC 9637 inside 2000::/3
		"5f00::1", // SRv6 segment identifiers (RFC 9602), outside 2000::/3
	}
	for _, a := range public {
		if !publicAddress(netip.MustParseAddr(a)) {
			t.Errorf("%s: got special, want public", a)
		}
	}
	for _, a := range special {
		if publicAddress(netip.MustParseAddr(a)) {
			t.Errorf("%s: got public, want refused (RFC 6890)", a)
		}
	}
	if err := dialPublicOnly("tcp", "127.0.0.1:443", nil); err == nil {
		t.Error("dialPublicOnly(127.0.0.1:443): got nil, want the dial refused")
	}
	if err := dialPublicOnly("tcp", "[3fff::1]:443", nil); err == nil {
		t.Error("dialPublicOnly([3fff::1]:443): got nil, want the dial refused (RFC 9637 documentation)")
	}
	if err := dialPublicOnly("tcp", "[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443", nil); err != nil {
		t.Errorf("dialPublicOnly(a public address): got %v, want nil", err)
	}
}

// TestDocumentMaxAge: Cache-Control max-age (RFC 9111 Section 5.2.2.1)
// within 1 min and 24 h (CIMD Section 4.4), one too great for an int64 the
// maximum (RFC 9111 Section 1.2.2); none, no-store or no-cache is the
// minimum.
func TestDocumentMaxAge(t *testing.T) {
	tests := []struct {
		cacheControl []string
		want         time.Duration
	}{
		{nil, time.Minute},
		{[]string{"max-age=600"}, 10 * time.Minute},
		{[]string{"public, max-age=3600"}, time.Hour},
		{[]string{"public", "Max-Age=\"120\""}, 2 * time.Minute},
		{[]string{"max-age=5"}, time.Minute},
		{[]string{"max-age=31536000"}, 24 * time.Hour},
		{[]string{"max-age=99999999999999999999"}, 24 * time.Hour}, // too great: the greatest (RFC 9111 Section 1.2.2)
		{[]string{"max-age=-99999999999999999999"}, time.Minute},
		{[]string{"max-age=1e9"}, time.Minute}, // not delta-seconds
		{[]string{"max-age=9223372036854775807"}, 24 * time.Hour},
		{[]string{"max-age=-1"}, time.Minute},
		{[]string{"max-age=600, no-store"}, time.Minute},
		{[]string{"no-cache", "max-age=600"}, time.Minute},
	}
	for _, tc := range tests {
		h := http.Header{}
		for _, v := range tc.cacheControl {
			h.Add("Cache-Control", v)
		}
		if got := documentMaxAge(h); got != tc.want {
			t.Errorf("Cache-Control %q: got %v, want %v", tc.cacheControl, got, tc.want)
		}
	}
}

// TestJSONMediaType: application/json or application/…+json, with
// parameters (CIMD Section 4.1); nothing else.
func TestJSONMediaType(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true, "Application/JSON": true,
		"application/client-metadata+json": true, "text/html": false, "text/json": false, "": false,
		"application/jsonp": false, "application/json+xml": false, "application/": false, ";;": false,
	} {
		if got := jsonMediaType(ct); got != want {
			t.Errorf("%q: got %v, want %v", ct, got, want)
		}
	}
}

// FuzzCheckMetadataDocumentURL: no client_id panics the URL check, and
// every one it accepts is https with a host and a path, without a
// fragment or user information.
func FuzzCheckMetadataDocumentURL(f *testing.F) {
	f.Add("https://app.example/client.json")
	f.Add("https://u@app.example/%2e%2E/x#f")
	f.Add("https://[::1]:443/a?b")
	f.Fuzz(func(t *testing.T, id string) {
		if checkMetadataDocumentURL(nil, id) != nil {
			return
		}
		if !strings.HasPrefix(id, "https://") || strings.Contains(id, "#") || strings.Contains(strings.SplitN(id[len("https://"):], "/", 2)[0], "@") {
			t.Fatalf("accepted %q", id)
		}
	})
}

// TestDocumentSite: new documents count against the registrable domain of
// their host whatever its case, or an IP address's /24 or /48.
func TestDocumentSite(t *testing.T) {
	for _, tt := range []struct{ host, want string }{
		{"app.example.com", "example.com"},
		{"A.App.Example.COM", "example.com"},
		{"example.com.", "example.com"},
		{"user.github.io", "user.github.io"}, // a public suffix's own sites are apart
		{"93.184.215.14", "93.184.215.0/24"},
		{"93.184.215.200", "93.184.215.0/24"},
		{"2606:4700::1", "2606:4700::/48"},
		{"2606:4700:0:ffff::9", "2606:4700::/48"},
		{"2606:4701::1", "2606:4701::/48"},
		{"::ffff:93.184.215.14", "93.184.215.0/24"},
	} {
		if got := documentSite(tt.host); got != tt.want {
			t.Errorf("documentSite(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}
