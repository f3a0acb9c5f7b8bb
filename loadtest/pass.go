package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// tool is one run of the load tool: what it measures with, and where.
type tool struct {
	opts     options
	bins     binaries
	cpu      int             // the CPU every server is pinned to
	dir      string          // scratch space: binaries, logs, the SQLite store
	refs     []*inProcessRef // the references the load tool measures itself
	progress io.Writer
}

// path is one kind of request measured against a running provider.
type path struct {
	Key       string // its name for -paths
	Name      string // its name in the table
	Alg       string // the ACCESS_TOKEN_SIGNING_ALG of the provider it runs on
	Reference string // a key of the references map
	Do        func(*oauthClient, context.Context, int) error
	Login     bool // run by the login workers
}

// keyMemory selects the memory check in -paths.
const keyMemory = "memory"

// paths are every path, in the order they are measured (grouped by the
// provider they need; RS256, the default, carries the paths that sign
// nothing new).
var paths = []path{
	{"cc-rs256", ccPath("RS256"), "RS256", signRef("RS256"), (*oauthClient).clientCredentials, false},
	{"bearer", pathBearer, "RS256", pathBareGin, (*oauthClient).resource, false},
	{"introspection", pathIntrospection, "RS256", pathBareGin, (*oauthClient).introspect, false},
	{"userinfo", pathUserinfo, "RS256", pathBareGin, (*oauthClient).userinfo, false},
	{"login", pathLogin, "RS256", refArgon2id, (*oauthClient).loginFlow, true},
	{"cc-es256", ccPath("ES256"), "ES256", signRef("ES256"), (*oauthClient).clientCredentials, false},
	{"cc-eddsa", ccPath("EdDSA"), "EdDSA", signRef("EdDSA"), (*oauthClient).clientCredentials, false},
}

// pathKeys are the names -paths accepts.
func pathKeys() []string {
	keys := []string{}
	for _, p := range paths {
		keys = append(keys, p.Key)
	}
	return append(keys, keyMemory)
}

// measureReferences measures in the load tool itself, one operation at a
// time on the servers' CPU, what a bare signature of each algorithm and
// one password verification cost, and adds the windows to t.refs. The run measures
// them before each store's pass and after the last, so they stand beside
// the paths as the machine's load drifts.
func (t *tool) measureReferences() error {
	budget := min(t.opts.Window.Duration, time.Second)
	for _, ref := range t.refs {
		m, err := measureOp(t.cpu, budget, ref.op)
		if err != nil {
			return err
		}
		ref.total.add(m)
	}
	return nil
}

