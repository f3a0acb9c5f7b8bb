package deploytest

import (
	"encoding/hex"
	"maps"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oauth-reference/provider/processtest"
)

// TestE2ERunScriptListensOnLoopback runs scripts/run.sh with no listen
// address set, in a network namespace of its own (8080 and 3000 are free
// there, whatever this machine runs) whose localhost resolves to ::1
// first. The programs' own defaults listen on every interface; the script
// must make both listen on 127.0.0.1 only, and the client must still reach
// the default issuer http://localhost:8080 (it is ready only once it has
// the provider's metadata), as its Go HTTP client falls back from ::1.
func TestE2ERunScriptListensOnLoopback(t *testing.T) {
	const inNamespace = `ip link set lo up && mount --bind "$1" /etc/hosts && exec bash "$2"`
	if out, err := exec.Command("unshare", "-rmn", "sh", "-c", "ip link set lo up").CombinedOutput(); err != nil {
		t.Skipf("needs unshare -rmn (user, mount and network namespaces) and ip: %v %s", err, out)
	}
	bin := buildBoth(t)
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("::1 localhost\n127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := map[string]string{"BIN": bin, "PASSWORD_HASH_MEMORY_KIB": "8", "PASSWORD_HASH_TIME": "1"}
	p := startIn(t, dir, env, "unshare", "-rmn", "bash", "-c", inNamespace, "run.sh", hosts, runScript(t))
	p.WaitLog(t, openLine("localhost:3000"), 60*time.Second)

	got := listeningAddrs(t, programPID(t, dir, "provider"))
	if want := []string{"127.0.0.1:3000", "127.0.0.1:8080"}; !slices.Equal(got, want) {
		t.Errorf("listening on %q, want %q: loopback only", got, want)
	}
	p.SignalGroup(t, syscall.SIGINT)
	if code := p.Wait(t, 20*time.Second); code != 0 {
		t.Errorf("run.sh exited %d, want 0", code)
	}
	checkStoppedCleanly(t, p.Log(), "127.0.0.1:8080", "127.0.0.1:3000")
}

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

// listeningAddrs returns the addresses TCP sockets listen on in the
// network namespace of process pid, sorted (from /proc/PID/net/tcp and
// tcp6: local address in hex, each 32-bit word in host byte order, and
// state 0A for LISTEN).
func listeningAddrs(t *testing.T, pid string) []string {
	t.Helper()
	var out []string
	for _, file := range []string{"tcp", "tcp6"} {
		table, err := os.ReadFile(filepath.Join("/proc", pid, "net", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(table), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 4 || fields[3] != "0A" {
				continue
			}
			out = append(out, procNetAddr(t, fields[1]))
		}
	}
	slices.Sort(out)
	return out
}

// procNetAddr decodes a /proc/net/tcp address such as 0100007F:1F90
// (127.0.0.1:8080).
func procNetAddr(t *testing.T, s string) string {
	t.Helper()
	host, port, _ := strings.Cut(s, ":")
	ip, err := hex.DecodeString(host)
	if err != nil || len(ip)%4 != 0 {
		t.Fatalf("/proc/net/tcp address %q", s)
	}
	for word := 0; word < len(ip); word += 4 {
		slices.Reverse(ip[word : word+4])
	}
	addr, _ := netip.AddrFromSlice(ip)
	p, err := hex.DecodeString(port)
	if err != nil || len(p) != 2 {
		t.Fatalf("/proc/net/tcp address %q", s)
	}
	return netip.AddrPortFrom(addr.Unmap(), uint16(p[0])<<8|uint16(p[1])).String()
}
