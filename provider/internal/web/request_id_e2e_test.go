package web_test

import (
	"encoding/base32"
	"net/http"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2ERequestID checks that every answer — success, protocol error, unknown
// path, preflight — carries a fresh X-Request-Id of at least 96 random
// bits, that an incoming one is ignored, and that the log line names it.
func TestE2ERequestID(t *testing.T) {
	var log processtest.Buffer
	srv := providertest.New(t, providertest.Options{LogOutput: &log})
	requests := []struct{ method, path string }{
		{http.MethodGet, "/.well-known/openid-configuration"},
		{http.MethodPost, "/oauth/token"},
		{http.MethodGet, "/protected/resource"},
		{http.MethodGet, "/no/such/path"},
		{http.MethodOptions, "/oauth/token"},
	}
	seen := map[string]bool{}
	for _, r := range requests {
		req, err := http.NewRequest(r.method, srv.URL+r.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Request-Id", "chosen-by-the-caller")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get("X-Request-Id")
		if bits := randomBits(id); bits < 96 {
			t.Errorf("%s %s: X-Request-Id %q holds %d random bits, want at least 96", r.method, r.path, id, bits)
		}
		if seen[id] {
			t.Errorf("%s %s: X-Request-Id %q was answered before", r.method, r.path, id)
		}
		seen[id] = true
		if !strings.Contains(log.String(), "request_id="+id) {
			t.Errorf("%s %s: no log line names request_id=%s", r.method, r.path, id)
		}
	}
	resp, _ := rawPost(t, srv.URL+"/oauth/token", "grant_type=client_credentials", nil)
	if got := resp.Header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "X-Request-Id") {
		t.Errorf("Access-Control-Expose-Headers: got %q, want it to name X-Request-Id (the SPA reads it)", got)
	}
	if strings.Contains(log.String(), "chosen-by-the-caller") {
		t.Error("the caller's X-Request-Id reached the log; want it ignored")
	}
}

// randomBits is how many bits an id of crypto/rand.Text's base32 alphabet
// holds, or 0 when it is not of that form.
func randomBits(id string) int {
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(id + strings.Repeat("A", (8-len(id)%8)%8)); err != nil || id == "" {
		return 0
	}
	return len(id) * 5
}
