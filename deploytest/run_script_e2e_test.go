package deploytest

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oauth-reference/provider/processtest"
)

// TestE2ERunScript runs scripts/run.sh (what `make run` runs) and stops it the
// two ways a user does: Ctrl-C, which the terminal sends to the script's
// whole process group, and SIGTERM to the script alone. Both times the
// script must say where to go, stop exactly its two programs — which drain
// and exit 0 — and exit 0, while another process of its group survives (no
// `kill 0`).
func TestE2ERunScript(t *testing.T) {
	bin := buildBoth(t)
	script, _ := filepath.Abs("../scripts/run.sh")
	for _, tt := range []struct {
		name  string
		group bool // signal the whole process group, as a terminal's Ctrl-C does
		sig   syscall.Signal
	}{
		{"Ctrl-C", true, syscall.SIGINT},
		{"SIGTERM to the script", false, syscall.SIGTERM},
	} {
		t.Run(tt.name, func(t *testing.T) {
			providerAddr, clientAddr := processtest.FreeAddr(t), processtest.FreeAddr(t)
			p := processtest.StartGroup(t, "bash", runEnv(bin, providerAddr, clientAddr), script)
			p.WaitLog(t, openLine(clientAddr), 60*time.Second)
			var bystander *processtest.Process
			if tt.group {
				p.SignalGroup(t, tt.sig)
			} else {
				bystander = processtest.StartInGroupOf(t, p, "sleep", "60")
				p.Signal(t, tt.sig)
			}
			if code := p.Wait(t, 20*time.Second); code != 0 {
				t.Errorf("run.sh exited %d, want 0", code)
			}
			checkStoppedCleanly(t, p.Log(), providerAddr, clientAddr)
			if bystander != nil && !bystander.Running() {
				t.Error("another process of the script's group was killed")
			}
		})
	}
}

// runEnv is the environment of a run of scripts/run.sh on the given
// loopback addresses, with the binaries in bin and cheap password hashes.
func runEnv(bin, providerAddr, clientAddr string) map[string]string {
	return map[string]string{
		"BIN": bin, "PASSWORD_HASH_MEMORY_KIB": "8", "PASSWORD_HASH_TIME": "1",
		"PROVIDER_ADDR": providerAddr, "ISSUER": "http://" + providerAddr,
		"CLIENT_ADDR": clientAddr, "AUTH_SERVER": "http://" + providerAddr, "REDIRECT_URI": "http://" + clientAddr + "/callback",
	}
}

// openLine is what scripts/run.sh prints once both programs are ready.
func openLine(clientAddr string) string {
	return "open http://" + clientAddr + " — sign in as demo / demo"
}

// checkStoppedCleanly checks the output of a run of scripts/run.sh that
// was stopped: both programs logged their graceful shutdown, the script
// said it stopped them, and neither program runs any more.
func checkStoppedCleanly(t *testing.T, log, providerAddr, clientAddr string) {
	t.Helper()
	for _, want := range []string{"[provider] ", "store closed; provider stopped", "[client] ", "listeners closed", "stopped."} {
		if !strings.Contains(log, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if left := programsOfRun(providerAddr, clientAddr); len(left) > 0 {
		t.Errorf("programs of the run still running after run.sh ended: %s", strings.Join(left, ", "))
	}
}

// programsOfRun returns the provider and client processes still running
// (as "name pid") whose environment names this run's two addresses, as
// run.sh's programs inherit them (runEnv). They are found by their
// environment, not by dialling their addresses: a freed port can be taken
// at once by another test's server, which a dial cannot tell from ours.
func programsOfRun(providerAddr, clientAddr string) []string {
	want := []string{"PROVIDER_ADDR=" + providerAddr, "CLIENT_ADDR=" + clientAddr}
	var left []string
	paths, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, path := range paths {
		dir := filepath.Dir(path)
		name, err := os.ReadFile(filepath.Join(dir, "comm"))
		if err != nil || !slices.Contains([]string{"provider", "client"}, strings.TrimSpace(string(name))) {
			continue // gone meanwhile, or not one of the programs
		}
		env, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		vars := strings.Split(string(env), "\x00")
		if slices.Contains(vars, want[0]) && slices.Contains(vars, want[1]) {
			left = append(left, strings.TrimSpace(string(name))+" "+filepath.Base(dir))
		}
	}
	return left
}

// TestE2ERunScriptPortsInUse runs scripts/run.sh while the provider's and
// the client's addresses are already served, as by the programs of a
// `make run` left open in another terminal: here by a server whose /readyz
// answers 200, so the health check alone would call the run ready. The
// script must say that the provider did not start and why, never print
// where to go, and exit non-zero.
func TestE2ERunScriptPortsInUse(t *testing.T) {
	bin := buildBoth(t)
	providerAddr, clientAddr := processtest.FreeAddr(t), processtest.FreeAddr(t)
	for _, addr := range []string{providerAddr, clientAddr} {
		serveReady(t, addr)
	}
	p := startIn(t, t.TempDir(), runEnv(bin, providerAddr, clientAddr), "bash", runScript(t))
	if code := p.Wait(t, 60*time.Second); code == 0 {
		t.Error("run.sh exited 0, want non-zero")
	}
	log := p.Log()
	if want := "the provider did not start: " + providerAddr + " is in use"; !strings.Contains(log, want) {
		t.Errorf("the output lacks %q:\n%s", want, log)
	}
	if strings.Contains(log, "open http://") {
		t.Errorf("run.sh said where to go though its programs did not start:\n%s", log)
	}
}

// serveReady serves addr until the test ends, answering every request
// (its /readyz included) with 200.
func serveReady(t *testing.T, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}
