package resource

import "strings"

// Challenge is one challenge of a WWW-Authenticate header
// ([RFC 9110 Section 11.6.1]): an auth-scheme and its auth-params, names
// lower-cased (they are case-insensitive), quoted values unquoted.
//
// [RFC 9110 Section 11.6.1]: https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
type Challenge struct {
	Scheme string
	Params map[string]string
}

// BearerChallenge returns the Bearer challenge ([RFC 6750 Section 3]) of
// the WWW-Authenticate values of a response, which may hold several
// challenges each (a resource that also takes DPoP names both).
//
// [RFC 6750 Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
func BearerChallenge(values []string) (Challenge, bool) {
	for _, v := range values {
		for _, c := range ParseChallenges(v) {
			if strings.EqualFold(c.Scheme, "Bearer") {
				return c, true
			}
		}
	}
	return Challenge{}, false
}

// maxChallengeValue is the longest WWW-Authenticate value ParseChallenges
// reads: many times a resource's Bearer challenge (a realm, a scope, an
// error and its description, the resource_metadata URL), and the size of a
// whole header line that many servers accept. Every token of a value
// becomes a challenge or a parameter, each costing memory, and Go's
// transport accepts 10 MB of headers: 9 MB of "a a a …" took 550 MB.
const maxChallengeValue = 8 << 10

// ParseChallenges reads the challenges of one WWW-Authenticate value
// ([RFC 9110 Section 11.6.1]):
//
//	challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	auth-param = token BWS "=" BWS ( token / quoted-string )
//
// A token not followed by "=" begins the next challenge. What cannot be
// read (a token68 among them, which no challenge this client reads uses)
// ends the parse with what was read so far: the value comes from whatever
// answered. A value longer than maxChallengeValue is not read at all.
//
// [RFC 9110 Section 11.6.1]: https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
func ParseChallenges(value string) []Challenge {
	if len(value) > maxChallengeValue {
		return nil
	}
	var out []Challenge
	s := value
	for {
		s = strings.TrimLeft(s, " \t,")
		name, rest := cutToken(s)
		if name == "" {
			return out
		}
		rest = strings.TrimLeft(rest, " \t")
		if !strings.HasPrefix(rest, "=") || len(out) == 0 {
			out = append(out, Challenge{Scheme: name, Params: map[string]string{}})
			s = rest
			continue
		}
		v, after, ok := paramValue(strings.TrimLeft(rest[1:], " \t"))
		if !ok {
			return out
		}
		if params := out[len(out)-1].Params; params[strings.ToLower(name)] == "" {
			params[strings.ToLower(name)] = v // the first of a repeated parameter counts
		}
		s = after
	}
}

// cutToken splits s after its leading token ([RFC 9110 Section 5.6.2]).
//
// [RFC 9110 Section 5.6.2]: https://www.rfc-editor.org/rfc/rfc9110#section-5.6.2
func cutToken(s string) (token, rest string) {
	i := strings.IndexFunc(s, func(r rune) bool { return !isTokenChar(r) })
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func isTokenChar(r rune) bool {
	return r < 0x7f && r > ' ' && !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
}

// paramValue reads a token or a quoted-string ([RFC 9110 Section 5.6.4]:
// a backslash quotes the next character).
//
// [RFC 9110 Section 5.6.4]: https://www.rfc-editor.org/rfc/rfc9110#section-5.6.4
func paramValue(s string) (value, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		v, rest := cutToken(s)
		return v, rest, v != ""
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s) {
				return "", "", false
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", false
}
