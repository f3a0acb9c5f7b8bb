package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestLimitBody: a body is capped at maxBodyBytes; http.NoBody, what a
// request without a body has, is kept as it is.
func TestLimitBody(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	for _, tc := range []struct {
		name    string
		body    io.Reader
		wantErr bool
	}{
		{"no body", nil, false},
		{"within the cap", strings.NewReader("a=b"), false},
		{"past the cap", strings.NewReader(strings.Repeat("a", maxBodyBytes+1)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(http.MethodPost, "/", tc.body)
			limitBody(c)
			if tc.body == nil && c.Request.Body != http.NoBody {
				t.Errorf("the body of a request without one is %T, want http.NoBody", c.Request.Body)
			}
			if _, err := io.ReadAll(c.Request.Body); (err != nil) != tc.wantErr {
				t.Errorf("reading the body: %v, want an error: %v", err, tc.wantErr)
			}
		})
	}
}
