// Command provider is the OAuth 2.0 authorization server and resource
// server of this project.
//
//	provider              serve on PROVIDER_ADDR (default :8080)
//	provider keys rotate  add a new signing key per algorithm; the old ones keep verifying
//	provider healthcheck  exit 0 if the provider on PROVIDER_ADDR is ready (its /readyz), else 1
//
// Settings come from the environment and an optional .env file;
// .env.example lists every one with its default (README, "Quick start").
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/oauth-reference/provider/internal/backend"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
	"github.com/oauth-reference/provider/internal/web"
	"github.com/oauth-reference/provider/service"
	"github.com/oauth-reference/provider/setting"
)

func main() {
	service.KeepHeapFloor() // fewer collections under load, unless GOGC is set
	logOut := service.NewBatchWriter(os.Stderr, logDelay)
	err := run(service.ShutdownContext(), os.Args[1:], logOut)
	_ = logOut.Close() // the last lines, before the exit status
	if err != nil {
		service.PrintExit(os.Stderr, "provider", err)
		os.Exit(1)
	}
}

// logDelay is how long a log line may wait to share its write with the
// lines after it (service.BatchWriter): short enough that no one watching
// the log sees it, long enough that a loaded server writes once for dozens
// of requests.
const logDelay = time.Millisecond

