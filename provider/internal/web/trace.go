package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/service"
)

// Traces are kept in memory, bounded: the newest traceCapacity, none
// older than traceMaxAge (README, "Traces").
const (
	traceCapacity = 1024
	traceMaxAge   = 15 * time.Minute
)

// traceRecord is one request's trace as GET /debug/trace/{request_id} answers it.
type traceRecord struct {
	RequestID string        `json:"request_id"`
	Time      time.Time     `json:"time"`
	Method    string        `json:"method"`
	Path      string        `json:"path"`
	ClientID  string        `json:"client_id"`
	Status    int           `json:"status"`
	Outcome   string        `json:"outcome"`
	Checks    []oauth.Check `json:"checks"`
	Changes   []string      `json:"changes"`
}

// traceLog keeps the newest traces in a ring, with an index by request id.
// Safe for concurrent use.
type traceLog struct {
	mu   sync.Mutex
	ring [traceCapacity]*traceRecord
	next int // the slot the next trace goes into (the oldest one)
	byID map[string]*traceRecord
	now  func() time.Time
}

func newTraceLog(now func() time.Time) *traceLog {
	return &traceLog{byID: make(map[string]*traceRecord, traceCapacity), now: now}
}

// add keeps rec, forgetting the oldest trace when the ring is full.
func (l *traceLog) add(rec *traceRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old := l.ring[l.next]; old != nil {
		delete(l.byID, old.RequestID)
	}
	l.ring[l.next] = rec
	l.byID[rec.RequestID] = rec
	l.next = (l.next + 1) % traceCapacity
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

// recordTrace gives the request an empty oauth.Trace, lets the handlers
// record on it, and keeps it if anything was recorded: protocol requests
// leave a trace, pages and metadata none. Installed in teaching mode only;
// it runs after assignRequestID.
func (s *Server) recordTrace(c *gin.Context) {
	start := s.p.Now().UTC().Truncate(time.Second)
	tr := &oauth.Trace{}
	c.Request = c.Request.WithContext(oauth.WithTrace(c.Request.Context(), tr))
	c.Next()
	if len(tr.Checks) == 0 && len(tr.Changes) == 0 && tr.Outcome == "" {
		return
	}
	rec := &traceRecord{
		RequestID: service.RequestID(c.Request.Context()), Time: start, Method: c.Request.Method,
		Path: c.Request.URL.Path, ClientID: tr.ClientID, Status: c.Writer.Status(), Outcome: tr.Outcome,
		Checks: tr.Checks, Changes: tr.Changes,
	}
	if rec.Outcome == "" {
		rec.Outcome = http.StatusText(rec.Status) // a page that ended without a protocol outcome
	}
	if rec.Checks == nil {
		rec.Checks = []oauth.Check{}
	}
	if rec.Changes == nil {
		rec.Changes = []string{}
	}
	s.traces.add(rec)
}

// handleTrace handles "GET /debug/trace/:request_id" (teaching mode only):
// the checks the provider made for one request, found by the X-Request-Id
// of its answer. Unknown or expired ids get 404.
func (s *Server) handleTrace(c *gin.Context) {
	rec, ok := s.traces.get(c.Param("request_id"))
	if !ok {
		c.AbortWithStatusJSON(http.StatusNotFound, errorBody{Error: "not_found",
			Description: "no trace for this request id: traces are kept 15 minutes, in teaching mode only"})
		return
	}
	c.JSON(http.StatusOK, rec)
}
