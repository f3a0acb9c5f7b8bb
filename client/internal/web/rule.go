package web

import "github.com/oauth-reference/client/internal/xray"

// rule is a rule the client checks: what must hold, in words, and the
// section that states it, with that section's own sentence when a page
// quotes it. Each rule is a package-level value declared beside the code
// that checks it; the X-ray's check and the error page of a broken rule
// both read it, so they cannot drift apart.
type rule struct {
	Text  string   // what must hold, e.g. "state is one this browser's session is waiting for"
	Ref   xray.Ref // where it is written: "RFC 6749 Section 10.12"
	Quote string   // the section's words, as an error page quotes them; "" when none does
}

// Quoted returns the rule as an error page states it: its section, then
// its words.
func (r rule) Quoted() string {
	return string(r.Ref) + ": " + r.Quote
}

// checked returns the rule applied once, with its outcome, as the X-ray
// shows it.
func (r rule) checked(passed bool, detail string) xray.Check {
	return xray.Check{Rule: r.Text, Ref: r.Ref, Passed: passed, Detail: detail}
}
