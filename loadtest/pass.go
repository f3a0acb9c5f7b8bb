package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/oauth-reference/loadtest/internal/baresign"
)

// tool is one run of the load tool: what it measures with, and where.
type tool struct {
	opts     options
	bins     binaries
	cpu      int                   // the CPU every server is pinned to
	dir      string                // scratch space: binaries, logs, the SQLite store
	refs     map[string]windowFunc // one window of each reference (and floor), by name
	bareGin  string                // the bare Gin handler's base URL
	progress io.Writer
}

// path is one kind of request measured against a running provider.
type path struct {
	Key       string // its name for -paths
	Name      string // its name in the table
	Alg       string // the ACCESS_TOKEN_SIGNING_ALG of the provider it runs on
	Reference string // a key of the references map
	Do        func(*oauthClient, context.Context, int) error
	Login     bool   // run by the login workers
	Floor     string // the floor measured in the same rounds ("" for none), a key of the references map
}

// keyMemory selects the memory check in -paths.
const keyMemory = "memory"

// keyCCRS256 selects the RS256 client credentials path in -paths, and
// with it the signing floor it is read against.
const keyCCRS256 = "cc-rs256"

// keyIntrospection selects the introspection path in -paths, and with it
// the introspection floor it is read against.
const keyIntrospection = "introspection"

// paths are every path, in the order they are measured (grouped by the
// provider they need; RS256, the default, carries the paths that sign
// nothing new).
var paths = []path{
	{keyCCRS256, ccPath("RS256"), "RS256", signRef("RS256"), (*oauthClient).clientCredentials, false, pathSignedFloor},
	{"bearer", pathBearer, "RS256", pathBareGin, (*oauthClient).resource, false, ""},
	{keyIntrospection, pathIntrospection, "RS256", pathBareGin, (*oauthClient).introspect, false, pathIntrospectionFloor},
	{"userinfo", pathUserinfo, "RS256", pathBareGin, (*oauthClient).userinfo, false, ""},
	{"login", pathLogin, "RS256", refArgon2id, (*oauthClient).loginFlow, true, ""},
	{"cc-es256", ccPath("ES256"), "ES256", signRef("ES256"), (*oauthClient).clientCredentials, false, ""},
	{"cc-eddsa", ccPath("EdDSA"), "EdDSA", signRef("EdDSA"), (*oauthClient).clientCredentials, false, ""},
}

// pathKeys are the names -paths accepts.
func pathKeys() []string {
	keys := []string{}
	for _, p := range paths {
		keys = append(keys, p.Key)
	}
	return append(keys, keyMemory)
}

// startReferences starts the bare Gin handler's server and bareop, both
// pinned to the providers' CPU for the whole run, and returns one window
// of each reference by name, and the function that stops both.
func (t *tool) startReferences(ctx context.Context) (map[string]windowFunc, func(), error) {
	w := t.opts.roundWindow()
	ops, err := startBareOp(t.bins.BareOp, t.dir, t.opts, t.cpu)
	if err != nil {
		return nil, nil, err
	}
	refs := map[string]windowFunc{}
	for _, b := range bareOps() {
		refs[b.Ref] = func(context.Context) (measurement, error) { return ops.window(b.Op, w.Duration) }
	}
	bare, err := t.startBareGin(ctx)
	if err != nil {
		ops.stop()
		return nil, nil, err
	}
	c := newOAuthClient(bare.Base, w.Workers)
	c.tokens = make([]string, w.Workers)
	for i := range c.tokens {
		c.tokens[i] = tokenSized() // it reads no token, but gets an Authorization header of the provider's size
	}
	refs[pathBareGin] = func(ctx context.Context) (measurement, error) {
		return measureWindow(ctx, bare.PID(), nil, w, c.resource)
	}
	refs[pathSignedFloor] = func(ctx context.Context) (measurement, error) {
		return measureWindow(ctx, bare.PID(), nil, w, c.clientCredentials)
	}
	floor := newOAuthClient(bare.Base, w.Workers)
	floor.tokens = make([]string, w.Workers)
	for i := range floor.tokens {
		floor.tokens[i] = tokenSized() // the body of the provider's introspection requests
	}
	refs[pathIntrospectionFloor] = func(ctx context.Context) (measurement, error) {
		return measureWindow(ctx, bare.PID(), nil, w, floor.introspect)
	}
	t.bareGin = bare.Base
	return refs, func() { bare.stop(); ops.stop() }, nil
}

// tokenSized is a string as long as the provider's RS256 access tokens:
// the signing input of one, a dot, and 256 random bytes (a 2048-bit RSA
// signature) in base64url.
func tokenSized() string {
	signature := make([]byte, 256)
	_, _ = rand.Read(signature) // crypto/rand.Read never fails (its documentation)
	return string(baresign.Input) + "." + base64.RawURLEncoding.EncodeToString(signature)
}

// startBareGin starts the bare Gin handler's server, pinned to the
// providers' CPU, with their heap goal (referenceGOGC); it runs beside
// them for the whole run.
func (t *tool) startBareGin(ctx context.Context) (*server, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	env := []string{"BAREGIN_ADDR=" + addr, referenceGOGC}
	return startServer(ctx, t.bins.BareGin, t.dir, "baregin", env, "http://"+addr, "/protected/resource", t.cpu)
}

