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
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/i18n"
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
		service.PrintExit(os.Stderr, "client", printable{err})
		os.Exit(exitCode(err))
	}
}

// run loads the settings and runs the command args name.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	if err := service.LoadDotEnv(); err != nil { // a variable already set wins
		return err
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
		return service.LogExit(log, "client", serve(ctx, cfg, log))
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

// printable is an error whose text is shown Printable (wirelog.Printable):
// an error may quote what a server sent (an OAuth error_description, a
// status line, a body that x/oauth2 puts in its error), which the terminal
// must show, not obey.
type printable struct{ error }

// Error returns the error's text, Printable.
func (e printable) Error() string { return wirelog.Printable(e.error.Error()) }

// Unwrap returns the error shown, for errors.Is and errors.As.
func (e printable) Unwrap() error { return e.error }

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
	listeners := []service.Listener{{Name: "http", Setting: "CLIENT_ADDR", Addr: cfg.ClientAddr, Handler: &h}}
	if cfg.MetricsAddr != "" {
		listeners = append(listeners, service.Listener{Name: "metrics", Setting: "METRICS_ADDR", Addr: cfg.MetricsAddr, Handler: service.MetricsOnly(m.Handler())})
	}
	// The client listens before it discovers: an address that cannot be
	// had stops it at once, not after the provider answers, and a page
	// asked for as soon as discovery ends finds the port open. Discovery
	// ends when serving does.
	listening, err := service.Listen(listeners...)
	if err != nil {
		return err
	}
	discovery, stopDiscovery := context.WithCancel(ctx)
	defer stopDiscovery()
	served := make(chan error, 1)
	go func() {
		served <- listening.Serve(ctx, log, 0)
		stopDiscovery()
	}()
	log.Info("client starting", "addr", cfg.ClientAddr)

	wire := wirelog.NewLog(12)
	client := &http.Client{Timeout: 15 * time.Second, Transport: &wirelog.Transport{Log: wire}}
	app, err := newApp(discovery, cfg, client, wire, m, log)
	switch {
	case err == nil:
		h.Set(app.Handler())
		log.Info("client ready", "redirect_uri", cfg.RedirectURI)
	case discovery.Err() == nil:
		h.Set(waitingHandler(cfg, m, log, misconfiguredPage(cfg, err)))
		log.Error("cannot use the provider's metadata; every page says why until the client restarts", failureArgs(err)...) // once the pages do
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
	r := service.NewEngine()
	r.Use(service.AssignRequestID, service.Observe(log, m))
	service.Mount(r, m, cfg.MetricsAddr, log, func(context.Context) error {
		return errors.New("no usable metadata from the provider")
	})
	r.NoRoute(page)
	return r
}

// startingPage says the client waits for the provider, and reloads itself,
// in the language of the request (waitingLanguage).
func startingPage(cfg config.Config) gin.HandlerFunc {
	return func(c *gin.Context) {
		l := waitingLanguage(c)
		c.Header("Retry-After", "2")
		c.Header("Refresh", "2")
		writeWaitingPage(c, l, l.T("The client is starting: it is waiting for the provider at %s.", cfg.BackChannel())+"\n"+
			l.T("This page reloads by itself.")+"\n")
	}
}

// misconfiguredPage explains why the provider's metadata cannot be used:
// the first-run failure of most OAuth setups, where the issuer the browser
// sees, the address the client reaches, and what the metadata says differ.
// It is written once per language (misconfiguredText) and served in the
// language of the request (waitingLanguage).
func misconfiguredPage(cfg config.Config, err error) gin.HandlerFunc {
	pages := map[string]string{}
	for _, l := range i18n.All {
		pages[l.Code] = misconfiguredText(l, cfg, err)
	}
	return func(c *gin.Context) {
		l := waitingLanguage(c)
		writeWaitingPage(c, l, pages[l.Code])
	}
}

// misconfiguredText is the text of misconfiguredPage in l. The error, the
// settings' names and their values stay as they are: they are what the
// log says and what is typed.
func misconfiguredText(l i18n.Lang, cfg config.Config, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n  %v\n\n", l.T("The client cannot use the provider's metadata:"), err)
	var f *discoveryFailure
	if errors.As(err, &f) {
		fmt.Fprintln(&b, l.T("Metadata fetched from: %s (attempt %d)", f.url, f.attempt))
	}
	fmt.Fprintln(&b, l.T("Issuer the browser sees (AUTH_SERVER): %s", cfg.AuthServer))
	fmt.Fprintln(&b, l.T("Back channel the client uses (AUTH_SERVER_INTERNAL, or AUTH_SERVER): %s", cfg.BackChannel()))
	b.WriteString("\n" + whatToChange(l, err))
	return b.String()
}