// run reads the command line and the configuration, and runs the command
// the arguments name, logging to logOut as LOG_FORMAT and LOG_LEVEL say;
// the error it stops with is the log's last line. Everything that can be
// checked without the store is checked before the log exists, so a
// refusal is one plain line (service.PrintExit) and nothing is written.
func run(ctx context.Context, args []string, logOut io.Writer) error {
	cmd, err := parseCommand(args)
	if err != nil {
		return err
	}
	if err := service.LoadDotEnv(); err != nil { // set variables always win
		return err
	}
	cfg, err := config.FromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cmd == healthcheckCommand {
		// It asks the running provider, opens no store and logs nothing: a
		// provider not ready yet is one plain line, not a "stopped" record.
		return service.Probe(ctx, cfg.Addr)
	}
	if err := checkBeforeOpening(cfg); err != nil {
		return err
	}
	log, err := service.NewLogger(logOut, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	slog.SetDefault(log) // what logs through slog's default (the PostgreSQL revocation listener) writes the same lines
	return service.LogExit(log, "provider", runCommand(ctx, cmd, cfg, log))
}

// command is what the provider's arguments ask for (the package comment
// lists them).
type command string

const (
	serveCommand       command = ""
	rotateKeysCommand  command = "keys rotate"
	healthcheckCommand command = "healthcheck"
)

// parseCommand returns the command args name, or an error with the usage
// line.
func parseCommand(args []string) (command, error) {
	switch cmd := command(strings.Join(args, " ")); cmd {
	case serveCommand, rotateKeysCommand, healthcheckCommand:
		return cmd, nil
	default:
		return "", fmt.Errorf("unknown command %q; usage: provider [keys rotate | healthcheck]", cmd)
	}
}

// checkBeforeOpening refuses the settings that only the store or the
// listeners would use, before anything is opened or written: the
// key-encryption keys and the listen addresses.
func checkBeforeOpening(cfg config.Config) error {
	if err := checkKeyEncryptionKeys(cfg); err != nil {
		return err
	}
	for _, l := range []struct{ name, addr string }{
		{"PROVIDER_ADDR", cfg.Addr}, {"METRICS_ADDR", cfg.MetricsAddr}, {"DEBUG_ADDR", cfg.DebugAddr},
	} {
		if err := setting.CheckListenAddr(l.name, l.addr); err != nil {
			return err
		}
	}
	return nil
}

// runCommand runs cmd, after a warning for each setting of an earlier
// version that is set (config.RetiredSettings); a health check, which runs
// every few seconds, logs none.
func runCommand(ctx context.Context, cmd command, cfg config.Config, log *slog.Logger) error {
	for _, warning := range config.RetiredSettings(os.LookupEnv) {
		log.Warn(warning)
	}
	if err := chooseDatabase(ctx, &cfg, log, net.DefaultResolver.LookupHost); err != nil {
		return err
	}
	if cmd == rotateKeysCommand {
		return rotateKeys(ctx, cfg)
	}
	return serve(ctx, cfg, log)
}

// rotateKeys adds a new signing key per algorithm (token.Keys.Rotate) and
// says which, and when running providers use them. It runs beside the
// providers serving the database, so it neither migrates it
// (backend.OpenMigrated) nor creates one: a database no provider has used
// is DATABASE_URL set wrong, and its new keys would sign nothing.
func rotateKeys(ctx context.Context, cfg config.Config) error {
	st, kek, err := openStore(ctx, cfg, backend.OpenMigrated)
	switch {
	case errors.Is(err, store.ErrNoSchema):
		return fmt.Errorf("DATABASE_URL names a database that no provider has used; set it to the providers' database (nothing rotated, nothing created): %w", err)
	case errors.Is(err, store.ErrSchemaOlder):
		return fmt.Errorf("%w: upgrade the providers first, then rotate (nothing rotated, nothing migrated)", err)
	case err != nil:
		return err
	}
	defer st.Close()
	// The keys are loaded from the store's signing keys alone, not from st,
	// a store.SigningKeyWatcher on PostgreSQL: keys that watch reload in the
	// background when the rotation notifies, and that reload would race
	// st.Close and log a failure after a rotation that succeeded.
	keys, err := token.LoadKeys(ctx, struct{ token.KeyStore }{st}, kek, token.Algorithm(cfg.AccessTokenSigningAlg), keepRetiredKeys(cfg), time.Now())
	if err != nil {
		return err
	}
	kids, err := keys.Rotate(ctx, time.Now())
	for _, alg := range keys.Algorithms() {
		fmt.Printf("new %s signing key %s\n", alg, kids[alg])
	}
	if err == nil {
		fmt.Println(afterRotation(cfg))
	}
	return err
}

// afterRotation says when running providers use the keys a rotation
// added. With KEY_ENCRYPTION_KEY_PREVIOUS set, the rotation has also
// resealed every key with KEY_ENCRYPTION_KEY (token.LoadKeys): a provider
// still running with the previous key cannot open them, so the providers
// must be restarted with the new one.
func afterRotation(cfg config.Config) string {
	switch {
	case cfg.KeyEncryptionKeyPrevious != "":
		return "every signing key is now sealed with the new KEY_ENCRYPTION_KEY: restart the providers with it (a provider running with the previous key cannot open the new keys)"
	case config.IsPostgres(cfg.DatabaseURL):
		return "running providers are notified and pick the new keys up at once"
	default:
		return "a running provider picks the new keys up within a minute"
	}
}

// openStore opens the store DATABASE_URL names with open (backend.Open or
// backend.OpenMigrated) and the key that seals its signing keys.
func openStore(ctx context.Context, cfg config.Config, open func(context.Context, string) (store.Store, error)) (store.Store, *token.KEK, error) {
	st, err := open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	kek, err := keyEncryptionKey(ctx, cfg, st)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, kek, nil
}

// serve runs the provider until ctx is cancelled, then shuts down
// gracefully (service.Serve) and closes the store. It first warns about an
// http ISSUER off loopback (config.PlainHTTPIssuerWarning). A SQLite file is served
// by one process at a time (backend.ClaimServing), claimed before the
// store is opened: a provider refused leaves the file as it was, not even
// migrated to its own version under the one serving it.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if warning := cfg.PlainHTTPIssuerWarning(); warning != "" {
		log.Warn(warning, "issuer", cfg.Issuer)
	}
	release, err := backend.ClaimServing(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer release()
	st, kek, err := openStore(ctx, cfg, backend.Open)
	if err != nil {
		return err
	}
	err = serveStore(ctx, cfg, st, kek, log)
	if cerr := st.Close(); cerr != nil {
		log.Error("closing the store", "err", cerr)
	} else {
		log.Info("store closed; provider stopped")
	}
	return err
}

