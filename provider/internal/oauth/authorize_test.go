package oauth

import (
	"testing"

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
	for _, bad := range []string{"-1", "1.5", "abc", "99999999999999"} {
		if _, err := parseMaxAge(nil, bad); err == nil {
			t.Errorf("max_age %q: got no error, want invalid_request", bad)
		}
	}
}
