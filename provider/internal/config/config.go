// Package config holds the provider's settings, read from the environment
// (and an optional .env file, loaded by main) with a working default for each.
package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oauth-reference/provider/setting"
)

// Config is every setting of the provider. The environment variable that
// sets a field is named in its comment; .env.example lists them all.
type Config struct {
	Issuer       string // ISSUER: public base URL, "iss" of every token
	Addr         string // PROVIDER_ADDR: listen address
	DatabaseURL  string // DATABASE_URL: "postgres://…" or a SQLite file path
	Audience     string // ACCESS_TOKEN_AUDIENCE: "aud" of access tokens (default: Issuer)
	SessionKey   string // SESSION_SECRET: keys for the login session cookie ("" = random per start)
	ClientID     string // CLIENT_ID: the demo confidential client
	ClientSecret string // CLIENT_SECRET
	RedirectURI  string // REDIRECT_URI: its registered redirect URI
	// DeviceClientID (DEVICE_CLIENT_ID) is the public client of the device grant.
	DeviceClientID string
	UserID         string // USER_ID: the demo resource owner
	Username       string // OAUTH_USERNAME
	Password       string // OAUTH_PASSWORD

	AccessTokenTTL  time.Duration // ACCESS_TOKEN_TTL, default 1h
	RefreshTokenTTL time.Duration // REFRESH_TOKEN_TTL, default 30 days
	// CodeTTL (CODE_TTL) is the lifetime of authorization codes, from
	// MinCodeTTL to MaxCodeTTL; default 5 min.
	CodeTTL time.Duration
	// DeviceCodeTTL (DEVICE_CODE_TTL) is expires_in of [RFC 8628 Section 3.2], default 15 min,
	// at least MinDeviceCodeTTL.
	//
	// [RFC 8628 Section 3.2]: https://www.rfc-editor.org/rfc/rfc8628#section-3.2
	DeviceCodeTTL time.Duration
	// DevicePollInterval (DEVICE_POLL_INTERVAL) is the polling interval, default 5 s.
	DevicePollInterval time.Duration
	// DeviceAuthorizationsPerHour (DEVICE_AUTHORIZATIONS_PER_HOUR, default
	// 60) bounds the device authorization requests one address may make per
	// hour. A device on its sign-in screen asks again when its code expires
	// (every DEVICE_CODE_TTL, 15 min: 4 an hour), so 60 lets a dozen devices
	// behind one address wait an hour, or a user start over every minute;
	// a flood stores at most 60 codes an hour per address.
	DeviceAuthorizationsPerHour int
	// PushedRequestsPerHour (PUSHED_REQUESTS_PER_HOUR, default 3600) bounds
	// the pushed authorization requests one address may make per hour. A
	// confidential client's backend pushes from one address for all its
	// users, so the default lets one push a second go on all hour; a flood
	// stores at most 3600 requests an hour per address.
	PushedRequestsPerHour int
	// SessionTTL (SESSION_TTL) is how long a login session lasts, default
	// 12h, at most MaxSessionTTL.
	SessionTTL time.Duration
	// PurgeInterval (PURGE_INTERVAL) is how often expired records are
	// deleted, default 1m: a DPoP proof's jti, stored for anyone who sends
	// a valid proof, is kept until 60 s after the proof's iat and then
	// until the next purge, so the rows one sender can keep are what it
	// sends in about two minutes (README, "Attempt limits").
	PurgeInterval time.Duration
	// RefreshReuseGrace (REFRESH_REUSE_GRACE, default 0: strict) lets the
	// refresh token rotated out most recently be presented again, by the
	// same client, for this long after its rotation (README, "Refresh token reuse
	// grace"); at most MaxRefreshReuseGrace.
	RefreshReuseGrace time.Duration
	// PasswordHashMemoryKiB (PASSWORD_HASH_MEMORY_KIB) and PasswordHashTime
	// (PASSWORD_HASH_TIME) are the Argon2id memory (KiB) and passes of user
	// passwords, default 7168 (7 MiB) and 5: an OWASP minimum (README,
	// "Passwords"). Tests lower them to 64 and 1.
	PasswordHashMemoryKiB int
	PasswordHashTime      int
	// TeachingMode (TEACHING_MODE) is "on", "off" or "auto": see Teaching.
	TeachingMode string
	// KeyEncryptionKey (KEY_ENCRYPTION_KEY) is the base64 of 32 bytes that
	// seal the signing keys in the database. "" = a key kept in the file
	// "kek" beside a SQLite database, created at first start; PostgreSQL
	// requires it set (see backend.KeyEncryptionKey).
	KeyEncryptionKey string
	// KeyEncryptionKeyPrevious (KEY_ENCRYPTION_KEY_PREVIOUS) is the key that
	// KeyEncryptionKey replaces: keys sealed with it still open, and are
	// sealed again with the new one at start. "" when the key is not changing.
	KeyEncryptionKeyPrevious string
	// DPoPNonce (DPOP_NONCE, "on" or "off") makes the token, PAR and
	// resource endpoints require server-provided DPoP nonces
	// ([RFC 9449 Section 8], [RFC 9449 Section 9]). Processes behind one
	// issuer share them through SESSION_SECRET.
	//
	// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
	// [RFC 9449 Section 9]: https://www.rfc-editor.org/rfc/rfc9449#section-9
	DPoPNonce bool

	// Registration (REGISTRATION) is the policy of dynamic client
	// registration: "open", "token", "off" or "auto"; see RegistrationPolicy.
	Registration string
	// RegistrationToken (REGISTRATION_TOKEN) is the initial access token
	// ([RFC 7591 Section 3]) a registration request must carry under the
	// "token" policy.
	//
	// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
	RegistrationToken string
	// RegistrationUnusedTTL (REGISTRATION_UNUSED_TTL, default 24h) is how
	// long a registered client that is never used is kept.
	RegistrationUnusedTTL time.Duration
	// ShutdownDelay (SHUTDOWN_DELAY, default 0, at most MaxShutdownDelay) is
	// how long the provider goes on serving after SIGTERM, with /readyz
	// answering 503, before its listeners close (service.Serve).
	ShutdownDelay time.Duration
	// RegistrationsPerHour (REGISTRATIONS_PER_HOUR, default 20) bounds the
	// registration requests one address may make per hour.
	RegistrationsPerHour int
	// ClientIDMetadataDocuments (CLIENT_ID_METADATA_DOCUMENTS) is "on",
	// "off" or "auto": whether a client_id that is an https URL names a
	// client ID metadata document the provider fetches; see
	// MetadataDocumentsOn.
	ClientIDMetadataDocuments string
	// Resources (RESOURCES, comma-separated) are the other resource servers
	// a client may name as "resource" ([RFC 8707 Section 2]); the provider's
	// own (ResourceAudience) is always one.
	//
	// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
	Resources []string
	// AccessTokenSigningAlg (ACCESS_TOKEN_SIGNING_ALG) is the JWS alg of
	// access tokens: "RS256" (default), "ES256" or "EdDSA" (token.ParseAlgorithm).
	AccessTokenSigningAlg string
	LogFormat             string // LOG_FORMAT: "text" (default) or "json"
	LogLevel              string // LOG_LEVEL: "debug", "info" (default), "warn" or "error"
	// MetricsAddr (METRICS_ADDR): "" serves /metrics on Addr; an address
	// serves it only there (keep it off the public listener).
	MetricsAddr string
	// DebugAddr (DEBUG_ADDR): "" (the default) serves no profiles; a
	// loopback host:port serves net/http/pprof there (README, "Profiling").
	// Profiles show memory, code paths and command line, so any other
	// address is refused.
	DebugAddr string
	// TrustedProxies (TRUSTED_PROXIES, comma-separated CIDRs or addresses)
	// are the reverse proxies whose X-Forwarded-For names the client address
	// for the rate limits. Empty: the connection's address, always.
	TrustedProxies []netip.Prefix
	// DatabaseFallback (DATABASE_FALLBACK), when set with a postgres://
	// DATABASE_URL, is the SQLite file to use while that URL's host does
	// not exist: docker compose without the postgres profile (README,
	// "Operating it"). Its directory also keeps the key-encryption key.
	DatabaseFallback string
}

