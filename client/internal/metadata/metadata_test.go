package metadata

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestWellKnownURL(t *testing.T) {
	tests := []struct{ base, want string }{
		{"http://localhost:8080", "http://localhost:8080/.well-known/oauth-authorization-server"},
		{"http://localhost:8080/", "http://localhost:8080/.well-known/oauth-authorization-server"},
		{"https://as.example/tenant1", "https://as.example/.well-known/oauth-authorization-server/tenant1"},
	}
	for _, tt := range tests {
		got, err := WellKnownURL(tt.base)
		if err != nil || got != tt.want {
			t.Errorf("WellKnownURL(%q) = %q, %v; want %q (RFC 8414 Section 3.1)", tt.base, got, err, tt.want)
		}
	}
}

// TestWellKnownURLRefusesWhatIsNoIssuer: an issuer is "a URL that uses the
// "https" scheme and has no query or fragment components"
// (RFC 8414 Section 2), http accepted too; an opaque URL, one without a
// host, or one with a query or fragment gets no well-known URL. The error
// is this package's and names the authorization server's address, which is
// not always the issuer setting (AUTH_SERVER_INTERNAL, or the server an MCP
// resource named).
func TestWellKnownURLRefusesWhatIsNoIssuer(t *testing.T) {
	for _, base := range []string{"A:0", "https:as.example", "https:///path", "ftp://as.example", "https://as.example?x=1", "https://as.example/t#f", "https://as.example?", ""} {
		got, err := WellKnownURL(base)
		if err == nil {
			t.Errorf("WellKnownURL(%q) = %q, want an error (RFC 8414 Section 2)", base, got)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "metadata: ") || !strings.Contains(msg, "the authorization server's address") {
			t.Errorf("WellKnownURL(%q): error %q, want one of package metadata naming the authorization server's address", base, msg)
		}
	}
}

// provider serves metadata for issuer after failing the first `fail` requests.
func provider(t *testing.T, issuer func(base string) string, fail int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != WellKnownPath {
			http.NotFound(w, r)
			return
		}
		if calls.Add(1) <= fail {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		iss := issuer(srv.URL)
		json.NewEncoder(w).Encode(Metadata{
			Issuer: iss, AuthorizationEndpoint: iss + "/oauth/authorize", TokenEndpoint: iss + "/oauth/token",
			JWKSURI: iss + "/.well-known/jwks.json",
		})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func self(base string) string { return base }

func TestFetch(t *testing.T) {
	srv, _ := provider(t, self, 0)
	m, err := Fetch(context.Background(), srv.Client(), srv.URL, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if m.TokenEndpoint != srv.URL+"/oauth/token" {
		t.Errorf("TokenEndpoint = %q", m.TokenEndpoint)
	}
}

func TestFetchRefusesAnotherIssuer(t *testing.T) {
	tests := []struct {
		name           string
		trusted        func(base string) string // AUTH_SERVER
		metadataIssuer func(base string) string
	}{
		{"another issuer is refused (RFC 8414 Section 3.3)", self, func(string) string { return "https://evil.example" }},
		{"the issuer with a trailing slash is another issuer (RFC 8414 Section 3.3)", self, func(base string) string { return base + "/" }},
		{"a trusted issuer with a trailing slash is another issuer (RFC 8414 Section 3.3)", func(base string) string { return base + "/" }, self},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := provider(t, tt.metadataIssuer, 0)
			trusted := tt.trusted(srv.URL)
			_, err := Discover(context.Background(), srv.Client(), trusted, srv.URL, Retry{Initial: time.Millisecond})
			var mismatch *IssuerMismatch
			if !errors.As(err, &mismatch) || !strings.Contains(err.Error(), "RFC 8414 Section 3.3") {
				t.Fatalf("got %v, want the issuer mismatch error (RFC 8414 Section 3.3)", err)
			}
			if want := (IssuerMismatch{Trusted: trusted, Metadata: tt.metadataIssuer(srv.URL)}); *mismatch != want {
				t.Errorf("got %+v, want %+v", *mismatch, want)
			}
			if calls.Load() != 1 {
				t.Errorf("a wrong issuer was fetched %d times, want 1 (not retried)", calls.Load())
			}
		})
	}
}

func TestDiscoverRetriesUntilTheProviderAnswers(t *testing.T) {
	srv, calls := provider(t, self, 3)
	var logged []time.Duration
	m, err := Discover(context.Background(), srv.Client(), srv.URL, srv.URL, Retry{
		Initial: time.Millisecond, Max: 3 * time.Millisecond,
		Log: func(attempt int, err error, wait time.Duration) { logged = append(logged, wait) },
	})
	if err != nil || m.Issuer != srv.URL {
		t.Fatalf("Discover = %+v, %v", m, err)
	}
	if calls.Load() != 4 {
		t.Errorf("got %d requests, want 4", calls.Load())
	}
	want := []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}
	if len(logged) != len(want) || logged[0] != want[0] || logged[1] != want[1] || logged[2] != want[2] {
		t.Errorf("waits = %v, want %v (doubling, capped)", logged, want)
	}
}

