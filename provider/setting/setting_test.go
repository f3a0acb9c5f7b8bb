package setting

import (
	"strings"
	"testing"
)

// TestShow: a setting's value in a refusal keeps everything but a password.
func TestShow(t *testing.T) {
	const hidden = "a value not shown (it may hold a password)"
	tests := []struct{ name, raw, want string }{
		{"a URL without userinfo, as written", "http://localhost:8080#", `"http://localhost:8080#"`},
		{"a password replaced", "postgres://u:hunter2@db:5432/x", `"postgres://u:xxxxx@db:5432/x"`},
		{"a user without a password, as written", "http://u@localhost:8080", `"http://u@localhost:8080"`},
		{"a URL with userinfo that does not parse, not shown", "http://u:hunter2@db:port/x", hidden},
		{"userinfo without a scheme, not shown", "u:hunter2@db:5432", hidden},
		{"a URL without userinfo that does not parse, as written", "http://db:port/x", `"http://db:port/x"`},
		{"a listen address, as written", "127.0.0.1:99999", `"127.0.0.1:99999"`},
		{"a choice, as written", "maybe", `"maybe"`},
		{"a file path, as written", "data/provider.db", `"data/provider.db"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Show(tt.raw); got != tt.want {
				t.Errorf("Show(%q) = %s, want %s", tt.raw, got, tt.want)
			}
		})
	}
}

// TestCheckRedirectURIPortAndQuery: REDIRECT_URI's port, when it has one,
// is a TCP port a browser can be sent to, 1 to 65535; it may keep a query
// of its own, but none of the parameters the provider's response adds,
// which would then come twice (RFC 6749 Section 3.1), and no ";".
func TestCheckRedirectURIPortAndQuery(t *testing.T) {
	tests := []struct {
		raw    string
		wantOK bool
	}{
		{"http://localhost:3000/callback", true},
		{"https://app.example/callback", true},
		{"http://localhost:65535/callback", true},
		{"http://localhost:1/callback", true},
		{"http://localhost:0/callback", false},
		{"http://localhost:65536/callback", false},
		{"http://localhost:99999/callback", false},
		{"http://localhost:3000/callback?app=demo&x=%41", true},
		{"http://localhost:3000/callback?stateful=1", true},
		{"http://localhost:3000/callback?state=x", false},
		{"http://localhost:3000/callback?a=1&code=z", false},
		{"http://localhost:3000/callback?iss=x", false},
		{"http://localhost:3000/callback?error_description", false},
		{"http://localhost:3000/callback?a=1;b=2", false},
	}
	for _, tt := range tests {
		if err := CheckRedirectURI(tt.raw); (err == nil) != tt.wantOK {
			t.Errorf("CheckRedirectURI(%q) = %v, want ok=%v", tt.raw, err, tt.wantOK)
		}
	}
}

// TestCheckIssuerHost: an issuer's host is a host name or an IP address;
// a percent-encoded byte that url.Parse decodes into the host is neither
// (found by FuzzWellKnownURL in the client: "http://0%8a").
func TestCheckIssuerHost(t *testing.T) {
	tests := []struct {
		raw    string
		wantOK bool
	}{
		{"http://localhost:8080", true},
		{"https://id.example/tenant", true},
		{"http://127.0.0.1:8080", true},
		{"http://[::1]:8080", true},
		{"http://provider_1:8080", true},
		{"http://0%8a", false},
		{"http://id%2eexample", false},
		{"http://-bad.example", false},
		{"http://a..example", false},
	}
	for _, tt := range tests {
		if err := CheckIssuer("ISSUER", tt.raw); (err == nil) != tt.wantOK {
			t.Errorf("CheckIssuer(%q) = %v, want ok=%v", tt.raw, err, tt.wantOK)
		}
	}
}

// TestCheckListenAddr: a listen address is host:port with a TCP port a
// server can listen on, 1 to 65535; empty means the listener is off.
func TestCheckListenAddr(t *testing.T) {
	tests := []struct {
		addr   string
		wantOK bool
	}{
		{"", true},
		{":8080", true},
		{"127.0.0.1:8080", true},
		{"[::1]:65535", true},
		{"localhost:1", true},
		{"garbage", false},
		{"127.0.0.1", false},
		{"127.0.0.1:99999", false},
		{":0", false},
		{":http", false},
		{"[fe80::1%eth0]:8080", true},
		{"provider_1.internal:8080", true},
		{" 127.0.0.1:8080", false},
		{"local host:8080", false},
		{"127.0.0.1\t:8080", false},
		{"-x.example:8080", false},
		{"a..b:8080", false},
		{"<x>:8080", false},
	}
	for _, tt := range tests {
		err := CheckListenAddr("PROVIDER_ADDR", tt.addr)
		if (err == nil) != tt.wantOK {
			t.Errorf("CheckListenAddr(%q) = %v, want ok=%v", tt.addr, err, tt.wantOK)
		}
		if err != nil && !strings.Contains(err.Error(), "PROVIDER_ADDR") {
			t.Errorf("CheckListenAddr(%q) = %v, want it to name PROVIDER_ADDR", tt.addr, err)
		}
	}
}

// TestCheckSessionSecret: SESSION_SECRET is empty (a random key) or holds
// 32 bytes besides spaces around them; spaces alone are a key anyone can
// guess.
func TestCheckSessionSecret(t *testing.T) {
	tests := []struct {
		name, secret string
		refused      bool
	}{
		{"empty: a random key per start", "", false},
		{"32 characters", strings.Repeat("k", 32), false},
		{"31 characters", strings.Repeat("k", 31), true},
		{"40 spaces", strings.Repeat(" ", 40), true},
		{"31 characters padded with spaces", "  " + strings.Repeat("k", 31) + "\t", true},
		{"16 letters of 2 bytes each: 32 bytes", strings.Repeat("é", 16), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSessionSecret(tt.secret)
			if refused := err != nil; refused != tt.refused {
				t.Errorf("CheckSessionSecret(%q) = %v, want refused %v", tt.secret, err, tt.refused)
			}
			if err != nil && !strings.Contains(err.Error(), "at least 32 bytes") {
				t.Errorf("CheckSessionSecret(%q) = %v, want it to count in bytes, as the check does", tt.secret, err)
			}
		})
	}
}

// TestURLSettingsHoldOnlyURICharacters: a URL setting holds only the
// characters of RFC 3986 Section 2; url.Parse takes a space, a quote, "<"
// or ">" in a path, which the programs would send on as they are. Each
// refusal is one line naming the variable.
func TestURLSettingsHoldOnlyURICharacters(t *testing.T) {
	checks := map[string]func(string) error{
		"ISSUER":       func(raw string) error { return CheckIssuer("ISSUER", raw) },
		"AUTH_SERVER":  func(raw string) error { return CheckIssuer("AUTH_SERVER", raw) },
		"REDIRECT_URI": CheckRedirectURI,
	}
	for name, check := range checks {
		for _, path := range []string{"/ cb", `/"><script>`, "/a<b>", "/caf\u00e9", "/a\tb", "/a%20b"} {
			err := check("http://localhost:3000" + path)
			if refused, want := err != nil, path != "/a%20b"; refused != want {
				t.Errorf("%s=http://localhost:3000%s: got %v, want refused %v", name, path, err, want)
			}
			if err != nil && (!strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "\n")) {
				t.Errorf("%s=http://localhost:3000%s: got %q, want one line naming %s", name, path, err, name)
			}
		}
	}
}
