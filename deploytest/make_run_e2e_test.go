package deploytest

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/oauth-reference/provider/processtest"
)

// TestE2EMakeRun runs `make run` itself (its build step skipped: the binaries
// are built once for the test) and stops it as a newcomer does: in an
// interactive shell on a terminal, with Ctrl-Z, `fg` and Ctrl-C. Make must
// exit 0, both programs must have stopped cleanly, and a job the shell ran
// before survives. A SIGTERM to make, in a terminal or not, and a SIGINT to
// make's process group without one, stop both programs cleanly too, and
// make ends as GNU make does on a signal (it kills itself with it) instead
// of waiting forever.
func TestE2EMakeRun(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("make is not installed")
		}
		t.Skip("make is not installed")
	}
	bin := buildBoth(t)
	dir := projectCopy(t)
	makeRun := []string{"make", "-s", "--no-print-directory", "-C", dir, "-o", "build", "run"}

	t.Run("in a terminal", func(t *testing.T) {
		providerAddr, clientAddr := processtest.FreeAddr(t), processtest.FreeAddr(t)
		term := startShell(t, runEnv(bin, providerAddr, clientAddr))
		term.run(t, "sleep 600 & bystander=$!")
		term.typeLine(t, strings.Join(makeRun, " "))
		term.expect(t, openLine(clientAddr), 60*time.Second)

		term.write(t, "\x1a") // Ctrl-Z
		term.expect(t, "Stopped", 10*time.Second)
		term.expect(t, prompt, 10*time.Second)
		if status, err := readyz(providerAddr, 500*time.Millisecond); err == nil {
			t.Errorf("after Ctrl-Z the provider still answers (%d)", status)
		}
		term.typeLine(t, "fg")
		if status, err := readyz(providerAddr, 10*time.Second); err != nil || status != http.StatusOK {
			t.Fatalf("after fg the provider answers %d, %v; want 200", status, err)
		}

		term.write(t, "\x03") // Ctrl-C
		term.expect(t, prompt, 20*time.Second)
		before := term.out.String()
		term.run(t, `echo "make exited with $?"`)
		term.run(t, `echo "bystander $(kill -0 $bystander && echo alive)"`)
		if out := term.out.String(); !strings.Contains(out, "make exited with 0") {
			t.Errorf("make did not exit 0 after Ctrl-C:\n%s", out[len(before):])
		} else if !strings.Contains(out, "bystander alive") {
			t.Error("Ctrl-C killed another job of the shell")
		}
		checkStoppedCleanly(t, before, providerAddr, clientAddr)
		term.run(t, "kill $bystander")
	})

	t.Run("SIGTERM to make, in a terminal", func(t *testing.T) {
		providerAddr, clientAddr := processtest.FreeAddr(t), processtest.FreeAddr(t)
		term := startShell(t, runEnv(bin, providerAddr, clientAddr))
		term.typeLine(t, strings.Join(makeRun, " "))
		term.expect(t, openLine(clientAddr), 60*time.Second)
		if err := syscall.Kill(term.childPID(t), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		term.expect(t, "stopped.", 20*time.Second) // the script's second run saw its first one end
		checkStoppedCleanly(t, term.out.String(), providerAddr, clientAddr)
	})

	for _, tt := range []struct {
		name  string
		group bool // signal make's whole process group, else make alone
		sig   syscall.Signal
	}{
		{"SIGINT to make's group, without a terminal", true, syscall.SIGINT},
		{"SIGTERM to make's group, without a terminal", true, syscall.SIGTERM},
		{"SIGTERM to make, without a terminal", false, syscall.SIGTERM},
	} {
		t.Run(tt.name, func(t *testing.T) {
			providerAddr, clientAddr := processtest.FreeAddr(t), processtest.FreeAddr(t)
			p := processtest.StartGroup(t, makeRun[0], runEnv(bin, providerAddr, clientAddr), makeRun[1:]...)
			p.WaitLog(t, openLine(clientAddr), 60*time.Second)
			if tt.group {
				p.SignalGroup(t, tt.sig)
			} else {
				p.Signal(t, tt.sig) // make passes a SIGTERM on to its recipe
			}
			p.Wait(t, 20*time.Second)
			if sig := p.ExitSignal(); sig != tt.sig {
				t.Errorf("make ended by signal %v, want %v (what GNU make does once its recipe ended)", sig, tt.sig)
			}
			checkStoppedCleanly(t, p.Log(), providerAddr, clientAddr)
			if strings.Contains(p.Log(), "a program exited") {
				t.Error("scripts/run.sh did not exit 0")
			}
		})
	}
}