func TestDiscoverGivesUp(t *testing.T) {
	srv, _ := provider(t, self, 100)
	_, err := Discover(context.Background(), srv.Client(), srv.URL, srv.URL, Retry{Initial: time.Millisecond, Attempts: 2})
	if err == nil {
		t.Fatal("want an error after 2 attempts")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Discover(ctx, srv.Client(), srv.URL, srv.URL, Retry{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestBackChannelRewritesOnlyServerToServerEndpoints(t *testing.T) {
	m := Metadata{
		Issuer:                      "http://localhost:8080",
		AuthorizationEndpoint:       "http://localhost:8080/oauth/authorize",
		TokenEndpoint:               "http://localhost:8080/oauth/token",
		RevocationEndpoint:          "http://localhost:8080/oauth/revoke",
		DeviceAuthorizationEndpoint: "http://localhost:8080/oauth/device/code",
		UserinfoEndpoint:            "http://localhost:8080/userinfo",
		JWKSURI:                     "http://localhost:8080/.well-known/jwks.json",
		IntrospectionEndpoint:       "http://localhost:80800/not-a-prefix-match",
	}
	got := m.BackChannel("http://localhost:8080", "http://provider:8080/")
	want := m
	want.TokenEndpoint = "http://provider:8080/oauth/token"
	want.RevocationEndpoint = "http://provider:8080/oauth/revoke"
	want.DeviceAuthorizationEndpoint = "http://provider:8080/oauth/device/code"
	want.UserinfoEndpoint = "http://provider:8080/userinfo"
	want.JWKSURI = "http://provider:8080/.well-known/jwks.json"
	if got.TokenEndpoint != want.TokenEndpoint || got.RevocationEndpoint != want.RevocationEndpoint ||
		got.DeviceAuthorizationEndpoint != want.DeviceAuthorizationEndpoint || got.UserinfoEndpoint != want.UserinfoEndpoint ||
		got.JWKSURI != want.JWKSURI || got.IntrospectionEndpoint != want.IntrospectionEndpoint ||
		got.AuthorizationEndpoint != m.AuthorizationEndpoint || got.Issuer != m.Issuer {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if same := m.BackChannel("http://localhost:8080", ""); same.TokenEndpoint != m.TokenEndpoint {
		t.Errorf("no internal URL changed the token endpoint to %q", same.TokenEndpoint)
	}
}

func TestBackChannelJoinsPaths(t *testing.T) {
	tests := []struct {
		name                       string
		public, internal, endpoint string
		want                       string
	}{
		{"an issuer with a trailing slash", "http://localhost:8080/", "http://provider:8080", "http://localhost:8080/oauth/token", "http://provider:8080/oauth/token"},
		{"a back channel with a trailing slash gives no double slash", "http://localhost:8080", "http://provider:8080/", "http://localhost:8080/oauth/token", "http://provider:8080/oauth/token"},
		{"an issuer with a path", "https://as.example/tenant", "http://provider:8080", "https://as.example/tenant/oauth/token", "http://provider:8080/oauth/token"},
		{"a back channel with a path", "http://localhost:8080", "http://proxy/as/", "http://localhost:8080/oauth/token", "http://proxy/as/oauth/token"},
		{"the query of an endpoint is kept (RFC 6749 Section 3.2)", "http://localhost:8080", "http://provider:8080", "http://localhost:8080/oauth/token?tenant=a", "http://provider:8080/oauth/token?tenant=a"},
		{"an endpoint at the base itself keeps its query", "http://localhost:8080/", "http://proxy/as/", "http://localhost:8080?tenant=a", "http://proxy/as?tenant=a"},
		{"an endpoint under another path is left alone", "https://as.example/tenant", "http://provider:8080", "https://as.example/tenant2/oauth/token", "https://as.example/tenant2/oauth/token"},
		{"an endpoint on another host is left alone", "http://localhost:8080", "http://provider:8080", "https://other.example/oauth/token", "https://other.example/oauth/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Metadata{TokenEndpoint: tt.endpoint}.BackChannel(tt.public, tt.internal).TokenEndpoint
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEndpointAuthStyle(t *testing.T) {
	tests := []struct {
		name    string
		methods []string
		want    oauth2.AuthStyle
	}{
		{"omitted means client_secret_basic (RFC 8414 Section 2)", nil, oauth2.AuthStyleInHeader},
		{"basic is preferred when offered", []string{"client_secret_post", "client_secret_basic"}, oauth2.AuthStyleInHeader},
		{"post when it is the only secret method", []string{"client_secret_post", "none"}, oauth2.AuthStyleInParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Metadata{TokenEndpointAuthMethodsSupported: tt.methods}.Endpoint().AuthStyle
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
