package service

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/oauth-reference/provider/internal/requestlog"
)

// unmatchedRoute is the route label of a request no route took (404, 405).
const unmatchedRoute = "unmatched"

// Note sets key=value on the request's log line: a handler calls it for
// what only it knows (the OAuth error code it answered); code that has the
// request's context but not its gin.Context calls requestlog.Note (the
// oauth package notes the client a request named once it found it
// registered). A key noted again replaces its value. Never a secret: the
// line goes to the log as is.
func Note(c *gin.Context, key, value string) {
	requestlog.Note(c.Request.Context(), key, value)
}

// Observe is the middleware that logs one line per request — method (as
// the metrics label it: a standard method, else "other", never the up to
// 32 KiB of token characters a request may send there), route (the route
// table's pattern, never the query, which may carry a code), status,
// duration, the request id of the context and what the handler noted — and
// counts the request in m.
func Observe(log *slog.Logger, m *Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		if !requestlog.Has(c.Request.Context()) { // a request without an id (AssignRequestID): its notes need a place too
			c.Request = c.Request.WithContext(requestlog.With(c.Request.Context(), ""))
		}
		c.Next()
		ctx := c.Request.Context() // the request's last context: Note wrote there, whichever middleware made it
		end := time.Now()
		route := c.FullPath()
		if route == "" {
			route = unmatchedRoute
		}
		status, elapsed, method := c.Writer.Status(), end.Sub(start), methodLabel(c.Request.Method)
		m.observe(route, method, status, elapsed.Seconds())
		logRequest(ctx, log.Handler(), end, requestlog.Notes(ctx),
			slog.String("method", method), slog.String("route", route),
			slog.Int("status", status), slog.Duration("duration", elapsed.Round(time.Microsecond)))
	}
}

// logRequest writes a request's line, at info: attrs, then what the
// handler noted. It hands the record to the handler itself instead of
// calling log.LogAttrs, which first finds its caller (runtime.Callers) for
// a source location no handler here prints; in a benchmark of this line
// that search was about a third of its cost, paid on every request.
func logRequest(ctx context.Context, h slog.Handler, at time.Time, notes []slog.Attr, attrs ...slog.Attr) {
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	r := slog.NewRecord(at, slog.LevelInfo, "request", 0)
	r.AddAttrs(attrs...)
	r.AddAttrs(notes...)
	_ = h.Handle(ctx, r) // as slog.Logger does, a handler's error is not the request's
}

// Mount adds the health endpoints to routes — GET /healthz (the process runs)
// and GET /readyz (ready reports nil, and the server is not stopping:
// Listening.Serve) — and GET /metrics unless the metrics have their own
// listener (metricsAddr set). Each answers HEAD too (Routes).
func Mount(routes gin.IRoutes, m *Metrics, metricsAddr string, log *slog.Logger, ready func(context.Context) error) {
	r := Routes{routes}
	r.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET(ReadyPath, func(c *gin.Context) {
		if isStopping(c.Request.Context()) {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "stopping"})
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
		defer cancel()
		if err := ready(ctx); err != nil {
			log.DebugContext(c.Request.Context(), "not ready", "err", err)        // probes poll: not worth a line each
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"}) // the cause is in the log only
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	})
	if metricsAddr == "" {
		r.GET(MetricsPath, gin.WrapH(m.Handler()))
	}
}

// ReadyPath is the readiness endpoint's path.
const ReadyPath = "/readyz"

// readyTimeout bounds a readiness check: a store that takes longer is not ready.
const readyTimeout = 2 * time.Second
