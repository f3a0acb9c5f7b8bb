package web

import (
	"strings"
	"unicode/utf8"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/specref"
)

// errorPage is what error.html shows: the error, what to check (a sentence,
// and the section that states the rule), and in teaching mode, for a
// redirect_uri that is not registered, the received and registered values
// side by side.
type errorPage struct {
	*oauth.Error
	Rule     string // the broken rule: the page says "Check that <Rule>."
	Check    string // else what to check, in a sentence
	Ref      string // the section that states the broken rule, or ""
	RefURL   string // where to read it
	Mismatch []uriComparison
}

// NotFound reports that the page answers a path no route takes.
func (p errorPage) NotFound() bool {
	return p.Code == errNotFound
}

// newErrorPage explains err: the rule it broke, when it names one, else a
// sentence by error code.
func newErrorPage(err *oauth.Error) errorPage {
	page := errorPage{Error: err}
	if rule, ok := err.BrokenRule(); ok {
		page.Rule = rule.Text
		page.Ref, page.RefURL = rule.Ref, specref.URL(rule.Ref)
		return page
	}
	switch {
	case err.ServerFault():
		page.Check = msgCheckServerLog
	case err.Code == oauth.ErrAccessDenied:
		page.Check = msgCheckWithUser
	default:
		page.Check = msgCheckParameters
	}
	return page
}

// maxShownURI bounds how much of a received redirect_uri the page shows: it
// comes from the request.
const maxShownURI = 300

// uriComparison is a received redirect_uri beside one registered for the
// client: the part they share, then where they part.
type uriComparison struct {
	Same             string // the common beginning
	Received         string // the rest of the received value (cut at maxShownURI)
	Registered       string // the rest of the registered value
	At               int    // the first character that differs, counting from 1
	ReceivedIsPrefix bool   // the received value stops where the registered one goes on
}

// compareRedirectURIs compares the received redirect_uri with each
// registered one, closest first ("exact string matching",
// [RFC 9700 Section 2.1]).
//
// [RFC 9700 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1
func compareRedirectURIs(m *oauth.RedirectMismatch) []uriComparison {
	received := m.Received
	if len(received) > maxShownURI {
		received = strings.ToValidUTF8(received[:maxShownURI], "") + "…"
	}
	var out []uriComparison
	for _, registered := range m.Registered {
		out = append(out, compareURI(received, registered))
	}
	for i := 1; i < len(out); i++ { // insertion sort: a client has few URIs
		for j := i; j > 0 && out[j].At > out[j-1].At; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// compareURI splits two values at their first differing character.
func compareURI(received, registered string) uriComparison {
	i, chars := 0, 0
	for i < len(received) && i < len(registered) {
		r1, n1 := utf8.DecodeRuneInString(received[i:])
		r2, n2 := utf8.DecodeRuneInString(registered[i:])
		if r1 != r2 || n1 != n2 {
			break
		}
		i += n1
		chars++
	}
	return uriComparison{Same: received[:i], Received: received[i:], Registered: registered[i:], At: chars + 1,
		ReceivedIsPrefix: i == len(received) && i < len(registered)}
}
