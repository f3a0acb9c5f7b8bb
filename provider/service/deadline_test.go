package service

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// TestDeadline: a handler's context ends once the request's time runs out,
// and TimedOut tells that apart from a caller who went away.
func TestDeadline(t *testing.T) {
	for _, tc := range []struct {
		name         string
		hangUp       bool // the caller goes away before the time runs out
		wantTimedOut bool
	}{
		{"the time runs out", false, true},
		{"the caller goes away", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gin.SetMode(gin.ReleaseMode)
			r := gin.New()
			var timedOut bool
			r.Use(Deadline(50 * time.Millisecond))
			r.GET("/x", func(c *gin.Context) {
				<-c.Request.Context().Done()
				timedOut = TimedOut(c.Request.Context())
				c.Status(http.StatusServiceUnavailable)
			})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tc.hangUp {
				cancel()
			}
			r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, http.MethodGet, "/x", nil))
			if timedOut != tc.wantTimedOut {
				t.Errorf("TimedOut: got %v, want %v", timedOut, tc.wantTimedOut)
			}
		})
	}
}
