// Command client is the relying party of the OAuth 2.0 reference
// implementation.
//
//	client              serve the web client on CLIENT_ADDR (default :3000)
//	client credentials  client credentials grant (RFC 6749 Section 4.4), then call /protected/resource
//	client device       device authorization grant (RFC 8628), then call /user/profile
//
// Settings come from the environment and an optional .env file (SPEC.md
// lists them); every one has a working default.
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
	"os/signal"
	"syscall"
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
  device        device authorization grant with DEVICE_CLIENT_ID, then GET /user/profile
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // a second Ctrl-C ends the process at once
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
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
		return serve(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	case "credentials":
		return runCredentials(ctx, cfg, stdout)
	case "device":
		return runDevice(ctx, cfg, stdout)
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

// serve fetches the provider's metadata (waiting for the provider if it is
// still starting), then serves the web client until ctx is done.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	gin.SetMode(gin.ReleaseMode)
	wire := wirelog.NewLog(12)
	client := &http.Client{Timeout: 15 * time.Second, Transport: &wirelog.Transport{Log: wire}}
	md, err := discover(ctx, client, cfg, log)
	if err != nil {
		return err
	}
	app, err := web.New(web.Options{Config: cfg, Metadata: md, HTTPClient: client, Wire: wire, Logger: log})
	if err != nil {
		return err
	}
	log.Info("client starting", "addr", cfg.ClientAddr, "redirect_uri", cfg.RedirectURI)
	return service.Serve(ctx, log, service.Listener{Name: "http", Addr: cfg.ClientAddr, Handler: app.Handler()})
}

// discover fetches the metadata with one log line per attempt, retrying
// until the provider answers or ctx is done.
func discover(ctx context.Context, client *http.Client, cfg config.Config, log *slog.Logger) (metadata.Metadata, error) {
	wellKnown, _ := metadata.WellKnownURL(cfg.BackChannel())
	log.Info("fetching the provider's metadata (RFC 8414)", "url", wellKnown, "issuer", cfg.AuthServer)
	md, err := metadata.Discover(ctx, client, cfg.AuthServer, cfg.BackChannel(), metadata.Retry{
		Log: func(attempt int, err error, wait time.Duration) {
			if wait > 0 {
				log.Warn("provider not ready; retrying", "attempt", attempt, "url", wellKnown, "retry_in", wait, "err", err)
			} else {
				log.Error("cannot use the provider's metadata", "attempt", attempt, "url", wellKnown, "err", err)
			}
		},
	})
	if err != nil {
		return md, err
	}
	log.Info("provider metadata fetched", "issuer", md.Issuer, "authorization_endpoint", md.AuthorizationEndpoint,
		"token_endpoint", md.BackChannel(cfg.AuthServer, cfg.AuthServerInternal).TokenEndpoint)
	return md, nil
}
