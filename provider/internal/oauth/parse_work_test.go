package oauth

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// distinctValues is a list of n different space-delimited values: the
// worst case of a parser that drops duplicates by searching what it kept.
func distinctValues(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "v%d ", i)
	}
	return b.String()
}

// bytesAllocated is the work f does, measured as the bytes it allocates
// (averaged over runs): unlike time, it does not depend on the machine.
func bytesAllocated(runs int, f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// TestListParsersBounded: a list parameter of 64,000 values (what one
// request can carry) costs a list parser no more work than a list of a few
// values: it is refused before it is read. Each parser must also refuse it
// with its protocol error.
func TestListParsersBounded(t *testing.T) {
	huge, small := distinctValues(64_000), "openid read"
	parsers := []struct {
		name  string
		parse func(string) *Error
		code  ErrorCode
	}{
		{"prompt (OIDC Core Section 3.1.2.1)", func(s string) *Error { _, err := parsePrompt(nil, s); return err }, ErrInvalidRequest},
		{"scope at the authorization endpoint (RFC 6749 Section 3.3)", func(s string) *Error {
			_, err := resolveScope(nil, s, SupportedScopes(), "read")
			return err
		}, ErrInvalidScope},
		{"scope at a refresh (RFC 6749 Section 6)", func(s string) *Error { _, err := narrowScope(nil, s, "openid read", SupportedScopes()); return err }, ErrInvalidScope},
	}
	for _, p := range parsers {
		t.Run(p.name, func(t *testing.T) {
			if err := p.parse(huge); err == nil || err.Code != p.code {
				t.Fatalf("a list of 64,000 values: got %v, want %s", err, p.code)
			}
			hugeWork := bytesAllocated(5, func() { p.parse(huge) })
			smallWork := bytesAllocated(5, func() { p.parse(small) })
			if hugeWork > 4*smallWork+1024 {
				t.Errorf("work: %d bytes for %d bytes of input, %d bytes for %q; want the huge list refused before it is read",
					hugeWork, len(huge), smallWork, small)
			}
		})
	}
}