// SPAClientID is the client_id of the demo single-page app, which the
// provider registers at start beside CLIENT_ID and DEVICE_CLIENT_ID
// (oauth.Provider.SeedDemo).
const SPAClientID = "spa-client"

// MaxRefreshReuseGrace bounds REFRESH_REUSE_GRACE: parallel requests of one
// relying party arrive within seconds, and every moment of the window is
// one in which a replayed refresh token goes undetected.
const MaxRefreshReuseGrace = time.Minute

// Bounds of the Argon2id password-hash settings, which also bound the
// parameters read back from a stored hash: Argon2 needs at least 8 KiB per
// lane, and above 256 MiB or 16 passes one sign-in would hold the server
// for seconds.
const (
	MinPasswordHashMemoryKiB = 8
	MaxPasswordHashMemoryKiB = 256 * 1024
	MaxPasswordHashTime      = 16
)

// Bounds of a username and a password (OAUTH_USERNAME, OAUTH_PASSWORD, and
// what the sign-in form may carry), this server's own: how a user
// authenticates is outside OAuth, and no specification sets any. A
// password is checked with Argon2id, which reads any length; the bound
// keeps what a sign-in makes it read small, and leaves room for the
// longest passphrase a password manager makes. (bcrypt, of older
// installs, reads only 72 bytes: a longer password never matches a
// bcrypt hash.)
const (
	MaxUsernameBytes = 256
	MaxPasswordBytes = 1024
)

