package oauth

import (
	"math"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

func demoClient() store.Client {
	return store.Client{ID: "c", Type: store.Confidential, RedirectURIs: []string{"https://app.example/cb"},
		GrantTypes: stringsOf(GrantTypeAuthorizationCode), Scopes: SupportedScopes(), DefaultScope: "read"}
}

func TestChooseRedirectURI(t *testing.T) {
	const registered = "https://app.example/cb"
	tests := []struct {
		name      string
		requested string
		openID    bool
		extra     []string // more registered URIs
		want      string   // "" = refused
	}{
		{"the registered URI, exactly, is accepted", registered, false, nil, registered},
		{"omitted with exactly one registered: that one (RFC 6749 Section 3.1.2.3)", "", false, nil, registered},
		{"omitted in an OpenID Connect request is refused (OIDC Core Section 3.1.2.1)", "", true, nil, ""},
		{"omitted with two registered is refused (RFC 6749 Section 3.1.2.3)", "", false, []string{"https://app.example/cb2"}, ""},
		{"a trailing slash is another URI (RFC 9700 Section 2.1: exact matching)", registered + "/", false, nil, ""},
		{"an added query is another URI", registered + "?x=1", false, nil, ""},
		{"an upper-case host is another URI", "https://APP.example/cb", false, nil, ""},
		{"a sub-path is another URI", registered + "/evil", false, nil, ""},
		{"another port is another URI", "https://app.example:444/cb", false, nil, ""},
		{"an http downgrade is another URI", "http://app.example/cb", false, nil, ""},
		{"a fragment is another URI", registered + "#x", false, nil, ""},
		{"userinfo in front of the host is another URI", "https://app.example@evil.example/cb", false, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client := demoClient()
			client.RedirectURIs = append(client.RedirectURIs, tc.extra...)
			got, err := chooseRedirectURI(nil, client, tc.requested, tc.openID)
			if (err == nil) != (tc.want != "") || got != tc.want {
				t.Errorf("got %q (err %v), want %q", got, err, tc.want)
			}
		})
	}
}

// TestLoopbackRedirectPort: a public client's loopback redirect URI may
// come with any port (RFC 8252 Section 7.3) from 1 to 65535, the ports a
// registered one may have; every other byte must match, and a confidential
// client's URIs match exactly.
func TestLoopbackRedirectPort(t *testing.T) {
	tests := []struct {
		name, registered, requested string
		want                        bool
	}{
		{"another port of 127.0.0.1", "http://127.0.0.1:49152/callback", "http://127.0.0.1:51000/callback", true},
		{"a port where none was registered", "http://127.0.0.1/callback", "http://127.0.0.1:51000/callback", true},
		{"no port where one was registered", "http://127.0.0.1:49152/callback", "http://127.0.0.1/callback", true},
		{"another port of [::1]", "http://[::1]:49152/cb", "http://[::1]:6000/cb", true},
		{"another port of localhost", "http://localhost:3000/callback", "http://localhost:4000/callback", true},
		{"a query, the same", "http://127.0.0.1:1/cb?app=x", "http://127.0.0.1:2/cb?app=x", true},
		{"localhost for 127.0.0.1", "http://127.0.0.1:49152/callback", "http://localhost:49152/callback", false},
		{"127.0.0.10 for 127.0.0.1", "http://127.0.0.1/callback", "http://127.0.0.10/callback", false},
		{"another path", "http://127.0.0.1:49152/callback", "http://127.0.0.1:51000/callback2", false},
		{"an added query", "http://127.0.0.1:49152/callback", "http://127.0.0.1:51000/callback?x=1", false},
		{"https", "http://127.0.0.1:49152/callback", "https://127.0.0.1:51000/callback", false},
		{"an upper-case scheme", "http://127.0.0.1:49152/callback", "HTTP://127.0.0.1:51000/callback", false},
		{"userinfo before another host", "http://127.0.0.1:49152/callback", "http://127.0.0.1:51000@evil.example/callback", false},
		{"a host that starts like localhost", "http://localhost/callback", "http://localhost.evil.example/callback", false},
		{"a port that is no number", "http://127.0.0.1:49152/callback", "http://127.0.0.1:5x/callback", false},
		{"port 0, where no app listens", "http://127.0.0.1:49152/callback", "http://127.0.0.1:0/callback", false},
		{"a port past 65535", "http://[::1]:49152/cb", "http://[::1]:99999/cb", false},
		{"a port of 20 digits", "http://localhost:3000/callback", "http://localhost:99999999999999999999/callback", false},
		{"the greatest port", "http://127.0.0.1:49152/callback", "http://127.0.0.1:65535/callback", true},
		{"a port with leading zeros", "http://127.0.0.1:49152/callback", "http://127.0.0.1:000000000000000000008080/callback", true},
		{"two ports", "http://127.0.0.1:49152/callback", "http://127.0.0.1:1:2/callback", false},
		{"a host that is not loopback", "http://app.example:1/callback", "http://app.example:2/callback", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			public := store.Client{ID: "native", Type: store.Public, RedirectURIs: []string{tc.registered}}
			got, err := chooseRedirectURI(nil, public, tc.requested, false)
			if ok := err == nil && got == tc.requested; ok != tc.want {
				t.Errorf("public client: got %q (err %v), want accepted %v", got, err, tc.want)
			}
			confidential := public
			confidential.Type = store.Confidential
			if _, err := chooseRedirectURI(nil, confidential, tc.requested, false); err == nil && tc.requested != tc.registered {
				t.Errorf("confidential client: %q accepted for %q, want only the exact URI", tc.requested, tc.registered)
			}
		})
	}
}

func TestResolveScope(t *testing.T) {
	tests := []struct {
		name, requested, want string
		err                   ErrorCode
	}{
		{"no scope means the client's default (RFC 6749 Section 3.3)", "", "read", ""},
		{"known scopes are granted, duplicates dropped", "read openid read", "read openid", ""},
		{"an unknown scope is invalid_scope", "read admin", "", ErrInvalidScope},
		{"a scope the client may not use is invalid_scope", "write", "", ErrInvalidScope},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveScope(nil, tc.requested, []string{"openid", "read"}, "read")
			var code ErrorCode
			if err != nil {
				code = err.Code
			}
			if got != tc.want || code != tc.err {
				t.Errorf("got %q, %q; want %q, %q", got, code, tc.want, tc.err)
			}
		})
	}
}

func TestParsePromptAndMaxAge(t *testing.T) {
	if _, err := parsePrompt(nil, "none login"); err == nil {
		t.Error(`prompt "none login": got no error, want invalid_request (OIDC Core Section 3.1.2.1)`)
	}
	if got, err := parsePrompt(nil, "login consent"); err != nil || len(got) != 2 {
		t.Errorf(`prompt "login consent": got %v, %v; want two values`, got, err)
	}
	for _, bad := range []string{"-1", "+1", "1.5", "1e3", " 1", "abc", "99999999999x"} {
		if _, err := parseMaxAge(nil, bad); err == nil {
			t.Errorf("max_age %q: got no error, want invalid_request", bad)
		}
	}
	for s, want := range map[string]time.Duration{
		"0": 0, "0001": time.Second, "2147483647": math.MaxInt32 * time.Second,
		"2147483648": math.MaxInt32 * time.Second, "99999999999999999999999": math.MaxInt32 * time.Second, // no upper bound (OIDC Core Section 3.1.2.1): clamped
	} {
		if got, err := parseMaxAge(nil, s); err != nil || got != want {
			t.Errorf("max_age %q: got %v, %v; want %v", s, got, err, want)
		}
	}
}