// projectCopy returns a directory holding the project's Makefile and
// scripts (symbolic links), so `make -C` runs them with the data directory
// they create inside the test's own temporary directory.
func projectCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"Makefile", "scripts"} {
		abs, err := filepath.Abs(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// readyz asks the provider's /readyz within timeout and returns the status.
func readyz(addr string, timeout time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return resp.StatusCode, nil
		}
		if ctx.Err() != nil {
			return 0, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// prompt is the interactive shell's prompt in startShell.
const prompt = "term$ "

// terminal is an interactive bash on a pseudo-terminal: what a user types
// into, with job control, Ctrl-C and Ctrl-Z as a real terminal has them.
type terminal struct {
	shell *exec.Cmd
	pty   *os.File
	out   processtest.Buffer // everything the terminal showed
	seen  int                // how much of out expect has consumed
}

// startShell starts `bash -i` without any startup file on a new
// pseudo-terminal, with env (plus PATH and HOME) and the prompt above, in a
// temporary directory. When the test ends, whatever still runs in the
// terminal's session is killed.
func startShell(t *testing.T, env map[string]string) *terminal {
	t.Helper()
	cmd := exec.Command("bash", "--norc", "--noprofile", "-i")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir, "PS1=" + prompt, "TERM=dumb"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	f, err := pty.Start(cmd)
	if err != nil {
		t.Fatalf("start bash on a pseudo-terminal: %v", err)
	}
	term := &terminal{shell: cmd, pty: f}
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&term.out, f); close(copied) }()
	t.Cleanup(func() {
		// Whatever still runs in the terminal's session (after a failure:
		// make, the script, the programs) is killed, so that nothing
		// outlives the test and the terminal's output ends.
		_ = exec.Command("pkill", "-KILL", "-s", strconv.Itoa(cmd.Process.Pid)).Run()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		<-copied
		f.Close()
		if t.Failed() {
			t.Logf("the terminal showed:\n%s", term.out.String())
		}
	})
	term.expect(t, prompt, 10*time.Second)
	return term
}

// childPID returns the process id of the shell's foreground command (its
// only child).
func (tm *terminal) childPID(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("pgrep", "-P", strconv.Itoa(tm.shell.Process.Pid)).Output()
	if err != nil {
		t.Fatalf("pgrep -P: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("the shell's children: %q, want one", out)
	}
	return pid
}

// write sends s as typed keys.
func (tm *terminal) write(t *testing.T, s string) {
	t.Helper()
	if _, err := tm.pty.WriteString(s); err != nil {
		t.Fatalf("write to the terminal: %v", err)
	}
}

// typeLine types line and Enter.
func (tm *terminal) typeLine(t *testing.T, line string) { t.Helper(); tm.write(t, line+"\n") }

// run types line and waits for the next prompt.
func (tm *terminal) run(t *testing.T, line string) {
	t.Helper()
	tm.typeLine(t, line)
	tm.expect(t, prompt, 10*time.Second)
}

// expect waits until the terminal shows want after what earlier expects
// consumed, and consumes it; or fails the test after timeout.
func (tm *terminal) expect(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if i := strings.Index(tm.out.String()[tm.seen:], want); i >= 0 {
			tm.seen += i + len(want)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal did not show %q within %s", want, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