// The policies of dynamic client registration (REGISTRATION).
const (
	RegistrationOpen  = "open"  // anyone may register
	RegistrationToken = "token" // only with the initial access token REGISTRATION_TOKEN
	RegistrationOff   = "off"   // no registration endpoint
	RegistrationAuto  = "auto"  // open in teaching mode, else token when REGISTRATION_TOKEN is set, else off
)

// Values of CLIENT_ID_METADATA_DOCUMENTS.
const (
	MetadataDocumentsOn   = "on"
	MetadataDocumentsOff  = "off"
	MetadataDocumentsAuto = "auto" // on in teaching mode, else off
)

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
		Issuer:                "http://localhost:8080",
		Addr:                  ":8080",
		DatabaseURL:           "data/provider.db",
		ClientID:              "testclient",
		ClientSecret:          "testsecret",
		RedirectURI:           "http://localhost:3000/callback",
		DeviceClientID:        "device-client",
		UserID:                "user1",
		Username:              "demo",
		Password:              "demo",
		AccessTokenTTL:        time.Hour,
		RefreshTokenTTL:       30 * 24 * time.Hour,
		CodeTTL:               5 * time.Minute,
		DeviceCodeTTL:         15 * time.Minute,
		DevicePollInterval:    5 * time.Second,
		SessionTTL:            12 * time.Hour,
		PurgeInterval:         time.Minute,
		PasswordHashMemoryKiB: 7 * 1024,
		PasswordHashTime:      5,
		TeachingMode:          TeachingAuto,
		Registration:          RegistrationAuto,
		RegistrationUnusedTTL: 24 * time.Hour,
		RegistrationsPerHour:  20,

		ClientIDMetadataDocuments: MetadataDocumentsAuto,
		AccessTokenSigningAlg:     "RS256", // the one algorithm every OpenID Connect client supports
		LogFormat:                 "text",
		LogLevel:                  "info",

		DeviceAuthorizationsPerHour: 60,
		PushedRequestsPerHour:       3600,
	}
}

// FromEnv returns Default() overridden by the variables lookup finds. Tests
// pass a map's lookup; main passes os.LookupEnv.
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	strs := map[string]*string{
		"ISSUER":                &c.Issuer,
		"PROVIDER_ADDR":         &c.Addr,
		"DATABASE_URL":          &c.DatabaseURL,
		"ACCESS_TOKEN_AUDIENCE": &c.Audience,
		"SESSION_SECRET":        &c.SessionKey,
		"CLIENT_ID":             &c.ClientID,
		"CLIENT_SECRET":         &c.ClientSecret,
		"REDIRECT_URI":          &c.RedirectURI,
		"DEVICE_CLIENT_ID":      &c.DeviceClientID,
		"USER_ID":               &c.UserID,
		"OAUTH_USERNAME":        &c.Username,
		"OAUTH_PASSWORD":        &c.Password,
		"TEACHING_MODE":         &c.TeachingMode,
		"KEY_ENCRYPTION_KEY":    &c.KeyEncryptionKey,
		"REGISTRATION":          &c.Registration,
		"REGISTRATION_TOKEN":    &c.RegistrationToken,

		"ACCESS_TOKEN_SIGNING_ALG": &c.AccessTokenSigningAlg,
		"LOG_FORMAT":               &c.LogFormat,
		"LOG_LEVEL":                &c.LogLevel,
		"METRICS_ADDR":             &c.MetricsAddr,
		"DEBUG_ADDR":               &c.DebugAddr,
		"DATABASE_FALLBACK":        &c.DatabaseFallback,

		"KEY_ENCRYPTION_KEY_PREVIOUS":  &c.KeyEncryptionKeyPrevious,
		"CLIENT_ID_METADATA_DOCUMENTS": &c.ClientIDMetadataDocuments,
	}
	for name, field := range strs {
		if v, ok := lookup(name); ok && v != "" {
			*field = v
		}
	}
	durations := map[string]*time.Duration{
		"ACCESS_TOKEN_TTL":        &c.AccessTokenTTL,
		"REFRESH_TOKEN_TTL":       &c.RefreshTokenTTL,
		"CODE_TTL":                &c.CodeTTL,
		"DEVICE_CODE_TTL":         &c.DeviceCodeTTL,
		"DEVICE_POLL_INTERVAL":    &c.DevicePollInterval,
		"SESSION_TTL":             &c.SessionTTL,
		"PURGE_INTERVAL":          &c.PurgeInterval,
		"REFRESH_REUSE_GRACE":     &c.RefreshReuseGrace,
		"REGISTRATION_UNUSED_TTL": &c.RegistrationUnusedTTL,
		"SHUTDOWN_DELAY":          &c.ShutdownDelay,
	}
	for name, field := range durations {
		v, ok := lookup(name)
		if !ok || v == "" {
			continue
		}
		d, err := time.ParseDuration(v)
		if err != nil { // its message holds v as it is
			return Config{}, fmt.Errorf("config: %s must be a duration such as 90s, 15m or 12h, got %s", name, setting.Show(v))
		}
		*field = d
	}
	if v, ok := lookup("DPOP_NONCE"); ok && v != "" {
		if v != "on" && v != "off" {
			return Config{}, fmt.Errorf("config: DPOP_NONCE must be on or off, got %s", setting.Show(v))
		}
		c.DPoPNonce = v == "on"
	}
	if v, ok := lookup("RESOURCES"); ok && v != "" {
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				c.Resources = append(c.Resources, r)
			}
		}
	}
	ints := map[string]*int{
		"PASSWORD_HASH_MEMORY_KIB":       &c.PasswordHashMemoryKiB,
		"PASSWORD_HASH_TIME":             &c.PasswordHashTime,
		"REGISTRATIONS_PER_HOUR":         &c.RegistrationsPerHour,
		"DEVICE_AUTHORIZATIONS_PER_HOUR": &c.DeviceAuthorizationsPerHour,
		"PUSHED_REQUESTS_PER_HOUR":       &c.PushedRequestsPerHour,
	}
	for name, field := range ints {
		v, ok := lookup(name)
		if !ok || v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil { // its message holds v as it is
			return Config{}, fmt.Errorf("config: %s must be a whole number up to %d, got %s", name, math.MaxInt, setting.Show(v))
		}
		*field = n
	}
	if v, ok := lookup("TRUSTED_PROXIES"); ok && v != "" {
		proxies, err := parsePrefixes(v)
		if err != nil {
			return Config{}, fmt.Errorf("config: TRUSTED_PROXIES: %w", err)
		}
		c.TrustedProxies = proxies
	}
	return c, nil
}

