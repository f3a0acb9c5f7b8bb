package oauth

import (
	"context"
	"strings"
	"testing"
	"unsafe"
)

// BenchmarkTraceCheck measures one recorded check: "off" is teaching mode
// off (no Trace in the context: a context lookup and a nil test), "on"
// appends to the request's Trace.
func BenchmarkTraceCheck(b *testing.B) {
	type otherKey struct{}
	// A context as deep as a request's: server, connection, request id, session.
	ctx := context.Background()
	for i := range 4 {
		ctx = context.WithValue(ctx, otherKey{}, i)
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
	}{{"off", ctx}, {"on", WithTrace(ctx, &Trace{})}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				tr := TraceFrom(tc.ctx)
				if tr != nil && len(tr.Checks) == maxTraceEntries {
					tr.Checks = tr.Checks[:0]
				}
				tr.Check(ruleCodeIssuedToClient, true)
			}
		})
	}
}

// TestTraceClientKeepsACopy: the client_id a trace keeps is cut to 64 bytes
// and copied: a slice of the request's value would keep the whole body it
// was read from alive for as long as the trace is kept (1024 of them).
func TestTraceClientKeepsACopy(t *testing.T) {
	body := strings.Repeat("c", 60_000)
	var tr Trace
	tr.Client(body)
	if tr.ClientID != body[:64] {
		t.Fatalf("ClientID: got %d bytes, want the first 64", len(tr.ClientID))
	}
	if unsafe.StringData(tr.ClientID) == unsafe.StringData(body) {
		t.Error("ClientID shares the request's bytes, want a copy")
	}
}
