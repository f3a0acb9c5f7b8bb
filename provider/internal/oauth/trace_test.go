package oauth

import (
	"context"
	"testing"
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
