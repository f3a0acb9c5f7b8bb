package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/oauth-reference/provider/internal/backend"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
	"github.com/oauth-reference/provider/service"
)

// TestMain lets the test binary run as the provider itself when
// PROVIDER_AS_CHILD is set, so tests can start, kill and restart a real
// provider process.
func TestMain(m *testing.M) {
	if os.Getenv("PROVIDER_AS_CHILD") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// provider is a provider process started from the test binary.
type provider struct {
	cmd *exec.Cmd
	url string
}

// startProvider runs the provider on addr with its SQLite file in dir and
// waits until it answers.
func startProvider(t *testing.T, dir, addr string) *provider {
	t.Helper()
	return startProviderOn(t, dir, addr, filepath.Join(dir, "provider.db"))
}

// testKEK is the key-encryption key of providers on PostgreSQL, which
// requires one (a SQLite provider keeps its own beside the database).
const testKEK = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=" // 32 × "a"

// startProviderOn runs the provider on addr, in dir, with the store
// databaseURL names (a SQLite file or a postgres:// URL) and the further
// settings env, and waits until it answers.
func startProviderOn(t *testing.T, dir, addr, databaseURL string, env ...string) *provider {
	t.Helper()
	cmd := providerCommand(context.Background(), dir, addr, databaseURL, env...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start provider: %v", err)
	}
	p := &provider{cmd: cmd, url: "http://" + addr}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for start := time.Now(); time.Since(start) < 20*time.Second; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(p.url + "/.well-known/jwks.json"); err == nil {
			resp.Body.Close()
			return p
		}
	}
	t.Fatal("the provider did not answer within 20s")
	return nil
}

// providerCommand is the command startProviderOn starts, killed when ctx
// ends: the provider on addr, in dir, with the store databaseURL names and
// the further settings env (which the fixed ones override).
func providerCommand(ctx context.Context, dir, addr, databaseURL string, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0]) // no arguments: TestMain runs main() before flags are parsed
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "PROVIDER_AS_CHILD=1", "PROVIDER_ADDR="+addr,
		"ISSUER=http://"+addr, "DATABASE_URL="+databaseURL, "PASSWORD_HASH_MEMORY_KIB=8", "PASSWORD_HASH_TIME=1")
	if strings.HasPrefix(databaseURL, "postgres") {
		cmd.Env = append(cmd.Env, "KEY_ENCRYPTION_KEY="+testKEK)
	}
	cmd.Dir = dir // no .env from the repository
	return cmd
}

// TestChangedUserIDIsRefused: a provider started with another USER_ID on a
// store whose demo user (OAUTH_USERNAME) was seeded under the first stops
// with a last line that names both settings and the id the user has, not
// the store's "duplicate key"; the user is left as it was, so a start
// with the first USER_ID serves again. On both stores.
func TestChangedUserIDIsRefused(t *testing.T) {
	const want = "USER_ID u2: the user name demo (OAUTH_USERNAME) already belongs to user user1 in this store: " +
		"keep USER_ID user1, or choose another OAUTH_USERNAME"
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			databaseURL := filepath.Join(dir, "provider.db")
			if backend == "postgres" {
				databaseURL = pgtest.NewSchemas(t).Create(t)
			}
			startProviderOn(t, dir, freeAddr(t), databaseURL).kill9(t)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			refused := providerCommand(ctx, dir, freeAddr(t), databaseURL, "USER_ID=u2")
			out, _ := refused.CombinedOutput()
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if last := lines[len(lines)-1]; refused.ProcessState.ExitCode() != 1 || !strings.Contains(last, want) {
				t.Errorf("a start with USER_ID=u2: got exit status %d, last line %q; want 1 and a line containing %q",
					refused.ProcessState.ExitCode(), last, want)
			}
			startProviderOn(t, dir, freeAddr(t), databaseURL).kill9(t)
		})
	}
}

