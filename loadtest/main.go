// Command loadtest measures the provider's server CPU per request over real
// HTTP (README, "Performance"): it builds the real provider, starts it on a
// loopback port pinned to one CPU, sends each path's requests from a few
// keep-alive clients, and divides the CPU time the process spent over a
// window (utime+stime) by the requests completed. Each path is measured
// in rounds, each round a short window of the path and one of its
// reference back to back on the same CPU: a bare Gin handler (cmd/baregin)
// under the same load, the bare signature of each access-token algorithm,
// one Argon2id password verification; a path with a floor (a bare Gin
// handler doing the least its request needs) has a window of the floor in
// each round too. The ratio printed is the median of the rounds', with its
// 95 % confidence interval.
//
//	go run ./loadtest                              # SQLite, 5 s per path
//	go run ./loadtest -database-url postgres://…   # and PostgreSQL (DATABASE_URL or TEST_DATABASE_URL by default)
//	go run ./loadtest -svg docs/loadtest.svg       # and draw the chart
//
// Linux only (/proc, sched_setaffinity).
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the knobs of a run.
type options struct {
	Window            window        // each path's whole measurement, its reference's windows included: split among the rounds
	Alternation       time.Duration // one window of a round: a path's windows and its reference's alternate this often
	LoginWorkers      int
	MemoryWarmUp      int // cycles before the first memory sample; ten times as many follow
	DatabaseURL       string
	SVG               string          // where to write the chart ("" = nowhere)
	Paths             map[string]bool // the paths to measure (keys of pathKeys); nil = all
	PasswordMemoryKiB int             // the provider's Argon2id parameters, used by the reference too
	PasswordTime      int

	keyEncryptionKey, sessionSecret string // fresh per run
}

func main() {
	o, err := parseFlags(flag.CommandLine, os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o, os.Stderr)
	if err == nil {
		err = writeTable(os.Stdout, rep)
	}
	if err == nil && o.SVG != "" {
		err = writeSVGFile(o.SVG, rep)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// parseFlags reads the command line; the PostgreSQL pass defaults to
// DATABASE_URL, else TEST_DATABASE_URL, when either is a postgres:// URL.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) (options, error) {
	var o options
	var only string
	fs.DurationVar(&o.Window.Duration, "duration", 5*time.Second, "how long each path is measured, its reference's windows included (after a warm-up window of each)")
	fs.DurationVar(&o.Alternation, "window", 100*time.Millisecond, "one window of a path or of its reference: they alternate this often, faster than the machine's speed drifts (-duration sets how many rounds)")
	fs.DurationVar(&o.Window.MinCPU, "min-cpu", 100*time.Millisecond, "measure each window at least until the server spent this much CPU")
	fs.IntVar(&o.Window.Max, "max", 100_000, "at most this many requests in one window: a safety bound far above what -min-cpu needs on the fastest path (the table notes the windows it ends)")
	fs.IntVar(&o.Window.Workers, "workers", 4, "concurrent keep-alive clients")
	fs.IntVar(&o.LoginWorkers, "login-workers", 2, "concurrent browsers signing in")
	fs.IntVar(&o.MemoryWarmUp, "memory-warmup", 5000, "cycles (new token, resource, introspection) before the first RSS sample; 10× more follow")
	fs.StringVar(&o.DatabaseURL, "database-url", postgresURL(getenv), "a postgres:// server for the PostgreSQL pass (a schema of its own, dropped after)")
	fs.StringVar(&o.SVG, "svg", "", "write the chart to this file (e.g. docs/loadtest.svg)")
	fs.IntVar(&o.PasswordMemoryKiB, "password-memory", 7*1024, "Argon2id memory in KiB (PASSWORD_HASH_MEMORY_KIB)")
	fs.IntVar(&o.PasswordTime, "password-time", 5, "Argon2id passes (PASSWORD_HASH_TIME)")
	fs.StringVar(&only, "paths", "", "measure only these paths, comma-separated: "+strings.Join(pathKeys(), ", "))
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.Alternation <= 0 || o.Window.Duration <= 0 {
		return o, fmt.Errorf("loadtest: -window and -duration must be positive")
	}
	var err error
	o.Paths, err = parsePaths(only)
	return o, err
}

// rounds is how many rounds measure each path: as many pairs of windows
// (one of the path, one of its reference) as its -duration holds, at
// least one.
func (o options) rounds() int {
	return max(1, int(o.Window.Duration/(2*o.Alternation)))
}

// roundWindow is one window of a round: -window long, bounded by -max
// whatever the number of rounds, so that more rounds do not cut the fast
// windows short of -min-cpu.
func (o options) roundWindow() window {
	w := o.Window
	w.Duration = o.Alternation
	return w
}

// parsePaths reads -paths: "" selects every path.
func parsePaths(list string) (map[string]bool, error) {
	if list == "" {
		return nil, nil
	}
	selected := map[string]bool{}
	for key := range strings.SplitSeq(list, ",") {
		key = strings.TrimSpace(key)
		if !slices.Contains(pathKeys(), key) {
			return nil, fmt.Errorf("loadtest: unknown path %q in -paths; the paths are %s", key, strings.Join(pathKeys(), ", "))
		}
		selected[key] = true
	}
	return selected, nil
}

// selected reports whether -paths selects the path named key.
func (o options) selected(key string) bool {
	return o.Paths == nil || o.Paths[key]
}

// postgresURL is DATABASE_URL or TEST_DATABASE_URL, the first that names
// PostgreSQL, or "".
func postgresURL(getenv func(string) string) string {
	for _, name := range []string{"DATABASE_URL", "TEST_DATABASE_URL"} {
		if v := getenv(name); strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") {
			return v
		}
	}
	return ""
}

