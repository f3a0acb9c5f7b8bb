package xray

import "github.com/oauth-reference/provider/specref"

// Ref names a section of a specification in the one form the code cites,
// "RFC 6749 Section 4.1.3", "OIDC Core Section 3.1.3.7" or "CIMD Section 5"
// (the client ID metadata document draft), and links to it.
type Ref string

// URL returns the address of the section, as the provider's pages link it
// (specref.URL), or "" for a reference in no known form.
func (r Ref) URL() string { return specref.URL(string(r)) }