// waitingLanguage is the language of the pages served while the client
// waits for usable metadata: the browser's Accept-Language, negotiated as
// on every other page (i18n.Negotiate), else English. The language chosen
// on the switch is kept in a session, and there is none yet: sessions live
// in the memory of the client's routes, which are not served before the
// metadata is in.
func waitingLanguage(c *gin.Context) i18n.Lang {
	return i18n.Negotiate("", c.GetHeader("Accept-Language"))
}

// writeWaitingPage answers 503 Service Unavailable with text, plain text in
// l (Content-Language: a browser picks the script's font by it).
func writeWaitingPage(c *gin.Context, l i18n.Lang, text string) {
	c.Header("Content-Language", l.HTML)
	c.String(http.StatusServiceUnavailable, "%s", text)
}

// whatToChange says, in l, which setting to change for err. For another
// issuer it names both values (for metadata without one, it says so): the
// metadata's "issuer" and the "iss" of every response are compared with
// AUTH_SERVER as strings, so even a trailing "/" differs.
func whatToChange(l i18n.Lang, err error) string {
	var m *metadata.IssuerMismatch
	if !errors.As(err, &m) {
		return l.T("Fix the settings, then restart the client.") + "\n"
	}
	rule := l.T(`The metadata's "issuer" must be identical to AUTH_SERVER (RFC 8414 Section 3.3), as the "iss" of every authorization response must be (RFC 9207 Section 2.4).`) + "\n"
	switch {
	case m.Metadata == "":
		return rule + l.T("The metadata names no issuer, which it must (RFC 8414 Section 2): AUTH_SERVER_INTERNAL, or AUTH_SERVER, may lead to another server than the provider. Check them, then restart the client.") + "\n"
	case m.OnlySlash():
		return rule + l.T(`The two differ only by the trailing "/": issuers are compared character for character, so it counts.`) + "\n" +
			l.T("To change: set AUTH_SERVER=%s, exactly as the provider names its issuer, and restart the client.", m.Metadata) + "\n"
	default:
		return rule + l.T("To change: set AUTH_SERVER=%s, the issuer the provider names, and restart the client; or, if %s is the issuer you mean, set the provider's ISSUER to it.", m.Metadata, m.Trusted) + "\n"
	}
}

// discoveryFailure is metadata the client could not use: the URL it came
// from, the attempt at which the client gave up, and why.
type discoveryFailure struct {
	url     string
	attempt int
	err     error
}

// Error says why the metadata could not be used.
func (f *discoveryFailure) Error() string { return f.err.Error() }

// Unwrap returns why the metadata could not be used.
func (f *discoveryFailure) Unwrap() error { return f.err }

// failureArgs are the log fields of err: the metadata URL and the attempt
// when err is a discoveryFailure, and the error.
func failureArgs(err error) []any {
	var f *discoveryFailure
	if errors.As(err, &f) {
		return []any{"url", f.url, "attempt", f.attempt, "err", f.err}
	}
	return []any{"err", err}
}

// discover fetches the metadata, waiting quietly while the provider is not
// up yet: one log line, not one per attempt, and no failed attempt in the
// wire log, whose entries the home page shows: the attempts record into a
// log of their own, and only the answer that was used is kept.
func discover(ctx context.Context, client *http.Client, cfg config.Config, wire *wirelog.Log, log *slog.Logger) (metadata.Metadata, error) {
	wellKnown, _ := metadata.WellKnownURL(cfg.BackChannel())
	log.Info("fetching the provider's metadata (RFC 8414)", "url", wellKnown, "issuer", cfg.AuthServer)
	attempt, gaveUp := wirelog.NewLog(4), 0
	md, err := metadata.Discover(wirelog.NewContext(ctx, attempt), client, cfg.AuthServer, cfg.BackChannel(), metadata.Retry{
		Log: func(n int, err error, wait time.Duration) {
			switch {
			case wait == 0: // given up: serve says so once every page explains it
				gaveUp = n
			case n == 1:
				log.Info("waiting for the provider (it may still be starting); retrying quietly", "url", wellKnown, "err", err)
			default:
				log.Debug("provider not ready; retrying", "attempt", n, "retry_in", wait, "err", err)
			}
		},
	})
	if err != nil {
		return md, &discoveryFailure{url: wellKnown, attempt: gaveUp, err: err}
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