// parsePrefixes parses a comma-separated list of CIDRs; a bare address
// stands for itself alone (/32 or /128).
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if addr, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%s is neither an address nor a CIDR", setting.Show(f))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// maxSubjectLength is the longest sub: [OIDC Core Section 2], "It MUST
// NOT exceed 255 ASCII [RFC20] characters in length."
//
// [OIDC Core Section 2]: https://openid.net/specs/openid-connect-core-1_0.html#IDToken
const maxSubjectLength = 255

// validateUserID refuses a USER_ID that cannot be the demo user's sub, the
// identifier every ID token and userinfo answer carry: at most
// maxSubjectLength characters of visible ASCII (no space or control
// character either, which a relying party comparing subjects would trip on).
func validateUserID(id string) error {
	notVisibleASCII := func(r rune) bool { return r <= ' ' || r > '~' }
	if len(id) > maxSubjectLength || strings.ContainsFunc(id, notVisibleASCII) {
		return fmt.Errorf("config: USER_ID becomes the sub of every ID token: at most %d visible ASCII characters (OIDC Core Section 2), got %s", maxSubjectLength, setting.Show(id))
	}
	return nil
}

// CredentialFits reports whether a username or password is one the
// sign-in form takes: 1 to max bytes (MaxUsernameBytes, MaxPasswordBytes)
// of UTF-8 text without NUL. The form refuses other input before the store
// or the password hash sees it, and validateCredentials refuses a demo
// user who could never sign in.
func CredentialFits(v string, max int) bool {
	return v != "" && len(v) <= max && utf8.ValidString(v) && strings.IndexByte(v, 0) < 0
}

