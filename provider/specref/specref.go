// Package specref links a reference to a specification, in the one form
// this project cites them ("RFC 6749 Section 4.1.3", "RFC 6749 Appendix B",
// "OIDC Core Section 3.1.2.1", "CIMD Section 5", "RFC 7523bis Section 4",
// "MCP Authorization, Implementation Requirements"), to where a reader
// reads it. The provider's pages (error pages, /debug/traces) and the
// client's walkthrough link the rules' references through it, so both
// programs link a reference alike.
package specref

import (
	"regexp"
	"strings"
)

// refRE parses a reference: a spec name, then an optional section or
// appendix.
var refRE = regexp.MustCompile(`^(RFC (\d{3,5})|RFC \d{4}bis|OIDC [A-Za-z -]+?|CIMD)(?: (Section|Appendix) ([0-9A-Z][0-9.]*))?$`)

// drafts are the Internet-Drafts a reference may name, by their short
// name, at the revision the provider implements: "CIMD", the client ID
// metadata document draft, and "RFC 7523bis", the draft that updates the
// audience rules of RFC 7523 and RFC 9126.
var drafts = map[string]string{
	"CIMD":        "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01",
	"RFC 7523bis": "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis-11",
}

// mcpAuthorization is the revision of the Model Context Protocol's
// authorization specification a reference names as "MCP Authorization",
// whose sections are addressed by their headings.
const mcpAuthorization = "https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization"

// openIDSpecs are the OpenID Foundation specifications a reference may
// name, by the short name used after "OIDC ".
var openIDSpecs = map[string]string{
	"OIDC Core":                "https://openid.net/specs/openid-connect-core-1_0.html",
	"OIDC Discovery":           "https://openid.net/specs/openid-connect-discovery-1_0.html",
	"OIDC RP-Initiated Logout": "https://openid.net/specs/openid-connect-rpinitiated-1_0.html",
	"OIDC Registration":        "https://openid.net/specs/openid-connect-registration-1_0.html",
	// OAuth 2.0 Multiple Response Type Encoding Practices (response_mode).
	"OIDC Multiple Response Types": "https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html",
}

// URL returns the address of the section (or appendix, or heading) ref
// names on rfc-editor.org, openid.net, datatracker.ietf.org or
// modelcontextprotocol.io, or "" for a reference in no known form.
func URL(ref string) string {
	ref = strings.TrimSpace(ref)
	if heading, ok := strings.CutPrefix(ref, "MCP Authorization, "); ok {
		if heading == "" {
			return ""
		}
		return mcpAuthorization + "#" + strings.ToLower(strings.ReplaceAll(heading, " ", "-"))
	}
	m := refRE.FindStringSubmatch(ref)
	if m == nil {
		return ""
	}
	spec, number, kind, section := m[1], m[2], m[3], strings.TrimSuffix(m[4], ".")
	draft, isDraft := drafts[spec]
	switch {
	case isDraft && kind == "Section":
		return draft + "#section-" + section
	case isDraft && kind == "":
		return draft
	case isDraft:
		return ""
	case number != "" && kind == "":
		return "https://www.rfc-editor.org/rfc/rfc" + number
	case number != "":
		return "https://www.rfc-editor.org/rfc/rfc" + number + "#" + strings.ToLower(kind) + "-" + section
	}
	base, ok := openIDSpecs[spec]
	if !ok || kind == "" {
		return base
	}
	return base + "#rfc." + strings.ToLower(kind) + "." + section
}
