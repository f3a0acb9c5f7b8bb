package config

import (
	"math"
	"strings"
	"testing"
	"time"
)

func lookupIn(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFromEnv(t *testing.T) {
	c, err := FromEnv(lookupIn(map[string]string{
		"ISSUER": "https://as.example", "CLIENT_ID": "c1", "ACCESS_TOKEN_TTL": "15m", "DATABASE_URL": "", "PUSHED_REQUESTS_PER_HOUR": "7",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://as.example" || c.ClientID != "c1" || c.AccessTokenTTL != 15*time.Minute || c.PushedRequestsPerHour != 7 {
		t.Errorf("got %+v, want ISSUER, CLIENT_ID, ACCESS_TOKEN_TTL and PUSHED_REQUESTS_PER_HOUR applied", c)
	}
	if Default().PushedRequestsPerHour != 3600 {
		t.Errorf("default PUSHED_REQUESTS_PER_HOUR: got %d, want 3600", Default().PushedRequestsPerHour)
	}
	if Default().PurgeInterval != time.Minute {
		t.Errorf("default PURGE_INTERVAL: got %v, want 1m (a DPoP proof's jti, stored for anyone who sends a valid proof, then goes 60 s + 1m after its iat at most)", Default().PurgeInterval)
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

// password is the password in the userinfo of refused URLs: no refusal
// may show it.
const password = "hunter2"

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("the defaults must be valid: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   string // the variable the refusal names
	}{
		{"a code lifetime over 10 minutes (RFC 6749 Section 4.1.2)", func(c *Config) { c.CodeTTL = 11 * time.Minute }, "CODE_TTL"},
		{"an issuer with a query (RFC 8414 Section 2)", func(c *Config) { c.Issuer = "https://as.example?x=1" }, "ISSUER"},
		{"an issuer with an empty fragment (RFC 8414 Section 2)", func(c *Config) { c.Issuer = "https://as.example#" }, "ISSUER"},
		{"an issuer with a user and password (RFC 8414 Section 2)", func(c *Config) { c.Issuer = "http://user:" + password + "@localhost:8080" }, "ISSUER"},
		{"an issuer with a user", func(c *Config) { c.Issuer = "http://user@localhost:8080" }, "ISSUER"},
		{"an issuer that is not http(s)", func(c *Config) { c.Issuer = "ftp://as.example" }, "ISSUER"},
		{"an issuer with a trailing slash", func(c *Config) { c.Issuer = "https://as.example/" }, "ISSUER"},
		{"an issuer path a browser reads as another host (RFC 3986 Section 4.2)", func(c *Config) { c.Issuer = "https://as.example//evil.example" }, "ISSUER"},
		{"an issuer path with an empty segment", func(c *Config) { c.Issuer = "https://as.example/a//b" }, "ISSUER"},
		{"an issuer path with a dot-segment (RFC 3986 Section 5.2.4)", func(c *Config) { c.Issuer = "https://as.example/a/../b" }, "ISSUER"},
		{"an issuer path a cookie's Path cannot hold (RFC 6265 Section 4.1.1)", func(c *Config) { c.Issuer = "https://as.example/t;x" }, "ISSUER"},
		{"a relative redirect URI (RFC 6749 Section 3.1.2)", func(c *Config) { c.RedirectURI = "/callback" }, "REDIRECT_URI"},
		{"a redirect URI with a fragment (RFC 6749 Section 3.1.2)", func(c *Config) { c.RedirectURI = "http://localhost:3000/callback#x" }, "REDIRECT_URI"},
		{"a redirect URI with an empty fragment (RFC 6749 Section 3.1.2)", func(c *Config) { c.RedirectURI = "http://localhost:3000/callback#" }, "REDIRECT_URI"},
		{"a javascript: redirect URI", func(c *Config) { c.RedirectURI = "javascript://alert(1)" }, "REDIRECT_URI"},
		{"a redirect URI of another scheme, without a host", func(c *Config) { c.RedirectURI = "foo://" }, "REDIRECT_URI"},
		{"a redirect URI with a user and password", func(c *Config) { c.RedirectURI = "http://u:" + password + "@localhost:3000/callback" }, "REDIRECT_URI"},
		{"an empty client secret", func(c *Config) { c.ClientSecret = "" }, "CLIENT_SECRET"},
		{"a user id of 256 characters: it is the sub (OIDC Core Section 2)", func(c *Config) { c.UserID = strings.Repeat("u", 256) }, "USER_ID"},
		{"a user id outside ASCII", func(c *Config) { c.UserID = "usér" }, "USER_ID"},
		{"a user id with a space", func(c *Config) { c.UserID = "user 1" }, "USER_ID"},
		{"a user id with a control character", func(c *Config) { c.UserID = "user\x00" }, "USER_ID"},
		{"a password over 1024 bytes: the sign-in form refuses it", func(c *Config) { c.Password = strings.Repeat(password, 147) }, "OAUTH_PASSWORD"},
		{"a password that is not UTF-8", func(c *Config) { c.Password = password + "\xff" }, "OAUTH_PASSWORD"},
		{"a username over 256 bytes: the sign-in form refuses it", func(c *Config) { c.Username = strings.Repeat("u", 257) }, "OAUTH_USERNAME"},
		{"a redirect URI whose query holds a response parameter (RFC 6749 Section 3.1)", func(c *Config) { c.RedirectURI = "http://localhost:3000/callback?state=x" }, "REDIRECT_URI"},
		{"a registration token of 31 bytes", func(c *Config) { c.RegistrationToken = strings.Repeat("t", 31) }, "REGISTRATION_TOKEN"},
		{"CLIENT_ID is the device client's", func(c *Config) { c.ClientID = c.DeviceClientID }, "CLIENT_ID"},
		{"CLIENT_ID is the SPA client's", func(c *Config) { c.ClientID = SPAClientID }, "CLIENT_ID"},
		{"DEVICE_CLIENT_ID is the SPA client's", func(c *Config) { c.DeviceClientID = SPAClientID }, "DEVICE_CLIENT_ID"},
		{"an audience that is not an absolute URI (RFC 8707 Section 2)", func(c *Config) { c.Audience = "my-api" }, "ACCESS_TOKEN_AUDIENCE"},
		{"an audience with a fragment (RFC 8707 Section 2)", func(c *Config) { c.Audience = "https://api.example#x" }, "ACCESS_TOKEN_AUDIENCE"},
		{"a resource that is not an absolute URI (RFC 8707 Section 2)", func(c *Config) { c.Resources = []string{"https://api.example", "api"} }, "RESOURCES"},
		{"a resource whose host has a colon and is no IPv6 address: no request could name it", func(c *Config) { c.Resources = []string{"ws://a:b:/"} }, "RESOURCES"},
		{"an audience without a host: its metadata could not be found (RFC 9728 Section 3.1)", func(c *Config) { c.Audience = "urn:example:api" }, "ACCESS_TOKEN_AUDIENCE"},
		{"an audience whose host has a colon and is no IPv6 address", func(c *Config) { c.Audience = "ws://a:b:/" }, "ACCESS_TOKEN_AUDIENCE"},
		{"an audience with a user and password: it is published (RFC 3986 Section 3.2.1)", func(c *Config) { c.Audience = "https://op:" + password + "@api.example/mcp" }, "ACCESS_TOKEN_AUDIENCE must not hold a user or password"},
		{"an audience with a user", func(c *Config) { c.Audience = "https://op@api.example/mcp" }, "ACCESS_TOKEN_AUDIENCE must not hold a user or password"},
		{"a resource with a user and password: it is published (RFC 3986 Section 3.2.1)", func(c *Config) {
			c.Resources = []string{"https://api.example", "https://u2:" + password + "@other.example/x"}
		}, "RESOURCES must not hold a user or password"},
		{"a database URL of another scheme", func(c *Config) { c.DatabaseURL = "mysql://x/y" }, "DATABASE_URL"},
		{"a database URL in SQLite's URI syntax", func(c *Config) { c.DatabaseURL = "file:data/provider.db" }, "DATABASE_URL"},
		{"an in-memory SQLite database", func(c *Config) { c.DatabaseURL = ":memory:" }, "DATABASE_URL"},
		{"an in-memory SQLite database by URI", func(c *Config) { c.DatabaseURL = "file::memory:" }, "DATABASE_URL"},
		{"an in-memory SQLite database by mode", func(c *Config) { c.DatabaseURL = "file:x?mode=memory" }, "DATABASE_URL"},
		{"a SQLite path with driver parameters", func(c *Config) { c.DatabaseURL = "data/provider.db?_pragma=x" }, "DATABASE_URL"},
		{"an empty database URL", func(c *Config) { c.DatabaseURL = "" }, "DATABASE_URL"},
		{"a keyword/value PostgreSQL connection string", func(c *Config) { c.DatabaseURL = "host=127.0.0.1 password=" + password + " dbname=x" }, "DATABASE_URL"},
		{"a keyword/value connection string with spaces and a '?'", func(c *Config) {
			c.DatabaseURL = "Password = " + password + "?"
		}, "DATABASE_URL"},
		{"a fallback that is a keyword/value connection string", func(c *Config) {
			c.DatabaseURL, c.DatabaseFallback = "postgres://db/x", "host=db password="+password
		}, "DATABASE_FALLBACK"},
		{"a postgres:// URL that does not parse", func(c *Config) { c.DatabaseURL = "postgres://u:" + password + "@db:port/x" }, "DATABASE_URL"},
		{"a fallback that is not a SQLite file", func(c *Config) {
			c.DatabaseURL, c.DatabaseFallback = "postgres://db/x", "postgres://other/x"
		}, "DATABASE_FALLBACK"},
		{"a code lifetime too short for a redirect and an exchange", func(c *Config) { c.CodeTTL = MinCodeTTL - time.Second }, "CODE_TTL"},
		{"a code lifetime of 1ns", func(c *Config) { c.CodeTTL = time.Nanosecond }, "CODE_TTL"},
		{"a device code lifetime too short for a person", func(c *Config) { c.DeviceCodeTTL = MinDeviceCodeTTL - time.Second }, "DEVICE_CODE_TTL"},
		{"a device polling interval as long as the device code's life", func(c *Config) { c.DevicePollInterval = c.DeviceCodeTTL }, "DEVICE_POLL_INTERVAL"},
		{"a purge interval under a second", func(c *Config) { c.PurgeInterval = time.Nanosecond }, "PURGE_INTERVAL"},
		{"an access token lifetime under a second", func(c *Config) { c.AccessTokenTTL = 500 * time.Millisecond }, "ACCESS_TOKEN_TTL"},
		{"a zero access token lifetime", func(c *Config) { c.AccessTokenTTL = 0 }, "ACCESS_TOKEN_TTL"},
		{"an access token lifetime that wraps when a retired key's two minutes are added", func(c *Config) { c.AccessTokenTTL = math.MaxInt64 - time.Minute }, "ACCESS_TOKEN_TTL"},
		{"an access token lifetime over 100 years", func(c *Config) { c.AccessTokenTTL = MaxDuration + time.Second }, "ACCESS_TOKEN_TTL"},
		{"a refresh token lifetime over 100 years", func(c *Config) { c.RefreshTokenTTL = MaxDuration + time.Second }, "REFRESH_TOKEN_TTL"},
		{"a device code lifetime over 100 years", func(c *Config) { c.DeviceCodeTTL = MaxDuration + time.Second }, "DEVICE_CODE_TTL"},
		{"a purge interval over 100 years", func(c *Config) { c.PurgeInterval = MaxDuration + time.Second }, "PURGE_INTERVAL"},
		{"an unused-client lifetime over 100 years", func(c *Config) { c.RegistrationUnusedTTL = MaxDuration + time.Second }, "REGISTRATION_UNUSED_TTL"},
		{"an unknown TEACHING_MODE", func(c *Config) { c.TeachingMode = "yes" }, "TEACHING_MODE"},
		{"a negative REFRESH_REUSE_GRACE", func(c *Config) { c.RefreshReuseGrace = -time.Second }, "REFRESH_REUSE_GRACE"},
		{"a negative SHUTDOWN_DELAY", func(c *Config) { c.ShutdownDelay = -time.Second }, "SHUTDOWN_DELAY"},
		{"a SESSION_TTL longer than a logout is remembered", func(c *Config) { c.SessionTTL = MaxSessionTTL + time.Second }, "SESSION_TTL"},
		{"a SHUTDOWN_DELAY over a minute", func(c *Config) { c.ShutdownDelay = MaxShutdownDelay + time.Second }, "SHUTDOWN_DELAY"},
		{"a REFRESH_REUSE_GRACE over a minute", func(c *Config) { c.RefreshReuseGrace = MaxRefreshReuseGrace + time.Second }, "REFRESH_REUSE_GRACE"},
		{"a SESSION_SECRET too short to key cookies", func(c *Config) { c.SessionKey = "x" }, "SESSION_SECRET"},
		{"a SESSION_SECRET of spaces", func(c *Config) { c.SessionKey = strings.Repeat(" ", 40) }, "SESSION_SECRET"},
		{"no device authorizations per hour", func(c *Config) { c.DeviceAuthorizationsPerHour = 0 }, "DEVICE_AUTHORIZATIONS_PER_HOUR"},
		{"no pushed requests per hour", func(c *Config) { c.PushedRequestsPerHour = 0 }, "PUSHED_REQUESTS_PER_HOUR"},
		{"an unknown CLIENT_ID_METADATA_DOCUMENTS", func(c *Config) { c.ClientIDMetadataDocuments = "yes" }, "CLIENT_ID_METADATA_DOCUMENTS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
			if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %q, want one line without the password", err)
			}
		})
	}
}

// TestValidateAccepts: the checks of TestValidate leave alone what a
// deployment uses.
func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"an https issuer with a path", func(c *Config) { c.Issuer = "https://as.example/tenant" }},
		{"a registration token of 32 bytes (16 letters of 2 bytes each)", func(c *Config) { c.RegistrationToken = strings.Repeat("é", 16) }},
		{"an issuer with a deeper path, dots and an encoded ';'", func(c *Config) { c.Issuer = "https://as.example/a/v1.0/t%3Bx" }},
		{"an https redirect URI with a query (RFC 6749 Section 3.1.2)", func(c *Config) { c.RedirectURI = "https://app.example/cb?x=1" }},
		{"a redirect URI on another host", func(c *Config) { c.RedirectURI = "http://client:3000/callback" }},
		{"a user id of 255 visible ASCII characters", func(c *Config) { c.UserID = strings.Repeat("~", 255) }},
		{"a password of 1024 bytes, longer than bcrypt reads", func(c *Config) { c.Password = strings.Repeat("p", 1024) }},
		{"a username of 256 bytes", func(c *Config) { c.Username = strings.Repeat("u", 256) }},
		{"a user id like an email address", func(c *Config) { c.UserID = "248289761001|user@example.com" }},
		{"an audience of another host", func(c *Config) { c.Audience = "https://api.example" }},
		{"a resource of a URN, as a request may name one (RFC 8707 Section 2)", func(c *Config) { c.Resources = []string{"urn:example:r"} }},
		{"a resource at an IPv6 address", func(c *Config) { c.Resources = []string{"http://[::1]:9000/api"} }},
		{"a PostgreSQL URL with a password", func(c *Config) { c.DatabaseURL = "postgres://u:" + password + "@db:5432/x?sslmode=disable" }},
		{"a postgresql:// URL with a fallback", func(c *Config) {
			c.DatabaseURL, c.DatabaseFallback = "postgresql://db/x", "/data/provider.db"
		}},
		{"an absolute SQLite path", func(c *Config) { c.DatabaseURL = "/data/provider.db" }},
		{"a SQLite path with a colon after a slash", func(c *Config) { c.DatabaseURL = "./data:1/provider.db" }},
		{"a SQLite path on a Windows drive", func(c *Config) { c.DatabaseURL = `C:\data\provider.db` }},
		{"a SQLite path with '=' in a folder name", func(c *Config) { c.DatabaseURL = "data/host=a/provider.db" }},
		{"the shortest lifetimes and intervals", func(c *Config) {
			c.CodeTTL, c.DeviceCodeTTL, c.PurgeInterval = MinCodeTTL, MinDeviceCodeTTL, MinDuration
			c.AccessTokenTTL, c.RefreshTokenTTL, c.SessionTTL, c.DevicePollInterval = MinDuration, MinDuration, MinDuration, MinDuration
		}},
		{"the longest lifetimes and intervals", func(c *Config) {
			c.AccessTokenTTL, c.RefreshTokenTTL, c.DeviceCodeTTL = MaxDuration, MaxDuration, MaxDuration
			c.PurgeInterval, c.RegistrationUnusedTTL = MaxDuration, MaxDuration
		}},
		{"the longest code lifetime (RFC 6749 Section 4.1.2)", func(c *Config) { c.CodeTTL = MaxCodeTTL }},
		{"the longest login session", func(c *Config) { c.SessionTTL = MaxSessionTTL }},
		{"other demo client ids", func(c *Config) { c.ClientID, c.DeviceClientID = "web", "cli" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.change(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("got %v, want it accepted", err)
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

// TestPlainHTTPIssuerWarning: an http ISSUER on a host that is not loopback
// (a LAN address, a public name) gets a warning that names ISSUER, says http
// is for local development, that the session cookie loses Secure and that
// RFC 6749 Section 3.1 requires TLS; an http issuer on a loopback host
// (localhost, 127.0.0.0/8, [::1]) and any https issuer get none.
func TestPlainHTTPIssuerWarning(t *testing.T) {
	for _, issuer := range []string{"http://10.20.30.40:8080", "http://auth.example.com", "http://localhost.example", "http://192.168.1.5:8080/tenant"} {
		got := Config{Issuer: issuer}.PlainHTTPIssuerWarning()
		for _, want := range []string{"ISSUER is http", "local development only", "without Secure", "RFC 6749 Section 3.1 requires TLS"} {
			if !strings.Contains(got, want) {
				t.Errorf("ISSUER=%s: got warning %q, want it to hold %q", issuer, got, want)
			}
		}
	}
	for _, issuer := range []string{"http://localhost:8080", "http://LOCALHOST", "http://127.0.0.1:8080", "http://127.1.2.3", "http://[::1]:8080",
		"https://auth.example.com", "https://10.20.30.40:8443", "https://localhost:8443"} {
		if got := (Config{Issuer: issuer}).PlainHTTPIssuerWarning(); got != "" {
			t.Errorf("ISSUER=%s: got warning %q, want none", issuer, got)
		}
	}
}

// TestMetadataDocumentsOn: CLIENT_ID_METADATA_DOCUMENTS=auto fetches client
// ID metadata documents in teaching mode only; on and off decide alone.
func TestMetadataDocumentsOn(t *testing.T) {
	tests := []struct {
		setting, issuer string
		want            bool
	}{
		{"auto", "http://localhost:8080", true},
		{"auto", "https://as.example", false},
		{"on", "https://as.example", true},
		{"off", "http://localhost:8080", false},
	}
	for _, tc := range tests {
		c, err := FromEnv(lookupIn(map[string]string{"CLIENT_ID_METADATA_DOCUMENTS": tc.setting, "ISSUER": tc.issuer}))
		if err != nil || c.Validate() != nil {
			t.Fatalf("%s with %s: %v, %v", tc.setting, tc.issuer, err, c.Validate())
		}
		if got := c.MetadataDocumentsOn(); got != tc.want {
			t.Errorf("CLIENT_ID_METADATA_DOCUMENTS=%s, ISSUER=%s: got %v, want %v", tc.setting, tc.issuer, got, tc.want)
		}
	}
}
