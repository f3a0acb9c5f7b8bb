package metadata

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzMetadata: any metadata document decodes and is checked without
// panicking; one that passes the check has the trusted issuer, identical
// (RFC 8414 Section 3.3), and its authorization and token endpoints; its
// back-channel copy moves only endpoints under the issuer, and Rebase the
// other way moves them back.
func FuzzMetadata(f *testing.F) {
	const issuer, internal = "http://localhost:8080", "http://provider:8080/"
	f.Add(`{"issuer":"http://localhost:8080","authorization_endpoint":"http://localhost:8080/oauth/authorize","token_endpoint":"http://localhost:8080/oauth/token","jwks_uri":"http://localhost:8080/.well-known/jwks.json?x=1"}`)
	f.Add(`{"issuer":"http://localhost:8080/","authorization_endpoint":"a","token_endpoint":"http://localhost:80800/t","token_endpoint_auth_methods_supported":["client_secret_post"]}`)
	f.Add(`{"issuer":"http://localhost:8080","authorization_endpoint":"x","token_endpoint":"http://localhost:8080","revocation_endpoint":"http://localhost:8080@evil/r","ISSUER":"x"}`)
	f.Fuzz(func(t *testing.T, doc string) {
		var m Metadata
		if json.Unmarshal([]byte(doc), &m) != nil || m.check(issuer) != nil {
			return
		}
		if m.Issuer != issuer || m.AuthorizationEndpoint == "" || m.TokenEndpoint == "" {
			t.Fatalf("check passed %+v", m)
		}
		_ = m.Endpoint()
		b := m.BackChannel(issuer, internal)
		for _, pair := range [][2]string{{m.TokenEndpoint, b.TokenEndpoint}, {m.JWKSURI, b.JWKSURI}, {m.RevocationEndpoint, b.RevocationEndpoint}, {m.RegistrationEndpoint, b.RegistrationEndpoint}} {
			before, after := pair[0], pair[1]
			if before == after {
				continue
			}
			if !strings.HasPrefix(after, "http://provider:8080/") && after != "http://provider:8080" && !strings.HasPrefix(after, "http://provider:8080?") {
				t.Fatalf("BackChannel moved %q to %q, not under %q", before, after, internal)
			}
			if back := Rebase(after, internal, issuer); back != before {
				t.Fatalf("Rebase does not round-trip: %q -> %q -> %q", before, after, back)
			}
		}
	})
}

// FuzzWellKnownURL: an issuer gets a well-known URL only when it is one
// (RFC 8414 Section 2: http(s), a host, no query or fragment), and that URL
// has the issuer's scheme and host, then the well-known suffix, then the
// issuer's path (RFC 8414 Section 3.1).
func FuzzWellKnownURL(f *testing.F) {
	for _, s := range []string{"http://localhost:8080", "https://id.example/tenant/", "https://id.example/a%2Fb", "https://u:p@h/x?q#f", "::", "A:0", "https:as.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, base string) {
		got, err := WellKnownURL(base)
		if err != nil {
			return
		}
		scheme, rest, _ := strings.Cut(base, "://")
		host, _, _ := strings.Cut(rest, "/")
		if strings.ContainsAny(base, "?#") || !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") ||
			!strings.HasPrefix(strings.ToLower(got), strings.ToLower(scheme)+"://") || !strings.Contains(got, "://"+host+WellKnownPath) {
			t.Fatalf("WellKnownURL(%q) = %q", base, got)
		}
	})
}
