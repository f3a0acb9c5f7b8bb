package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// tool is one run of the load tool: what it measures with, and where.
type tool struct {
	opts     options
	bins     binaries
	cpu      int                // the CPU every server is pinned to
	dir      string             // scratch space: binaries, logs, the SQLite store
	refs     map[string]float64 // per CPU-second of each in-process reference
	progress io.Writer
}

// path is one kind of request measured against a running provider.
type path struct {
	Name      string
	Reference string // a key of the references map
	Do        request
	Workers   int
}

// measureReferences measures in the load tool itself, one operation at a
// time, what a bare signature of each algorithm and one password
// verification cost.
func (t *tool) measureReferences() error {
	t.refs = map[string]float64{}
	budget := min(t.opts.Window.Duration, time.Second)
	for _, alg := range algorithms {
		sign, err := signer(alg)
		if err != nil {
			return err
		}
		t.refs[signRef(alg)] = opsPerCPUSecond(budget, sign)
	}
	t.refs[refArgon2id] = opsPerCPUSecond(budget, passwordCheck(t.opts.PasswordMemoryKiB, t.opts.PasswordTime))
	return nil
}

// referenceResults are the in-process references as rows of the table.
func (t *tool) referenceResults() []result {
	var rows []result
	for _, name := range []string{signRef("RS256"), signRef("ES256"), signRef("EdDSA"), refArgon2id} {
		rate := t.refs[name]
		// A CPU-second's worth, so the row's figure reads back as rate.
		rows = append(rows, result{Path: name + " (reference)", measurement: measurement{Requests: int(rate), CPU: time.Second}})
	}
	return rows
}

// pass measures every path on one store, each beside its reference, and
// then, on the provider of the cheapest signature (EdDSA, so ten
// warm-ups stay quick), whether memory and the store stay flat. The
// providers of a pass share one address, hence one issuer, so the tokens
// the first one issued at the start (and the demo user's sign-in) serve
// the next ones too.
func (t *tool) pass(ctx context.Context, st store) ([]result, flatness, error) {
	bare, err := t.measureBareGin(ctx)
	if err != nil {
		return nil, flatness{}, err
	}
	refs := maps.Clone(t.refs)
	refs[pathBareGin] = bare.PerCPUSecond()
	results := []result{{Path: pathBareGin, Store: st.Name, measurement: bare}}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, flatness{}, err
	}
	c := newOAuthClient("http://"+addr, t.opts.Window.Workers)
	var mem flatness
	for i, alg := range algorithms {
		err := t.withProvider(ctx, st, alg, addr, c, func(p *server) error {
			if i == 0 {
				if err := c.prepare(ctx, t.opts.Window.Workers); err != nil {
					return err
				}
			}
			rows, err := t.measureProvider(ctx, p, c, st, alg, refs)
			results = append(results, rows...)
			if err == nil && alg == "EdDSA" {
				mem, err = t.flatMemory(ctx, p, c, st)
			}
			return err
		})
		if err != nil {
			return nil, flatness{}, err
		}
	}
	return results, mem, nil
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

// measureBareGin measures the reference server under the bearer path's load.
func (t *tool) measureBareGin(ctx context.Context) (measurement, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return measurement{}, err
	}
	env := []string{"BAREGIN_ADDR=" + addr}
	s, err := startServer(ctx, t.bins.BareGin, t.dir, "baregin", env, "http://"+addr, "/protected/resource", t.cpu)
	if err != nil {
		return measurement{}, err
	}
	defer s.stop()
	c := newOAuthClient(s.Base, t.opts.Window.Workers)
	c.tokens = make([]string, t.opts.Window.Workers)
	for i := range c.tokens {
		c.tokens[i] = rand.Text() // the floor reads no token, but gets a header of the same size
	}
	m, err := measure(ctx, s.PID(), t.opts.Window, c.resource)
	t.logf("%-40s %-10s %s per CPU-second", pathBareGin, "", formatRate(m.PerCPUSecond()))
	return m, err
}

// measureProvider measures client credentials on provider p, which signs
// access tokens with alg; with RS256, the default, also the bearer check,
// introspection, userinfo and logins.
func (t *tool) measureProvider(ctx context.Context, p *server, c *oauthClient, st store, alg string, refs map[string]float64) ([]result, error) {
	workers := t.opts.Window.Workers
	paths := []path{{ccPath(alg), signRef(alg), c.clientCredentials, workers}}
	if alg == "RS256" {
		paths = append(paths,
			path{pathBearer, pathBareGin, c.resource, workers},
			path{pathIntrospection, pathBareGin, c.introspect, workers},
			path{pathUserinfo, pathBareGin, c.userinfo, workers},
			path{pathLogin, refArgon2id, c.loginFlow, t.opts.LoginWorkers})
	}
	var results []result
	for _, pa := range paths {
		w := t.opts.Window
		w.Workers = pa.Workers
		m, err := measure(ctx, p.PID(), w, pa.Do)
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", pa.Name, st.Name, err)
		}
		t.logf("%-40s %-10s %s per CPU-second", pa.Name, st.Name, formatRate(m.PerCPUSecond()))
		results = append(results, result{Path: pa.Name, Store: st.Name, measurement: m,
			Reference: pa.Reference, RefRate: refs[pa.Reference], Goal: goalFor(pa.Name, st.Name)})
	}
	return results, nil
}

// flatMemory runs the warm-up's cycles on provider p, then ten times as
// many, and samples its RSS and the store's rows after each.
func (t *tool) flatMemory(ctx context.Context, p *server, c *oauthClient, st store) (flatness, error) {
	f := flatness{Store: st.Name, WarmUp: t.opts.MemoryWarmUp, More: 10 * t.opts.MemoryWarmUp}
	for _, phase := range []struct {
		cycles int
		rss    *int64
		rows   *int64
	}{{f.WarmUp, &f.RSSWarm, &f.RowsWarm}, {f.More, &f.RSSAfter, &f.RowsAfter}} {
		w := window{Duration: time.Hour, Max: phase.cycles, Workers: t.opts.Window.Workers}
		if _, err := drive(ctx, p.PID(), w, c.cycle); err != nil {
			return flatness{}, fmt.Errorf("memory check on %s: %w", st.Name, err)
		}
		sample, err := readProc(p.PID())
		if err != nil {
			return flatness{}, err
		}
		*phase.rss = sample.RSS
		if *phase.rows, err = st.rowCount(ctx); err != nil {
			return flatness{}, err
		}
	}
	t.logf("%-40s %-10s RSS %s → %s", "memory", st.Name, formatBytes(f.RSSWarm), formatBytes(f.RSSAfter))
	return f, nil
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
