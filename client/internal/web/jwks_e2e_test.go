package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/providertest"

	"github.com/oauth-reference/client/internal/config"
)

// jwksPath is where the provider serves its JWKS (RFC 7517 Section 5).
const jwksPath = "/.well-known/jwks.json"

// newKeySetHarness is newHarness with the client's back channel
// (AUTH_SERVER_INTERNAL) passing through a fake provider in front of the
// real one: it answers the JWKS requests with answer, given the real JWKS,
// and passes every other request on.
func newKeySetHarness(t *testing.T, answer func(w http.ResponseWriter, jwks []byte)) *harness {
	t.Helper()
	return newHarnessConfig(t, providertest.Options{}, func(cfg *config.Config) {
		provider, err := url.Parse(cfg.BackChannel())
		if err != nil {
			t.Fatal(err)
		}
		proxy := httputil.NewSingleHostReverseProxy(provider)
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != jwksPath {
				proxy.ServeHTTP(w, r)
				return
			}
			resp, err := http.Get(provider.String() + jwksPath)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			jwks, _ := io.ReadAll(resp.Body)
			answer(w, jwks)
		}))
		t.Cleanup(fake.Close)
		cfg.AuthServerInternal = fake.URL
	})
}

// withMember returns the JSON object jwks with one more member, name: value.
func withMember(t *testing.T, jwks []byte, name string, value any) []byte {
	t.Helper()
	var set map[string]any
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatal(err)
	}
	set[name] = value
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestE2EKeySetLimits: the provider's JWKS (RFC 7517 Section 5) is read up
// to 1 MiB and verified with only if it holds at most 100 keys; what a
// refused one said is shown and logged shortened. go-oidc reads the JWKS
// whole and quotes a refused one whole in its error: a 10 MB error body
// became a 10 MB log line, a 21 MB error page and a 10 MB session.
func TestE2EKeySetLimits(t *testing.T) {
	t.Parallel()
	padding := strings.Repeat("x", 4<<10) // more than is shown of a value (1 KB) or a body (2 KB)
	tests := []struct {
		name       string
		answer     func(t *testing.T, w http.ResponseWriter, jwks []byte)
		wantDetail string
	}{
		{"a JWKS over 1 MiB is refused, not read", func(t *testing.T, w http.ResponseWriter, jwks []byte) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(withMember(t, jwks, "padding", strings.Repeat("x", 2<<20)))
		}, "the answer is longer than 1048576 bytes"},
		{"an error body of 10 MB is not copied", func(t *testing.T, w http.ResponseWriter, _ []byte) {
			http.Error(w, strings.Repeat("x", 10<<20), http.StatusInternalServerError)
		}, "the answer is longer than 1048576 bytes"},
		{"an error body within 1 MiB is shortened", func(t *testing.T, w http.ResponseWriter, _ []byte) {
			http.Error(w, strings.Repeat("x", 512<<10), http.StatusInternalServerError)
		}, "500 Internal Server Error xxx"},
		{"a key set of 101 keys is refused", func(t *testing.T, w http.ResponseWriter, jwks []byte) {
			var set struct{ Keys []json.RawMessage }
			if err := json.Unmarshal(jwks, &set); err != nil {
				t.Error(err)
			}
			for len(set.Keys) < 101 { // the provider's own key, again and again
				set.Keys = append(set.Keys, set.Keys[0])
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"keys": set.Keys})
		}, "the key set holds 101 keys, more than the 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newKeySetHarness(t, func(w http.ResponseWriter, jwks []byte) { tt.answer(t, w, jwks) })
			resp, page := h.get(h.authorize("allow").String())
			if resp.StatusCode != http.StatusBadGateway {
				t.Fatalf("callback: got status %d, want %d", resp.StatusCode, http.StatusBadGateway)
			}
			_, home := h.get(h.client.URL + "/") // the session's walkthrough, with the login's checks
			mustContain(t, "error page", page, "The ID token was rejected (step E)", tt.wantDetail)
			mustContain(t, "home page", home, tt.wantDetail)
			for what, text := range map[string]string{"error page": page, "home page": home, "client log": h.log.String()} {
				mustNotContain(t, what, text, padding)
				if len(text) > 200<<10 {
					t.Errorf("%s: %d bytes, want at most 200 KB", what, len(text))
				}
			}
		})
	}
}
