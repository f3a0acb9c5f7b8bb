package oauth

import (
	"strings"
	"testing"
)

// FuzzParseDPoPProof: no DPoP header value makes the proof parser panic.
func FuzzParseDPoPProof(f *testing.F) {
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2In0.e30.AAAA")
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, raw string) {
		_, _ = parseDPoPProof(raw)
	})
}

// FuzzNormalizeHTU: the htu a proof names is normalized once and for all:
// normalizing a normalized URI changes nothing, and it never keeps a query
// or fragment (RFC 9449 Section 4.3: "without query and fragment parts").
func FuzzNormalizeHTU(f *testing.F) {
	f.Add("https://AS.example:443/token?x=1#f")
	f.Add("http://[::1]:8080")
	f.Add("http://127.0.0.1:80/a%2Fb")
	f.Add("http://h/a/./b/../%7e%2f/%2E%2E")
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := normalizeHTU(raw)
		if !ok {
			return
		}
		if again, ok := normalizeHTU(got); !ok || again != got {
			t.Fatalf("normalizeHTU(%q) = %q, then %q (ok %t): want a fixed point", raw, got, again, ok)
		}
		if strings.ContainsAny(got, "?#") {
			t.Fatalf("normalizeHTU(%q) = %q keeps a query or fragment", raw, got)
		}
	})
}
