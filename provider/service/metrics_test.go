package service

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMetricsOnly: the handler of METRICS_ADDR serves the metrics at GET
// and HEAD /metrics, 404 at any other path (the health endpoints too,
// paths that only clean to /metrics too, whatever the method) and 405 with
// Allow for another method at /metrics.
func TestMetricsOnly(t *testing.T) {
	srv := httptest.NewServer(MetricsOnly(NewMetrics().Handler()))
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/metrics", http.StatusOK},
		{http.MethodHead, "/metrics", http.StatusOK},
		{http.MethodPost, "/metrics", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/metrics", http.StatusMethodNotAllowed},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodGet, ReadyPath, http.StatusNotFound},
		{http.MethodGet, "/healthz", http.StatusNotFound},
		{http.MethodGet, "/metrics/x", http.StatusNotFound},
		{http.MethodPost, "/anything", http.StatusNotFound},
		{http.MethodGet, "//metrics", http.StatusNotFound}, // never redirected to /metrics, as http.ServeMux would
		{http.MethodGet, "/./metrics", http.StatusNotFound},
		{http.MethodGet, "/x/../metrics", http.StatusNotFound},
		{http.MethodGet, "/metrics/", http.StatusNotFound},
		{http.MethodPost, "//metrics", http.StatusNotFound},
	} {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: got %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
		if allow := resp.Header.Get("Allow"); tc.want == http.StatusMethodNotAllowed && allow != "GET, HEAD" {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, allow, "GET, HEAD")
		}
		if metrics := strings.Contains(string(body), "go_goroutines"); metrics != (tc.want == http.StatusOK && tc.method == http.MethodGet) {
			t.Errorf("%s %s: metrics in the body: %v", tc.method, tc.path, metrics)
		}
	}
}
