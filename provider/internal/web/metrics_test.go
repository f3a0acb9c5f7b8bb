package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/oauth-reference/provider/internal/oauth"
)

// TestRefusalsBounded: refusals remembers at most maxRefusalKeys limits
// and addresses; a new one when full starts over, so its refusal, and the
// next refusal of one forgotten, are warnings again.
func TestRefusalsBounded(t *testing.T) {
	r := refusals{last: map[refusalKey]*atomic.Int64{}}
	for i := range maxRefusalKeys {
		if got := r.level(refusalKey{"password", strconv.Itoa(i)}); got != slog.LevelWarn {
			t.Fatalf("first refusal of address %d: got %v, want a warning", i, got)
		}
	}
	if got := r.level(refusalKey{"password", "0"}); got != slog.LevelDebug || len(r.last) != maxRefusalKeys {
		t.Fatalf("second refusal of a remembered address: got %v with %d remembered, want debug with %d", got, len(r.last), maxRefusalKeys)
	}
	if got := r.level(refusalKey{"password", "new"}); got != slog.LevelWarn || len(r.last) != 1 {
		t.Errorf("a new address when full: got %v with %d remembered, want a warning with 1", got, len(r.last))
	}
	if got := r.level(refusalKey{"password", "0"}); got != slog.LevelWarn {
		t.Errorf("an address forgotten when full started over: got %v, want a warning", got)
	}
}

// TestTokensIssuedByParsedGrantType: a token response is counted under the
// grant type handleToken parsed (noteGrantType), not under what the form
// body says, and under "other" for one the provider does not support, so
// the label's values stay a fixed set.
func TestTokensIssuedByParsedGrantType(t *testing.T) {
	gin.SetMode(gin.TestMode)
	for _, tc := range []struct {
		parsed oauth.GrantType
		want   string
	}{
		{oauth.GrantTypeAuthorizationCode, "authorization_code"},
		{oauth.GrantTypeRefreshToken, "refresh_token"},
		{oauth.GrantTypeClientCredentials, "client_credentials"},
		{oauth.GrantTypeDeviceCode, "urn:ietf:params:oauth:grant-type:device_code"},
		{"urn:example:unknown", otherGrantType},
		{"", otherGrantType},
	} {
		s := &Server{metrics: newProviderMetrics(prometheus.NewRegistry())}
		r := gin.New()
		r.POST("/token", s.countTokens, func(c *gin.Context) {
			noteGrantType(c, tc.parsed)
			c.Status(http.StatusOK)
		})
		req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader("grant_type=urn:example:sent"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		_ = req.ParseForm()
		r.ServeHTTP(httptest.NewRecorder(), req)
		if got := testutil.ToFloat64(s.metrics.tokensIssued.WithLabelValues(tc.want)); got != 1 {
			t.Errorf("grant type %q: oauth_tokens_issued_total{grant_type=%q} is %v, want 1", tc.parsed, tc.want, got)
		}
		if n := testutil.CollectAndCount(s.metrics.tokensIssued); n != 1 {
			t.Errorf("grant type %q: %d series, want only %q", tc.parsed, n, tc.want)
		}
	}
}
