package service

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/oauth-reference/provider/processtest"
)

// TestServeLimits: the servers Serve runs refuse oversized headers (431)
// and carry every timeout, so a slow or idle client cannot hold them.
func TestServeLimits(t *testing.T) {
	srv := NewServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
		if d <= 0 || d > time.Minute {
			t.Errorf("%s = %v, want a bound of at most a minute", name, d)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	addr := "127.0.0.1:0"
	done := make(chan error, 1)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	ready := make(chan string, 1)
	go func() {
		done <- Serve(ctx, slog.New(readyHandler{ready}), 0, Listener{Name: "http", Addr: addr, Handler: ok})
	}()
	base := "http://" + <-ready
	req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("a", MaxHeaderBytes+8<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a %d-byte header: got %d, want 431", MaxHeaderBytes+8<<10, resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v, want nil", err)
	}
}

// readyHandler passes on the address of the "listening" record.
type readyHandler struct{ addr chan<- string }

func (h readyHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h readyHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if r.Message == "listening" && a.Key == "addr" {
			h.addr <- a.Value.String()
		}
		return true
	})
	return nil
}
func (h readyHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h readyHandler) WithGroup(string) slog.Handler      { return h }

// TestDrainCutsOffWhatOutlivesTheTimeout: a request still running when the
// drain timeout ends is cut off (its connection closed), drain returns,
// and a warning says so.
func TestDrainCutsOffWhatOutlivesTheTimeout(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release // a request that will not finish in time
	}), slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	answered := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	<-started

	var log bytes.Buffer
	drain([]*http.Server{srv}, slog.New(slog.NewTextHandler(&log, nil)), 50*time.Millisecond)
	select {
	case err := <-answered:
		if err == nil {
			t.Error("the request outliving the drain timeout got an answer; want its connection closed")
		}
	case <-time.After(5 * time.Second):
		t.Error("the request outliving the drain timeout still runs: it was not cut off")
	}
	for _, want := range []string{"level=WARN", "cut off", "listeners closed"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}
}

// TestServeStopsBeingReadyBeforeClosing: with a shutdown delay, once ctx is
// done the server goes on answering, /readyz (Mount) says 503 stopping,
// logged and counted as any answer, and each answer closes its connection;
// after the delay the port is closed.
func TestServeStopsBeingReadyBeforeClosing(t *testing.T) {
	const delay = 500 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan string, 1)
	var lines processtest.Buffer
	go func() {
		done <- Serve(ctx, slog.New(readyHandler{ready}), delay, Listener{Name: "http", Addr: "127.0.0.1:0", Handler: healthEngine(&lines)})
	}()
	base := "http://" + <-ready
	if status, _, _ := get(t, base+ReadyPath); status != http.StatusOK {
		t.Fatalf("GET %s before the stop: got %d, want the handler's 200", ReadyPath, status)
	}

	stopped := time.Now()
	cancel()
	time.Sleep(50 * time.Millisecond) // Serve sees ctx done
	if status, body, closing := get(t, base+ReadyPath); status != http.StatusServiceUnavailable || body != `{"status":"stopping"}` || !closing {
		t.Errorf("GET %s while stopping: got %d %s (connection closed after: %v), want 503 {\"status\":\"stopping\"}, closed after", ReadyPath, status, body, closing)
	}
	if status, body, closing := get(t, base+"/"); status != http.StatusOK || body != "ok" || !closing {
		t.Errorf("GET / while stopping: got %d %q (connection closed after: %v), want 200 ok, closed after", status, body, closing)
	}
	if want := "route=" + ReadyPath + " status=503"; !strings.Contains(lines.String(), want) {
		t.Errorf("the log lacks %q for the /readyz answered while stopping:\n%s", want, lines.String())
	}
	want := `http_requests_total{method="GET",route="` + ReadyPath + `",status="503"} 1`
	if _, metrics, _ := get(t, base+"/metrics"); !strings.Contains(metrics, want) {
		t.Errorf("/metrics lacks %s:\n%s", want, metrics)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve after the delay: %v, want nil", err)
	}
	if waited := time.Since(stopped); waited < delay {
		t.Errorf("Serve returned %v after the stop, want at least the delay %v", waited, delay)
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Error("GET / after the delay: got an answer, want the port closed")
	}
}