// kill9 ends the process the hard way: no shutdown, no flush.
func (p *provider) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// freeAddr returns a free loopback address.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// postForm posts a form and returns the response and its body.
func postForm(t *testing.T, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirects.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// TestE2EKill9LosesNothing: what the provider answered with before a kill -9
// — a code, an access token, a refresh token, a revocation — is all there
// after a restart (README, "What the provider does": Durability).
func TestE2EKill9LosesNothing(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	p := startProvider(t, dir, addr)
	auth := url.Values{"response_type": {"code"}, "client_id": {"testclient"}, "state": {"s"}, "scope": {"read"},
		"redirect_uri": {"http://localhost:3000/callback"}, "username": {providertest.DemoUsername}, "password": {providertest.DemoPassword}}
	codes := make([]string, 2)
	for i := range codes {
		resp, _ := postForm(t, p.url+"/oauth/authenticate", auth)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		codes[i] = loc.Query().Get("code")
	}
	first := exchange(t, p.url, codes[0])
	second := exchange(t, p.url, codes[1])
	revoke := url.Values{"token": {second.RefreshToken}, "client_id": {"testclient"}, "client_secret": {"testsecret"}}
	if resp, _ := postForm(t, p.url+"/oauth/revoke", revoke); resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: got %d", resp.StatusCode)
	}
	p.kill9(t)

	p = startProvider(t, dir, addr)
	if got := resourceStatus(t, p.url, first.AccessToken); got != http.StatusOK {
		t.Errorf("an access token issued before the kill: got %d, want 200 (signing key kept)", got)
	}
	if got := resourceStatus(t, p.url, second.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("a token revoked before the kill: got %d, want 401", got)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken},
		"client_id": {"testclient"}, "client_secret": {"testsecret"}}
	if resp, body := postForm(t, p.url+"/oauth/token", refresh); resp.StatusCode != http.StatusOK {
		t.Errorf("a refresh token issued before the kill: got %d %s, want 200", resp.StatusCode, body)
	}
	_ = exchange(t, p.url, codesAfterKill(t, p.url, auth))
}

// codesAfterKill checks the provider still issues codes after the restart.
func codesAfterKill(t *testing.T, base string, auth url.Values) string {
	resp, _ := postForm(t, base+"/oauth/authenticate", auth)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return loc.Query().Get("code")
}

// exchange redeems a code with client_secret_post.
func exchange(t *testing.T, base, code string) tokenResponse {
	t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://localhost:3000/callback"},
		"client_id": {"testclient"}, "client_secret": {"testsecret"}}
	resp, body := postForm(t, base+"/oauth/token", form)
	var tok tokenResponse
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &tok) != nil {
		t.Fatalf("exchange: got %d %s", resp.StatusCode, body)
	}
	return tok
}

func resourceStatus(t *testing.T, base, accessToken string) int {
	req, _ := http.NewRequest(http.MethodGet, base+"/protected/resource", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestOneProviderServesASQLiteFile: while a provider serves a SQLite file,
// a second one on the same file stops at start and says why (each would
// miss the other's revocations); the first keeps serving.
func TestOneProviderServesASQLiteFile(t *testing.T) {
	dir := t.TempDir()
	first := startProvider(t, dir, freeAddr(t))
	err := serveInProcess(t, dir)
	if err == nil || !strings.Contains(err.Error(), "another provider process serves the SQLite database") {
		t.Fatalf("a second provider on the same file: got %v, want an error naming the other process", err)
	}
	resp, err := http.Get(first.url + "/readyz")
	if err != nil {
		t.Fatalf("the first provider after the refused start: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the first provider's /readyz after the refused start: got %d, want 200", resp.StatusCode)
	}
}

// TestRefusedProviderLeavesTheFileAlone: a provider refused because
// another serves the SQLite file stops before it opens the file, so it
// neither creates nor migrates it (nor writes a key beside it) under the
// one serving it.
func TestRefusedProviderLeavesTheFileAlone(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "provider.db")
	release, err := backend.ClaimServing(db) // the provider serving it
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if err := serveInProcess(t, dir); err == nil {
		t.Fatal("a provider on a claimed file: got no error")
	}
	for _, name := range []string{"provider.db", "kek"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s after the refused start: got %v, want it not to exist", name, err)
		}
	}
}

