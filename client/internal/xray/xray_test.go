package xray

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth-reference/client/internal/wirelog"
)

func TestWalkKeepsTheLoginWhenFull(t *testing.T) {
	w := NewWalk(8)
	w.Add(Hop{Step: "A"}, Hop{Step: "C"}, Hop{Step: "D", Exchange: &wirelog.Exchange{Status: 200}})
	for i := range 10 {
		w.Add(Hop{Title: strings.Repeat("x", i+1)})
	}
	hops := w.Hops()
	if len(hops) != 8 {
		t.Fatalf("got %d hops, want 8", len(hops))
	}
	if hops[0].Step != "A" || hops[1].Step != "C" || hops[2].Step != "D" {
		t.Errorf("the login's hops were dropped: %+v", hops[:3])
	}
	if got, want := hops[7].Title, strings.Repeat("x", 10); got != want {
		t.Errorf("newest hop = %q, want %q", got, want)
	}
	if got, want := hops[3].Title, strings.Repeat("x", 6); got != want {
		t.Errorf("oldest later hop = %q, want %q (the older ones dropped)", got, want)
	}
}

func TestSteps(t *testing.T) {
	prepared := Hop{Step: "D", Exchange: &wirelog.Exchange{}}
	refused := Hop{Step: "D", Exchange: &wirelog.Exchange{Status: 400}}
	answered := Hop{Step: "D", Exchange: &wirelog.Exchange{Status: 200}}
	tests := []struct {
		name string
		hops []Hop
		want string
	}{
		{"nothing yet", nil, ""},
		{"the browser was sent to the provider", []Hop{{Step: "A"}}, "A"},
		{"the browser came back: the user was at the provider (B)", []Hop{{Step: "A"}, {Step: "C"}}, "ABC"},
		{"a token request prepared, not sent, is not step D", []Hop{{Step: "A"}, {Step: "C"}, prepared}, "ABC"},
		{"a refused token request is D without E", []Hop{{Step: "A"}, {Step: "C"}, refused}, "ABCD"},
		{"tokens issued: E", []Hop{{Step: "A"}, {Step: "C"}, answered}, "ABCDE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			done := Steps(tt.hops)
			for _, s := range "ABCDE" {
				if done[string(s)] {
					got += string(s)
				}
			}
			if got != tt.want {
				t.Errorf("Steps = %q, want %q", got, tt.want)
			}
		})
	}
}