// pooledReference is the row of the reference named name: its windows
// beside each of results, all together (a floor's row shares its path's,
// counted once).
func pooledReference(name string, results []result) result {
	row := result{Path: name}
	for _, r := range results {
		if r.Reference == name && r.FloorOf == "" {
			row.Windows = append(row.Windows, r.RefWindows...)
		}
	}
	return row
}

// bareOpRows are the rows of the references bareop measured beside
// results.
func bareOpRows(results []result) []result {
	var rows []result
	for _, b := range bareOps() {
		if row := pooledReference(b.Ref, results); len(row.Windows) > 0 {
			row.Path += " (reference)"
			rows = append(rows, row)
		}
	}
	return rows
}

// pass measures the selected paths on one store, each beside its
// reference, and then, on the provider of the cheapest signature (EdDSA,
// so ten warm-ups stay quick), whether memory and the store stay flat. The
// providers of a pass share one address, hence one issuer, so the tokens
// the first one issued at the start (and the demo user's sign-in) serve
// the next ones too. The bare Gin handler's row comes first: every window
// it was measured in during the pass.
func (t *tool) pass(ctx context.Context, st store) ([]result, []flatness, error) {
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
	for _, alg := range baresign.Algorithms {
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
				if err := t.copyProviderPage(ctx, c); err != nil {
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
	if bare := pooledReference(pathBareGin, results); len(bare.Windows) > 0 {
		bare.Store = st.Name
		results = append([]result{bare}, results...)
	}
	return results, mem, nil
}

// copyProviderPage has the bare Gin handler answer the page the provider's
// bearer check answers c's tokens, so that both write as many bytes.
func (t *tool) copyProviderPage(ctx context.Context, c *oauthClient) error {
	page, err := call(c.http, c.bearerGet(ctx, "/protected/resource", c.tokens[0]), http.StatusOK)
	if err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, t.bareGin+"/page", bytes.NewReader(page)) // the URL is ours
	_, err = call(c.http, req, http.StatusNoContent)
	return err
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

// measurePaths measures todo, one after the other, on provider p (and
// the database's share with db, when not nil).
func (t *tool) measurePaths(ctx context.Context, p *server, db cpuProbe, c *oauthClient, st store, todo []path) ([]result, error) {
	var results []result
	for _, pa := range todo {
		rows, err := t.measurePath(ctx, p, db, c, st, pa)
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", pa.Name, st.Name, err)
		}
		for _, r := range rows {
			t.logf("%-48s %-10s %s per CPU-second, %s %s", r.Path, st.Name, formatRate(r.PerCPUSecond()),
				formatSpread(r.Ratio()), r.Reference)
		}
		results = append(results, rows...)
	}
	return results, nil
}

// measurePath measures pa on provider p in t.opts.rounds() rounds, each a
// window of pa, one of its reference and one of its floor if it has one
// (after a warm-up window of each, not counted: connections open, caches
// fill, the heap grows to its working size). It returns pa's row, then
// its floor's.
func (t *tool) measurePath(ctx context.Context, p *server, db cpuProbe, c *oauthClient, st store, pa path) ([]result, error) {
	w := t.opts.roundWindow()
	if pa.Login {
		w.Workers = t.opts.LoginWorkers
	}
	do := func(ctx context.Context, worker int) error { return pa.Do(c, ctx, worker) }
	window := func(ctx context.Context) (measurement, error) { return measureWindow(ctx, p.PID(), db, w, do) }
	funcs := []windowFunc{t.refs[pa.Reference], window}
	if pa.Floor != "" {
		funcs = append(funcs, t.refs[pa.Floor])
	}
	windows, err := t.beside(ctx, funcs)
	if err != nil {
		return nil, err
	}
	row := result{Path: pa.Name, Store: st.Name, Windows: windows[1], Reference: pa.Reference, RefWindows: windows[0],
		Goal: goalFor(pa.Name, st.Name)}
	if pa.Floor == "" {
		return []result{row}, nil
	}
	floor := result{Path: pa.Floor, Store: st.Name, Windows: windows[2], Reference: pa.Reference, RefWindows: windows[0], FloorOf: pa.Name}
	return []result{row, floor}, nil
}

// beside measures funcs in t.opts.rounds() rounds (interleave), after a
// warm-up window of each.
func (t *tool) beside(ctx context.Context, funcs []windowFunc) ([][]measurement, error) {
	for _, warmUp := range funcs {
		if _, err := warmUp(ctx); err != nil {
			return nil, err
		}
	}
	return interleave(ctx, t.opts.rounds(), funcs...)
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
	t.logf("%-48s %-10s RSS %s → %s", "memory", st.Name, formatBytes(f.RSSWarm), formatBytes(f.RSSAfter))
	return f, nil
}

// memoryPhase runs up to cycles memory-check cycles (for at most
// maxMemoryPhase) and returns how many ran, then the provider's RSS and
// the store's rows.
func (t *tool) memoryPhase(ctx context.Context, p *server, c *oauthClient, st store, cycles int) (ran int, rss, rows int64, err error) {
	w := window{Duration: maxMemoryPhase, Max: cycles, Workers: t.opts.Window.Workers}
	latencies, _, err := drive(ctx, p.PID(), w, c.cycle) // the phase ends at its cycles
	if err != nil {
		return 0, 0, 0, fmt.Errorf("memory check on %s: %w", st.Name, err)
	}
	rss, err = residentSize(p.PID())
	if err != nil {
		return 0, 0, 0, err
	}
	rows, err = st.rowCount(ctx)
	return len(latencies), rss, rows, err
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
