package oauth

import (
	"iter"
	"slices"
	"strings"
)

// The scopes this provider knows ([RFC 6749 Section 3.3]). openid turns an
// OAuth request into an OpenID Connect request; profile and email release
// the user's name and email ([OIDC Core Section 5.4]); read and write are
// for this provider's own resources.
//
// offline_access is the OpenID Connect scope of [OIDC Core Section 11]: the
// relying party asks for a refresh token, so it can act while the user is
// away. Its rule "MUST ensure that the prompt parameter contains consent
// unless other conditions for processing the request permitting offline
// access to the requested resources are in place" holds because the consent
// page always names it, and prompt=none succeeds only for a scope the user
// approved on that page before. Whether a refresh token is issued depends on
// the client's registration for the refresh_token grant, with or without
// offline_access, so a client that asks for it and one that does not are
// treated alike.
//
// [RFC 6749 Section 3.3]: https://www.rfc-editor.org/rfc/rfc6749#section-3.3
// [OIDC Core Section 5.4]: https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
// [OIDC Core Section 11]: https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess
const (
	ScopeOpenID        = "openid"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopeRead          = "read"
	ScopeWrite         = "write"
	ScopeOfflineAccess = "offline_access"
)

// ScopeExplanation is one line of a consent page: a scope and its sentence.
type ScopeExplanation struct{ Name, Description string }

// knownScopes is the one table of the scopes this provider knows, in the
// order the metadata and the pages list them, each with the sentence the
// consent page shows for it.
var knownScopes = []ScopeExplanation{
	{ScopeOpenID, "Sign you in with your account here (OpenID Connect)."},
	{ScopeProfile, "See your name."},
	{ScopeEmail, "See your email address."},
	{ScopeRead, "Read your protected resources."},
	{ScopeWrite, "Change your protected resources."},
	{ScopeOfflineAccess, "Keep its access while you are away: it may renew its tokens without asking you again, until you sign out of it or its access is revoked."},
}

// SupportedScopes lists every scope this provider knows, in a stable order.
func SupportedScopes() []string {
	names := make([]string, len(knownScopes))
	for i, s := range knownScopes {
		names[i] = s.Name
	}
	return names
}

// knownScope returns a scope's line of knownScopes, if it is known.
func knownScope(name string) (ScopeExplanation, bool) {
	i := slices.IndexFunc(knownScopes, func(s ScopeExplanation) bool { return s.Name == name })
	if i < 0 {
		return ScopeExplanation{}, false
	}
	return knownScopes[i], true
}

// maxListBytes bounds a space-delimited list parameter (scope, prompt) as
// it arrives: far longer than every value this provider knows put together,
// and short enough that a huge list is refused before any work is done on it.
const maxListBytes = 1024

// parseList reads a space-delimited list parameter, refusing one longer than
// maxListBytes with code (invalid_scope for a scope, invalid_request
// otherwise) as a breach of rule, the rule the list is read for. name is the
// parameter's name, for the error description.
func parseList(tr *Trace, rule Rule, name, s string, code ErrorCode) ([]string, *Error) {
	if len(s) > maxListBytes {
		return nil, tr.Fail(rule, code, "the "+name+" parameter is too long")
	}
	return parseScope(s), nil
}

// parseScope splits a scope parameter: "The value of the scope parameter is
// expressed as a list of space-delimited, case-sensitive strings"
// ([RFC 6749 Section 3.3]). Empty values and duplicates are dropped, in
// work linear in len(s); input from a request goes through parseList first.
// The values go to dedupe as strings.FieldsFuncSeq yields them, not split
// into a list first: every token request parses its scope, and the list
// dedupe grows is then all it allocates.
//
// [RFC 6749 Section 3.3]: https://www.rfc-editor.org/rfc/rfc6749#section-3.3
func parseScope(s string) []string {
	return dedupe(strings.FieldsFuncSeq(s, isScopeDelimiter))
}

// isScopeDelimiter reports whether r separates two scope values: a space
// ([RFC 6749 Section 3.3]).
//
// [RFC 6749 Section 3.3]: https://www.rfc-editor.org/rfc/rfc6749#section-3.3
func isScopeDelimiter(r rune) bool { return r == ' ' }

