package web

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oauth-reference/provider/providertest"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/resource"
)

// newMCPFakeHarness is newHarness (on PostgreSQL when postgres is set)
// with the client's back channel (AUTH_SERVER_INTERNAL) passing through a
// fake provider in front of the real one: answer may answer a request in
// the provider's place, and reports whether it did; every other request
// goes on to the provider.
func newMCPFakeHarness(t *testing.T, postgres bool, answer func(w http.ResponseWriter, r *http.Request) bool) *harness {
	t.Helper()
	return newHarnessConfig(t, providertest.Options{Postgres: postgres}, func(cfg *config.Config) {
		provider, err := url.Parse(cfg.BackChannel())
		if err != nil {
			t.Fatal(err)
		}
		proxy := httputil.NewSingleHostReverseProxy(provider)
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !answer(w, r) {
				proxy.ServeHTTP(w, r)
			}
		}))
		t.Cleanup(fake.Close)
		cfg.AuthServerInternal = fake.URL
	})
}

// TestE2EMCPFetchesNothingElsewhere: a resource whose challenge names its
// metadata on another origin, or whose metadata names another
// authorization server than AUTH_SERVER, stops the walkthrough at that
// step, which says which URL it refused and why, and no request reaches
// the other origin ([RFC 9728 Section 7.7]: "Clients SHOULD take
// appropriate precautions against SSRF attacks"; [RFC 9728 Section 7.6]).
//
// [RFC 9728 Section 7.7]: https://www.rfc-editor.org/rfc/rfc9728#section-7.7
// [RFC 9728 Section 7.6]: https://www.rfc-editor.org/rfc/rfc9728#section-7.6
func TestE2EMCPFetchesNothingElsewhere(t *testing.T) {
	t.Parallel()
	var asked atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"resource":"http://%s/","authorization_servers":["http://%[1]s"],"secret":"INTERNAL-ADMIN-DATA-42"}`, r.Host)
	}))
	t.Cleanup(internal.Close)

	tests := []struct {
		name      string
		challenge func(issuer string) string // the resource_metadata the resource names
		servers   func(issuer string) string // the authorization server its metadata names
		want      []string
	}{
		{"resource_metadata on another origin is not fetched (RFC 9728 Section 7.7)",
			func(string) string { return internal.URL + "/internal-secret" }, nil,
			[]string{"The resource names its metadata on another origin: not fetched", internal.URL + "/internal-secret", "RFC 9728 Section 7.7"}},
		{"resource_metadata with userinfo names no origin (RFC 9728 Section 7.7)",
			func(issuer string) string {
				return strings.Replace(issuer, "http://", "http://user@", 1) + "/.well-known/oauth-protected-resource"
			}, nil,
			[]string{"The resource names its metadata on another origin: not fetched", "http://user@"}},
		{"an authorization server other than AUTH_SERVER is not asked (RFC 9728 Section 7.6)",
			nil, func(string) string { return internal.URL },
			[]string{"The resource names another authorization server: its metadata not fetched", internal.URL, "RFC 9728 Section 7.6"}},
		{"nor one that differs from AUTH_SERVER by a slash (RFC 8414 Section 3.3)",
			nil, func(issuer string) string { return issuer + "/" },
			[]string{"The resource names another authorization server: its metadata not fetched"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachStore(t, func(t *testing.T, postgres bool) {
				var issuer string
				h := newMCPFakeHarness(t, postgres, func(w http.ResponseWriter, r *http.Request) bool {
					switch {
					case tt.challenge != nil && r.URL.Path == resource.UserProfilePath && r.Header.Get("Authorization") == "":
						w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer resource_metadata=%q, scope="read"`, tt.challenge(issuer)))
						w.WriteHeader(http.StatusUnauthorized)
					case tt.servers != nil && strings.HasPrefix(r.URL.Path, "/.well-known/oauth-protected-resource"):
						w.Header().Set("Content-Type", "application/json")
						fmt.Fprintf(w, `{"resource":%q,"authorization_servers":[%q],"scopes_supported":["read"]}`, issuer, tt.servers(issuer))
					default:
						return false
					}
					return true
				})
				issuer = h.provider.Issuer
				before := asked.Load()
				_, page := h.get(h.client.URL + mcpPath)
				m := csrfRE.FindStringSubmatch(page)
				if m == nil {
					t.Fatalf("no CSRF token on the MCP page:\n%s", page)
				}
				resp, page := h.do(http.MethodPost, h.client.URL+mcpPath, url.Values{"csrf_token": {m[1]}})
				if resp.StatusCode != http.StatusBadGateway {
					t.Errorf("POST /mcp: got %d, want 502, the walkthrough stopped", resp.StatusCode)
				}
				mustContain(t, "the stopped walkthrough", html.UnescapeString(page), append(tt.want, "the client refused to send the next request")...)
				mustNotContain(t, "the stopped walkthrough", page, "INTERNAL-ADMIN-DATA-42", "Client registration")
				if got := asked.Load() - before; got != 0 {
					t.Errorf("%d requests reached the other origin, want none", got)
				}
			})
		})
	}
}
