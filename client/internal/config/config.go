// Package config holds the client's settings, read from the environment (and
// an optional .env file, loaded by main) with a working default for each, so
// that the client starts with nothing set at all. .env.example lists the
// variables.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/oauth-reference/provider/setting"
)

// SPAClientID is the public client of the browser-only demo at /spa, as
// registered by the provider at start (provider/internal/oauth/seed.go).
const SPAClientID = "spa-client"

// Config is every setting of the client. The environment variable that sets a
// field is named in its comment.
type Config struct {
	ClientID     string // CLIENT_ID: the demo confidential client
	ClientSecret string // CLIENT_SECRET: its secret
	RedirectURI  string // REDIRECT_URI: its registered redirect URI (this app's /callback)
	// AuthServer (AUTH_SERVER) is the issuer the client trusts; every
	// endpoint comes from its metadata. It is kept as written: the
	// metadata's "issuer" and the "iss" of each response must be identical
	// to it ([RFC 8414 Section 3.3], [RFC 9207 Section 2.4]), a trailing "/"
	// included.
	//
	// [RFC 8414 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8414#section-3.3
	// [RFC 9207 Section 2.4]: https://www.rfc-editor.org/rfc/rfc9207#section-2.4
	AuthServer string
	// AuthServerInternal (AUTH_SERVER_INTERNAL) is the base URL of the
	// back-channel (token, revocation, JWKS, resources) when it differs from
	// AuthServer, as inside docker compose. Empty means AuthServer.
	AuthServerInternal string
	ClientAddr         string // CLIENT_ADDR: listen address
	// SessionSecret (SESSION_SECRET) keys the session cookie. Empty means a
	// random key per start (main warns): sessions then end with the process,
	// which they do anyway, since they live in memory.
	SessionSecret  string
	DeviceClientID string // DEVICE_CLIENT_ID: the public client of `client device`
	// TeachingMode (TEACHING_MODE) is "on", "off" or "auto": see Teaching.
	TeachingMode string
	LogFormat    string // LOG_FORMAT: "text" (default) or "json"
	LogLevel     string // LOG_LEVEL: "debug", "info" (default), "warn" or "error"
	// MetricsAddr (METRICS_ADDR): "" serves /metrics on ClientAddr; an
	// address serves it only there.
	MetricsAddr string
	// DPoP (DPOP, "on" or "off", default off): the web app binds its tokens
	// to a DPoP key ([RFC 9449]) and proves possession on every token and
	// resource request.
	//
	// [RFC 9449]: https://www.rfc-editor.org/rfc/rfc9449
	DPoP string
}

// Values of TEACHING_MODE.
const (
	TeachingOn   = "on"
	TeachingOff  = "off"
	TeachingAuto = "auto"
)

// Default returns the settings used when nothing is set: the demo that
// `make run` starts (README, "Quick start").
func Default() Config {
	return Config{
		ClientID:       "testclient",
		ClientSecret:   "testsecret",
		RedirectURI:    "http://localhost:3000/callback",
		AuthServer:     "http://localhost:8080",
		ClientAddr:     ":3000",
		DeviceClientID: "device-client",
		TeachingMode:   TeachingAuto,
		DPoP:           "off",
		LogFormat:      "text",
		LogLevel:       "info",
	}
}

// FromEnv returns Default() overridden by the variables lookup finds. Tests
// pass a map's lookup; main passes os.LookupEnv.
func FromEnv(lookup func(string) (string, bool)) Config {
	c := Default()
	for name, field := range map[string]*string{
		"CLIENT_ID":            &c.ClientID,
		"CLIENT_SECRET":        &c.ClientSecret,
		"REDIRECT_URI":         &c.RedirectURI,
		"AUTH_SERVER":          &c.AuthServer,
		"AUTH_SERVER_INTERNAL": &c.AuthServerInternal,
		"CLIENT_ADDR":          &c.ClientAddr,
		"SESSION_SECRET":       &c.SessionSecret,
		"DEVICE_CLIENT_ID":     &c.DeviceClientID,
		"TEACHING_MODE":        &c.TeachingMode,
		"LOG_FORMAT":           &c.LogFormat,
		"LOG_LEVEL":            &c.LogLevel,
		"METRICS_ADDR":         &c.MetricsAddr,
		"DPOP":                 &c.DPoP,
	} {
		if v, ok := lookup(name); ok && v != "" {
			*field = v
		}
	}
	return c
}