// validateCredentials refuses an OAUTH_USERNAME or OAUTH_PASSWORD that the
// sign-in form would refuse (CredentialFits): the demo user could never
// sign in. The line names the variable and the length, never the value.
// (Validate has refused an empty one already, with its own line.)
func validateCredentials(username, password string) error {
	for _, v := range []struct {
		name, value string
		max         int
	}{{"OAUTH_USERNAME", username, MaxUsernameBytes}, {"OAUTH_PASSWORD", password, MaxPasswordBytes}} {
		if !CredentialFits(v.value, v.max) {
			return fmt.Errorf("config: %s must be UTF-8 text of at most %d bytes, got %d bytes", v.name, v.max, len(v.value))
		}
	}
	return nil
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if err := validateIssuer(c.Issuer); err != nil {
		return err
	}
	if err := setting.CheckRedirectURI(c.RedirectURI); err != nil {
		return err
	}
	if c.ClientID == "" || c.ClientSecret == "" || c.Username == "" || c.Password == "" || c.UserID == "" {
		return errors.New("config: CLIENT_ID, CLIENT_SECRET, USER_ID, OAUTH_USERNAME and OAUTH_PASSWORD must not be empty")
	}
	if err := validateUserID(c.UserID); err != nil {
		return err
	}
	if err := validateCredentials(c.Username, c.Password); err != nil {
		return err
	}
	if err := setting.CheckClientIDs(c.ClientID, c.DeviceClientID, SPAClientID); err != nil {
		return err
	}
	if err := c.validateDatabase(); err != nil {
		return err
	}
	if err := setting.CheckSessionSecret(c.SessionKey); err != nil {
		return err
	}
	if c.TeachingMode != TeachingOn && c.TeachingMode != TeachingOff && c.TeachingMode != TeachingAuto {
		return fmt.Errorf("config: TEACHING_MODE must be on, off or auto, got %s", setting.Show(c.TeachingMode))
	}
	if a := c.AccessTokenSigningAlg; a != "RS256" && a != "ES256" && a != "EdDSA" {
		return fmt.Errorf("config: ACCESS_TOKEN_SIGNING_ALG must be RS256, ES256 or EdDSA, got %s", setting.Show(a))
	}
	if c.PasswordHashMemoryKiB < MinPasswordHashMemoryKiB || c.PasswordHashMemoryKiB > MaxPasswordHashMemoryKiB {
		return fmt.Errorf("config: PASSWORD_HASH_MEMORY_KIB must be between %d and %d", MinPasswordHashMemoryKiB, MaxPasswordHashMemoryKiB)
	}
	if c.PasswordHashTime < 1 || c.PasswordHashTime > MaxPasswordHashTime {
		return fmt.Errorf("config: PASSWORD_HASH_TIME must be between 1 and %d", MaxPasswordHashTime)
	}
	if err := validateDebugAddr(c.DebugAddr); err != nil {
		return err
	}
	if c.RefreshReuseGrace < 0 || c.RefreshReuseGrace > MaxRefreshReuseGrace {
		return fmt.Errorf("config: REFRESH_REUSE_GRACE must be between 0 (strict) and %v", MaxRefreshReuseGrace)
	}
	if err := c.validateDurations(); err != nil {
		return err
	}
	if c.DeviceAuthorizationsPerHour < 1 {
		return errors.New("config: DEVICE_AUTHORIZATIONS_PER_HOUR must be at least 1")
	}
	if c.PushedRequestsPerHour < 1 {
		return errors.New("config: PUSHED_REQUESTS_PER_HOUR must be at least 1")
	}
	if err := c.validateRegistration(); err != nil {
		return err
	}
	return c.validateResources()
}

// validateRegistration checks the registration settings.
func (c Config) validateRegistration() error {
	switch c.Registration {
	case RegistrationOpen, RegistrationOff, RegistrationAuto:
	case RegistrationToken:
		if c.RegistrationToken == "" {
			return errors.New("config: REGISTRATION=token needs REGISTRATION_TOKEN")
		}
	default:
		return fmt.Errorf("config: REGISTRATION %s must be open, token, off or auto", setting.Show(c.Registration))
	}
	if c.RegistrationToken != "" && len(c.RegistrationToken) < 32 {
		return errors.New("config: REGISTRATION_TOKEN must be at least 32 bytes (it guards client registration)")
	}
	if c.RegistrationsPerHour < 1 {
		return errors.New("config: REGISTRATIONS_PER_HOUR must be at least 1")
	}
	switch c.ClientIDMetadataDocuments {
	case MetadataDocumentsOn, MetadataDocumentsOff, MetadataDocumentsAuto:
		return nil
	default:
		return fmt.Errorf("config: CLIENT_ID_METADATA_DOCUMENTS must be on, off or auto, got %s", setting.Show(c.ClientIDMetadataDocuments))
	}
}

// validateResources checks ACCESS_TOKEN_AUDIENCE, the provider's own
// resource server when set, and RESOURCES, the others: each is a resource
// indicator ([RFC 8707 Section 2], setting.ResourceIndicator, the rule a
// request's resource parameter is held to). The provider's own also needs
// a host: its metadata is found at its host, under its path
// ([RFC 9728 Section 3.1]). Neither holds a user or password, which
// [RFC 3986 Section 3.2.1] deprecates: the provider publishes each in its
// metadata and in the "aud" of tokens.
//
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
// [RFC 9728 Section 3.1]: https://www.rfc-editor.org/rfc/rfc9728#section-3.1
// [RFC 3986 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1
func (c Config) validateResources() error {
	if c.Audience != "" {
		u, ok := setting.ResourceIndicator(c.Audience)
		if !ok || u.Host == "" {
			return fmt.Errorf("config: ACCESS_TOKEN_AUDIENCE: %s must be an absolute URI with a host, without a fragment (RFC 8707 Section 2, RFC 9728 Section 3.1)", setting.Show(c.Audience))
		}
		if u.User != nil {
			return setting.UserinfoRefused("ACCESS_TOKEN_AUDIENCE", c.Audience, "RFC 3986 Section 3.2.1")
		}
	}
	for _, r := range c.Resources {
		u, ok := setting.ResourceIndicator(r)
		if !ok {
			return fmt.Errorf("config: RESOURCES: %s must be an absolute URI without a fragment (RFC 8707 Section 2)", setting.Show(r))
		}
		if u.User != nil {
			return setting.UserinfoRefused("RESOURCES", r, "RFC 3986 Section 3.2.1")
		}
	}
	return nil
}

