package config

import (
	"strings"
	"testing"
	"time"
)

func lookupIn(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFromEnv(t *testing.T) {
	c, err := FromEnv(lookupIn(map[string]string{
		"ISSUER": "https://as.example", "CLIENT_ID": "c1", "ACCESS_TOKEN_TTL": "15m", "DATABASE_URL": "",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://as.example" || c.ClientID != "c1" || c.AccessTokenTTL != 15*time.Minute {
		t.Errorf("got %+v, want ISSUER, CLIENT_ID and ACCESS_TOKEN_TTL applied", c)
	}
	if c.DatabaseURL != Default().DatabaseURL {
		t.Errorf("an empty DATABASE_URL: got %q, want the default %q", c.DatabaseURL, Default().DatabaseURL)
	}
	if c.ResourceAudience() != "https://as.example" {
		t.Errorf("audience: got %q, want the issuer", c.ResourceAudience())
	}
}

func TestRefreshReuseGrace(t *testing.T) {
	if Default().RefreshReuseGrace != 0 {
		t.Errorf("default REFRESH_REUSE_GRACE: got %v, want 0 (strict reuse detection)", Default().RefreshReuseGrace)
	}
	c, err := FromEnv(lookupIn(map[string]string{"REFRESH_REUSE_GRACE": "5s"}))
	if err != nil || c.RefreshReuseGrace != 5*time.Second || c.Validate() != nil {
		t.Errorf("REFRESH_REUSE_GRACE=5s: got %v (%v, %v), want 5s and valid", c.RefreshReuseGrace, err, c.Validate())
	}
}

func TestFromEnvRefusesBadDuration(t *testing.T) {
	if _, err := FromEnv(lookupIn(map[string]string{"CODE_TTL": "ten minutes"})); err == nil {
		t.Error("CODE_TTL=ten minutes: got no error, want one")
	}
}

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("the defaults must be valid: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"a code lifetime over 10 minutes (RFC 6749 Section 4.1.2)", func(c *Config) { c.CodeTTL = 11 * time.Minute }},
		{"an issuer with a query (RFC 8414 Section 2)", func(c *Config) { c.Issuer = "https://as.example?x=1" }},
		{"an issuer that is not http(s)", func(c *Config) { c.Issuer = "ftp://as.example" }},
		{"an issuer with a trailing slash", func(c *Config) { c.Issuer = "https://as.example/" }},
		{"a relative redirect URI", func(c *Config) { c.RedirectURI = "/callback" }},
		{"an empty client secret", func(c *Config) { c.ClientSecret = "" }},
		{"a zero access token lifetime", func(c *Config) { c.AccessTokenTTL = 0 }},
		{"an unknown TEACHING_MODE", func(c *Config) { c.TeachingMode = "yes" }},
		{"a negative REFRESH_REUSE_GRACE", func(c *Config) { c.RefreshReuseGrace = -time.Second }},
		{"a REFRESH_REUSE_GRACE over a minute", func(c *Config) { c.RefreshReuseGrace = MaxRefreshReuseGrace + time.Second }},
		{"a SESSION_SECRET too short to key cookies", func(c *Config) { c.SessionKey = "x" }},
		{"no device authorizations per hour", func(c *Config) { c.DeviceAuthorizationsPerHour = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.change(&c)
			if err := c.Validate(); err == nil {
				t.Error("got no error, want one")
			}
		})
	}
}

// TestDebugAddr: the profiling listener is off unless DEBUG_ADDR is set,
// and only a loopback address is accepted.
func TestDebugAddr(t *testing.T) {
	c, err := FromEnv(lookupIn(map[string]string{}))
	if err != nil || c.DebugAddr != "" {
		t.Fatalf("DEBUG_ADDR unset: got %q (%v), want \"\" (off)", c.DebugAddr, err)
	}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:0", "127.0.0.2:6060"} {
		c, err := FromEnv(lookupIn(map[string]string{"DEBUG_ADDR": addr}))
		if err != nil || c.DebugAddr != addr || c.Validate() != nil {
			t.Errorf("DEBUG_ADDR=%s: got %q (%v, %v), want it accepted", addr, c.DebugAddr, err, c.Validate())
		}
	}
	for _, addr := range []string{":6060", "0.0.0.0:6060", "[::]:6060", "192.0.2.1:6060", "example.com:6060", "127.0.0.1", "localhost"} {
		c, err := FromEnv(lookupIn(map[string]string{"DEBUG_ADDR": addr}))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "DEBUG_ADDR") {
			t.Errorf("DEBUG_ADDR=%s: got %v, want it refused", addr, err)
		}
	}
}

func TestTeaching(t *testing.T) {
	tests := []struct {
		name, mode, issuer string
		want               bool
	}{
		{"auto: http on localhost", TeachingAuto, "http://localhost:8080", true},
		{"auto: http on 127.0.0.1", TeachingAuto, "http://127.0.0.1:8080", true},
		{"auto: http on [::1]", TeachingAuto, "http://[::1]:8080", true},
		{"auto: http on LOCALHOST", TeachingAuto, "http://LOCALHOST", true},
		{"auto: https on localhost", TeachingAuto, "https://localhost:8443", false},
		{"auto: http on a public name", TeachingAuto, "http://as.example", false},
		{"auto: a name that starts with localhost", TeachingAuto, "http://localhost.example", false},
		{"auto: http on a private address", TeachingAuto, "http://10.0.0.1:8080", false},
		{"on: https on a public name", TeachingOn, "https://as.example", true},
		{"off: http on localhost", TeachingOff, "http://localhost:8080", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.TeachingMode, c.Issuer = tt.mode, tt.issuer
			if got := c.Teaching(); got != tt.want {
				t.Errorf("Teaching() = %v, want %v", got, tt.want)
			}
		})
	}
	c, err := FromEnv(lookupIn(map[string]string{"TEACHING_MODE": "off"}))
	if err != nil || c.TeachingMode != TeachingOff {
		t.Errorf("TEACHING_MODE=off: got %q (%v), want off", c.TeachingMode, err)
	}
	if !Default().Teaching() {
		t.Error("the defaults (http://localhost:8080): got teaching off, want on")
	}
}