// dedupe drops repeated values, keeping the first of each in order. It
// remembers what it kept in a set, so its work is linear in the values.
func dedupe(values iter.Seq[string]) []string {
	var out []string
	seen := make(map[string]bool)
	for v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// resolveScope checks a requested scope against what a client may use and
// returns the scope to grant. An empty request gets the client's default:
// "If the client omits the scope parameter when requesting authorization,
// the authorization server MUST either process the request using a
// pre-defined default value or fail the request" ([RFC 6749 Section 3.3]).
//
// [RFC 6749 Section 3.3]: https://www.rfc-editor.org/rfc/rfc6749#section-3.3
func resolveScope(tr *Trace, requested string, allowed []string, defaultScope string) (string, *Error) {
	scopes, err := parseList(tr, ruleScopeAllowed, "scope", requested, ErrInvalidScope)
	if err != nil {
		return "", err
	}
	for _, s := range scopes {
		if _, known := knownScope(s); !known {
			return "", tr.Fail(ruleScopeAllowed, ErrInvalidScope, "unknown scope: "+quoteShort(s))
		}
		if !slices.Contains(allowed, s) {
			return "", tr.Fail(ruleScopeAllowed, ErrInvalidScope, "the client may not request scope "+s)
		}
	}
	tr.Check(ruleScopeAllowed, true)
	if len(scopes) == 0 {
		return defaultScope, nil
	}
	return strings.Join(scopes, " "), nil
}

// The rules of the scope parameter ([RFC 6749 Section 3.3], [RFC 6749 Section 6]).
//
// [RFC 6749 Section 3.3]: https://www.rfc-editor.org/rfc/rfc6749#section-3.3
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
var (
	ruleScopeAllowed = Rule{"each requested scope is known and allowed for this client (none: its default scope)", "RFC 6749 Section 3.3"}
	ruleScopeNarrows = Rule{"the requested scope is within the scope originally granted", "RFC 6749 Section 6"}
	// ruleScopeRegistered bounds a refresh by the client's registration as
	// it is now, which an update may have narrowed since the grant
	// (narrowScope). Its ref is the section that defines a client's
	// registered scope.
	ruleScopeRegistered = Rule{"the scope of a refresh is within the client's registered scopes (none requested: the granted scope, less any scope the client no longer has)", "RFC 7591 Section 2"}
)

// narrowScope checks a scope asked for at the refresh of a grant: "The
// requested scope MUST NOT include any scope not originally granted by the
// resource owner, and if omitted is treated as equal to the scope originally
// granted" ([RFC 6749 Section 6]). registered, the client's scopes now,
// bounds it too (ruleScopeRegistered): a requested scope outside them is
// invalid_scope, and an omitted one is the granted scope less any scope
// outside them. [RFC 6749 Section 6] bounds a refresh by the original
// grant; the registration bounds what the client may hold now, and an
// update may have narrowed it since the grant ([RFC 7591 Section 2]:
// scope is what "the client can use when requesting access tokens").
//
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func narrowScope(tr *Trace, requested, granted string, registered []string) (string, *Error) {
	scopes, err := parseList(tr, ruleScopeNarrows, "scope", requested, ErrInvalidScope)
	if err != nil {
		return "", err
	}
	for _, s := range scopes {
		if !hasScope(granted, s) {
			return "", tr.Fail(ruleScopeNarrows, ErrInvalidScope, "scope "+quoteShort(s)+" was not granted")
		}
	}
	tr.Check(ruleScopeNarrows, true)
	unregistered := func(s string) bool { return !slices.Contains(registered, s) }
	if len(scopes) == 0 { // omitted: the granted scope, less what the client may no longer hold
		scopes = slices.DeleteFunc(parseScope(granted), unregistered)
		if len(scopes) == 0 && granted != "" {
			return "", tr.Fail(ruleScopeRegistered, ErrInvalidScope, "none of the scopes granted is registered for this client any more")
		}
	} else if i := slices.IndexFunc(scopes, unregistered); i >= 0 {
		return "", tr.Fail(ruleScopeRegistered, ErrInvalidScope, "the client may not request scope "+scopes[i])
	}
	tr.Check(ruleScopeRegistered, true)
	return strings.Join(scopes, " "), nil
}

// hasScope reports whether a space-separated scope string contains want.
func hasScope(scope, want string) bool {
	for s := range strings.SplitSeq(scope, " ") {
		if s == want {
			return true
		}
	}
	return false
}

// ExplainScope lists the scopes of a scope string with their sentences, for
// the consent pages.
func ExplainScope(scope string) []ScopeExplanation {
	var out []ScopeExplanation
	for _, name := range parseScope(scope) {
		known, _ := knownScope(name)
		out = append(out, ScopeExplanation{name, known.Description})
	}
	return out
}