// The shortest lifetimes and intervals the provider accepts. An
// authorization code must outlive the redirect to the client and the
// client's exchange of it; a device code, a person reading it, signing in
// on another device and typing it. Everything else lasts at least a
// second: "exp" and "expires_in" count whole seconds, and a purge more
// often than that would keep a core busy.
const (
	MinCodeTTL       = 10 * time.Second
	MinDeviceCodeTTL = time.Minute
	MinDuration      = time.Second
)

// MaxDuration bounds every lifetime and interval: 100 years, far below the
// greatest time.Duration (about 292 years), so what the provider adds to one
// (the two minutes a retired signing key is kept past the longest access
// token, an access token's expiry beyond its grant's start) cannot wrap.
const MaxDuration = 100 * 365 * 24 * time.Hour

// MaxCodeTTL bounds CODE_TTL: "A maximum authorization code lifetime of 10
// minutes is RECOMMENDED" ([RFC 6749 Section 4.1.2]).
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
const MaxCodeTTL = 10 * time.Minute

// MaxShutdownDelay bounds SHUTDOWN_DELAY: a stop must not wait longer than
// an orchestrator's grace period (Kubernetes gives 30 s by default).
const MaxShutdownDelay = time.Minute

// RequestTimeout is how long a request's work may take, counted from the
// end of its headers: the deadline of its context (service.Deadline),
// which every database call and outgoing fetch of the request is made
// with. A database that stops answering mid-query (its host frozen, a
// partition that drops packets without a reset) then costs a request this
// long, not as long as its caller waits, and the request is answered (503
// temporarily_unavailable) instead of holding its goroutine and its
// database connection. service.WriteTimeout closes the connection but does
// not stop the handler.
//
// 10 s: well below service.WriteTimeout, so the answer is still written,
// and below the 15 s an HTTP client commonly waits (this project's client
// does), so the caller reads the answer instead of its own timeout; equal
// to service.DrainTimeout, so a request stuck at shutdown ends within the
// drain; and above the provider's own budgets within a request (a new
// PostgreSQL connection: 2 s ping and 5 s connect; a client ID metadata
// document fetch: 5 s), which end first with their own answer.
const RequestTimeout = 10 * time.Second

// MaxSessionTTL bounds SESSION_TTL: 30 days is as long as the session
// cookie's signature is accepted after it was last written (the default of
// gorilla/securecookie, which the cookie store keeps). A session's cookie
// carries its own end; a logout of a session whose cookie does not (one
// written before cookies carried it) keeps its record this long after the
// sign-in (the oauth package's EndLoginSession).
const MaxSessionTTL = 30 * 24 * time.Hour

// validateDurations checks each lifetime and interval against its
// minimum and MaxDuration, CODE_TTL against MaxCodeTTL, SESSION_TTL against
// MaxSessionTTL, and that a device may poll at least once before its code
// expires.
func (c Config) validateDurations() error {
	if c.CodeTTL < MinCodeTTL || c.CodeTTL > MaxCodeTTL {
		return fmt.Errorf("config: CODE_TTL must be between %v and %v (RFC 6749 Section 4.1.2), got %v", MinCodeTTL, MaxCodeTTL, c.CodeTTL)
	}
	if c.SessionTTL > MaxSessionTTL {
		return fmt.Errorf("config: SESSION_TTL must be at most %v (as long as a session cookie is accepted), got %v", MaxSessionTTL, c.SessionTTL)
	}
	bounded := []struct {
		name    string
		value   time.Duration
		minimum time.Duration
	}{
		{"DEVICE_CODE_TTL", c.DeviceCodeTTL, MinDeviceCodeTTL},
		{"ACCESS_TOKEN_TTL", c.AccessTokenTTL, MinDuration},
		{"REFRESH_TOKEN_TTL", c.RefreshTokenTTL, MinDuration},
		{"DEVICE_POLL_INTERVAL", c.DevicePollInterval, MinDuration},
		{"SESSION_TTL", c.SessionTTL, MinDuration},
		{"PURGE_INTERVAL", c.PurgeInterval, MinDuration},
		{"REGISTRATION_UNUSED_TTL", c.RegistrationUnusedTTL, MinDuration},
	}
	for _, d := range bounded {
		if d.value < d.minimum || d.value > MaxDuration {
			return fmt.Errorf("config: %s must be between %v and %v (100 years), got %v", d.name, d.minimum, MaxDuration, d.value)
		}
	}
	if c.ShutdownDelay < 0 || c.ShutdownDelay > MaxShutdownDelay {
		return fmt.Errorf("config: SHUTDOWN_DELAY must be between 0s and %v, got %v", MaxShutdownDelay, c.ShutdownDelay)
	}
	if c.DevicePollInterval >= c.DeviceCodeTTL {
		return fmt.Errorf("config: DEVICE_POLL_INTERVAL (%v) must be shorter than DEVICE_CODE_TTL (%v): a device would never poll in time", c.DevicePollInterval, c.DeviceCodeTTL)
	}
	return nil
}

