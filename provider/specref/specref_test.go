package specref

import "testing"

// TestURL checks the link of each kind of reference the rules and pages
// cite, and that a reference in no known form has none.
func TestURL(t *testing.T) {
	for ref, want := range map[string]string{
		"RFC 6749 Section 4.1.3":                         "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3",
		"RFC 7636 Section 4.6.":                          "https://www.rfc-editor.org/rfc/rfc7636#section-4.6",
		"RFC 6749 Appendix B":                            "https://www.rfc-editor.org/rfc/rfc6749#appendix-B",
		"RFC 9207":                                       "https://www.rfc-editor.org/rfc/rfc9207",
		"OIDC Core Section 3.1.3.7":                      "https://openid.net/specs/openid-connect-core-1_0.html#rfc.section.3.1.3.7",
		"OIDC Discovery Section 4":                       "https://openid.net/specs/openid-connect-discovery-1_0.html#rfc.section.4",
		"OIDC RP-Initiated Logout Section 2":             "https://openid.net/specs/openid-connect-rpinitiated-1_0.html#rfc.section.2",
		"OIDC Registration Section 2":                    "https://openid.net/specs/openid-connect-registration-1_0.html#rfc.section.2",
		"OIDC Multiple Response Types Section 2.1":       "https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#rfc.section.2.1",
		"OIDC Core":                                      "https://openid.net/specs/openid-connect-core-1_0.html",
		"CIMD Section 4.1":                               "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.1",
		"CIMD":                                           "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01",
		"RFC 7523bis Section 4":                          "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis-11#section-4",
		"RFC 6265bis Section 4":                          "",
		"MCP Authorization, Implementation Requirements": "https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#implementation-requirements",
		"MCP Authorization, ":                            "",
		"RFC 6749 Chapter 2":                             "",
		"RFC 6749 §4.1":                                  "",
		"OIDC Nonexistent Section 1":                     "",
		"Section 6":                                      "",
		"javascript:alert(1)":                            "",
		"Something else":                                 "",
		"":                                               "",
	} {
		if got := URL(ref); got != want {
			t.Errorf("URL(%q) = %q, want %q", ref, got, want)
		}
	}
}
