package xray

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/oauth-reference/client/internal/wirelog"
)

// Trace is the provider's account of one request: every rule it applied, in
// order, with the section that states it, and what the request changed in
// its store. The provider serves it as JSON at GET /debug/trace/{request_id}
// in teaching mode (README, "The X-ray").
type Trace struct {
	RequestID string    `json:"request_id"`
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	ClientID  string    `json:"client_id"`
	Status    int       `json:"status"`
	Outcome   string    `json:"outcome"`
	Checks    []Check   `json:"checks"`
	Changes   []string  `json:"changes"`
	// Page is the trace on the provider's traces page, opened, as the
	// browser reaches it (Fetch sets it).
	Page string `json:"-"`
}

// ErrNoTrace is Fetch's error when the provider has no trace for an id: it
// is not in teaching mode, does not keep traces, or has forgotten this one.
var ErrNoTrace = errors.New("xray: the provider has no trace for this request")

// maxTrace bounds the size of a trace document read from the provider.
const maxTrace = 256 << 10

// requestIDRE is what a request id may look like before it goes into a URL.
var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Tracer fetches the provider's traces.
type Tracer struct {
	// BaseURL is the provider's base URL as the client reaches it.
	BaseURL string
	// PageURL is the provider's traces page (GET /debug/traces) as the
	// browser reaches it: each fetched trace links its own row there.
	PageURL string
	// Client makes the requests. Its exchanges should not be recorded in
	// the walkthrough (see wirelog.Unrecorded): they are about the flow,
	// not part of it.
	Client *http.Client
}

// Fetch returns the trace of the request the provider answered with the
// X-Request-Id requestID, or ErrNoTrace. lang, when set, is sent as
// Accept-Language: the provider writes the trace's rule texts in it.
func (t *Tracer) Fetch(ctx context.Context, requestID, lang string) (*Trace, error) {
	if !requestIDRE.MatchString(requestID) {
		return nil, ErrNoTrace
	}
	traceURL, err := url.JoinPath(t.BaseURL, "debug/trace", requestID)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, traceURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := t.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, ErrNoTrace
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("xray: GET /debug/trace: %s", resp.Status)
	}
	var tr Trace
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxTrace)).Decode(&tr); err != nil {
		return nil, fmt.Errorf("xray: reading a trace: %w", err)
	}
	if tr.RequestID != requestID {
		return nil, fmt.Errorf("xray: asked for the trace of %q, got %q", requestID, tr.RequestID)
	}
	tr.shorten()
	tr.Page = t.pageOf(&tr)
	return &tr, nil
}

// shorten cuts each text the provider wrote in tr (wirelog.Shorten), as
// the pages cut every other value that comes from the provider: a trace
// may be up to maxTrace, and a single detail of that size would be shown
// whole under its hop, on every page that shows the hop.
func (tr *Trace) shorten() {
	tr.Outcome = wirelog.Shorten(tr.Outcome)
	for i := range tr.Checks {
		c := &tr.Checks[i]
		c.Rule, c.Detail = wirelog.Shorten(c.Rule), wirelog.Shorten(c.Detail)
	}
	for i, change := range tr.Changes {
		tr.Changes[i] = wirelog.Shorten(change)
	}
}

// pageOf is tr's row on the provider's traces page, shown open, among its
// client's requests: the page's "client_id" and "request_id" parameters,
// and the row's element id as the fragment.
func (t *Tracer) pageOf(tr *Trace) string {
	q := url.Values{"request_id": {tr.RequestID}}
	if tr.ClientID != "" {
		q.Set("client_id", tr.ClientID)
	}
	return t.PageURL + "?" + q.Encode() + "#trace-" + tr.RequestID
}

// traceGrace is how long after an exchange a missing trace is asked for
// again: a provider may file the trace a moment after it has answered.
const traceGrace = 5 * time.Second

// fetchTimeout bounds each trace request, so a page never waits long on one.
const fetchTimeout = 2 * time.Second

// FetchTraces fills in the provider's trace of every back-channel hop that
// has none yet in language lang (fetched again after a change of language).
// Failures leave a hop without a trace: the walkthrough then shows the
// client's view only. It stops at the first transport error (the provider
// is down; the page should not wait on every hop).
func (w *Walk) FetchTraces(ctx context.Context, t *Tracer, now time.Time, lang string) {
	for _, m := range w.missingTraces(lang) {
		tr, err := t.fetchSoon(ctx, m.id, lang, now.Sub(m.time) < traceGrace)
		switch {
		case err == nil:
			w.setTrace(m.id, tr, lang, false)
		case errors.Is(err, ErrNoTrace):
			w.setTrace(m.id, nil, lang, true)
		default:
			return
		}
	}
	w.forgetRecentGone(now)
}

// traceRetries are the pauses before asking again for the trace of a
// request just answered: the provider files a trace once its handler has
// returned, which may be a moment after the client has read the answer.
var traceRetries = []time.Duration{20 * time.Millisecond, 80 * time.Millisecond}

// fetchSoon is Fetch, asking again after traceRetries while the provider
// has no trace yet for a recent request.
func (t *Tracer) fetchSoon(ctx context.Context, id, lang string, recent bool) (*Trace, error) {
	for i := 0; ; i++ {
		fctx, cancel := context.WithTimeout(ctx, fetchTimeout)
		tr, err := t.Fetch(fctx, id, lang)
		cancel()
		if !recent || !errors.Is(err, ErrNoTrace) || i == len(traceRetries) {
			return tr, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(traceRetries[i]):
		}
	}
}

// missingTrace names a hop whose trace is still to be fetched.
type missingTrace struct {
	id   string
	time time.Time
}

// missingTraces returns the hops whose trace in lang is still to be fetched.
func (w *Walk) missingTraces(lang string) []missingTrace {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []missingTrace
	for _, h := range w.hops {
		if h.Exchange != nil && h.Exchange.RequestID != "" && (h.Trace == nil || h.traceLang != lang) && !h.traceGone {
			out = append(out, missingTrace{h.Exchange.RequestID, h.Time})
		}
	}
	return out
}

// setTrace records what the provider said, in lang, about request id, if
// the walk still holds its hop.
func (w *Walk) setTrace(id string, tr *Trace, lang string, gone bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for j := range w.hops {
		if h := &w.hops[j]; h.Exchange != nil && h.Exchange.RequestID == id {
			if tr != nil || h.Trace == nil { // a trace in another language beats none
				h.Trace, h.traceGone = tr, gone
			}
			h.traceLang = lang
		}
	}
}

// forgetRecentGone lets hops younger than traceGrace be asked again.
func (w *Walk) forgetRecentGone(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for j := range w.hops {
		if h := &w.hops[j]; h.traceGone && now.Sub(h.Time) < traceGrace {
			h.traceGone = false
		}
	}
}