// TestRefusedSettingLeavesNothingBehind: a setting that cannot work stops
// the provider with one line that names the variable, shows no password,
// and comes before anything is written: no data directory, no database, no
// key file, no lock, no table in PostgreSQL. Before these checks,
// REDIRECT_URI=foo:// failed only after the store was created, and
// DATABASE_URL=mysql://x/y became a SQLite file at mysql:/x/y; a key-encryption
// key that is not one, or an address no server can listen on, failed after
// the store was created and migrated (and a kek file or sealed signing
// keys written).
func TestRefusedSettingLeavesNothingBehind(t *testing.T) {
	tests := []struct{ variable, value string }{
		{"ISSUER", "http://user:hunter2@localhost:8080"},
		{"REDIRECT_URI", "foo://"},
		{"REDIRECT_URI", "http://localhost:3000/callback#x"},
		{"CLIENT_ID", "spa-client"},
		{"ACCESS_TOKEN_AUDIENCE", "my-api"},
		{"DATABASE_URL", "mysql://x/y"},
		{"DATABASE_URL", "file::memory:"},
		{"CODE_TTL", "1ns"},
		{"DEVICE_CODE_TTL", "1ns"},
		{"PURGE_INTERVAL", "1ns"},
		{"KEY_ENCRYPTION_KEY", "notbase64!!"},
		{"KEY_ENCRYPTION_KEY", "YWFhYWFhYWFhYWFhYWFhYQ=="}, // 16 bytes
		{"KEY_ENCRYPTION_KEY", ""},                         // PostgreSQL requires one
		{"KEY_ENCRYPTION_KEY_PREVIOUS", "garbage!!"},
		{"PROVIDER_ADDR", "garbage"},
		{"PROVIDER_ADDR", "127.0.0.1:99999"},
		{"METRICS_ADDR", "garbage"},
		{"METRICS_ADDR", "127.0.0.1:0"},
		{"DEBUG_ADDR", "127.0.0.1:99999"},
	}
	for _, store := range []string{"sqlite", "postgres"} {
		for _, tt := range tests {
			if store == "postgres" && tt.variable == "DATABASE_URL" {
				continue // the value is the store
			}
			if store == "sqlite" && tt.variable == "KEY_ENCRYPTION_KEY" && tt.value == "" {
				continue // SQLite keeps a key of its own
			}
			t.Run(store+"/"+tt.variable+"="+tt.value, func(t *testing.T) {
				refuseStart(t, store, nil, tt.variable, tt.variable+"="+tt.value)
			})
		}
	}
}

// TestUnknownCommandLeavesNothingBehind: a command line the provider does
// not know stops it with the usage line before it reads a setting or opens
// the store. Before, "provider help" created and migrated data/provider.db
// and wrote data/kek, then said the command was unknown.
func TestUnknownCommandLeavesNothingBehind(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		for _, args := range [][]string{{"help"}, {"keys", "foo"}, {"healthcheck", "extra"}} {
			t.Run(store+"/"+strings.Join(args, " "), func(t *testing.T) {
				refuseStart(t, store, args, "usage: provider")
			})
		}
	}
}

// refuseStart runs the provider process with args on store, with the
// further settings env, and checks it exits with status 1 and one line
// containing want (and no password), having written nothing.
func refuseStart(t *testing.T, store string, args []string, want string, env ...string) {
	dir := t.TempDir()
	databaseURL := filepath.Join(dir, "data", "provider.db")
	settings := []string{"PROVIDER_AS_CHILD=1", "PROVIDER_ADDR=" + freeAddr(t)}
	if store == "postgres" {
		databaseURL = pgtest.NewSchemas(t).Create(t)
		settings = append(settings, "KEY_ENCRYPTION_KEY="+testKEK)
	}
	settings = append(settings, "DATABASE_URL="+databaseURL)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)        // TestMain runs main() before flags are parsed
	cmd.Env = append(append(os.Environ(), settings...), env...) // the last value of a variable wins
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	line := string(out)
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit status %d (%v), want 1", code, err)
	}
	if !strings.Contains(line, want) || strings.Count(line, "\n") != 1 || strings.Contains(line, "hunter2") {
		t.Errorf("got %q, want one line containing %q, without the password", line, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("after the refused start, the working directory holds %v, want nothing", entries)
	}
	if store == "postgres" {
		if n := tablesIn(t, databaseURL); n != 0 {
			t.Errorf("after the refused start, the schema holds %d tables, want none", n)
		}
	}
}

