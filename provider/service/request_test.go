package service

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/oauth-reference/provider/internal/requestlog"
)

// TestObserveLine: the request line has the method, the route, the status
// and what the handler noted, whether the request has an id or not, and
// whether the id was given before Observe or after it. A handler that
// replaces the request's context (its notes go with it) still gets its line.
func TestObserveLine(t *testing.T) {
	withID := func(c *gin.Context) {
		c.Request = c.Request.WithContext(requestlog.With(c.Request.Context(), "req-1"))
		c.Next()
	}
	note := func(c *gin.Context) { Note(c, "client_id", "c1"); c.Status(http.StatusNoContent) }
	fresh := func(c *gin.Context) {
		Note(c, "client_id", "c1")
		c.Request = c.Request.WithContext(context.Background())
		c.Status(http.StatusNoContent)
	}
	for _, tc := range []struct {
		name    string
		chain   func(observe gin.HandlerFunc) []gin.HandlerFunc
		handler gin.HandlerFunc
		want    []string
	}{
		{"no request id", func(o gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{o} }, note,
			[]string{"msg=request method=GET route=/x status=204 duration=", "client_id=c1"}},
		{"id given before Observe", func(o gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{withID, o} }, note,
			[]string{"route=/x status=204", "client_id=c1", "request_id=req-1"}},
		{"id given after Observe", func(o gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{o, withID} }, note,
			[]string{"route=/x status=204", "client_id=c1", "request_id=req-1"}},
		{"context replaced by the handler", func(o gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{o} }, fresh,
			[]string{"route=/x status=204"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := observedLine(t, http.MethodGet, tc.chain, tc.handler)
			for _, want := range tc.want {
				if !strings.Contains(line, want) {
					t.Errorf("got %q, want it to contain %q", line, want)
				}
			}
		})
	}
}

// TestObserveLongMethod: a request's method is logged as the metrics label
// it, so a 20 kB one (any token characters are a method, up to the header
// limit) is "other" on a line of ordinary length.
func TestObserveLongMethod(t *testing.T) {
	alone := func(o gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{o} }
	noContent := func(c *gin.Context) { c.Status(http.StatusNoContent) }
	if line := observedLine(t, strings.Repeat("X", 20_000), alone, noContent); len(line) >= 300 || !strings.Contains(line, " method=other ") {
		t.Errorf("got a %d-byte line %.200q, want under 300 bytes with method=other", len(line), line)
	}
}

// observedLine serves one request of method to /x, a GET route of
// handler, through the middleware chain makes around Observe, and returns
// what was logged.
func observedLine(t *testing.T, method string, chain func(gin.HandlerFunc) []gin.HandlerFunc, handler gin.HandlerFunc) string {
	t.Helper()
	var out bytes.Buffer
	log, err := NewLogger(&out, "text", "info")
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(chain(Observe(log, NewMetrics()))...)
	r.GET("/x", handler)
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/x", nil))
	return out.String()
}
