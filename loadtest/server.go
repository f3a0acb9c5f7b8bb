package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// binaries are the programs the load tool measures, built from the
// repository it runs in.
type binaries struct {
	Provider string // the real provider (./provider)
	BareGin  string // the reference of the HTTP paths: one Gin handler (./loadtest/cmd/baregin)
	BareOp   string // the references of the signatures and Argon2id (./loadtest/cmd/bareop)
}

// build compiles the programs from the repository at root into dir.
func build(ctx context.Context, root, dir string) (binaries, error) {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator),
		"./provider", "./loadtest/cmd/baregin", "./loadtest/cmd/bareop")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return binaries{}, fmt.Errorf("loadtest: go build: %w\n%s", err, out)
	}
	return binaries{Provider: filepath.Join(dir, "provider"), BareGin: filepath.Join(dir, "baregin"),
		BareOp: filepath.Join(dir, "bareop")}, nil
}

// repositoryRoot is the directory of the go.work file the go command uses.
func repositoryRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOWORK").Output()
	work := strings.TrimSpace(string(out))
	if err != nil || work == "" || work == "off" {
		return "", errors.New("loadtest: run inside the repository (go env GOWORK names no go.work)")
	}
	return filepath.Dir(work), nil
}

// server is a program the load tool started on a loopback port.
type server struct {
	cmd  *exec.Cmd
	Base string // http://127.0.0.1:PORT
	log  string // the file its standard error goes to
	done chan struct{}
}

// startServer runs bin in dir with exactly env, pinned to cpu, and waits
// until readyPath answers 200. Its standard error goes to dir/name.log.
func startServer(ctx context.Context, bin, dir, name string, env []string, base, readyPath string, cpu int) (*server, error) {
	logFile, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, logFile, logFile
	if err := startPinned(cmd, cpu); err != nil {
		return nil, fmt.Errorf("loadtest: start %s: %w", name, err)
	}
	s := &server{cmd: cmd, Base: base, log: logFile.Name(), done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx, readyPath); err != nil {
		s.stop()
		return nil, err
	}
	if err := checkPinned(s.PID(), cpu); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// PID is the server's process id.
func (s *server) PID() int { return s.cmd.Process.Pid }

// waitReady polls path until it answers 200, the server exits, or 60 s pass.
func (s *server) waitReady(ctx context.Context, path string) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Base+path, nil) // the URL is ours
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return fmt.Errorf("loadtest: %s exited before it was ready:\n%s", filepath.Base(s.cmd.Path), logTail(s.log))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("loadtest: %s not ready after a minute:\n%s", filepath.Base(s.cmd.Path), logTail(s.log))
}

// logTail is the end of a process's log file (a server's or bareop's), for
// an error message.
func logTail(path string) string {
	data, _ := os.ReadFile(path)
	return string(data[max(len(data)-2000, 0):])
}

// stop sends SIGTERM and waits for the exit (killing after 15 s).
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// freeLoopbackAddr returns a loopback address no one listens on right now.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
