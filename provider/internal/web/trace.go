package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/i18n"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/requestlog"
	"github.com/oauth-reference/provider/service"
)

// Traces are kept in memory, bounded: the newest traceCapacity, none
// older than traceMaxAge (README, "Traces").
const (
	traceCapacity = 1024
	traceMaxAge   = 15 * time.Minute
)

// traceMaxAgeMinutes is traceMaxAge in whole minutes, as the pages and
// the 404 answer say it.
const traceMaxAgeMinutes = int(traceMaxAge / time.Minute)

// traceRecord is one request's trace as GET /debug/trace/{request_id} answers it.
type traceRecord struct {
	RequestID string        `json:"request_id"`
	Time      time.Time     `json:"time"`
	Method    string        `json:"method"`
	Path      string        `json:"path"`
	ClientID  string        `json:"client_id"`
	Status    int           `json:"status"`
	Outcome   string        `json:"outcome"`
	Refused   bool          `json:"refused"` // refusedRecord
	Checks    []oauth.Check `json:"checks"`
	Changes   []string      `json:"changes"`
}

// traceLog keeps the newest traces: a ring of request ids, oldest first
// out, and the traces by id. Safe for concurrent use.
type traceLog struct {
	mu   sync.Mutex
	ring [traceCapacity]string
	next int // the slot the next new id goes into (the oldest one)
	byID map[string]*traceRecord
	now  func() time.Time
}

func newTraceLog(now func() time.Time) *traceLog {
	return &traceLog{byID: make(map[string]*traceRecord, traceCapacity), now: now}
}

// put keeps rec, replacing the trace of the same request if there is one,
// else forgetting the oldest trace when the ring is full.
func (l *traceLog) put(rec *traceRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, filed := l.byID[rec.RequestID]; !filed {
		delete(l.byID, l.ring[l.next])
		l.ring[l.next] = rec.RequestID
		l.next = (l.next + 1) % traceCapacity
	}
	l.byID[rec.RequestID] = rec
}

// get returns the trace of a request id, if it is kept and not too old.
func (l *traceLog) get(id string) (*traceRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec, ok := l.byID[id]
	if !ok || l.now().Sub(rec.Time) > traceMaxAge {
		return nil, false
	}
	return rec, true
}

// recent returns the newest traces that are not too old, newest first, at
// most n; only those of clientID when it is not "".
func (l *traceLog) recent(n int, clientID string) []*traceRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*traceRecord
	now := l.now()
	for back := 1; back <= traceCapacity && len(out) < n; back++ {
		rec, ok := l.byID[l.ring[(l.next-back+traceCapacity)%traceCapacity]]
		if ok && now.Sub(rec.Time) <= traceMaxAge && !rec.ofAnother(clientID) {
			out = append(out, rec)
		}
	}
	return out
}

// listed returns what GET /debug/traces lists: the newest traces
// (recent), and first, when it is kept but not among them, the trace of
// the request id asked for, so a link to it never lands on a page without
// it. It also returns that trace, or nil when it is not kept. A trace asked
// for that is another client's than the one chosen (clientID) is not
// listed: the page keeps to the client chosen, and says whose it is.
func (l *traceLog) listed(asked, clientID string) (traces []*traceRecord, rec *traceRecord) {
	traces = l.recent(maxListedTraces, clientID)
	rec, kept := l.get(asked)
	if kept && !rec.ofAnother(clientID) && !slices.ContainsFunc(traces, func(t *traceRecord) bool { return t.RequestID == asked }) {
		traces = append([]*traceRecord{rec}, traces...)
	}
	return traces, rec
}

// ofAnother reports whether a client is chosen (clientID is not "") and
// the trace is not one of its requests.
func (r *traceRecord) ofAnother(clientID string) bool {
	return clientID != "" && r.ClientID != clientID
}

// recordTrace gives the request an empty oauth.Trace and lets the handlers
// record on it. The trace is filed as the answer starts to go out (so a
// client that reads it right after the answer finds it), and again when
// the handlers are done, in case they recorded more. Only a request that
// recorded something is filed: protocol requests leave a trace, pages and
// metadata none. Installed in teaching mode only, after service.AssignRequestID.
func (s *Server) recordTrace(c *gin.Context) {
	start := s.p.Now().Truncate(time.Second)
	tr := &oauth.Trace{}
	c.Request = c.Request.WithContext(oauth.WithTrace(c.Request.Context(), tr))
	file := func() { s.fileTrace(c, start, tr) }
	c.Writer = &filingWriter{ResponseWriter: c.Writer, file: file}
	c.Next()
	file()
}

