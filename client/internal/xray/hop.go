package xray

import (
	"sync"
	"time"

	"github.com/oauth-reference/client/internal/wirelog"
)

// Channel says how a hop travelled: through the user's browser (the front
// channel, visible to the user and to anything in the browser) or directly
// from the client to the provider (the back channel).
type Channel string

// The two channels of [RFC 6749 Section 4.1].
//
// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
const (
	Front Channel = "front channel"
	Back  Channel = "back channel"
)

// Hop is one step of a flow as the client saw it.
type Hop struct {
	// Step is the letter of the step of [RFC 6749 Section 4.1] the hop
	// shows ("A", "C", "D"; the response of a "D" hop is step E), or "" for
	// an exchange after the login.
	//
	// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
	Step    string
	Title   string
	Ref     Ref // the section that defines this hop
	Time    time.Time
	Channel Channel
	Note    string // what happened, in a sentence, when the title does not say it

	// URL and Params are a front-channel hop's: the URL the browser was
	// sent to or came back on, and its query parameters, explained.
	URL    string
	Params []Param
	// Replaces is, on the short URL of a pushed authorization request,
	// the long URL it stands in for, to show both side by side.
	Replaces *Hop

	// Exchange is a back-channel hop's request and response, masked.
	Exchange *wirelog.Exchange

	// Checks are the client's own checks of this hop, in order.
	Checks []Check
	// ChecksTitle names them ("The client's checks", "ID token validation").
	ChecksTitle string

	// Trace is the provider's account of the exchange, fetched by the
	// response's X-Request-Id; nil until fetched, and for a front-channel hop.
	Trace *Trace
	// traceLang is the language Trace was asked for in.
	traceLang string
	// traceGone is set once the provider has said it has no trace for the
	// exchange, so it is not asked again.
	traceGone bool
}

// Param is one parameter of a front-channel URL.
type Param struct {
	Name    string
	Value   string // masked when it is a code or token
	Meaning string
	Ref     Ref
}

// Check is one rule applied to a hop, by the client or by the provider.
type Check struct {
	Rule   string `json:"rule"`
	Ref    Ref    `json:"ref"`
	Passed bool   `json:"passed"`
	// Detail says why a check failed, when more can be said.
	Detail string `json:"detail,omitempty"`
}

// Walk is the ordered record of one login and what followed it, bounded in
// size. It is safe for concurrent use.
type Walk struct {
	mu   sync.Mutex
	max  int
	hops []Hop
}

// NewWalk returns an empty Walk that keeps at most size hops (at least 8).
func NewWalk(size int) *Walk {
	return &Walk{max: max(8, size)}
}

// Add appends hops. Past the size limit it drops the oldest later exchange,
// so the steps of the login itself (A to E) stay to be read.
func (w *Walk) Add(hops ...Hop) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, h := range hops {
		w.hops = append(w.hops, h)
		if len(w.hops) > w.max {
			w.dropOne()
		}
	}
}

func (w *Walk) dropOne() {
	drop := 0
	for i, h := range w.hops {
		if h.Step == "" {
			drop = i
			break
		}
	}
	w.hops = append(w.hops[:drop:drop], w.hops[drop+1:]...)
}

// Hops returns a copy of the hops, oldest first.
func (w *Walk) Hops() []Hop {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Hop(nil), w.hops...)
}

// Steps returns the letters of the steps of [RFC 6749 Section 4.1] that
// happened: A once the browser was sent to the provider; B and C once it
// came back (the user was at the provider in between); D once the token
// request was sent (not merely prepared); E once it was answered with tokens.
//
// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
func Steps(hops []Hop) map[string]bool {
	done := map[string]bool{}
	for _, h := range hops {
		switch h.Step {
		case "A":
			done["A"] = true
		case "C":
			done["B"], done["C"] = true, true
		case "D":
			if e := h.Exchange; e != nil && (e.Status != 0 || e.Err != "") {
				done["D"] = true
				done["E"] = e.Status == 200
			}
		}
	}
	return done
}