// tablesIn counts the tables of the schema that databaseURL puts first on
// the search_path.
func tablesIn(t *testing.T, databaseURL string) int {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n int
	const count = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
	if err := pool.QueryRow(t.Context(), count).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// serveInProcess runs a provider in the test's process on the SQLite file
// provider.db in dir, on a free port, and returns run's error; it ends the
// provider after 10 s if it served.
func serveInProcess(t *testing.T, dir string) error {
	t.Helper()
	t.Chdir(dir)
	t.Setenv("DATABASE_URL", filepath.Join(dir, "provider.db"))
	t.Setenv("PROVIDER_ADDR", freeAddr(t))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return run(ctx, nil, io.Discard)
}

// TestDebugAddrNotLoopback: the provider refuses to start with a profiling
// listener that other machines could reach.
func TestDebugAddrNotLoopback(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("DEBUG_ADDR", "0.0.0.0:6060")
	err := run(context.Background(), nil, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DEBUG_ADDR") {
		t.Fatalf("run with DEBUG_ADDR=0.0.0.0:6060: got %v, want a DEBUG_ADDR error", err)
	}
}

// TestAddressInUseIsNamed: an address another process holds stops the
// provider with an error naming the setting that chose it, so the operator
// knows which one to change (each listener: PROVIDER_ADDR, METRICS_ADDR,
// DEBUG_ADDR).
func TestAddressInUseIsNamed(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, setting := range []string{"PROVIDER_ADDR", "METRICS_ADDR", "DEBUG_ADDR"} {
		t.Run(setting, func(t *testing.T) {
			t.Chdir(t.TempDir())
			t.Setenv("PROVIDER_ADDR", freeAddr(t))
			t.Setenv(setting, taken.Addr().String())
			err := run(context.Background(), nil, io.Discard)
			if err == nil || !strings.Contains(err.Error(), setting+" "+taken.Addr().String()) {
				t.Fatalf("run with %s=%s, an address in use: got %v, want an error naming %s and the address", setting, taken.Addr(), err, setting)
			}
		})
	}
}

// withUnopenableStore runs the test in a new directory with DATABASE_URL
// naming a store that cannot be opened (below a file), so a run stops at
// the store, after its logger is set up; slog's default logger, which run
// replaces, is put back when the test ends.
func withUnopenableStore(t *testing.T) {
	previous := slog.Default()
	t.Cleanup(func() { slog.SetDefault(previous) })
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", filepath.Join(dir, "file", "provider.db"))
}

// TestDefaultLoggerIsTheProviders: a line logged through slog's default
// logger (as the PostgreSQL revocation listener logs) comes out in the
// provider's LOG_FORMAT, on its output; so does the error the provider
// stops with, as the log's last line (a JSON log stays JSON to the end),
// not printed again beside it.
func TestDefaultLoggerIsTheProviders(t *testing.T) {
	withUnopenableStore(t)
	t.Setenv("LOG_FORMAT", "json")
	var out strings.Builder
	err := run(context.Background(), []string{"keys", "rotate"}, &out)
	if err == nil {
		t.Fatal("a store that cannot be opened: got no error")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var last struct{ Msg, Err string }
	if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &last); jerr != nil || last.Msg != "provider stopped" || !strings.Contains(last.Err, "not a directory") {
		t.Errorf("the log's last line %q (%v), want JSON: provider stopped, with the error", lines[len(lines)-1], jerr)
	}
	var printed strings.Builder
	if service.PrintExit(&printed, "provider", err); printed.Len() != 0 {
		t.Errorf("printed %q beside the log, want nothing", printed.String())
	}
	slog.Warn("listening for revocations failed")
	if !strings.Contains(out.String(), `"msg":"listening for revocations failed"`) {
		t.Errorf("got output %q, want the default logger's line as JSON", out.String())
	}
}

// TestRetiredSettingIsWarnedAbout: a variable that an earlier version read
// and this one does not (PASSWORD_HASH_COST, the bcrypt cost) is not
// silently ignored: the start warns once that it no longer applies, and
// names what replaced it.
func TestRetiredSettingIsWarnedAbout(t *testing.T) {
	withUnopenableStore(t) // the start stops at the store, after the warnings
	t.Setenv("PASSWORD_HASH_COST", "12")
	var out strings.Builder
	if err := run(context.Background(), nil, &out); err == nil {
		t.Fatal("a store that cannot be opened: got no error")
	}
	want := `level=WARN msg="PASSWORD_HASH_COST is set, but this version no longer reads it: passwords are hashed with Argon2id, not bcrypt; its cost is PASSWORD_HASH_MEMORY_KIB and PASSWORD_HASH_TIME"`
	if got := out.String(); strings.Count(got, want) != 1 || strings.Count(got, "PASSWORD_HASH_COST") != 1 {
		t.Errorf("log of a start with PASSWORD_HASH_COST set: got %q, want one line holding %q", got, want)
	}
}

// TestPlainHTTPIssuerIsWarnedAbout: a start with ISSUER http:// on a host
// that is not loopback logs one WARN line naming it (the session cookie
// without Secure, RFC 6749 Section 3.1); one on localhost, as in
// docker-compose.yml and make run, logs none.
func TestPlainHTTPIssuerIsWarnedAbout(t *testing.T) {
	for issuer, want := range map[string]int{"http://10.20.30.40:8080": 1, "http://localhost:8080": 0} {
		withUnopenableStore(t) // the start stops at the store, after the warning
		t.Setenv("ISSUER", issuer)
		var out strings.Builder
		if err := run(context.Background(), nil, &out); err == nil {
			t.Fatal("a store that cannot be opened: got no error")
		}
		line := regexp.MustCompile(`level=WARN msg="ISSUER is http on a host that is not loopback: http is for local development only;[^\n]* issuer=` + regexp.QuoteMeta(issuer) + "\n")
		if got := out.String(); len(line.FindAllString(got, -1)) != want || strings.Count(got, "level=WARN") != want {
			t.Errorf("log of a start with ISSUER=%s: got %q, want %d WARN line matching %s", issuer, got, want, line)
		}
	}
}

// TestHeapFloorUnlessGOGCIsSet: the provider keeps a heap floor
// (service.KeepHeapFloor: GOGC 400 while its heap is small, as /metrics
// shows), unless GOGC is set in its environment, which it then keeps.
func TestHeapFloorUnlessGOGCIsSet(t *testing.T) {
	t.Setenv("GOGC", "")
	os.Unsetenv("GOGC") // t.Setenv puts the test's own value back
	for _, c := range []struct {
		env  []string
		want string
	}{{nil, "400"}, {[]string{"GOGC=150"}, "150"}} {
		dir := t.TempDir()
		p := startProviderOn(t, dir, freeAddr(t), filepath.Join(dir, "provider.db"), c.env...)
		resp, err := http.Get(p.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := "\ngo_gc_gogc_percent " + c.want + "\n"; !strings.Contains(string(body), want) {
			t.Errorf("environment %v: /metrics lacks %q", c.env, strings.TrimSpace(want))
		}
	}
}

// TestKeysRotateCommand runs "provider keys rotate" against a store and
// checks the JWKS then publishes two keys.
func TestKeysRotateCommand(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("DATABASE_URL", migratedStore(t, filepath.Join(dir, "provider.db")))
	t.Setenv("PASSWORD_HASH_MEMORY_KIB", "8")
	t.Setenv("PASSWORD_HASH_TIME", "1")
	for i := range 2 {
		if err := run(context.Background(), []string{"keys", "rotate"}, io.Discard); err != nil {
			t.Fatalf("rotate %d: %v", i, err)
		}
	}
	addr := freeAddr(t)
	p := startProvider(t, dir, addr)
	resp, err := http.Get(p.url + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var jwks struct{ Keys []struct{ Kid, Alg string } }
	if err := json.NewDecoder(resp.Body).Decode(&jwks); err != nil {
		t.Fatal(err)
	}
	perAlg := map[string]int{}
	for _, k := range jwks.Keys {
		perAlg[k.Alg]++
	}
	// The first run creates a key per algorithm (LoadKeys) and rotates it
	// out; the second rotates again: per algorithm, the newest key and the
	// two it retired, still published.
	if want := map[string]int{"RS256": 3, "ES256": 3}; !maps.Equal(perAlg, want) {
		t.Errorf("JWKS keys per alg after two rotations of an empty store: got %v, want %v", perAlg, want)
	}
	if err := run(context.Background(), []string{"keys", "spin"}, io.Discard); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("an unknown command: got %v, want an unknown command error", err)
	}
}

// TestAfterRotation: what "provider keys rotate" says of running providers
// is true of each store, and of a key-encryption key change, which running
// providers cannot follow (they hold the previous key): it says to restart
// them and not that they pick the new keys up.
func TestAfterRotation(t *testing.T) {
	const postgresURL = "postgres://db/oauth"
	tests := []struct {
		name                  string
		databaseURL, previous string
		want                  string
	}{
		{"SQLite: re-read within a minute", "data/provider.db", "", "picks the new keys up within a minute"},
		{"PostgreSQL: notified at once", postgresURL, "", "pick the new keys up at once"},
		{"a key-encryption key change on SQLite: restart", "data/provider.db", "old", "restart the providers with it"},
		{"a key-encryption key change on PostgreSQL: restart", postgresURL, "old", "restart the providers with it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.DatabaseURL, cfg.KeyEncryptionKeyPrevious = tc.databaseURL, tc.previous
			got := afterRotation(cfg)
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to say %q", got, tc.want)
			}
			if tc.previous != "" && strings.Contains(got, "pick") {
				t.Errorf("got %q, want no promise that running providers pick the keys up", got)
			}
		})
	}
}