// fileTrace keeps a copy of the trace as it stands, if it holds anything.
func (s *Server) fileTrace(c *gin.Context, start time.Time, tr *oauth.Trace) {
	if len(tr.Checks) == 0 && len(tr.Changes) == 0 && tr.Outcome == "" {
		return
	}
	rec := &traceRecord{
		RequestID: requestlog.ID(c.Request.Context()), Time: start, Method: c.Request.Method,
		Path: tracePath(c, tr.ClientID), ClientID: tr.ClientID, Status: c.Writer.Status(), Outcome: tr.Outcome,
		Checks: append([]oauth.Check{}, tr.Checks...), Changes: append([]string{}, tr.Changes...),
	}
	rec.Refused = refusedRecord(tr, rec.Status)
	if rec.Outcome == "" {
		rec.Outcome = unnamedOutcome(rec.Refused)
	}
	s.traces.put(rec)
}

// refusedRecord reports whether the request of tr, answered with status,
// was refused, whatever carried the refusal: an error answer, or a
// redirect with error=, as [RFC 6749 Section 4.1.2.1] sends the
// authorization endpoint's ("the authorization server informs the client
// by adding the following parameters to the query component of the
// redirection URI"), or the page that shows where that redirect leads
// (tr.WasRefused); or an error status without a refusal recorded (a form
// shown again with its error, a page that says why).
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
func refusedRecord(tr *oauth.Trace, status int) bool {
	if status == service.StatusClientClosedRequest { // no one was answered (callerHungUp)
		return false
	}
	return tr.WasRefused || status >= http.StatusBadRequest
}

// The outcomes of a trace whose handlers recorded none (unnamedOutcome),
// and of a request whose caller hung up (callerHungUp). A test finds every
// constant named outcome… and checks that both catalogues hold it.
const (
	outcomeRefused  = "refused without an error code"
	outcomeAnswered = "answered without a protocol outcome"
	outcomeHungUp   = "the caller hung up before the answer; no server fault"
)

// unnamedOutcome is the outcome of a trace whose handlers recorded none: a
// refused request whose answer names no error code, such as the bare
// challenge to a request without an access token ([RFC 6750 Section 3.1]:
// "If the request lacks any authentication information …, the resource
// server SHOULD NOT include an error code or other error information"), or
// another answer.
//
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func unnamedOutcome(refused bool) string {
	if refused {
		return outcomeRefused
	}
	return outcomeAnswered
}

// tracePath is the path the trace keeps. A path with a parameter (the
// client_id of "/oauth/register/:client_id") is kept only when the
// parameter is the registered client the trace names, clientID (at most 64
// bytes, Trace.Client); else the trace keeps the route's pattern. What a
// caller types there may be a secret sent by mistake, such as the
// registration access token, and a value that names no client is written
// in no trace (README, "Logs"). So a trace never keeps more of the path
// than a route and a client_id. The path is copied: it is cut from the
// request line, which a long query makes long, and a trace outlives it.
func tracePath(c *gin.Context, clientID string) string {
	for _, param := range c.Params {
		if clientID == "" || param.Value != clientID {
			return c.FullPath()
		}
	}
	return strings.Clone(c.Request.URL.Path)
}

// filingWriter files the request's trace just before the answer's first
// byte (or its bare status) is written.
type filingWriter struct {
	gin.ResponseWriter
	file  func()
	filed bool
}

func (w *filingWriter) fileOnce() {
	if !w.filed {
		w.filed = true
		w.file()
	}
}

// Write files the trace, then writes.
func (w *filingWriter) Write(b []byte) (int, error) {
	w.fileOnce()
	return w.ResponseWriter.Write(b)
}

// WriteString files the trace, then writes.
func (w *filingWriter) WriteString(s string) (int, error) {
	w.fileOnce()
	return w.ResponseWriter.WriteString(s)
}

// WriteHeaderNow files the trace, then writes the status line and headers.
func (w *filingWriter) WriteHeaderNow() {
	w.fileOnce()
	w.ResponseWriter.WriteHeaderNow()
}