// healthEngine serves, as both programs do, the health endpoints and
// /metrics (Mount, always ready), "/" (200 ok), each request logged to
// lines and counted (Observe).
func healthEngine(lines *processtest.Buffer) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	log := slog.New(slog.NewTextHandler(lines, nil))
	m := NewMetrics()
	r := NewEngine()
	r.Use(AssignRequestID, Observe(log, m))
	Mount(r, m, "", log, func(context.Context) error { return nil })
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	return r
}

// TestServeAnswersAnIdleConnectionWhileStopping: with a shutdown delay, a
// kept-alive connection idle when ctx is done is not closed then: its next
// request is answered, with "Connection: close", and the server closes it
// after that answer (RFC 9112 Section 9.6), as a load balancer that sends
// its next request on a pooled connection needs.
func TestServeAnswersAnIdleConnectionWhileStopping(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan string, 1)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	go func() {
		done <- Serve(ctx, slog.New(readyHandler{ready}), 500*time.Millisecond, Listener{Name: "http", Addr: "127.0.0.1:0", Handler: ok})
	}()
	conn, err := net.Dial("tcp", <-ready)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	if resp := getOn(t, conn, r); resp.Close {
		t.Fatal("before the stop: the answer closes the connection, want it kept alive")
	}

	cancel()
	time.Sleep(50 * time.Millisecond) // Serve sees ctx done
	resp := getOn(t, conn, r)
	if !resp.Close {
		t.Error("the idle connection's next request while stopping: the answer has no \"Connection: close\"")
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := r.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("after that answer: read %d bytes, %v; want the connection closed (EOF)", n, err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve after the delay: %v, want nil", err)
	}
}

// getOn sends "GET /" on conn and reads the answer, which must be 200 ok.
func getOn(t *testing.T, conn net.Conn, r *bufio.Reader) *http.Response {
	t.Helper()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: provider\r\n\r\n"); err != nil {
		t.Fatalf("send GET /: %v", err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("GET /: no answer: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Fatalf("GET /: got %d %q, want 200 ok", resp.StatusCode, body)
	}
	return resp
}

// get answers a GET's status, body, and whether the server closes the connection after it.
func get(t *testing.T, u string) (int, string, bool) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Close
}

// TestListenTakesEveryAddressBeforeServing: once Listen returns, the
// addresses accept connections (queued until Serve), so a program that
// listens first (the client, before it discovers the provider) never
// refuses a connection a moment after it logged what it will answer; and
// an address that cannot be had gives back those taken before it.
func TestListenTakesEveryAddressBeforeServing(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "served") })
	l, err := Listen(Listener{Name: "http", Addr: "127.0.0.1:0", Handler: h}, Listener{Name: "metrics", Addr: "127.0.0.1:0", Handler: h})
	if err != nil {
		t.Fatal(err)
	}
	first, second := l.lns[0].Addr().String(), l.lns[1].Addr().String()
	conn, err := net.Dial("tcp", first)
	if err != nil {
		t.Fatalf("after Listen, before Serve: %v", err)
	}
	conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- l.Serve(ctx, slog.New(slog.DiscardHandler), 0) }()
	resp, err := http.Get("http://" + second + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "served" {
		t.Errorf("got %q, want the handler's answer", body)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free := processtest.FreeAddr(t)
	if _, err := Listen(Listener{Name: "http", Addr: free, Handler: h}, Listener{Name: "metrics", Addr: taken.Addr().String(), Handler: h}); err == nil {
		t.Fatal("Listen on a taken address: no error")
	}
	again, err := net.Listen("tcp", free)
	if err != nil {
		t.Fatalf("the address taken before the refused one was not given back: %v", err)
	}
	again.Close()
}
