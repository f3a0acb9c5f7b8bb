// Package processtest builds this project's programs and runs them as real
// processes, for tests of what only a process has: signals, exit status,
// listeners, its log. The client module's tests use it too.
package processtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles the main package in dir (a path relative to the test's
// working directory, or absolute) into a temporary directory and returns
// the binary's path.
func Build(t testing.TB, dir, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("processtest: go build %s: %v\n%s", dir, err, out)
	}
	return bin
}

// FreeAddr returns a loopback address no one listens on right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Process is a running program; its standard output and error are kept.
type Process struct {
	cmd  *exec.Cmd
	out  *Buffer
	done chan struct{}
	err  error // cmd.Wait's answer, once done is closed
}

// Start runs bin with exactly env (plus PATH and HOME) in a fresh working
// directory, so neither the test's environment nor a .env file leaks in.
// The process is killed when the test ends, if it still runs.
func Start(t testing.TB, bin string, env map[string]string, args ...string) *Process {
	t.Helper()
	return start(t, bin, env, nil, nil, args)
}

// StartLoggingTo is Start with the process's standard output and error
// going to log (the write end of a pipe whose reader the test may close),
// not kept: Log returns "".
func StartLoggingTo(t testing.TB, bin string, env map[string]string, log *os.File, args ...string) *Process {
	t.Helper()
	return start(t, bin, env, nil, log, args)
}

// StartGroup is Start with the process leading a process group of its own,
// as a shell's foreground job does, so SignalGroup can play a terminal's
// Ctrl-C. When the test ends, what still runs in that group is killed.
func StartGroup(t testing.TB, bin string, env map[string]string, args ...string) *Process {
	t.Helper()
	return start(t, bin, env, &syscall.SysProcAttr{Setpgid: true}, nil, args)
}

// StartInGroupOf starts bin as a member of leader's process group.
func StartInGroupOf(t testing.TB, leader *Process, bin string, args ...string) *Process {
	t.Helper()
	return start(t, bin, nil, &syscall.SysProcAttr{Setpgid: true, Pgid: leader.cmd.Process.Pid}, nil, args)
}

// SignalGroup sends sig to every process of p's process group.
func (p *Process) SignalGroup(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		t.Fatalf("processtest: signal the group: %v", err)
	}
}

// Running reports whether the process has not exited.
func (p *Process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// start runs bin; its output goes to log, or is kept (Log) when log is nil.
func start(t testing.TB, bin string, env map[string]string, attr *syscall.SysProcAttr, log *os.File, args []string) *Process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = attr
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &Process{cmd: cmd, out: &Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if log != nil {
		cmd.Stdout, cmd.Stderr = log, log
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("processtest: start %s: %v", bin, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if attr != nil && attr.Setpgid && attr.Pgid == 0 {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the group it leads: what it started too
		}
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("log of %s:\n%s", filepath.Base(bin), p.Log())
		}
	})
	return p
}

// Log returns what the process has written so far.
func (p *Process) Log() string { return p.out.String() }

// WaitLog waits until the log contains want, or fails the test.
func (p *Process) WaitLog(t testing.TB, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.Log(), want) {
		select {
		case <-p.done:
			t.Fatalf("processtest: the process exited (%v) before logging %q", p.err, want)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("processtest: no %q in the log within %s", want, timeout)
		}
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("processtest: signal %v: %v", sig, err)
	}
}

// Wait waits for the process to exit and returns its exit status, or fails
// the test after timeout.
func (p *Process) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("processtest: still running after %s", timeout)
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("processtest: wait: %v", p.err)
	}
	return 0
}

// ExitSignal returns the signal that ended the process, or 0 if it exited
// (or still runs).
func (p *Process) ExitSignal() syscall.Signal {
	if p.Running() || p.cmd.ProcessState == nil {
		return 0
	}
	if status, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		return status.Signal()
	}
	return 0
}

// WaitReady polls url until it answers 200, or fails the test.
func WaitReady(t testing.TB, p *Process, url string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		if status, err := get(ctx, url); err == nil && status == http.StatusOK {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("processtest: the process exited (%v) before %s answered", p.err, url)
		case <-ctx.Done():
			t.Fatalf("processtest: %s did not answer 200 within %s", url, timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Buffer is a bytes.Buffer that goroutines (a process's two output
// streams, a server's handlers) write while the test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// get fetches url and returns the status.
func get(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// SignalDuringRequest checks a graceful shutdown: it sends the headers of
// a form POST to path with "Expect: 100-continue", waits for the 100 that
// says the handler has started reading the body, sends sig (SIGTERM,
// SIGHUP), checks that new connections are refused, then sends the body.
// It returns the answer to that request in flight (its body read) and the
// exit status. Each header is one "Name: value" line added to the request.
func (p *Process) SignalDuringRequest(t testing.TB, sig syscall.Signal, addr, path, body string, header ...string) (*http.Response, int) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n%s\r\n", path, addr, len(body), headerLines(header))
	answers := bufio.NewReader(conn)
	if line, err := answers.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("processtest: got %q, %v; want 100 Continue", line, err)
	}
	_, _ = answers.ReadString('\n') // the empty line ending the 100 response

	p.Signal(t, sig)
	p.WaitLog(t, "shutting down", 10*time.Second)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("processtest: a new connection was accepted after %v", sig)
	}
	fmt.Fprint(conn, body)
	resp, err := http.ReadResponse(answers, nil)
	if err != nil {
		t.Fatalf("processtest: the request in flight got no answer: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, p.Wait(t, DrainTimeout+5*time.Second)
}

// DrainTimeout is the longest a graceful shutdown may take (the programs'
// service.DrainTimeout).
const DrainTimeout = 10 * time.Second

// headerLines formats header lines for a raw HTTP/1.1 request.
func headerLines(header []string) string {
	var b strings.Builder
	for _, h := range header {
		b.WriteString(h + "\r\n")
	}
	return b.String()
}
