// Package providertest runs the real provider — its router, the SQLite
// store, the demo registrations — on a loopback httptest server, for
// end-to-end tests in this module and in the client module.
package providertest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/backend"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/internal/token"
	"github.com/oauth-reference/provider/internal/web"
	"github.com/oauth-reference/provider/service"
)

// Options adjusts the provider a test runs.
type Options struct {
	// RedirectURI is the demo confidential client's registered redirect URI
	// (default http://localhost:3000/callback).
	RedirectURI string
	// Now is the provider's clock (default time.Now).
	Now func() time.Time
	// Issuer overrides ISSUER (default: the server's own URL), as when the
	// provider sits behind a public name.
	Issuer string
	// AccessTokenTTL overrides the access token lifetime when non-zero.
	AccessTokenTTL time.Duration
	// DevicePollInterval overrides the device grant's polling interval when
	// non-zero (default 5 s), so device tests need not wait.
	DevicePollInterval time.Duration
	// DPoPNonce turns DPOP_NONCE on (RFC 9449 Sections 8, 9), for tests
	// outside this module, which cannot name the config type.
	DPoPNonce bool
	// RefreshReuseGrace sets REFRESH_REUSE_GRACE, for tests outside this
	// module.
	RefreshReuseGrace time.Duration
	// Resources are added to RESOURCES, the other resource servers a client
	// may name as "resource" (RFC 8707), for tests outside this module.
	Resources []string
	// Registration overrides REGISTRATION when set ("open", "token",
	// "off"), for tests outside this module: an issuer that is not http on
	// a loopback host turns teaching mode, and with it open registration, off.
	Registration string
	// Postgres puts the store in a fresh PostgreSQL schema (PostgresURL)
	// instead of SQLite, for tests outside this module.
	Postgres bool
	// Configure, if set, may change any other setting before start.
	Configure func(*config.Config)
	// LogOutput receives the provider's log (default: discarded), for tests
	// that check what is logged.
	LogOutput io.Writer
	// MetadataDocumentTransport replaces the transport that fetches client
	// ID metadata documents, which connects to public addresses only: a
	// test's TLS server on 127.0.0.1 passes its Client().Transport, which
	// trusts its certificate. MetadataDocumentTimeout, when non-zero,
	// shortens the 5 s a fetch may take.
	MetadataDocumentTransport http.RoundTripper
	MetadataDocumentTimeout   time.Duration
	// RequestTimeout, when non-zero, shortens the 10 s each request's work
	// may take (oauth.Provider.RequestTimeout), so a test of a store that
	// stopped answering need not wait for it.
	RequestTimeout time.Duration
	// ReadTimeout, when non-zero, bounds the time to read a whole request,
	// as the provider's own server does (service.ReadTimeout, 15 s).
	ReadTimeout time.Duration
}

// testKEK is the key-encryption key of providers on PostgreSQL, which
// requires one configured: 32 bytes, base64.
const testKEK = "cHJvdmlkZXJ0ZXN0IGtleS1lbmNyeXB0aW9uIGtleSE="

// sessionSecret is the SESSION_SECRET of every test provider: it keys the
// login session cookie and the DPoP nonces, which the processes of a
// scale-out test share as real ones do.
const sessionSecret = "providertest session secret"

// Server is a running provider. Issuer equals Server.URL unless
// Options.Issuer set another.
type Server struct {
	*httptest.Server
	Issuer   string
	Provider *oauth.Provider
}

// CheapPasswordHash sets the cheapest Argon2id parameters (8 KiB, one
// pass), so that tests which hash and check many passwords stay fast; the
// real cost is a setting (README, "Passwords").
func CheapPasswordHash(cfg *config.Config) {
	cfg.PasswordHashMemoryKiB = config.MinPasswordHashMemoryKiB
	cfg.PasswordHashTime = 1
}

// New starts a provider on 127.0.0.1 with a fresh SQLite store in a
// temporary directory; it stops when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("providertest: listen: %v", err)
	}
	cfg := config.Default()
	cfg.Issuer = "http://" + ln.Addr().String()
	cfg.DatabaseURL = filepath.Join(t.TempDir(), "provider.db")
	CheapPasswordHash(&cfg)
	if opts.Postgres {
		cfg.DatabaseURL = PostgresURL(t)
	}
	if opts.RedirectURI != "" {
		cfg.RedirectURI = opts.RedirectURI
	}
	if opts.Issuer != "" {
		cfg.Issuer = opts.Issuer
	}
	if opts.AccessTokenTTL != 0 {
		cfg.AccessTokenTTL = opts.AccessTokenTTL
	}
	if opts.DevicePollInterval != 0 {
		cfg.DevicePollInterval = opts.DevicePollInterval
	}
	cfg.DPoPNonce = opts.DPoPNonce
	cfg.RefreshReuseGrace = opts.RefreshReuseGrace
	if opts.Registration != "" {
		cfg.Registration = opts.Registration
	}
	cfg.Resources = append(cfg.Resources, opts.Resources...)
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	p := NewProvider(t, cfg, opts.Now)
	p.MetadataDocumentTransport, p.MetadataDocumentTimeout = opts.MetadataDocumentTransport, opts.MetadataDocumentTimeout
	p.RequestTimeout = opts.RequestTimeout
	if opts.LogOutput != nil {
		p.Log, _ = service.NewLogger(opts.LogOutput, "text", "debug")
	}
	srv := httptest.NewUnstartedServer(web.NewRouter(p, []byte(sessionSecret), p.Log))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Config.ReadTimeout = opts.ReadTimeout
	srv.Start()
	t.Cleanup(srv.Close)
	return &Server{Server: srv, Issuer: cfg.Issuer, Provider: p}
}

// NewProvider builds the protocol layer on the store cfg.DatabaseURL names
// (a SQLite file, or PostgreSQL), with its keys and the demo registrations, without HTTP.
func NewProvider(t testing.TB, cfg config.Config, now func() time.Time) *oauth.Provider {
	t.Helper()
	ctx := context.Background()
	st, err := backend.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatalf("providertest: open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if now == nil {
		now = time.Now
	}
	if cfg.KeyEncryptionKey == "" && config.IsPostgres(cfg.DatabaseURL) {
		cfg.KeyEncryptionKey = testKEK // every process of a scale-out test shares it
	}
	kek, err := backend.KeyEncryptionKey(ctx, st, cfg.DatabaseURL, cfg.KeyEncryptionKey)
	if err != nil {
		t.Fatalf("providertest: key-encryption key: %v", err)
	}
	keys, err := token.LoadKeys(ctx, st, kek, token.Algorithm(cfg.AccessTokenSigningAlg), cfg.MaxTokenLifetime(), now())
	if err != nil {
		t.Fatalf("providertest: load keys: %v", err)
	}
	p := oauth.New(cfg, st, keys, []byte(sessionSecret), slog.New(slog.NewTextHandler(io.Discard, nil)))
	p.Clock = now
	if err := p.SeedDemo(ctx); err != nil {
		t.Fatalf("providertest: seed: %v", err)
	}
	return p
}

// PostgresURL returns the URL of a fresh, empty PostgreSQL schema on the
// server TEST_DATABASE_URL names, dropped when the test ends. Without that
// variable the test skips (in CI, where CI is set, it fails).
func PostgresURL(t testing.TB) string {
	t.Helper()
	return pgtest.NewSchemas(t).Create(t)
}