// Validate reports every setting that cannot work, joined into one error.
func (c Config) Validate() error {
	var errs []error
	for name, v := range map[string]string{
		"CLIENT_ID":        c.ClientID,
		"CLIENT_ADDR":      c.ClientAddr,
		"DEVICE_CLIENT_ID": c.DeviceClientID,
	} {
		if v == "" {
			errs = append(errs, fmt.Errorf("config: %s is empty", name))
		}
	}
	errs = append(errs, setting.CheckIssuer("AUTH_SERVER", c.AuthServer))
	if c.AuthServerInternal != "" {
		errs = append(errs, setting.CheckIssuer("AUTH_SERVER_INTERNAL", c.AuthServerInternal))
	}
	errs = append(errs, setting.CheckRedirectURI(c.RedirectURI), setting.CheckSessionSecret(c.SessionSecret),
		setting.CheckClientIDs(c.ClientID, c.DeviceClientID, SPAClientID),
		setting.CheckListenAddr("CLIENT_ADDR", c.ClientAddr), setting.CheckListenAddr("METRICS_ADDR", c.MetricsAddr))
	switch c.TeachingMode {
	case TeachingOn, TeachingOff, TeachingAuto:
	default:
		errs = append(errs, fmt.Errorf("config: TEACHING_MODE must be on, off or auto, got %s", setting.Show(c.TeachingMode)))
	}
	if c.DPoP != "on" && c.DPoP != "off" {
		errs = append(errs, fmt.Errorf("config: DPOP must be on or off, got %s", setting.Show(c.DPoP)))
	}
	return errors.Join(errs...)
}

// Teaching reports whether teaching mode is on: the walkthrough then shows
// the provider's own checks beside each exchange (README, "The X-ray").
// "auto" turns it on when AUTH_SERVER is http:// on a loopback host, as with
// `make run`, and off for any other issuer, such as a real https one.
func (c Config) Teaching() bool {
	switch c.TeachingMode {
	case TeachingOn:
		return true
	case TeachingAuto:
		u, err := url.Parse(c.AuthServer)
		return err == nil && u.Scheme == "http" && IsLoopback(u.Hostname())
	}
	return false
}

// IsLoopback reports whether host (without port or brackets) names this
// machine: "localhost" or a loopback address such as 127.0.0.1 or ::1.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BackChannel returns the base URL of the provider for server-to-server
// calls: AuthServerInternal when set, else AuthServer.
func (c Config) BackChannel() string {
	if c.AuthServerInternal != "" {
		return c.AuthServerInternal
	}
	return c.AuthServer
}

// IssuerURL returns path at the issuer, AuthServer, as the browser reaches
// it: the provider's own resource server and traces live there (README,
// "What the provider does"). The two are joined by url.JoinPath, so that an
// issuer ending in "/" gives no "//"; a base Validate refuses gives "".
func (c Config) IssuerURL(path string) string { return joinURL(c.AuthServer, path) }

// BackChannelURL returns path at BackChannel(), joined as IssuerURL joins.
func (c Config) BackChannelURL(path string) string { return joinURL(c.BackChannel(), path) }

// joinURL returns path under base, or "" when base is not a URL.
func joinURL(base, path string) string {
	u, err := url.JoinPath(base, path)
	if err != nil {
		return ""
	}
	return u
}

// SPARedirectURI is the redirect URI registered for the public SPA client:
// the origin of RedirectURI + "/spa/callback", as the provider registers it
// at start (provider/internal/oauth/seed.go).
func (c Config) SPARedirectURI() string { return c.atOrigin("/spa/callback") }

// MCPRedirectURI is the redirect URI the client web app registers for its
// MCP walkthrough (/mcp), as a public client of its own: the origin of
// RedirectURI + "/mcp/callback".
func (c Config) MCPRedirectURI() string { return c.atOrigin("/mcp/callback") }

// PostLogoutRedirectURI is where the provider sends the browser back after
// logging the user out, as the demo client registered it: the origin of
// RedirectURI + "/", the home page ([OIDC RP-Initiated Logout Section 3]).
//
// [OIDC RP-Initiated Logout Section 3]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
func (c Config) PostLogoutRedirectURI() string { return c.atOrigin("/") }

// atOrigin is path on the origin of RedirectURI.
func (c Config) atOrigin(path string) string {
	u, err := url.Parse(c.RedirectURI)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + path
}
