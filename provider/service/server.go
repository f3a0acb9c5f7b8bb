// Package service runs this project's programs as services: HTTP servers
// with timeouts and a graceful shutdown, structured logs (LOG_FORMAT,
// LOG_LEVEL), one log line and Prometheus metrics per request, and the
// health endpoints. It holds no OAuth: the provider and the client both
// use it, so they are operated the same way (README, "Operating it").
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// The HTTP server's limits: a slow or idle client cannot hold a connection,
// and no request header is larger than any OAuth request needs (a DPoP
// proof and a JWT bearer token fit many times over).
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second // the whole request, headers and body
	WriteTimeout      = 30 * time.Second // from the end of the headers to the end of the answer
	IdleTimeout       = 60 * time.Second // a kept-alive connection with no request
	MaxHeaderBytes    = 32 << 10
	// DrainTimeout is how long a shutdown waits for the requests in flight.
	DrainTimeout = 10 * time.Second
)

// Listener is one address to serve and what to serve there.
type Listener struct {
	Name    string // for the log: "http", "metrics"
	Setting string // the setting that names Addr ("PROVIDER_ADDR"), named when it cannot be had
	Addr    string
	Handler http.Handler
}

// NewServer returns a server for h with the limits above; its own errors
// (a recovered panic, a failed accept) go to log. A request it refuses
// before h runs, headers over MaxHeaderBytes (431) or not valid HTTP
// (400), gets net/http's plain-text answer and is logged nowhere.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Serve listens on every address (all or none, Listen), then serves
// there (Listening.Serve).
func Serve(ctx context.Context, log *slog.Logger, delay time.Duration, listeners ...Listener) error {
	l, err := Listen(listeners...)
	if err != nil {
		return err
	}
	return l.Serve(ctx, log, delay)
}

// Listening is listeners whose addresses are taken, not yet served:
// connections wait in the kernel's queue until Serve.
type Listening struct {
	listeners []Listener
	lns       []net.Listener
}

// Listen listens on every address, all or none: when one cannot be had,
// those taken before are closed again.
func Listen(listeners ...Listener) (Listening, error) {
	l := Listening{listeners: listeners}
	for _, ln := range listeners {
		nl, err := net.Listen("tcp", ln.Addr)
		if err != nil {
			l.close()
			return Listening{}, fmt.Errorf("service: %s %s cannot be had for %s: %w", ln.Setting, ln.Addr, ln.Name, err)
		}
		l.lns = append(l.lns, nl)
	}
	return l, nil
}

// close closes the listeners that listen.
func (l Listening) close() {
	for _, ln := range l.lns {
		_ = ln.Close()
	}
}

// Serve serves every listener until ctx is done (a log whose reader has
// gone stops nothing: keepServingOnClosedLog), then shuts down
// gracefully: no new connections, and the requests in flight finish (up to
// DrainTimeout; any still running then are cut off). A listener that fails
// ends them all.
//
// With a delay (the provider's SHUTDOWN_DELAY), the servers first go on
// serving for that long after ctx is done, with /readyz answering 503
// ("stopping") and every kept-alive connection closed after its next
// answer: a load balancer polling /readyz takes the process out of its pool
// before the listeners close, so no request is sent to a closed port.
func (l Listening) Serve(ctx context.Context, log *slog.Logger, delay time.Duration) error {
	defer l.close()
	keepServingOnClosedLog()
	errc := make(chan error, len(l.lns))
	servers := make([]*http.Server, len(l.lns))
	var stopping atomic.Bool
	for i, ln := range l.listeners {
		servers[i] = NewServer(closeWhen(&stopping, ln.Handler), log)
		go func() { errc <- servers[i].Serve(l.lns[i]) }()
		log.Info("listening", "listener", ln.Name, "addr", l.lns[i].Addr().String())
	}
	var failed error
	select {
	case failed = <-errc:
	case <-ctx.Done():
		failed = stopAfter(delay, &stopping, errc, log)
		log.Info("shutting down: no new connections; finishing the requests in flight", "timeout", DrainTimeout)
	}
	drain(servers, log, DrainTimeout)
	if failed != nil && !errors.Is(failed, http.ErrServerClosed) {
		return failed
	}
	return nil
}

// stopAfter marks the servers stopping (closeWhen: /readyz 503, each
// connection closed after its next answer) and lets them serve for delay,
// or until one of them fails (its error is returned). Idle connections
// stay open until then, for their next request; http.Server's
// SetKeepAlivesEnabled(false) would close them at once, unanswered.
func stopAfter(delay time.Duration, stopping *atomic.Bool, errc <-chan error, log *slog.Logger) error {
	if delay <= 0 {
		return nil
	}
	stopping.Store(true)
	log.Info("stopping: /readyz answers 503; serving on before the listeners close", "delay", delay)
	select {
	case err := <-errc:
		return err
	case <-time.After(delay):
		return nil
	}
}

// closeWhen, once stopping is set, answers every request with
// "Connection: close", so the server closes its connection after the answer
// ([RFC 9112 Section 9.6]), and marks the request's context stopping, so
// that /readyz answers 503 {"status":"stopping"} (Mount): a route like any
// other, logged and counted. It passes every request on to h.
//
// [RFC 9112 Section 9.6]: https://www.rfc-editor.org/rfc/rfc9112#section-9.6
func closeWhen(stopping *atomic.Bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stopping.Load() {
			w.Header().Set("Connection", "close")
			r = r.WithContext(context.WithValue(r.Context(), stoppingKey{}, true))
		}
		h.ServeHTTP(w, r)
	})
}

// stoppingKey is the context key closeWhen marks a request with.
type stoppingKey struct{}

// isStopping reports whether ctx is a request's that came while its server
// was stopping (closeWhen).
func isStopping(ctx context.Context) bool {
	marked, _ := ctx.Value(stoppingKey{}).(bool)
	return marked
}

// drain shuts the servers down within timeout, then closes what is left.
func drain(servers []*http.Server, log *slog.Logger, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("requests still running after the drain timeout were cut off", "timeout", timeout)
			_ = srv.Close()
		}
	}
	log.Info("listeners closed")
}

// Swap is an http.Handler whose handler can be replaced while it serves:
// a program serves its health endpoints and a "starting" page until it is
// ready, then its routes. Set it before serving.
type Swap struct{ h atomic.Pointer[http.Handler] }

// Set makes h serve every request from now on.
func (s *Swap) Set(h http.Handler) { s.h.Store(&h) }

// ServeHTTP passes the request to the handler set last.
func (s *Swap) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*s.h.Load()).ServeHTTP(w, r) }

// Probe asks the /readyz of a server listening on addr (a listen address
// such as ":8080") from this machine, and reports whether it is ready:
// the "healthcheck" command of both programs, for container health checks
// and scripts on images without curl.
func Probe(ctx context.Context, addr string) error {
	ready, err := readyURL(addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ready, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("service: not ready: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("service: not ready: /readyz answered %s", resp.Status)
	}
	return nil
}

// readyURL is the URL of /readyz on this machine for the listen address
// addr: 127.0.0.1 for one without a host (":8080") or on every interface.
// An IPv6 zone, bare in a listen address ("[fe80::1%eth0]:8080"), is
// written "%25" in a URL ([RFC 6874 Section 2]).
//
// [RFC 6874 Section 2]: https://www.rfc-editor.org/rfc/rfc6874#section-2
func readyURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("service: probe %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: ReadyPath}
	return u.String(), nil
}
