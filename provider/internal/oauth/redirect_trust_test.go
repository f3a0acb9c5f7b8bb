package oauth

import (
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// TestLoopbackWarningHost: the consent page warns of a loopback redirect
// URI, naming its host and port, for a client that describes itself (a
// registration of its own, a metadata document), never for the operator's
// clients nor for a redirect URI that leaves the machine
// (MCP Authorization, Localhost Redirect URI Risks).
func TestLoopbackWarningHost(t *testing.T) {
	operators := store.Client{ID: "testclient"}
	registered := store.Client{ID: "r", RegistrationTokenHash: "h"}
	document := store.Client{ID: "https://app.example/c.json", MetadataStaleAt: time.Unix(1, 0)}
	tests := []struct {
		name   string
		client store.Client
		uri    string
		want   string
	}{
		{"a self-registered app on 127.0.0.1", registered, "http://127.0.0.1:51234/callback", "127.0.0.1:51234"},
		{"a document's client on localhost", document, "http://localhost:3000/callback", "localhost:3000"},
		{"[::1] without a port or a path", registered, "http://[::1]", "[::1]"},
		{"an https redirect URI", registered, "https://app.example/cb", ""},
		{"a host that starts like localhost", document, "http://localhost.example/cb", ""},
		{"the operator's client on localhost", operators, "http://localhost:3000/callback", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := LoopbackWarningHost(tc.client, tc.uri); got != tc.want {
				t.Errorf("LoopbackWarningHost(%q) = %q, want %q", tc.uri, got, tc.want)
			}
		})
	}
}
