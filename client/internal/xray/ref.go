package xray

import (
	"regexp"
	"strings"
)

// Ref names a section of a specification in the one form the code cites,
// "RFC 6749 Section 4.1.3", "OIDC Core Section 3.1.3.7" or "CIMD Section 5"
// (the client ID metadata document draft), and links to it.
type Ref string

// refRE parses a Ref: a spec name, then an optional section or appendix.
var refRE = regexp.MustCompile(`^(RFC (\d{3,5})|OIDC [A-Za-z -]+?|CIMD)(?: (Section|Appendix) ([0-9A-Z][0-9.]*))?$`)

// cimd is the revision of the client ID metadata document draft a Ref
// names as "CIMD", the one the provider implements.
const cimd = "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01"

// openIDSpecs are the OpenID Foundation specifications a Ref may name, by
// the short name used after "OIDC ".
var openIDSpecs = map[string]string{
	"OIDC Core":                 "https://openid.net/specs/openid-connect-core-1_0.html",
	"OIDC Discovery":            "https://openid.net/specs/openid-connect-discovery-1_0.html",
	"OIDC RP-Initiated Logout":  "https://openid.net/specs/openid-connect-rpinitiated-1_0.html",
	"OIDC Dynamic Registration": "https://openid.net/specs/openid-connect-registration-1_0.html",
	// OAuth 2.0 Multiple Response Type Encoding Practices (response_mode).
	"OIDC Multiple Response Types": "https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html",
}

// URL returns the address of the section on rfc-editor.org, openid.net or
// datatracker.ietf.org, or "" for a reference this package does not know.
func (r Ref) URL() string {
	m := refRE.FindStringSubmatch(strings.TrimSpace(string(r)))
	if m == nil {
		return ""
	}
	spec, number, kind, section := m[1], m[2], m[3], strings.TrimSuffix(m[4], ".")
	if spec == "CIMD" {
		if kind != "Section" {
			return cimd
		}
		return cimd + "#section-" + section
	}
	if number != "" {
		u := "https://www.rfc-editor.org/rfc/rfc" + number
		switch kind {
		case "Section":
			u += "#section-" + section
		case "Appendix":
			u += "#appendix-" + section
		}
		return u
	}
	base, ok := openIDSpecs[spec]
	if !ok {
		return ""
	}
	if kind == "" {
		return base
	}
	return base + "#rfc." + strings.ToLower(kind) + "." + section
}
