package service

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// unmatchedRoute is the route label of a request no route took (404, 405).
const unmatchedRoute = "unmatched"

// noteKey is the gin context key of the attributes a handler adds to its
// request's log line.
const noteKey = "service.log-attrs"

// Note adds key=value to the request's log line: a handler calls it for
// what only it knows (the client_id it authenticated, the OAuth error
// code it answered). Never a secret: the line goes to the log as is.
func Note(c *gin.Context, key, value string) {
	attrs, _ := c.Get(noteKey)
	list, _ := attrs.([]slog.Attr)
	c.Set(noteKey, append(list, slog.String(key, value)))
}

// Observe is the middleware that logs one line per request — method,
// route (the route table's pattern, never the query, which may carry a
// code), status, duration, the request id of the context and what the
// handler noted — and counts the request in m.
func Observe(log *slog.Logger, m *Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		elapsed := time.Since(start)
		route := c.FullPath()
		if route == "" {
			route = unmatchedRoute
		}
		status := c.Writer.Status()
		m.observe(route, c.Request.Method, status, elapsed.Seconds())
		attrs := []slog.Attr{slog.String("method", c.Request.Method), slog.String("route", route),
			slog.Int("status", status), slog.Duration("duration", elapsed.Round(time.Microsecond))}
		if noted, ok := c.Get(noteKey); ok {
			attrs = append(attrs, noted.([]slog.Attr)...)
		}
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
	}
}

// Mount adds the health endpoints to r — GET /healthz (the process runs)
// and GET /readyz (ready reports nil) — and GET /metrics unless the
// metrics have their own listener (metricsAddr set).
func Mount(r gin.IRoutes, m *Metrics, metricsAddr string, log *slog.Logger, ready func(context.Context) error) {
	r.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/readyz", func(c *gin.Context) {
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
		r.GET("/metrics", gin.WrapH(m.Handler()))
	}
}

// readyTimeout bounds a readiness check: a store that takes longer is not ready.
const readyTimeout = 2 * time.Second
