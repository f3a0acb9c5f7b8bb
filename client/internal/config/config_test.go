package config

import (
	"io"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/service"
)

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v, want nil", err)
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"nothing set gives the defaults of .env.example", nil, Default()},
		{
			"every variable overrides its default",
			map[string]string{
				"CLIENT_ID": "c", "CLIENT_SECRET": "s", "REDIRECT_URI": "https://app.example/cb",
				"AUTH_SERVER": "https://as.example/", "AUTH_SERVER_INTERNAL": "http://provider:8080",
				"CLIENT_ADDR": ":4000", "SESSION_SECRET": "k", "DEVICE_CLIENT_ID": "d",
				"TEACHING_MODE": "off", "DPOP": "on",
			},
			Config{
				ClientID: "c", ClientSecret: "s", RedirectURI: "https://app.example/cb",
				AuthServer: "https://as.example/", AuthServerInternal: "http://provider:8080",
				ClientAddr: ":4000", SessionSecret: "k", DeviceClientID: "d",
				TeachingMode: "off", DPoP: "on", LogFormat: "text", LogLevel: "info",
			},
		},
		{"an empty variable keeps the default", map[string]string{"CLIENT_ID": ""}, Default()},
		{
			"AUTH_SERVER is kept as written, an issuer being compared exactly (RFC 8414 Section 3.3)",
			map[string]string{"AUTH_SERVER": "http://localhost:8080/", "AUTH_SERVER_INTERNAL": "http://provider:8080/"},
			func() Config {
				c := Default()
				c.AuthServer, c.AuthServerInternal = "http://localhost:8080/", "http://provider:8080/"
				return c
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromEnv(lookupMap(tt.env)); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"relative AUTH_SERVER is refused", func(c *Config) { c.AuthServer = "localhost:8080" }, "AUTH_SERVER"},
		{"bad AUTH_SERVER_INTERNAL is refused", func(c *Config) { c.AuthServerInternal = "ftp://x" }, "AUTH_SERVER_INTERNAL"},
		{"redirect URI with a fragment is refused (RFC 6749 Section 3.1.2)", func(c *Config) { c.RedirectURI = "http://localhost:3000/callback#x" }, "fragment"},
		{"relative redirect URI is refused (RFC 6749 Section 3.1.2)", func(c *Config) { c.RedirectURI = "/callback" }, "REDIRECT_URI"},
		{"empty CLIENT_ID is refused", func(c *Config) { c.ClientID = "" }, "CLIENT_ID"},
		{"unknown TEACHING_MODE is refused", func(c *Config) { c.TeachingMode = "yes" }, "TEACHING_MODE"},
		{"a SESSION_SECRET too short to key cookies is refused", func(c *Config) { c.SessionSecret = "x" }, "SESSION_SECRET must be at least 32"},
		{"a SESSION_SECRET of spaces is refused", func(c *Config) { c.SessionSecret = strings.Repeat(" ", 40) }, "SESSION_SECRET must be at least 32"},
		{"AUTH_SERVER with a user and password is refused (RFC 8414 Section 2)", func(c *Config) { c.AuthServer = "http://user:hunter2@localhost:8080" }, "AUTH_SERVER"},
		{"AUTH_SERVER_INTERNAL with a user and password is refused", func(c *Config) { c.AuthServerInternal = "http://user:hunter2@provider:8080" }, "AUTH_SERVER_INTERNAL"},
		{"AUTH_SERVER with a password that does not parse is refused", func(c *Config) { c.AuthServer = "http://user:hunter2@localhost:port" }, "AUTH_SERVER"},
		{"AUTH_SERVER with an empty fragment is refused (RFC 8414 Section 2)", func(c *Config) { c.AuthServer = "http://localhost:8080#" }, "AUTH_SERVER"},
		{"a javascript: redirect URI is refused", func(c *Config) { c.RedirectURI = "javascript://alert(1)" }, "REDIRECT_URI"},
		{"a redirect URI without a host is refused", func(c *Config) { c.RedirectURI = "foo://" }, "REDIRECT_URI"},
		{"a redirect URI with a user and password is refused", func(c *Config) { c.RedirectURI = "http://u:hunter2@localhost:3000/callback" }, "REDIRECT_URI"},
		{"CLIENT_ID equal to DEVICE_CLIENT_ID is refused", func(c *Config) { c.ClientID = c.DeviceClientID }, "CLIENT_ID and DEVICE_CLIENT_ID"},
		{"CLIENT_ID of the SPA demo is refused", func(c *Config) { c.ClientID = SPAClientID }, "CLIENT_ID"},
		{"DEVICE_CLIENT_ID of the SPA demo is refused", func(c *Config) { c.DeviceClientID = SPAClientID }, "DEVICE_CLIENT_ID"},
		{"a CLIENT_ADDR without a port is refused", func(c *Config) { c.ClientAddr = "garbage" }, "CLIENT_ADDR"},
		{"a METRICS_ADDR with a port over 65535 is refused", func(c *Config) { c.MetricsAddr = "127.0.0.1:99999" }, "METRICS_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("got %q, want no password in it", err)
			}
		})
	}
}