// RegistrationPolicy resolves REGISTRATION: "open", "token" or "off".
func (c Config) RegistrationPolicy() string {
	switch {
	case c.Registration != RegistrationAuto:
		return c.Registration
	case c.Teaching():
		return RegistrationOpen
	case c.RegistrationToken != "":
		return RegistrationToken
	default:
		return RegistrationOff
	}
}

// MetadataDocumentsOn resolves CLIENT_ID_METADATA_DOCUMENTS: whether the
// provider fetches the client ID metadata document a client_id URL names.
// "auto" turns it on in teaching mode only: fetching a URL any request
// names is a door to the internet an operator opens on purpose.
func (c Config) MetadataDocumentsOn() bool {
	if c.ClientIDMetadataDocuments == MetadataDocumentsAuto {
		return c.Teaching()
	}
	return c.ClientIDMetadataDocuments == MetadataDocumentsOn
}

// Teaching reports whether teaching mode is on: the provider then records
// the checks it makes for each protocol request and answers them at
// /debug/trace/{request_id} (README, "Traces"). "auto" turns it on when
// ISSUER is http:// on a loopback host, as with `make run`, and off for any
// other issuer, such as a real https one.
func (c Config) Teaching() bool {
	switch c.TeachingMode {
	case TeachingOn:
		return true
	case TeachingAuto:
		host, plain := c.plainHTTPIssuerHost()
		return plain && isLoopback(host)
	}
	return false
}

// PlainHTTPIssuerWarning returns the warning the provider logs at start,
// beside the issuer, when ISSUER is http:// on a host that is not loopback (a LAN address, a
// name such as auth.example.com), and "" for any other issuer. Such an
// issuer is accepted, for a test on a local network, but it is not one
// for production: an issuer "uses the "https" scheme" ([RFC 8414 Section 2]),
// the authorization server "MUST require the use of TLS" at its
// authorization endpoint ([RFC 6749 Section 3.1]), and the login session
// cookie, which is Secure only under an https issuer, travels in clear.
//
// [RFC 8414 Section 2]: https://www.rfc-editor.org/rfc/rfc8414#section-2
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
func (c Config) PlainHTTPIssuerWarning() string {
	host, plain := c.plainHTTPIssuerHost()
	if !plain || isLoopback(host) {
		return ""
	}
	return "ISSUER is http on a host that is not loopback: http is for local development only; " +
		"browsers then get the login session cookie without Secure, and RFC 6749 Section 3.1 requires TLS (use an https ISSUER)"
}

// plainHTTPIssuerHost returns the host of ISSUER (without port or
// brackets), and whether ISSUER is an http:// URL.
func (c Config) plainHTTPIssuerHost() (host string, plain bool) {
	u, err := url.Parse(c.Issuer)
	if err != nil || u.Scheme != "http" {
		return "", false
	}
	return u.Hostname(), true
}

// isLoopback reports whether host (without port or brackets) names this
// machine: "localhost" or a loopback address such as 127.0.0.1 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ResourceAudience is the "aud" of access tokens: Audience, or the issuer.
func (c Config) ResourceAudience() string {
	if c.Audience != "" {
		return c.Audience
	}
	return c.Issuer
}

// KnownResources are the resource servers a client may name as "resource":
// the provider's own first, then RESOURCES.
func (c Config) KnownResources() []string {
	return append([]string{c.ResourceAudience()}, c.Resources...)
}

// MaxTokenLifetime is the longest any signed token lives (access tokens
// and ID tokens share AccessTokenTTL); a retired signing key is kept
// published at least this long.
func (c Config) MaxTokenLifetime() time.Duration {
	return c.AccessTokenTTL
}

// validateDebugAddr accepts "" (no profiling listener) or host:port with a
// loopback host: "localhost", 127.0.0.1 or [::1]. An empty host (":6060")
// would listen on every interface.
func validateDebugAddr(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !isLoopback(host) {
		return fmt.Errorf("config: DEBUG_ADDR %s must be a loopback host:port such as 127.0.0.1:6060", setting.Show(addr))
	}
	return nil
}

// validateIssuer checks ISSUER (setting.CheckIssuer), which must not end
// with a slash either: the provider appends its paths to it. Its path
// must moreover be one the pages can link under (issuerPathUsable).
func validateIssuer(raw string) error {
	if err := setting.CheckIssuer("ISSUER", raw); err != nil {
		return err
	}
	if strings.HasSuffix(raw, "/") {
		return fmt.Errorf("config: ISSUER %s must not end with a slash", setting.Show(raw))
	}
	if u, _ := url.Parse(raw); !issuerPathUsable(u.EscapedPath()) { // CheckIssuer parsed it
		return fmt.Errorf(`config: ISSUER %s has a path with an empty, "." or ".." segment, or a ";": `+
			"the provider's pages link under it and its session cookie's Path is it (RFC 3986 Section 4.2, RFC 6265 Section 4.1.1)", setting.Show(raw))
	}
	return nil
}