// migratedStore migrates the database databaseURL names, as a provider's
// first start does, and returns databaseURL: "provider keys rotate" changes
// no schema, and refuses a database no provider has used.
func migratedStore(t *testing.T, databaseURL string) string {
	t.Helper()
	st, err := backend.Open(t.Context(), databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return databaseURL
}

// TestKeysRotateRefusesADatabaseNoProviderUsed: "provider keys rotate"
// with DATABASE_URL naming a database no provider has used (unset, or
// relative, in another working directory than the provider's; mistyped)
// exits 1 with an error naming DATABASE_URL, and creates nothing: no
// database file, no kek beside it, no table. On both stores.
func TestKeysRotateRefusesADatabaseNoProviderUsed(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			refuseStart(t, store, []string{"keys", "rotate"}, "DATABASE_URL names a database that no provider has used")
		})
	}
}

// TestKeysRotateDoesNotMigrateUnderAnOlderProvider: "provider keys rotate"
// of a newer version than the providers serving the database (a package
// upgrade replaced the binary before the service restarted) does not
// migrate the database under them, which would make them fail requests:
// it refuses a database that lacks a migration of this version, and leaves
// its schema_migrations as it was, and its signing keys. On both stores.
func TestKeysRotateDoesNotMigrateUnderAnOlderProvider(t *testing.T) {
	previous := slog.Default()
	t.Cleanup(func() { slog.SetDefault(previous) }) // run replaces it
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			databaseURL := filepath.Join(dir, "provider.db")
			if kind == "postgres" {
				databaseURL = pgtest.NewSchemas(t).Create(t)
				t.Setenv("KEY_ENCRYPTION_KEY", testKEK)
			}
			t.Setenv("DATABASE_URL", migratedStore(t, databaseURL))
			db := openSQL(t, databaseURL)
			// The database of a provider from before this version's last migration.
			if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
				t.Fatal(err)
			}
			before := schemaState(t, db)
			err := run(t.Context(), []string{"keys", "rotate"}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "the database's schema is older than this version") || !strings.Contains(err.Error(), "upgrade the providers first, then rotate") {
				t.Errorf("keys rotate on an older database: got %v, want it refused: upgrade the providers first, then rotate", err)
			}
			if after := schemaState(t, db); after != before {
				t.Errorf("after the refused rotation: got %s, want %s, as before", after, before)
			}
		})
	}
}

