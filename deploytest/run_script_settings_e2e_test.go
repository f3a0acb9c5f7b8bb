package deploytest

import (
	"maps"
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

// TestE2ERunScriptReadsDotEnv runs scripts/run.sh with its settings in
// .env, where README sends a reader to change one, and in the environment,
// which wins over .env as it does for the programs. The line it prints
// names the client's origin and the user the programs use, never a
// password other than the public default; and a listen address from .env
// is the one the provider listens on: the script exports no address of
// its own that would override the .env line.
func TestE2ERunScriptReadsDotEnv(t *testing.T) {
	bin := buildBoth(t)
	const password = "wonderland-pass"
	for _, tt := range []struct {
		name     string
		inDotEnv bool // the settings are in .env, else in the environment over a .env that says otherwise
	}{
		{"settings in .env", true},
		{"settings in the environment win over .env", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			providerAddr, clientAddr := processtest.FreeAddr(t), processtest.FreeAddr(t)
			settings := runEnv(bin, providerAddr, clientAddr)
			settings["OAUTH_USERNAME"], settings["OAUTH_PASSWORD"] = "alice", password
			env := map[string]string{"BIN": bin, "PASSWORD_HASH_MEMORY_KIB": "8", "PASSWORD_HASH_TIME": "1"}
			dotEnv := "OAUTH_USERNAME=bob\nREDIRECT_URI=http://localhost:1/callback\n"
			if tt.inDotEnv {
				dotEnv = dotEnvOf(settings)
			} else {
				env = settings
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(dotEnv), 0o600); err != nil {
				t.Fatal(err)
			}
			p := startIn(t, dir, env, "bash", runScript(t))
			p.WaitLog(t, "open http://"+clientAddr+" — sign in as alice (with the password you set)", 60*time.Second)
			if status, err := readyz(providerAddr, 5*time.Second); err != nil || status != http.StatusOK {
				t.Errorf("the provider at %s answers %d, %v; want 200", providerAddr, status, err)
			}
			if tt.inDotEnv {
				checkNoAddrExported(t, programPID(t, dir, "provider"))
			}
			p.SignalGroup(t, syscall.SIGINT)
			if code := p.Wait(t, 20*time.Second); code != 0 {
				t.Errorf("run.sh exited %d, want 0", code)
			}
			checkStoppedCleanly(t, p.Log(), providerAddr, clientAddr)
			if strings.Contains(p.Log(), password) {
				t.Error("the output shows OAUTH_PASSWORD")
			}
		})
	}
}

// runScript returns the absolute path of scripts/run.sh.
func runScript(t *testing.T) string {
	t.Helper()
	script, err := filepath.Abs("../scripts/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// startIn starts command as processtest.StartGroup does, but in dir: where
// scripts/run.sh reads .env and keeps data/.
func startIn(t *testing.T, dir string, env map[string]string, command ...string) *processtest.Process {
	t.Helper()
	return processtest.StartGroup(t, "bash", env, append([]string{"-c", `cd "$1" && shift && exec "$@"`, "startIn", dir}, command...)...)
}

// dotEnvOf writes settings as .env lines, in the forms a .env has: some
// exported, some quoted.
func dotEnvOf(settings map[string]string) string {
	var b strings.Builder
	for i, name := range slices.Sorted(maps.Keys(settings)) {
		switch i % 3 {
		case 0:
			b.WriteString(name + "=" + settings[name] + "\n")
		case 1:
			b.WriteString("export " + name + `="` + settings[name] + "\"\n")
		default:
			b.WriteString(name + "='" + settings[name] + "' # a comment\n")
		}
	}
	return b.String()
}

// programPID returns the process id of program that scripts/run.sh started
// in dir (it writes it to data/.NAME.pid).
func programPID(t *testing.T, dir, program string) string {
	t.Helper()
	pid, err := os.ReadFile(filepath.Join(dir, "data", "."+program+".pid"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(pid))
}

// checkNoAddrExported checks that the process pid was started without
// PROVIDER_ADDR or CLIENT_ADDR in its environment, so that the .env lines
// for them, which never override a variable already set, take effect.
func checkNoAddrExported(t *testing.T, pid string) {
	t.Helper()
	environ, err := os.ReadFile("/proc/" + pid + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range strings.Split(string(environ), "\x00") {
		if strings.HasPrefix(v, "PROVIDER_ADDR=") || strings.HasPrefix(v, "CLIENT_ADDR=") {
			t.Errorf("run.sh exported %s over the .env line", v)
		}
	}
}
