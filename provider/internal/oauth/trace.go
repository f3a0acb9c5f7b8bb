package oauth

import (
	"context"
	"strings"
)

// Rule is one rule of the specifications that the provider enforces: what
// must hold, in words, and the section that states it. Each rule is a
// package-level value declared beside the code that enforces it; that code
// records it on the request's Trace as it checks it, and an error that
// breaks it carries it (Refuse), so what the trace shows cannot drift from
// what the code does.
type Rule struct {
	Text string // what must hold, e.g. "the code was issued to this client"
	Ref  string // where it is written: "RFC 6749 Section 4.1.3", "OIDC Core Section 3.1.2.1"
}

// Refuse returns the error of a request that breaks the rule; a trace that
// ends with this error ends with the rule, failed.
func (r Rule) Refuse(code ErrorCode, description string) *Error {
	return &Error{Code: code, Description: description, rule: r}
}

// BrokenRule returns the rule the request broke, when the error names one
// (it was made by Rule.Refuse): what an error page tells the user to check.
func (e *Error) BrokenRule() (Rule, bool) {
	return e.rule, e.rule != (Rule{})
}

// Check is one rule applied to one request, and its outcome.
type Check struct {
	Rule   string `json:"rule"`
	Ref    string `json:"ref"`
	Passed bool   `json:"passed"`
}

// maxTraceEntries bounds the checks and the changes of one trace.
const maxTraceEntries = 64

// Trace is what the provider did for one request in teaching mode: each
// rule it applied, in order, with its outcome; what it changed in the
// store, in words; and how the request ended. It never holds a secret:
// rules and changes are fixed sentences, never values from the request.
//
// The web layer puts a Trace into the request's context (WithTrace) only in
// teaching mode. Every method is a no-op on a nil *Trace, so protocol code
// records unconditionally: TraceFrom(ctx).Check(rule, ok). A Trace belongs
// to one request, served by one goroutine; it is not safe for concurrent use.
type Trace struct {
	ClientID string   // the client the request named, once known
	Outcome  string   // "tokens issued", or the error code; "" for neither (web then records the HTTP status)
	Checks   []Check  // in the order they were made
	Changes  []string // e.g. "authorization code consumed"
	// WasRefused says the request was refused (Refused), whatever carried
	// the refusal: an error answer, a redirect with error=, or a page.
	WasRefused bool
}

// traceKey is the context key of the request's Trace.
type traceKey struct{}

// WithTrace returns ctx carrying t, so the protocol code records on it.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// TraceFrom returns the request's Trace, or nil (teaching mode off).
func TraceFrom(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

// Check records that rule r was applied, and whether the request passed
// it; it returns ok, so a check reads: if !tr.Check(rule, cond) { … }.
func (t *Trace) Check(r Rule, ok bool) bool {
	if t != nil && len(t.Checks) < maxTraceEntries {
		t.Checks = append(t.Checks, Check{Rule: r.Text, Ref: r.Ref, Passed: ok})
	}
	return ok
}

// Require records rule r like Check and, when ok is false, returns the
// error that refuses the request (r.Refuse(code, description)).
func (t *Trace) Require(r Rule, ok bool, code ErrorCode, description string) *Error {
	if t.Check(r, ok) {
		return nil
	}
	return r.Refuse(code, description)
}

// Fail records that the request broke rule r and returns the error that
// refuses it: return tr.Fail(rule, code, "what went wrong").
func (t *Trace) Fail(r Rule, code ErrorCode, description string) *Error {
	t.Check(r, false)
	return r.Refuse(code, description)
}

// Changed records what the request changed in the store, in words.
func (t *Trace) Changed(what string) {
	if t != nil && len(t.Changes) < maxTraceEntries {
		t.Changes = append(t.Changes, what)
	}
}

// Include records on t the checks and changes of shared, a trace of work
// done once for several requests (storeMetadataDocumentOnce), in their
// order, after t's own.
func (t *Trace) Include(shared *Trace) {
	if t == nil {
		return
	}
	for _, c := range shared.Checks {
		if len(t.Checks) < maxTraceEntries {
			t.Checks = append(t.Checks, c)
		}
	}
	for _, what := range shared.Changes {
		t.Changed(what)
	}
}

// Client records which client the request named, cut to 64 bytes (it
// comes from the request) and copied: a slice of it would keep alive the
// whole request body it was read from, as long as the trace is kept.
func (t *Trace) Client(id string) {
	if t != nil {
		t.ClientID = strings.Clone(id[:min(len(id), 64)])
	}
}

// Succeeded records how a successful request ended, e.g. "tokens issued".
func (t *Trace) Succeeded(outcome string) {
	if t != nil {
		t.Outcome = outcome
	}
}

// Refused records that the request ended with err: the outcome is its code,
// and the trace ends with the rule err broke, failed, unless the last
// check already says so. A request refused with no code on the wire (the
// bare challenge of NoCredentials) gets no outcome here: the trace must not
// name a code the answer did not send, so the web layer records the answer's
// HTTP status, as for any answer without a protocol outcome.
func (t *Trace) Refused(err *Error) {
	if t == nil || err == nil {
		return
	}
	t.WasRefused = true
	if !err.NoCredentials {
		t.Outcome = string(err.Code)
	}
	if err.rule == (Rule{}) {
		return
	}
	failed := Check{Rule: err.rule.Text, Ref: err.rule.Ref}
	if n := len(t.Checks); n == 0 || t.Checks[n-1] != failed {
		t.Checks = append(t.Checks, failed)
	}
}
