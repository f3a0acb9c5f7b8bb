package deploytest

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/processtest"
)

// TestE2EMetricsAddr starts the real provider and client, each with
// METRICS_ADDR set: each serves GET /metrics on that listener and nothing
// else there (another path, /readyz too, answers 404, another method 405),
// and its main listener answers /metrics with 404 while serving the rest.
func TestE2EMetricsAddr(t *testing.T) {
	bin := buildBoth(t)
	providerAddr, clientAddr := processtest.FreeAddr(t), processtest.FreeAddr(t)
	env := runEnv(bin, providerAddr, clientAddr)
	for _, program := range []struct{ name, addr string }{{"provider", providerAddr}, {"client", clientAddr}} { // the client needs the provider
		metricsAddr := processtest.FreeAddr(t)
		env["METRICS_ADDR"] = metricsAddr
		p := processtest.Start(t, filepath.Join(bin, program.name), env)
		processtest.WaitReady(t, p, "http://"+program.addr+"/readyz", 30*time.Second)
		if status, body := get(t, "http://"+metricsAddr+"/metrics"); status != http.StatusOK || !strings.Contains(body, "http_requests_total") {
			t.Errorf("%s: GET /metrics on METRICS_ADDR: got %d, want 200 with http_requests_total", program.name, status)
		}
		if status, _ := get(t, "http://"+program.addr+"/metrics"); status != http.StatusNotFound {
			t.Errorf("%s: GET /metrics on the main listener: got %d, want 404", program.name, status)
		}
		for _, path := range []string{"/readyz", "/anything"} {
			if status, _ := get(t, "http://"+metricsAddr+path); status != http.StatusNotFound {
				t.Errorf("%s: GET %s on METRICS_ADDR: got %d, want 404", program.name, path, status)
			}
		}
		resp, err := http.Post("http://"+metricsAddr+"/metrics", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" {
			t.Errorf("%s: POST /metrics on METRICS_ADDR: got %d (Allow %q), want 405 with Allow", program.name, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

// get fetches u and returns the status and the body.
func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}