// traceServer answers /debug/trace/{id} like the provider in teaching mode,
// for the ids in traces, and 404 for any other; it counts the requests.
func traceServer(t *testing.T, traces map[string]Trace, asked *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		id, ok := strings.CutPrefix(r.URL.Path, "/debug/trace/")
		tr, found := traces[id]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(tr)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchTraces(t *testing.T) {
	const spec = `{"request_id": "R1", "time": "2026-12-02T10:00:00Z", "method": "POST", "path": "/oauth/token",
	 "client_id": "testclient", "status": 200, "outcome": "tokens issued",
	 "checks": [{"rule": "the code was issued to this client", "ref": "RFC 6749 Section 4.1.3", "passed": true},
	            {"rule": "code_verifier matches the S256 code_challenge", "ref": "RFC 7636 Section 4.6", "passed": true}],
	 "changes": ["authorization code consumed", "grant created", "refresh token issued"]}`
	var r1 Trace
	if err := json.Unmarshal([]byte(spec), &r1); err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	srv := traceServer(t, map[string]Trace{"R1": r1}, &asked)
	now := time.Now()
	w := NewWalk(8)
	w.Add(
		Hop{Step: "A", Time: now},
		Hop{Step: "D", Time: now.Add(-time.Minute), Exchange: &wirelog.Exchange{RequestID: "R1"}},
		Hop{Time: now.Add(-time.Minute), Exchange: &wirelog.Exchange{RequestID: "OLD"}}, // forgotten by the provider
		Hop{Time: now, Exchange: &wirelog.Exchange{RequestID: "NEW"}},                   // not filed yet
		Hop{Time: now, Exchange: &wirelog.Exchange{RequestID: "../../oauth/token?x=1"}}, // never asked
		Hop{Time: now, Exchange: &wirelog.Exchange{}},                                   // no X-Request-Id
	)
	tracer := &Tracer{BaseURL: srv.URL, Client: srv.Client()}
	w.FetchTraces(context.Background(), tracer, now, "")
	hops := w.Hops()
	if tr := hops[1].Trace; tr == nil || tr.Outcome != "tokens issued" || len(tr.Checks) != 2 ||
		tr.Checks[1].Ref != "RFC 7636 Section 4.6" || !tr.Checks[1].Passed || len(tr.Changes) != 3 {
		t.Errorf("the token exchange's trace = %+v, want the provider's", tr)
	}
	for i := 2; i < len(hops); i++ {
		if hops[i].Trace != nil {
			t.Errorf("hop %d has trace %+v, want none", i, hops[i].Trace)
		}
	}
	// NEW is recent: asked again after each of traceRetries.
	recentAsks := int32(1 + len(traceRetries))
	if got, want := asked.Load(), 2+recentAsks; got != want {
		t.Errorf("the provider was asked %d times, want %d (R1, OLD once; NEW with retries)", got, want)
	}
	// Again: R1 is known and OLD is gone; only NEW, younger than
	// traceGrace, is asked for once more.
	w.FetchTraces(context.Background(), tracer, now, "")
	if got, want := asked.Load(), 2+2*recentAsks; got != want {
		t.Errorf("after a second fetch the provider was asked %d times, want %d", got, want)
	}
}

func TestFetchTracesWaitsForATraceFiledLate(t *testing.T) {
	// The provider files a trace after its handler returns: the first
	// request for it may come too early.
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asked.Add(1) == 1 {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(Trace{RequestID: "LATE", Outcome: "access granted"})
	}))
	t.Cleanup(srv.Close)
	now := time.Now()
	w := NewWalk(8)
	w.Add(Hop{Time: now, Exchange: &wirelog.Exchange{RequestID: "LATE"}})
	w.FetchTraces(context.Background(), &Tracer{BaseURL: srv.URL, Client: srv.Client()}, now, "")
	if tr := w.Hops()[0].Trace; tr == nil || tr.Outcome != "access granted" {
		t.Errorf("trace = %+v after %d requests, want the one filed late", tr, asked.Load())
	}
}

func TestFetchTracesStopsWhenTheProviderIsDown(t *testing.T) {
	var asked atomic.Int32
	srv := traceServer(t, nil, &asked)
	tracer := &Tracer{BaseURL: srv.URL, Client: srv.Client()}
	srv.Close()
	w := NewWalk(8)
	for _, id := range []string{"R1", "R2", "R3"} {
		w.Add(Hop{Exchange: &wirelog.Exchange{RequestID: id}})
	}
	w.FetchTraces(context.Background(), tracer, time.Now(), "")
	for _, h := range w.Hops() {
		if h.Trace != nil || h.traceGone {
			t.Errorf("hop %s: trace %v, gone %v; want neither (ask again later)", h.Exchange.RequestID, h.Trace, h.traceGone)
		}
	}
}

func TestTracerRefusesAnotherRequestsTrace(t *testing.T) {
	var asked atomic.Int32
	srv := traceServer(t, map[string]Trace{"R1": {RequestID: "R2"}}, &asked)
	tr, err := (&Tracer{BaseURL: srv.URL, Client: srv.Client()}).Fetch(context.Background(), "R1", "")
	if err == nil || tr != nil {
		t.Errorf("Fetch = %+v, %v; want an error for a trace of another request", tr, err)
	}
}