func TestDerivedURLs(t *testing.T) {
	c := Default()
	if got, want := c.BackChannel(), "http://localhost:8080"; got != want {
		t.Errorf("BackChannel() = %q, want %q", got, want)
	}
	c.AuthServerInternal = "http://provider:8080"
	if got, want := c.BackChannel(), "http://provider:8080"; got != want {
		t.Errorf("BackChannel() = %q, want %q", got, want)
	}
	if got, want := c.SPARedirectURI(), "http://localhost:3000/spa/callback"; got != want {
		t.Errorf("SPARedirectURI() = %q, want %q", got, want)
	}
}

func TestPathsJoinTheBaseURL(t *testing.T) {
	tests := []struct {
		name, authServer, internal string
		wantIssuer, wantBack       string
	}{
		{"bases without a trailing slash", "http://localhost:8080", "", "http://localhost:8080/user/profile", "http://localhost:8080/user/profile"},
		{"bases with a trailing slash give no double slash", "http://localhost:8080/", "http://provider:8080/", "http://localhost:8080/user/profile", "http://provider:8080/user/profile"},
		{"an issuer with a path keeps it", "https://as.example/tenant", "http://provider:8080/tenant/", "https://as.example/tenant/user/profile", "http://provider:8080/tenant/user/profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.AuthServer, c.AuthServerInternal = tt.authServer, tt.internal
			if got := c.IssuerURL("/user/profile"); got != tt.wantIssuer {
				t.Errorf("IssuerURL = %q, want %q", got, tt.wantIssuer)
			}
			if got := c.BackChannelURL("/user/profile"); got != tt.wantBack {
				t.Errorf("BackChannelURL = %q, want %q", got, tt.wantBack)
			}
		})
	}
	if got, want := Default().IssuerURL("/debug/trace/"), "http://localhost:8080/debug/trace/"; got != want {
		t.Errorf("IssuerURL keeps a trailing slash of the path: got %q, want %q", got, want)
	}
}

func TestTeaching(t *testing.T) {
	tests := []struct {
		mode, authServer string
		want             bool
	}{
		{"auto", "http://localhost:8080", true},
		{"auto", "http://LOCALHOST:8080", true},
		{"auto", "http://127.0.0.1:8080", true},
		{"auto", "http://127.0.0.2", true},
		{"auto", "http://[::1]:8080", true},
		{"auto", "https://localhost:8443", false}, // not http://
		{"auto", "http://provider:8080", false},   // docker compose: not loopback
		{"auto", "https://as.example", false},
		{"auto", "http://localhost.example.com", false},
		{"on", "https://as.example", true},
		{"off", "http://localhost:8080", false},
	}
	for _, tt := range tests {
		t.Run(tt.mode+" "+tt.authServer, func(t *testing.T) {
			c := Default()
			c.TeachingMode, c.AuthServer = tt.mode, tt.authServer
			if got := c.Teaching(); got != tt.want {
				t.Errorf("Teaching() = %v, want %v", got, tt.want)
			}
		})
	}
	if !Default().Teaching() {
		t.Error("the default (auto, http://localhost:8080) is not teaching mode, want on")
	}
}

// TestNoSettingShowsAPassword: a URL with a password, pasted into any
// variable the client reads (an address, a choice, not only a URL
// setting), does not show that password in the refusal the client stops
// with (Validate, then the logger service.NewLogger makes of LOG_FORMAT and
// LOG_LEVEL, as main does; setting.Show).
func TestNoSettingShowsAPassword(t *testing.T) {
	const password = "pw-X"
	read := map[string]bool{}
	FromEnv(func(name string) (string, bool) { read[name] = true; return "", false })
	for name := range read {
		c := FromEnv(lookupMap(map[string]string{name: "http://u:" + password + "@h:1"}))
		err := c.Validate()
		if err == nil {
			_, err = service.NewLogger(io.Discard, c.LogFormat, c.LogLevel)
		}
		if err != nil && strings.Contains(err.Error(), password) {
			t.Errorf("%s=http://u:%s@h:1: got %q, want no %s", name, password, err, password)
		}
	}
}
