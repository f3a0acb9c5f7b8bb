package web

import "testing"

// TestRefURL checks the link of each kind of reference the rules cite, and
// that an unknown one has none.
func TestRefURL(t *testing.T) {
	for ref, want := range map[string]string{
		"RFC 6749 Section 4.1.3":                         "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3",
		"RFC 6749 Appendix B":                            "https://www.rfc-editor.org/rfc/rfc6749#appendix-B",
		"RFC 6749 Chapter 2":                             "",
		"OIDC Core Section 3.1.2.1":                      "https://openid.net/specs/openid-connect-core-1_0.html",
		"OIDC RP-Initiated Logout Section 2":             "https://openid.net/specs/openid-connect-rpinitiated-1_0.html",
		"OIDC Multiple Response Types Section 2.1":       "https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html",
		"CIMD Section 4.1":                               "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.1",
		"MCP Authorization, Implementation Requirements": "https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#implementation-requirements",
		"MCP Authorization, ":                            "",
		"OIDC Nonexistent Section 1":                     "",
		"OIDC Core":                                      "",
		"Something else":                                 "",
	} {
		if got := refURL(ref); got != want {
			t.Errorf("refURL(%q) = %q, want %q", ref, got, want)
		}
	}
}