// serveStore loads the keys, seeds the demo registrations, and serves.
func serveStore(ctx context.Context, cfg config.Config, st store.Store, kek *token.KEK, log *slog.Logger) error {
	keys, err := token.LoadKeys(ctx, st, kek, token.Algorithm(cfg.AccessTokenSigningAlg), keepRetiredKeys(cfg), time.Now())
	if err != nil {
		return err
	}
	secret := sessionSecret(cfg, log)
	p := oauth.New(cfg, st, keys, secret, log)
	if err := p.SeedDemo(ctx); err != nil {
		return err
	}
	go maintain(ctx, p, log)
	log.Info("provider starting", "addr", cfg.Addr, "issuer", cfg.Issuer, "database", storeKind(cfg.DatabaseURL))
	router := web.NewRouter(p, secret, log)
	listeners := []service.Listener{{Name: "http", Setting: "PROVIDER_ADDR", Addr: cfg.Addr, Handler: router}}
	if cfg.MetricsAddr != "" {
		listeners = append(listeners, service.Listener{Name: "metrics", Setting: "METRICS_ADDR", Addr: cfg.MetricsAddr, Handler: service.MetricsOnly(router.Metrics)})
	}
	if cfg.DebugAddr != "" { // off by default; config.Validate allows only a loopback address
		listeners = append(listeners, service.Listener{Name: "debug", Setting: "DEBUG_ADDR", Addr: cfg.DebugAddr, Handler: service.Pprof()})
	}
	return service.Serve(ctx, log, cfg.ShutdownDelay, listeners...)
}

// keyReloadInterval is how often a running provider re-reads its signing
// keys. A key rotated by another process signs here within this time, so a
// retired key is kept published that much longer than the longest token.
const keyReloadInterval = time.Minute

// keepRetiredKeys is how long after its retirement a signing key this
// process signs with must stay published (token.LoadKeys records it on the
// key): its longest token lifetime, plus twice the time a rotation may take
// to reach it.
func keepRetiredKeys(cfg config.Config) time.Duration {
	return cfg.MaxTokenLifetime() + 2*keyReloadInterval
}

// maintain runs the background work until ctx ends: reload signing keys
// (another process may have rotated them) every minute, and purge expired
// records every PurgeInterval, so the store does not grow without bound.
func maintain(ctx context.Context, p *oauth.Provider, log *slog.Logger) {
	reload := time.NewTicker(keyReloadInterval)
	purge := time.NewTicker(p.Config.PurgeInterval)
	defer reload.Stop()
	defer purge.Stop()
	reloads := jobLog{log: log, job: "reload signing keys"}
	purges := jobLog{log: log, job: "purge expired records"}
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload.C:
			reloads.ran(p.Keys.Reload(ctx))
		case <-purge.C:
			n, err := p.PurgeExpired(ctx)
			if purges.ran(err) && n > 0 {
				log.Info("purged expired records", "rows", n)
			}
		}
	}
}

// jobLog logs the failures of one background job as the request path logs
// the store's (README, "Health"): a store outage, or a key this process
// cannot open, fails the job at every tick until it ends, and is worth one
// warning, not one a minute. The first failure, or one with another cause,
// is a warning; its repeats are at debug level; the first success after
// them says the job works again.
type jobLog struct {
	log     *slog.Logger
	job     string
	failure string // the error of the failing run before, "" after a success
}

// ran logs how the job's run ended and reports whether it succeeded.
func (j *jobLog) ran(err error) bool {
	switch {
	case err == nil && j.failure != "":
		j.log.Info(j.job + ": works again")
	case err == nil:
	case err.Error() == j.failure:
		j.log.Debug(j.job+": failed again", "err", err)
	default:
		j.log.Warn(j.job+": failed; tried again at the next tick", "err", err)
	}
	if err != nil {
		j.failure = err.Error()
		return false
	}
	j.failure = ""
	return true
}

// sessionSecret returns SESSION_SECRET, or a random one (login sessions then
// end when the provider restarts).
func sessionSecret(cfg config.Config, log *slog.Logger) []byte {
	if cfg.SessionKey != "" {
		return []byte(cfg.SessionKey)
	}
	log.Warn("SESSION_SECRET is not set: using a random one; login sessions end at restart")
	return []byte(rand.Text())
}

// storeKind names the backend for the start-up log without printing the
// URL, which may hold a password.
func storeKind(url string) string {
	if config.IsPostgres(url) {
		return "postgres"
	}
	return "sqlite " + url
}