// openSQL opens the database databaseURL names with database/sql, closed
// when the test ends.
func openSQL(t *testing.T, databaseURL string) *sql.DB {
	t.Helper()
	if !config.IsPostgres(databaseURL) {
		db, err := sql.Open("sqlite", databaseURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	pool, err := pgxpool.New(t.Context(), databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() }) // before the pool's
	return db
}

// schemaState describes what "provider keys rotate" could change in db: its
// schema_migrations and its number of signing keys.
func schemaState(t *testing.T, db *sql.DB) string {
	t.Helper()
	var migrations string
	var keys int
	err := db.QueryRow(`SELECT (SELECT string_agg(name, ' ' ORDER BY version) FROM schema_migrations), (SELECT count(*) FROM signing_keys)`).Scan(&migrations, &keys)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("migrations %q, %d signing keys", migrations, keys)
}

// TestKeysRotateOnPostgresReloadsNothingAfter: on PostgreSQL, where every
// store is told when the signing keys change, "provider keys rotate"
// logs no failed reload of its own keys: a reload the command's rotation
// set off in the background would race the closing of its store
// ("closed pool") and read, to an operator, as a rotation half failed.
// The race is narrow, so the command runs many times.
func TestKeysRotateOnPostgresReloadsNothingAfter(t *testing.T) {
	previous := slog.Default()
	t.Cleanup(func() { slog.SetDefault(previous) }) // run replaces it
	t.Chdir(t.TempDir())
	t.Setenv("DATABASE_URL", migratedStore(t, pgtest.NewSchemas(t).Create(t)))
	t.Setenv("KEY_ENCRYPTION_KEY", testKEK)
	t.Setenv("PASSWORD_HASH_MEMORY_KIB", "8")
	t.Setenv("PASSWORD_HASH_TIME", "1")
	var log processtest.Buffer // a reload in the background logs after run returns
	for i := range 30 {
		if err := run(t.Context(), []string{"keys", "rotate"}, &log); err != nil {
			t.Fatalf("rotate %d: %v", i, err)
		}
	}
	time.Sleep(100 * time.Millisecond) // for the last run's reload, if one was set off
	if n := strings.Count(log.String(), "reload signing keys failed"); n != 0 {
		t.Errorf("the log of 30 rotations: got %d failed reloads, want none", n)
	}
}

// TestWrongKeyEncryptionKey starts the provider's commands on a store whose
// keys were sealed with another KEY_ENCRYPTION_KEY: they stop with an error
// that says so, before serving or storing anything.
func TestWrongKeyEncryptionKey(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("DATABASE_URL", migratedStore(t, filepath.Join(dir, "provider.db")))
	t.Setenv("KEY_ENCRYPTION_KEY", "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=") // 32 × "a"
	if err := run(context.Background(), []string{"keys", "rotate"}, io.Discard); err != nil {
		t.Fatalf("rotate with the first key: %v", err)
	}
	t.Setenv("KEY_ENCRYPTION_KEY", "YmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmI=") // 32 × "b"
	for _, args := range [][]string{{"keys", "rotate"}, nil} {
		err := run(context.Background(), args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "key-encryption key") {
			t.Errorf("run %q with another key: got %v, want an error naming the key-encryption key", args, err)
		}
	}
	// Changing the key: the previous one opens the keys, which are resealed.
	t.Setenv("KEY_ENCRYPTION_KEY_PREVIOUS", "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=")
	if err := run(context.Background(), []string{"keys", "rotate"}, io.Discard); err != nil {
		t.Fatalf("rotate with the new key and the previous one: %v", err)
	}
	t.Setenv("KEY_ENCRYPTION_KEY_PREVIOUS", "")
	if err := run(context.Background(), []string{"keys", "rotate"}, io.Discard); err != nil {
		t.Errorf("rotate with the new key alone, after resealing: %v", err)
	}
}

// TestDotEnvThatCannotBeRead: a .env the provider cannot parse stops it
// with an error naming the file and the line, instead of a start on the
// defaults the file was there to replace (another issuer, teaching mode,
// open registration); the error shows none of the file's text, which
// holds secrets.
func TestDotEnvThatCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	dotEnv := "ISSUER=https://as.example.com\nREGISTRATION=off\nOAUTH_PASSWORD=\"unterminated\n" +
		"SESSION_SECRET=TopSecretSessionKeyValue0123456789abcdef\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(dotEnv), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", filepath.Join(dir, "provider.db"))
	err := run(t.Context(), []string{"healthcheck"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), ".env") {
		t.Fatalf("run with a .env it cannot parse: got %v, want an error naming .env", err)
	}
	var out strings.Builder
	service.PrintExit(&out, "provider", err)
	want := "provider: reading .env: cannot parse line 3 (OAUTH_PASSWORD); its text is not shown, as it may hold a secret\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q: one plain line (no log exists yet), without the file's text", out.String(), want)
	}
}

// TestHealthcheckOfAProviderNotRunning: "provider healthcheck" against an
// address where no provider answers fails with one plain line that says
// it is not ready, and writes no log record: docker inspect shows that
// output, and "provider stopped" there would be untrue of a provider only
// starting.
func TestHealthcheckOfAProviderNotRunning(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("PROVIDER_ADDR", "127.0.0.1:1")
	var logged strings.Builder
	err := run(t.Context(), []string{"healthcheck"}, &logged)
	if err == nil || !strings.Contains(err.Error(), "not ready") {
		t.Fatalf("healthcheck with no provider: got %v, want a not-ready error", err)
	}
	if logged.Len() != 0 {
		t.Errorf("healthcheck wrote log records: %s", logged.String())
	}
}
