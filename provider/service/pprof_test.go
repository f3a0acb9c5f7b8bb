package service

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPprof: the profiling handler, on a server with NewServer's limits,
// serves the runtime's profiles (a CPU profile too, which extends the
// write deadline by its duration) and nothing else.
func TestPprof(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = NewServer(Pprof(), slog.New(slog.DiscardHandler))
	srv.Start()
	defer srv.Close()
	for path, want := range map[string]int{
		"/debug/pprof/":                  http.StatusOK,
		"/debug/pprof/heap?debug=1":      http.StatusOK,
		"/debug/pprof/goroutine?debug=1": http.StatusOK,
		"/debug/pprof/cmdline":           http.StatusOK,
		"/debug/pprof/no-such-profile":   http.StatusNotFound,
		"/metrics":                       http.StatusNotFound,
		"/":                              http.StatusNotFound,
		"/debug/pprof/profile?seconds=1": http.StatusOK,
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: got %d, want %d", path, resp.StatusCode, want)
		}
	}
}
