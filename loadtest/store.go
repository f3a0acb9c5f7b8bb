package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// store is where a pass keeps the provider's data.
type store struct {
	Name        string // "SQLite" or "PostgreSQL"
	DatabaseURL string // the provider's DATABASE_URL
	App         string // PostgreSQL: the application_name of the provider's connections
}

// open connects to the store as the provider's own database, read-only
// for SQLite.
func (s store) open() (*sql.DB, error) {
	if s.Name == "PostgreSQL" {
		return sql.Open("pgx", s.DatabaseURL)
	}
	return sql.Open("sqlite", "file:"+s.DatabaseURL+"?mode=ro")
}

// tablesQuery lists the store's tables.
func (s store) tablesQuery() string {
	if s.Name == "PostgreSQL" {
		return "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	return "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
}

// rowCount is the number of rows in all of the store's tables.
func (s store) rowCount(ctx context.Context) (int64, error) {
	db, err := s.open()
	if err != nil {
		return 0, err
	}
	defer db.Close()
	tables, err := queryStrings(ctx, db, s.tablesQuery())
	if err != nil {
		return 0, fmt.Errorf("loadtest: list the %s tables: %w", s.Name, err)
	}
	var total int64
	for _, table := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
			return 0, fmt.Errorf("loadtest: count %s rows: %w", table, err)
		}
		total += n
	}
	return total, nil
}

// queryStrings returns the one text column of query's rows.
func queryStrings(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// newSchema creates an empty schema on the PostgreSQL server at serverURL
// and returns the store whose search_path puts it first, and the function
// that drops it with all it holds.
func newSchema(ctx context.Context, serverURL, name string) (store, func(), error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return store{}, nil, fmt.Errorf("loadtest: the database URL must be postgres://…")
	}
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		return store{}, nil, err
	}
	name = strings.ToLower(name)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+ident); err != nil {
		admin.Close()
		return store{}, nil, fmt.Errorf("loadtest: create schema: %w", err)
	}
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+ident+" CASCADE")
		admin.Close()
	}
	q := u.Query()
	q.Set("search_path", name) // pgx sends both as run-time parameters
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return store{Name: "PostgreSQL", DatabaseURL: u.String(), App: name}, drop, nil
}

// cpuProbe returns the CPU time spent so far by each process (by pid)
// that works for the server outside its own.
type cpuProbe func(context.Context) (map[int]time.Duration, error)

// backendCPU is the probe of the PostgreSQL server processes that serve
// the provider's connections (those named app), found through db: what
// the database spends on the provider's behalf. It fails when they do not
// run on this machine (a remote or containerised server), which the
// table then shows as unknown. A window counts only the backends present
// at both its ends (spentByBoth).
func backendCPU(db *sql.DB, app string) cpuProbe {
	return func(ctx context.Context) (map[int]time.Duration, error) {
		pids, err := queryStrings(ctx, db, "SELECT pid::text FROM pg_stat_activity WHERE application_name = $1", app)
		if err != nil || len(pids) == 0 {
			return nil, fmt.Errorf("loadtest: no PostgreSQL backend serves the provider (%v)", err)
		}
		cpus := map[int]time.Duration{}
		for _, p := range pids {
			pid, _ := strconv.Atoi(p) // pg_stat_activity's pid is an integer
			comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			if err != nil || !strings.HasPrefix(string(comm), "postgres") {
				return nil, fmt.Errorf("loadtest: PostgreSQL backend %d is not a process of this machine", pid)
			}
			cpu, err := cpuTime(pid)
			if err != nil {
				return nil, err
			}
			cpus[pid] = cpu
		}
		return cpus, nil
	}
}