// withReferences returns the in-process references as rows of the table,
// then results with their in-process reference's figure filled in.
func (t *tool) withReferences(results []result) []result {
	var rows []result
	for _, ref := range t.refs {
		rows = append(rows, result{Path: ref.name + " (reference)", measurement: ref.total})
	}
	for _, r := range results {
		for _, ref := range t.refs {
			if ref.name == r.Reference {
				r.RefRate = ref.total.PerCPUSecond()
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// pass measures the selected paths on one store, each beside its
// reference, and then, on the provider of the cheapest signature (EdDSA,
// so ten warm-ups stay quick), whether memory and the store stay flat. The
// providers of a pass share one address, hence one issuer, so the tokens
// the first one issued at the start (and the demo user's sign-in) serve
// the next ones too. The bare Gin floor is measured at the start and the
// end of the pass, and the two windows added up, so a machine whose load
// drifts meanwhile moves the floor as it moves the paths.
func (t *tool) pass(ctx context.Context, st store) ([]result, []flatness, error) {
	var bare measurement
	if t.needsBareGin() {
		if err := t.measureBareGin(ctx, &bare); err != nil {
			return nil, nil, err
		}
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, nil, err
	}
	c := newOAuthClient("http://"+addr, t.opts.Window.Workers)
	var db cpuProbe
	if st.App != "" {
		conn, err := st.open()
		if err != nil {
			return nil, nil, err
		}
		defer conn.Close()
		db = backendCPU(conn, st.App)
	}
	var results []result
	var mem []flatness
	for _, alg := range algorithms {
		todo := t.selectedPaths(alg)
		memory := alg == "EdDSA" && t.opts.selected(keyMemory)
		if len(todo) == 0 && !memory {
			continue
		}
		err := t.withProvider(ctx, st, alg, addr, c, func(p *server) error {
			if c.tokens == nil {
				if err := c.prepare(ctx, t.opts.Window.Workers); err != nil {
					return err
				}
			}
			rows, err := t.measurePaths(ctx, p, db, c, st, todo)
			results = append(results, rows...)
			if err == nil && memory {
				var f flatness
				f, err = t.flatMemory(ctx, p, c, st)
				mem = append(mem, f)
			}
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if t.needsBareGin() {
		if err := t.measureBareGin(ctx, &bare); err != nil {
			return nil, nil, err
		}
		for i := range results {
			if results[i].Reference == pathBareGin {
				results[i].RefRate = bare.PerCPUSecond()
			}
		}
		results = append([]result{{Path: pathBareGin, Store: st.Name, measurement: bare}}, results...)
	}
	return results, mem, nil
}

// selectedPaths are the paths -paths selects that run on the provider of alg.
func (t *tool) selectedPaths(alg string) []path {
	var out []path
	for _, p := range paths {
		if p.Alg == alg && t.opts.selected(p.Key) {
			out = append(out, p)
		}
	}
	return out
}

// needsBareGin reports whether a selected path is compared with bare Gin.
func (t *tool) needsBareGin() bool {
	for _, p := range paths {
		if p.Reference == pathBareGin && t.opts.selected(p.Key) {
			return true
		}
	}
	return false
}

// withProvider runs f with a provider started on addr for st and alg, then
// stops it and closes c's connections to it.
func (t *tool) withProvider(ctx context.Context, st store, alg, addr string, c *oauthClient, f func(*server) error) error {
	p, err := t.startProvider(ctx, st, alg, addr)
	if err != nil {
		return err
	}
	defer c.http.CloseIdleConnections()
	defer p.stop()
	return f(p)
}

// measureBareGin measures the reference server under the bearer path's
// load and adds the window to total.
func (t *tool) measureBareGin(ctx context.Context, total *measurement) error {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	env := []string{"BAREGIN_ADDR=" + addr}
	s, err := startServer(ctx, t.bins.BareGin, t.dir, "baregin", env, "http://"+addr, "/protected/resource", t.cpu)
	if err != nil {
		return err
	}
	defer s.stop()
	c := newOAuthClient(s.Base, t.opts.Window.Workers)
	c.tokens = make([]string, t.opts.Window.Workers)
	for i := range c.tokens {
		c.tokens[i] = rand.Text() // the floor reads no token, but gets a header of the same size
	}
	m, err := measure(ctx, s.PID(), nil, t.opts.Window, c.resource)
	if err != nil {
		return err
	}
	t.logf("%-40s %-10s %s per CPU-second", pathBareGin, "", formatRate(m.PerCPUSecond()))
	total.add(m)
	return nil
}

// measurePaths measures todo, one after the other, on provider p (and
// the database's share with db, when not nil).
func (t *tool) measurePaths(ctx context.Context, p *server, db cpuProbe, c *oauthClient, st store, todo []path) ([]result, error) {
	var results []result
	for _, pa := range todo {
		w := t.opts.Window
		if pa.Login {
			w.Workers = t.opts.LoginWorkers
		}
		m, err := measure(ctx, p.PID(), db, w, func(ctx context.Context, worker int) error { return pa.Do(c, ctx, worker) })
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", pa.Name, st.Name, err)
		}
		t.logf("%-40s %-10s %s per CPU-second", pa.Name, st.Name, formatRate(m.PerCPUSecond()))
		results = append(results, result{Path: pa.Name, Store: st.Name, measurement: m,
			Reference: pa.Reference, Goal: goalFor(pa.Name, st.Name)})
	}
	return results, nil
}

// maxMemoryPhase bounds each phase of the memory check in time.
const maxMemoryPhase = 10 * time.Minute

// flatMemory runs the warm-up's cycles on provider p, then ten times as
// many, and samples its RSS and the store's rows after each.
func (t *tool) flatMemory(ctx context.Context, p *server, c *oauthClient, st store) (flatness, error) {
	f := flatness{Store: st.Name}
	var err error
	if f.WarmUp, f.RSSWarm, f.RowsWarm, err = t.memoryPhase(ctx, p, c, st, t.opts.MemoryWarmUp); err != nil {
		return flatness{}, err
	}
	if f.More, f.RSSAfter, f.RowsAfter, err = t.memoryPhase(ctx, p, c, st, 10*f.WarmUp); err != nil {
		return flatness{}, err
	}
	t.logf("%-40s %-10s RSS %s → %s", "memory", st.Name, formatBytes(f.RSSWarm), formatBytes(f.RSSAfter))
	return f, nil
}

// memoryPhase runs up to cycles memory-check cycles (for at most
// maxMemoryPhase) and returns how many ran, then the provider's RSS and
// the store's rows.
func (t *tool) memoryPhase(ctx context.Context, p *server, c *oauthClient, st store, cycles int) (ran int, rss, rows int64, err error) {
	w := window{Duration: maxMemoryPhase, Max: cycles, Workers: t.opts.Window.Workers}
	latencies, err := drive(ctx, p.PID(), w, c.cycle)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("memory check on %s: %w", st.Name, err)
	}
	sample, err := readProc(p.PID())
	if err != nil {
		return 0, 0, 0, err
	}
	rows, err = st.rowCount(ctx)
	return len(latencies), sample.RSS, rows, err
}

// startProvider starts the real provider on the loopback address addr
// with st and access tokens signed with alg, teaching mode off, pinned to
// t.cpu.
func (t *tool) startProvider(ctx context.Context, st store, alg, addr string) (*server, error) {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"ISSUER=http://" + addr, "PROVIDER_ADDR=" + addr,
		"DATABASE_URL=" + st.DatabaseURL, "KEY_ENCRYPTION_KEY=" + t.opts.keyEncryptionKey,
		"TEACHING_MODE=off", "ACCESS_TOKEN_SIGNING_ALG=" + alg,
		"CLIENT_ID=" + clientID, "CLIENT_SECRET=" + clientSecret, "REDIRECT_URI=" + redirectURI,
		"OAUTH_USERNAME=" + username, "OAUTH_PASSWORD=" + password,
		"PASSWORD_HASH_MEMORY_KIB=" + strconv.Itoa(t.opts.PasswordMemoryKiB),
		"PASSWORD_HASH_TIME=" + strconv.Itoa(t.opts.PasswordTime),
		"SESSION_SECRET=" + t.opts.sessionSecret,
	}
	return startServer(ctx, t.bins.Provider, t.dir, "provider-"+alg, env, "http://"+addr, "/readyz", t.cpu)
}

// logf reports progress (the table itself goes to standard output).
func (t *tool) logf(format string, args ...any) {
	fmt.Fprintf(t.progress, format+"\n", args...)
}

// randomKey is the base64 of 32 random bytes: a key-encryption key or a
// session secret for the run.
func randomKey() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand)
	return base64.StdEncoding.EncodeToString(key)
}

// sqliteStore is the SQLite store of a run, in its scratch directory.
func sqliteStore(dir string) (store, error) {
	data := filepath.Join(dir, "sqlite")
	return store{Name: "SQLite", DatabaseURL: filepath.Join(data, "provider.db")}, os.MkdirAll(data, 0o700)
}
