package main

import (
	"strings"
	"testing"

	"github.com/oauth-reference/client/internal/metadata"
)

// TestWhatToChangeForAnotherIssuer: the misconfigured page's advice names
// the setting to change, and never a value the metadata did not give.
func TestWhatToChangeForAnotherIssuer(t *testing.T) {
	tests := []struct {
		name     string
		mismatch metadata.IssuerMismatch
		want     string
	}{
		{"another issuer", metadata.IssuerMismatch{Trusted: "http://localhost:8080", Metadata: "http://issuer.example"},
			"set AUTH_SERVER=http://issuer.example, the issuer the provider names"},
		{"only a trailing slash", metadata.IssuerMismatch{Trusted: "http://localhost:8080/", Metadata: "http://localhost:8080"},
			"set AUTH_SERVER=http://localhost:8080, exactly as the provider names its issuer"},
		{"metadata without an issuer (RFC 8414 Section 2: REQUIRED)", metadata.IssuerMismatch{Trusted: "http://localhost:8080", Metadata: ""},
			"names no issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			advice := whatToChange(&tt.mismatch)
			if !strings.Contains(advice, tt.want) || strings.Contains(advice, "AUTH_SERVER=,") {
				t.Errorf("whatToChange(%+v) = %q, want it to say %q and no empty AUTH_SERVER=", tt.mismatch, advice, tt.want)
			}
		})
	}
}
