// Package wirelog records the client's back-channel HTTP exchanges (the
// token request of step D, the token response of step E, refresh,
// revocation, resource calls) so the home page can show a learner what went
// over the wire. Every secret and token is masked before it is stored:
// nothing this package keeps can be replayed.
package wirelog

import (
	"context"
	"sync"
	"time"
)

// Exchange is one request and its response, masked.
type Exchange struct {
	Time           time.Time
	Duration       time.Duration
	Method         string
	URL            string            // query values masked like form values
	RequestHeader  map[string]string // a few telling headers; Authorization masked
	RequestBody    string            // masked
	Status         int               // 0 when no response came
	ResponseHeader map[string]string // a few telling headers
	ResponseBody   string            // masked
	Err            string            // the transport error, if any
	// RequestID is the response's X-Request-Id: the provider's name for
	// this request, under which it keeps its trace.
	RequestID string
	// DPoPProof is the request's DPoP proof ([RFC 9449 Section 4.2]),
	// decoded: its JOSE header and its claims, as JSON. The proof itself is
	// shown shortened; it was used once and is refused if sent again.
	//
	// [RFC 9449 Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
	DPoPProof string
	// ClientAssertion is the request's client_assertion
	// ([RFC 7523 Section 2.2]), decoded: its JOSE header and claims. The
	// body shows the assertion itself masked.
	//
	// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
	ClientAssertion string
}

// Log keeps the most recent exchanges, up to a fixed number. It is safe for
// concurrent use.
type Log struct {
	mu      sync.Mutex
	max     int
	entries []Exchange
}

// NewLog returns a Log that keeps the last size exchanges (at least one).
func NewLog(size int) *Log {
	return &Log{max: max(1, size)}
}

// Add records e, dropping the oldest exchange when the log is full.
func (l *Log) Add(e Exchange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, e)
	if over := len(l.entries) - l.max; over > 0 {
		l.entries = append([]Exchange(nil), l.entries[over:]...)
	}
}

// Entries returns a copy of the recorded exchanges, oldest first.
func (l *Log) Entries() []Exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Exchange(nil), l.entries...)
}

// contextKey is the type of the context key under which a Log travels.
type contextKey struct{}

// NewContext returns ctx carrying log: the Transport records exchanges made
// with that context into it. This is how each session gets its own
// log without one user seeing another's exchanges.
func NewContext(ctx context.Context, log *Log) context.Context {
	return context.WithValue(ctx, contextKey{}, log)
}

// FromContext returns the Log that ctx carries, or nil.
func FromContext(ctx context.Context) *Log {
	log, _ := ctx.Value(contextKey{}).(*Log)
	return log
}

// unrecordedKey marks a context whose exchanges no Log records.
type unrecordedKey struct{}

// Unrecorded returns ctx marked so that the Transport records nothing made
// with it, not even in its fallback Log: for requests about the flow rather
// than part of it, such as fetching the provider's traces.
func Unrecorded(ctx context.Context) context.Context {
	return context.WithValue(ctx, unrecordedKey{}, true)
}

func isUnrecorded(ctx context.Context) bool {
	v, _ := ctx.Value(unrecordedKey{}).(bool)
	return v
}
