package xray

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// answer is an http.RoundTripper that answers every request with status
// and body.
type answer struct {
	status int
	body   string
}

// RoundTrip answers req with a's status and body.
func (a answer) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Body: io.NopCloser(strings.NewReader(a.body)), Header: http.Header{}, Request: req}, nil
}

// FuzzTraceFetch: any answer of the provider's /debug/trace/{id} is read
// without panicking; a trace accepted is the one asked for, and its page
// link names that request and no other.
func FuzzTraceFetch(f *testing.F) {
	f.Add("abc-1", `{"request_id":"abc-1","time":"2026-01-02T03:04:05Z","method":"POST","path":"/oauth/token","client_id":"testclient","status":400,"outcome":"refused","checks":[{"rule":"r","ref":"RFC 6749 Section 5.2","passed":false}],"changes":["x"]}`)
	f.Add("abc-1", `{"request_id":"abc-1","client_id":"a&request_id=evil#x","time":"bad"}`)
	f.Add("x", `{"request_id":"x","checks":null}{"request_id":"y"}`)
	f.Add("a/../b", `{"request_id":"a/../b"}`)
	f.Fuzz(func(t *testing.T, id, body string) {
		tr := &Tracer{BaseURL: "http://127.0.0.1:1/", PageURL: "http://127.0.0.1:2/trace", Client: &http.Client{Transport: answer{http.StatusOK, body}}}
		got, err := tr.Fetch(context.Background(), id, "zh-TW")
		if err != nil {
			return
		}
		if got.RequestID != id {
			t.Fatalf("asked for %q, got %q", id, got.RequestID)
		}
		page, err := url.Parse(got.Page)
		if err != nil || page.Query().Get("request_id") != id || len(page.Query()["request_id"]) != 1 || page.Fragment != "trace-"+id {
			t.Fatalf("page %q for trace %q (client %q): %v", got.Page, id, got.ClientID, err)
		}
	})
}