func TestTracerJoinsABaseURLWithATrailingSlash(t *testing.T) {
	var asked atomic.Int32
	srv := traceServer(t, map[string]Trace{"R1": {RequestID: "R1"}}, &asked)
	tr, err := (&Tracer{BaseURL: srv.URL + "/", Client: srv.Client()}).Fetch(context.Background(), "R1", "")
	if err != nil || tr.RequestID != "R1" {
		t.Errorf("Fetch from %s/ = %+v, %v; want the trace at /debug/trace/R1", srv.URL, tr, err)
	}
}

// TestTracerShortensWhatTheProviderWrote: a trace's outcome, rule texts,
// details and changes are cut as a page cuts any value from the provider
// (wirelog.Shorten): a 40 KB detail is not shown whole under its hop.
func TestTracerShortensWhatTheProviderWrote(t *testing.T) {
	long := strings.Repeat("T", 40<<10) // four of them fit in maxTrace
	var asked atomic.Int32
	srv := traceServer(t, map[string]Trace{"R1": {RequestID: "R1", Outcome: long,
		Checks: []Check{{Rule: long, Ref: "RFC 6749 Section 4.1.3", Detail: long}, {Rule: "short", Detail: "kept"}}, Changes: []string{long}}}, &asked)
	tr, err := (&Tracer{BaseURL: srv.URL, Client: srv.Client()}).Fetch(context.Background(), "R1", "")
	if err != nil {
		t.Fatal(err)
	}
	cut := wirelog.Shorten(long)
	for name, got := range map[string]string{"outcome": tr.Outcome, "rule": tr.Checks[0].Rule, "detail": tr.Checks[0].Detail, "change": tr.Changes[0]} {
		if got != cut {
			t.Errorf("the %s is %d bytes, want %d, shortened", name, len(got), len(cut))
		}
	}
	if c := tr.Checks[1]; c.Rule != "short" || c.Detail != "kept" {
		t.Errorf("a short check became %+v, want it unchanged", c)
	}
}

func TestFetchTracesAsksInThePagesLanguage(t *testing.T) {
	var langs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := r.Header.Get("Accept-Language")
		langs = append(langs, lang)
		json.NewEncoder(w).Encode(Trace{RequestID: "R1", Outcome: "outcome in " + lang})
	}))
	t.Cleanup(srv.Close)
	tracer := &Tracer{BaseURL: srv.URL, Client: srv.Client()}
	now := time.Now()
	w := NewWalk(8)
	w.Add(Hop{Time: now.Add(-time.Minute), Exchange: &wirelog.Exchange{RequestID: "R1"}})
	for _, lang := range []string{"zh-TW", "zh-TW", "en"} {
		w.FetchTraces(context.Background(), tracer, now, lang)
		if got, want := w.Hops()[0].Trace.Outcome, "outcome in "+lang; got != want {
			t.Errorf("after a fetch in %s the outcome is %q, want %q", lang, got, want)
		}
	}
	if want := []string{"zh-TW", "en"}; !slices.Equal(langs, want) {
		t.Errorf("Accept-Language of the trace requests = %q, want %q (asked again only for a new language)", langs, want)
	}
}

// TestTracePage: a fetched trace links its row on the provider's traces
// page, among its client's requests when it names one.
func TestTracePage(t *testing.T) {
	tracer := &Tracer{PageURL: "http://localhost:8080/debug/traces"}
	for _, tc := range []struct {
		tr   Trace
		want string
	}{
		{Trace{RequestID: "R1", ClientID: "testclient"}, "http://localhost:8080/debug/traces?client_id=testclient&request_id=R1#trace-R1"},
		{Trace{RequestID: "R2"}, "http://localhost:8080/debug/traces?request_id=R2#trace-R2"},
	} {
		if got := tracer.pageOf(&tc.tr); got != tc.want {
			t.Errorf("pageOf(%+v) = %q, want %q", tc.tr, got, tc.want)
		}
	}
}