// issuerPathUsable reports whether path, the issuer's, can prefix the
// links of the provider's pages and be its cookie's Path: each segment is
// neither empty nor a dot-segment, so "//host" is not read as a
// network-path reference to another host ([RFC 3986 Section 4.2]) and no
// browser removes a segment ([RFC 3986 Section 5.2.4]), and it holds no
// ";", which a cookie's Path cannot ([RFC 6265 Section 4.1.1]). "" (no
// path) is usable.
//
// [RFC 3986 Section 4.2]: https://www.rfc-editor.org/rfc/rfc3986#section-4.2
// [RFC 3986 Section 5.2.4]: https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4
// [RFC 6265 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6265#section-4.1.1
func issuerPathUsable(path string) bool {
	if path == "" {
		return true
	}
	for _, segment := range strings.Split(path, "/")[1:] {
		if segment == "" || segment == "." || segment == ".." || strings.Contains(segment, ";") {
			return false
		}
	}
	return true
}

// validateDatabase checks DATABASE_URL and DATABASE_FALLBACK (which is
// the path of a SQLite file) before the provider opens anything.
func (c Config) validateDatabase() error {
	if IsPostgres(c.DatabaseURL) {
		if _, err := url.Parse(c.DatabaseURL); err != nil { // not shown: it holds the database's password
			return errors.New("config: DATABASE_URL starts with postgres:// but is not a URL")
		}
	} else if err := validateSQLitePath("DATABASE_URL", c.DatabaseURL); err != nil {
		return err
	}
	if c.DatabaseFallback == "" {
		return nil
	}
	return validateSQLitePath("DATABASE_FALLBACK", c.DatabaseFallback)
}

// IsPostgres reports whether DATABASE_URL selects PostgreSQL: a
// postgres:// or postgresql:// URL; anything else names a SQLite file.
func IsPostgres(databaseURL string) bool {
	return strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://")
}

// keywordConnectionString matches a PostgreSQL connection string in
// keyword/value form ("host=db password=… dbname=x"), by the keywords that
// name a server, a database or a login.
var keywordConnectionString = regexp.MustCompile(`(?i)(^|\s)(host|hostaddr|port|dbname|user|password|sslmode)\s*=`)

// validateSQLitePath refuses, as the SQLite file of setting name, a value
// that SQLite would take for something else: a PostgreSQL connection
// string in keyword/value form (it would name a file, password and all;
// not shown, as it holds that password), a URL of another scheme
// ("mysql://…" would become a file mysql:/…; "file:…" is SQLite's own URI
// syntax), an in-memory database (":memory:"; "file::memory:", which each
// of the provider's connections would see apart, failing with "no such
// table"), which forgets every client, token and signing key at restart,
// and a '?', which starts the driver's parameters. A one-letter scheme is a Windows
// drive (C:\data\provider.db).
func validateSQLitePath(name, path string) error {
	scheme, _, _ := strings.Cut(path, ":")
	switch {
	case path == "":
		return fmt.Errorf("config: %s must not be empty", name)
	case keywordConnectionString.MatchString(path):
		return fmt.Errorf("config: %s looks like a PostgreSQL keyword/value connection string (not shown, as it may hold a password): "+
			"write PostgreSQL as a postgres://user:pass@host:5432/db URL; a SQLite database is a file path", name)
	case strings.Contains(path, ":memory:") || strings.Contains(path, "mode=memory"):
		return fmt.Errorf("config: %s %s is an in-memory SQLite database, which a restart empties: "+
			"name a file, such as data/provider.db", name, setting.Show(path))
	case len(scheme) > 1 && scheme != path && isScheme(scheme):
		return fmt.Errorf("config: %s %s has the scheme %q: a SQLite database is a file path, PostgreSQL a postgres:// URL",
			name, setting.Show(path), scheme)
	case strings.Contains(path, "?"):
		return fmt.Errorf("config: %s %s: a SQLite file path cannot hold '?', which starts the driver's parameters", name, setting.Show(path))
	}
	return nil
}

// isScheme reports whether s has the form of a URI scheme, "ALPHA *(
// ALPHA / DIGIT / "+" / "-" / "." )" ([RFC 3986 Section 3.1]).
//
// [RFC 3986 Section 3.1]: https://www.rfc-editor.org/rfc/rfc3986#section-3.1
func isScheme(s string) bool {
	for i, r := range s {
		letter := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		if !letter && (i == 0 || !('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return s != ""
}