// handleTrace handles "GET /debug/trace/:request_id" (teaching mode only):
// the checks the provider made for one request, found by the X-Request-Id
// of its answer, with rule texts and phrases in the language of the
// request's Accept-Language (README, "Languages"). An id with no trace
// kept gets 404, which gives every reason there may be: the provider does
// not know which it is. Traces stay in the process that served the
// request, so behind a load balancer another replica may have it. The
// description is in English: [RFC 6749 Section 5.2] allows only ASCII
// there (the traces page says it in the reader's language).
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func (s *Server) handleTrace(c *gin.Context) {
	rec, ok := s.traces.get(c.Param("request_id"))
	if !ok {
		c.AbortWithStatusJSON(http.StatusNotFound, errorBody{Error: "not_found",
			Description: fmt.Sprintf("no trace kept for this request id: only protocol requests are traced (not pages, metadata, "+
				"or requests the router refuses: an unknown path, a method not allowed), the newest %d for %d minutes, in teaching mode only, "+
				"each by the provider process that served it (behind a load balancer, another one may have served this one)",
				traceCapacity, traceMaxAgeMinutes)})
		return
	}
	c.Writer.Header().Add("Vary", "Accept-Language")
	c.JSON(http.StatusOK, rec.in(locale(c)))
}

// in returns a copy of the trace with its rule texts, changes and outcome
// translated into l. The field names, the refs, the client id and an
// outcome that is an error code stay as they are: they are protocol values.
func (r *traceRecord) in(l i18n.Locale) traceRecord {
	out := *r
	out.Checks = make([]oauth.Check, len(r.Checks))
	for i, check := range r.Checks {
		check.Rule = translate(l, check.Rule)
		out.Checks[i] = check
	}
	out.Changes = make([]string, len(r.Changes))
	for i, change := range r.Changes {
		out.Changes[i] = translate(l, change)
	}
	out.Outcome = translate(l, r.Outcome)
	return out
}

// translate translates a phrase the catalogue knows, or a phrase and the
// message it was shown with ("login and consent page shown again: Wrong
// username or password.", see formShown); any other text (an error code,
// an HTTP status text) is returned as it is.
func translate(l i18n.Locale, text string) string {
	if l.Has(text) {
		return l.T(text)
	}
	if phrase, message, ok := strings.Cut(text, ": "); ok && l.Has(phrase) && l.Has(message) {
		return l.T("%s: %s", l.T(phrase), l.T(message))
	}
	return text
}

// maxListedTraces bounds the traces GET /debug/traces shows.
const maxListedTraces = 50

// tracesPage is what GET /debug/traces shows: the newest traces, in the
// page's language, the client they were chosen by, if any, and the request
// whose trace is shown open, if any, with Unkept set when no trace of it
// is kept, and Others set to that trace when it is another client's than
// ClientID.
type tracesPage struct {
	ClientID string
	Open     string
	Unkept   bool
	Others   *traceRecord
	Max      int
	Traces   []traceRecord
}

// Capacity is how many traces are kept at most, for the page to say.
func (tracesPage) Capacity() int { return traceCapacity }

// MaxAgeMinutes is how long a trace is kept, in minutes, for the page to say.
func (tracesPage) MaxAgeMinutes() int { return traceMaxAgeMinutes }

// handleTraces handles "GET /debug/traces" (teaching mode only): the
// provider's side of the newest protocol requests on one page, newest
// first, each with the rules it checked in order, each linked to its
// section, and what it changed; "?client_id=" keeps one client's, and
// "?request_id=" opens one request's trace, whose element id is
// "trace-" and the request id, for a link to land on, or says it is not
// kept (README, "Traces").
func (s *Server) handleTraces(c *gin.Context) {
	page := tracesPage{ClientID: c.Query("client_id"), Open: c.Query("request_id"), Max: maxListedTraces}
	l := locale(c)
	traces, asked := s.traces.listed(page.Open, page.ClientID)
	for _, rec := range traces {
		page.Traces = append(page.Traces, rec.in(l))
	}
	page.Unkept = page.Open != "" && asked == nil
	if asked != nil && asked.ofAnother(page.ClientID) {
		page.Others = asked
	}
	s.render(c, http.StatusOK, "traces.html", page)
}
