package resource

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGetReadsAtMostOneMebibyte(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.Header.Get("Authorization") != "Bearer t" {
			http.Error(w, "want GET with the token", http.StatusBadRequest)
			return
		}
		w.Write([]byte(strings.Repeat("a", 2*maxBody)))
	}))
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: bearer{}}
	resp, body, err := Get(t.Context(), client, srv.URL)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Get: got %v, %v; want 200", resp, err)
	}
	if len(body) != maxBody {
		t.Errorf("body: got %d bytes, want the first %d", len(body), maxBody)
	}
}

// bearer adds the access token "t", as an oauth2.NewClient would.
type bearer struct{}

func (bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer t")
	return http.DefaultTransport.RoundTrip(req)
}