// run builds the programs, measures the references and every path on
// SQLite (and PostgreSQL when o names one), and returns the report.
// Progress goes to progress.
func run(ctx context.Context, o options, progress io.Writer) (report, error) {
	root, err := repositoryRoot()
	if err != nil {
		return report{}, err
	}
	dir, err := os.MkdirTemp("", "loadtest-")
	if err != nil {
		return report{}, err
	}
	defer os.RemoveAll(dir)
	o.keyEncryptionKey, o.sessionSecret = randomKey(), randomKey()
	t := &tool{opts: o, dir: dir, progress: progress}
	if t.cpu, err = serverCPU(); err != nil {
		return report{}, err
	}
	fmt.Fprintln(progress, "building the provider and the references…")
	if t.bins, err = build(ctx, root, dir); err != nil {
		return report{}, err
	}
	if err := pinLoadTool(t.cpu); err != nil {
		return report{}, err
	}
	refs, stop, err := t.startReferences(ctx)
	if err != nil {
		return report{}, err
	}
	defer stop()
	t.refs = refs
	return t.runPasses(ctx)
}

// runPasses measures each store's pass and returns the report: the rows
// of the references bareop measures first (their windows on every store),
// then each store's rows (a floor's after its path's).
func (t *tool) runPasses(ctx context.Context) (report, error) {
	rep := report{Machine: machine(t.cpu)}
	stores, cleanup, err := t.stores(ctx)
	if err != nil {
		return report{}, err
	}
	defer cleanup()
	var results []result
	for _, st := range stores {
		measured, mem, err := t.pass(ctx, st)
		if err != nil {
			return report{}, err
		}
		results = append(results, measured...)
		rep.Memory = append(rep.Memory, mem...)
	}
	rep.Results = append(bareOpRows(results), results...)
	return rep, nil
}

// stores are the stores of the run: SQLite always, PostgreSQL when a
// server is named; cleanup drops the PostgreSQL schema.
func (t *tool) stores(ctx context.Context) ([]store, func(), error) {
	sqlite, err := sqliteStore(t.dir)
	if err != nil || t.opts.DatabaseURL == "" {
		return []store{sqlite}, func() {}, err
	}
	pg, drop, err := newSchema(ctx, t.opts.DatabaseURL, "loadtest_"+rand.Text()[:12])
	if err != nil {
		return nil, nil, err
	}
	return []store{sqlite, pg}, drop, nil
}

// machine describes where the figures were measured.
func machine(cpu int) string {
	model := "unknown CPU"
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(info)) {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimLeft(name, "\t :"))
				break
			}
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fields := strings.Fields(string(load))
	return fmt.Sprintf("Measured on %s (%d CPUs; servers pinned to CPU %d%s), %s, load average %s at the start.",
		model, runtime.NumCPU(), cpu, haltPolling(haltPollFile), runtime.Version(), strings.Join(fields[:min(3, len(fields))], " "))
}

// haltPollFile holds how long an idle CPU of a KVM guest polls for work
// before it halts, when the guest's kernel idles with cpuidle-haltpoll.
const haltPollFile = "/sys/module/haltpoll/parameters/guest_halt_poll_ns"

// haltPolling describes the setting in file, or is "" without one. It
// moves the figures of the fast paths: on loopback the server's write pays
// for waking the load tool's CPU, and waking a halted virtual CPU is dear
// (README, "Performance").
func haltPolling(file string) string {
	ns, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	return "; an idle CPU polls " + strings.TrimSpace(string(ns)) + " ns before it halts"
}
