// Command client is the relying party of the OAuth 2.0 reference
// implementation.
//
//	client              serve the web client on CLIENT_ADDR (default :3000)
//	client credentials  client credentials grant (RFC 6749 Section 4.4), then call /protected/resource
//	client device       device authorization grant (RFC 8628), then call /user/profile
//	client healthcheck  exit 0 if the client on CLIENT_ADDR is ready (its /readyz), else 1
//
// Settings come from the environment and an optional .env file
// (.env.example lists them); every one has a working default.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/joho/godotenv"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/client/internal/web"
	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/provider/service"
)

const usage = `usage: client [command]

commands:
  (none)        serve the web client on CLIENT_ADDR (default :3000)
  credentials   client credentials grant with CLIENT_ID/CLIENT_SECRET, then GET /protected/resource
  healthcheck   exit 0 if the client on CLIENT_ADDR is ready (its /readyz), else 1
  device        device authorization grant with DEVICE_CLIENT_ID, then GET /user/profile
`

func main() {
	err := run(service.ShutdownContext(), os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(exitCode(err))
	}
}

// run loads the settings and runs the command args name.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	// godotenv.Load never overrides a variable that is already set.
	if err := godotenv.Load(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading .env: %w", err)
	}
	cfg := config.FromEnv(os.LookupEnv)
	if err := cfg.Validate(); err != nil {
		return err
	}
	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "", "serve":
		log, err := service.NewLogger(os.Stderr, cfg.LogFormat, cfg.LogLevel)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, log)
	case "healthcheck":
		return service.Probe(ctx, cfg.ClientAddr)
	case "credentials":
		return runCredentials(ctx, cfg, terminal{stdout, cliLanguage(os.Getenv)})
	case "device":
		return runDevice(ctx, cfg, terminal{stdout, cliLanguage(os.Getenv)})
	case "help", "-h", "-help", "--help":
		_, err := io.WriteString(stdout, usage)
		return err
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

// exitCode is 130 for Ctrl-C, as shells report an interrupted command, and
// 1 for every other failure.
func exitCode(err error) int {
	if errors.Is(err, context.Canceled) {
		return 130
	}
	return 1
}

// serve serves the web client until ctx is done. It listens at once:
// until the provider's metadata is in (the provider may still be
// starting), /healthz answers, /readyz says 503 and every page says the
// client is starting; then the client's routes take over. Metadata that
// cannot be used (another issuer, say) is explained on every page instead,
// and the client stays not ready until it is restarted with other settings.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	gin.SetMode(gin.ReleaseMode)
	m := service.NewMetrics()
	var h service.Swap
	h.Set(waitingHandler(cfg, m, log, startingPage(cfg)))
	listeners := []service.Listener{{Name: "http", Addr: cfg.ClientAddr, Handler: &h}}
	if cfg.MetricsAddr != "" {
		listeners = append(listeners, service.Listener{Name: "metrics", Addr: cfg.MetricsAddr, Handler: m.Handler()})
	}
	served := make(chan error, 1)
	go func() { served <- service.Serve(ctx, log, listeners...) }()
	log.Info("client starting", "addr", cfg.ClientAddr)

	wire := wirelog.NewLog(12)
	client := &http.Client{Timeout: 15 * time.Second, Transport: &wirelog.Transport{Log: wire}}
	app, err := newApp(ctx, cfg, client, wire, m, log)
	switch {
	case err == nil:
		h.Set(app.Handler())
		log.Info("client ready", "redirect_uri", cfg.RedirectURI)
	case ctx.Err() == nil:
		h.Set(waitingHandler(cfg, m, log, misconfiguredPage(cfg, err)))
		log.Error("cannot use the provider's metadata; every page says why until the client restarts", "err", err) // once the pages do
	}
	return <-served
}

// newApp discovers the provider and builds the web client.
func newApp(ctx context.Context, cfg config.Config, client *http.Client, wire *wirelog.Log, m *service.Metrics, log *slog.Logger) (*web.App, error) {
	md, err := discover(ctx, client, cfg, wire, log)
	if err != nil {
		return nil, err
	}
	return web.New(web.Options{Config: cfg, Metadata: md, HTTPClient: client, Wire: wire, Logger: log, Metrics: m})
}

// waitingHandler serves while the client has no usable metadata: the
// health endpoints (not ready) and, for every other path, page.
func waitingHandler(cfg config.Config, m *service.Metrics, log *slog.Logger, page gin.HandlerFunc) http.Handler {
	r := gin.New()
	r.Use(service.AssignRequestID, service.Observe(log, m))
	service.Mount(r, m, cfg.MetricsAddr, log, func(context.Context) error {
		return errors.New("no usable metadata from the provider")
	})
	r.NoRoute(page)
	return r
}

// startingPage says the client waits for the provider, and reloads itself.
func startingPage(cfg config.Config) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Retry-After", "2")
		c.Header("Refresh", "2")
		c.String(http.StatusServiceUnavailable, "The client is starting: it is waiting for the provider at %s.\n"+
			"This page reloads by itself.\n", cfg.BackChannel())
	}
}

// misconfiguredPage explains why the provider's metadata cannot be used:
// the first-run failure of most OAuth setups, where the issuer the browser
// sees, the address the client reaches, and what the metadata says differ.
func misconfiguredPage(cfg config.Config, err error) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.String(http.StatusServiceUnavailable, "The client cannot use the provider's metadata:\n\n  %v\n\n"+
			"Issuer the browser sees (AUTH_SERVER):      %s\n"+
			"Back channel the client uses (AUTH_SERVER_INTERNAL, or AUTH_SERVER): %s\n\n"+
			"The metadata's \"issuer\" must be exactly AUTH_SERVER (RFC 8414 Section 3.3). "+
			"Fix the settings, then restart the client.\n", err, cfg.AuthServer, cfg.BackChannel())
	}
}

// discover fetches the metadata, waiting quietly while the provider is not
// up yet: one log line, not one per attempt, and no failed attempt in the
// wire log, whose entries the home page shows: the attempts record into a
// log of their own, and only the answer that was used is kept.
func discover(ctx context.Context, client *http.Client, cfg config.Config, wire *wirelog.Log, log *slog.Logger) (metadata.Metadata, error) {
	wellKnown, _ := metadata.WellKnownURL(cfg.BackChannel())
	log.Info("fetching the provider's metadata (RFC 8414)", "url", wellKnown, "issuer", cfg.AuthServer)
	attempt := wirelog.NewLog(4)
	md, err := metadata.Discover(wirelog.NewContext(ctx, attempt), client, cfg.AuthServer, cfg.BackChannel(), metadata.Retry{
		Log: func(n int, err error, wait time.Duration) {
			switch {
			case wait == 0: // given up: serve says so once every page explains it
			case n == 1:
				log.Info("waiting for the provider (it may still be starting); retrying quietly", "url", wellKnown, "err", err)
			default:
				log.Debug("provider not ready; retrying", "attempt", n, "retry_in", wait, "err", err)
			}
		},
	})
	if err != nil {
		return md, err
	}
	for _, e := range attempt.Entries() {
		if e.Err == "" && e.Status == http.StatusOK {
			wire.Add(e)
		}
	}
	log.Info("provider metadata fetched", "issuer", md.Issuer, "authorization_endpoint", md.AuthorizationEndpoint,
		"token_endpoint", md.BackChannel(cfg.AuthServer, cfg.AuthServerInternal).TokenEndpoint)
	return md, nil
}
