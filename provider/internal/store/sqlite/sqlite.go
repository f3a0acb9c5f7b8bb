// Package sqlite is the store.Store backend on one SQLite database file, the
// provider's default when DATABASE_URL is unset. It uses the pure-Go driver
// modernc.org/sqlite, so the provider builds without cgo.
//
// # Concurrency
//
// SQLite lets many connections read at once but only one write at a time. A
// Store therefore keeps two connection pools on the same file:
//
//   - write holds a single connection. Every statement that changes the
//     database goes through it, in turn (writer), so this process's writers
//     queue instead of competing for SQLite's write lock; none of them
//     can fail with SQLITE_BUSY, none spins in a busy-wait, and each waits
//     for its turn no longer than its context lasts. Its
//     transactions begin with BEGIN IMMEDIATE (the driver's _txlock=immediate),
//     which takes the write lock at BEGIN: a transaction never has to upgrade a
//     read lock midway, the one case where SQLite gives up at once instead of
//     waiting. busy_timeout makes it wait (up to 5 s) when another process,
//     such as a second provider on the same file, holds the lock.
//   - read holds several connections for lookups, notably the ones on every
//     request (GetClient, AccessTokenRevoked). In WAL mode readers and the
//     writer don't block each other, and each read sees the last commit.
//
// The single-use operations are conditional UPDATEs, the compare-and-set that
// store.Store asks of Consume…, Redeem… and Rotate…: "UPDATE … SET used_at = ? WHERE
// hash = ? AND used_at IS NULL" changes the row for the first caller only;
// every later one finds no row to change and gets store.ErrAlreadyUsed.
//
// # Durability
//
// The journal is in WAL mode with synchronous=NORMAL: a transaction is in the
// WAL file (at least in the operating system's cache) when the method
// returns, so it survives the process being killed, even by kill -9. Only an
// operating-system crash or a power cut can lose the last commits, because
// NORMAL syncs the WAL to disk at checkpoints rather than at every commit.
//
// # Schema
//
// The schema is in migrations/, applied in order at Open and recorded in the
// schema_migrations table. Times are stored as microseconds since the Unix
// epoch (UTC); see migrations/0001_init.sql.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	modernc "modernc.org/sqlite" // registers the driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/oauth-reference/provider/internal/store"
)

// Store is a store.Store on one SQLite database. It is safe for concurrent use.
type Store struct {
	write *writer // one connection: every change goes through it, in turn
	read  *sql.DB // several connections for lookups; == write.db in memory

	// Statements on hot paths, prepared once (hotStatements): lookups on
	// the read pool,
	getClient            hotStmt
	getUser              hotStmt
	accessTokenRevoked   hotStmt
	getDeviceCode        hotStmt
	getAuthorizationCode hotStmt
	getRefreshToken      hotStmt
	getGrant             hotStmt
	loginSessionEnded    hotStmt
	getPushedRequest     hotStmt
	// and changes on the write pool, in its turn (hotStmt.ExecContext), some
	// run in a transaction (tx.StmtContext).
	recordDevicePoll          hotStmt
	recordOnTimePoll          hotStmt
	recordJTI                 hotStmt
	insertGrant               hotStmt
	insertAuthorizationCode   hotStmt
	redeemAuthorizationCode   hotStmt
	redeemDeviceCode          hotStmt
	insertRefreshToken        hotStmt
	extendGrant               hotStmt
	refreshTokenToRotate      hotStmt
	markLiveRefreshTokensUsed hotStmt
	revokeAccessToken         hotStmt
	createPushedRequest       hotStmt

	// liveTokens: the access tokens AccessTokenRevoked found live. Every
	// write here that can revoke one calls liveTokens.Forget; those are all
	// the writes that can, as one provider process owns a SQLite file
	// (several behind one issuer share PostgreSQL: README, "What the
	// provider does", Durability) and "provider keys rotate" revokes nothing.
	liveTokens store.LiveTokens
}

var _ store.Store = (*Store)(nil)

// Memory is the path that asks for a private in-memory database.
const Memory = ":memory:"

// Open opens the SQLite database at path, creating the file and its parent
// directory if needed, and brings its schema up to date. A path of ":memory:"
// opens a private in-memory database, for tests; it lives as long as the Store.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, migrate)
}

// OpenMigrated opens the SQLite database at path as it is: it creates no
// file and migrates nothing, and refuses a database whose schema is not
// this version's (store.CheckMigrated), a missing file as one without a
// schema (store.ErrNoSchema).
func OpenMigrated(ctx context.Context, path string) (*Store, error) {
	if path != Memory {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, store.ErrNoSchema)
		}
	}
	return open(ctx, path, checkMigrated)
}

// open opens the SQLite database at path (Open) and gives its schema to
// schema, which migrates it or checks it.
func open(ctx context.Context, path string, schema func(context.Context, *sql.DB) error) (*Store, error) {
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: database path %q: '?' starts the driver's parameters", path)
	}
	if path != Memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	s := &Store{}
	if err := s.connect(ctx, path, schema); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// connect sets up s: the writer first, which creates the database and
// gives it to schema, then the readers and the prepared statements.
func (s *Store) connect(ctx context.Context, path string, schema func(context.Context, *sql.DB) error) (err error) {
	s.write = &writer{turn: make(chan struct{}, 1)}
	if s.write.db, err = sql.Open("sqlite", dsn(path, false)); err != nil {
		return err
	}
	s.write.db.SetMaxOpenConns(1)
	s.write.db.SetConnMaxLifetime(0) // keep the one connection (and a :memory: database) for good
	if err = walMode(ctx, s.write.db); err != nil {
		return err
	}
	if err = schema(ctx, s.write.db); err != nil {
		return err
	}
	s.read = s.write.db
	if path != Memory {
		if s.read, err = sql.Open("sqlite", dsn(path, true)); err != nil {
			return err
		}
		readers := max(4, runtime.NumCPU())
		s.read.SetMaxOpenConns(readers)
		s.read.SetMaxIdleConns(readers) // idle readers keep their prepared statements
	}
	return s.prepare(ctx)
}

// dsn is the driver's data source name for path. The _pragma parameters run
// on every new connection of the pool, so each one gets them.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	// Wait up to busyTimeout for another process's lock.
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)") // SQLite enforces REFERENCES only when asked
	// In WAL mode, NORMAL syncs at checkpoints, not at each commit: a commit
	// survives the process being killed (kill -9), not a power cut.
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// busyTimeout is SQLite's busy_timeout: how long a statement waits for
// another process's lock before it fails with SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// deadlineNear is how close to its context's deadline a short statement
// must start for the driver to watch the context (shortStatementContext):
// the busy timeout, and a second for the statement's own work.
const deadlineNear = busyTimeout + time.Second

// shortStatementContext returns the context to run a short statement
// outside a transaction with (every hotStmt run on its own): ctx itself
// when it has ended or its deadline is near (deadlineNear), else ctx
// without its end (context.WithoutCancel).
//
// The driver watches a context that can end, such as a request's with its
// deadline, from a goroutine of its own for each statement, to interrupt
// the statement when the context ends. For a statement that takes
// microseconds, starting that goroutine and waking it costs more than the
// statement: a device poll answered authorization_pending, one such
// statement, cost 40 µs more, half an RS256 verification
// (BenchmarkDevicePollPending). Such a statement lasts long only while it
// waits for another process's lock, and busy_timeout ends that wait:
// started while its context has more than deadlineNear left, it ends
// before the deadline, watched or not. Near the deadline it is watched, so
// that the wait ends with the request's time; an ended context makes the
// driver refuse to start it. A change waits for the write pool's turn
// before that, with ctx itself (writer.take).
func shortStatementContext(ctx context.Context) context.Context {
	if deadline, ok := ctx.Deadline(); (ok && time.Until(deadline) < deadlineNear) || ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// hotStmt is a statement of a hot path, prepared once (hotStatements). Run
// on its own, it runs with shortStatementContext; a transaction runs it
// through tx.StmtContext(ctx, h.Stmt), under the transaction's context.
type hotStmt struct {
	*sql.Stmt
	write *writer // a change's: the write pool, whose turn it takes; nil for a lookup
}

// ExecContext runs the change on its own: in the write pool's turn, waited
// for until ctx ends, then with shortStatementContext.
func (h hotStmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	if err := h.write.take(ctx); err != nil {
		return nil, err
	}
	defer h.write.give()
	return h.Stmt.ExecContext(shortStatementContext(ctx), args...)
}

// QueryRowContext runs the lookup on its own (shortStatementContext).
func (h hotStmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return h.Stmt.QueryRowContext(shortStatementContext(ctx), args...)
}

// writer is the write pool: one connection, which every change uses in
// turn. A change takes the turn (take), waiting no longer than its
// context lasts, before it asks database/sql for the connection, and gives
// it back (give) once the connection is back in the pool; so it finds the
// connection free, and does not wait in database/sql's queue but for a
// moment (while database/sql rolls back a transaction whose context
// ended; in memory, where lookups share the connection, while one runs).
// That queue sees only the context the statement runs with, and a hot
// statement's is shortStatementContext's, without the request's end: a
// change queued there behind a long one would be held past the request's
// deadline.
type writer struct {
	db   *sql.DB       // SetMaxOpenConns(1)
	turn chan struct{} // capacity 1: full while a change has the turn
}

// take waits for the turn until ctx ends, then returns its error (for the
// caller to prefix, as it does a statement's). A free turn is taken at
// once, without asking ctx for its Done channel: an uncontended change
// costs a channel send, and nothing watches ctx. Changes waiting get the
// turn in the order they asked (a channel serves its blocked senders
// first in, first out), so a purge's next batch waits behind them.
func (w *writer) take(ctx context.Context) error {
	select {
	case w.turn <- struct{}{}:
		return nil
	default:
	}
	select {
	case w.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the write connection: %w", ctx.Err())
	}
}

// give gives the turn back, to the change that has waited longest.
func (w *writer) give() { <-w.turn }

// ExecContext runs a change on its own, in turn (take).
func (w *writer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := w.take(ctx); err != nil {
		return nil, err
	}
	defer w.give()
	return w.db.ExecContext(ctx, query, args...)
}

// walMode puts the database in WAL mode. The mode is stored in the file, so
// it is not a _pragma of every connection: switching needs an exclusive lock,
// and SQLite answers SQLITE_BUSY at once, without the busy timeout, when
// another process is opening a new database at the same moment. This runs
// once per Open and tries again for a while.
func walMode(ctx context.Context, db *sql.DB) error {
	for attempt := 1; ; attempt++ {
		var mode string
		err := db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
		switch {
		case err == nil && (mode == "wal" || mode == "memory"): // memory: a :memory: database
			return nil
		case err == nil:
			return fmt.Errorf("journal_mode is %s, want wal", mode)
		case !isBusy(err) || attempt == 100:
			return fmt.Errorf("journal_mode: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// hotStatement is a statement of a hot path, prepared once into *dst: a
// change on the write pool (write), or a lookup on the read pool (write
// nil).
type hotStatement struct {
	dst   *hotStmt
	write *writer
	sql   string
}

// hotStatements are the statements of the hot paths: those of each
// request (a client's registration, a token's revocation status, the user of
// a userinfo request, a DPoP proof's jti, a signed-in user's session), each
// device poll, and each step of the authorization code flow and of
// refreshing, revoking and pushing requests. Rarely run statements (at
// start, by an administrator, a registration or a purge) are parsed each
// time they run.
func (s *Store) hotStatements() []hotStatement {
	lookup, change := (*writer)(nil), s.write
	return []hotStatement{
		{&s.getClient, lookup, getClientSQL},
		{&s.getUser, lookup, getUserSQL},
		{&s.accessTokenRevoked, lookup, accessTokenRevokedSQL},
		{&s.recordJTI, change, recordJTISQL},
		{&s.loginSessionEnded, lookup, loginSessionEndedSQL},
		// Device flow.
		{&s.getDeviceCode, lookup, getDeviceCodeSQL},
		{&s.recordDevicePoll, change, recordDevicePollSQL},
		{&s.recordOnTimePoll, change, recordOnTimePollSQL},
		{&s.redeemDeviceCode, change, redeemDeviceCodeSQL},
		// Authorization code flow: approval, then exchange.
		{&s.insertGrant, change, insertGrantSQL},
		{&s.insertAuthorizationCode, change, insertAuthorizationCodeSQL},
		{&s.getAuthorizationCode, lookup, getAuthorizationCodeSQL},
		{&s.redeemAuthorizationCode, change, redeemAuthorizationCodeSQL},
		{&s.insertRefreshToken, change, insertRefreshTokenSQL},
		{&s.extendGrant, change, extendGrantSQL},
		// Refresh.
		{&s.getRefreshToken, lookup, getRefreshTokenSQL},
		{&s.getGrant, lookup, getGrantSQL},
		{&s.refreshTokenToRotate, change, refreshTokenToRotateSQL},
		{&s.markLiveRefreshTokensUsed, change, markLiveRefreshTokensUsedSQL},
		// Revocation and pushed authorization requests.
		{&s.revokeAccessToken, change, revokeAccessTokenSQL},
		{&s.createPushedRequest, change, createPushedRequestSQL},
		{&s.getPushedRequest, lookup, getPushedRequestSQL},
	}
}

// prepare prepares the statements of the hot paths once: parsing SQL
// costs as much as running these (a userinfo request spent 14 % of its
// CPU parsing its user's SELECT, a code exchange about 6 % parsing its
// statements). A statement prepared on the write pool serves its
// transactions too: tx.StmtContext reuses it, as the pool's one connection
// is the transaction's.
func (s *Store) prepare(ctx context.Context) error {
	for _, st := range s.hotStatements() {
		db := s.read
		if st.write != nil {
			db = st.write.db
		}
		stmt, err := db.PrepareContext(ctx, st.sql)
		if err != nil {
			return err
		}
		*st.dst = hotStmt{stmt, st.write}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	var errs []error
	for _, st := range s.hotStatements() {
		if st.dst.Stmt != nil {
			errs = append(errs, st.dst.Close())
		}
	}
	if s.read != nil && s.read != s.write.db {
		errs = append(errs, s.read.Close())
	}
	if s.write.db != nil {
		errs = append(errs, s.write.db.Close())
	}
	return errors.Join(errs...)
}

// isBusy reports whether err is SQLITE_BUSY: another connection holds the lock.
func isBusy(err error) bool {
	var e *modernc.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// isDuplicate reports whether err is the violation of a PRIMARY KEY or
// UNIQUE constraint.
func isDuplicate(err error) bool {
	var e *modernc.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// isForeignKeyViolation reports whether err is the violation of a
// REFERENCES constraint: the referenced row does not exist.
func isForeignKeyViolation(err error) bool {
	var e *modernc.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// insertErr maps the error of an INSERT: a key in use is
// store.ErrDuplicate; a reference to a record that is gone (a client
// deleted meanwhile, and its grants with it) is store.ErrNotFound.
func insertErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case isDuplicate(err):
		return store.ErrDuplicate
	case isForeignKeyViolation(err):
		return store.ErrNotFound
	default:
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
}

// getErr maps the error of a lookup: no row is store.ErrNotFound.
func getErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	default:
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
}

// changedOne maps the result of an UPDATE or DELETE that must change a row:
// none changed is errNone.
func changedOne(what string, res sql.Result, err error, errNone error) error {
	changed, err := changedAny(what, res, err)
	if err == nil && !changed {
		return errNone
	}
	return err
}

// changedAny maps the result of a statement that may change rows or none
// (an upsert whose WHERE refuses, an insert that does nothing on conflict):
// whether it changed any.
func changedAny(what string, res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return n > 0, nil
}

// inTx runs f in a write transaction (BEGIN IMMEDIATE), in the write
// pool's turn (writer.take), and commits it if f returns nil. A
// transaction whose context ended before its commit was
// rolled back by database/sql, and its Commit says only sql.ErrTxDone:
// the context's error is returned instead, which says why (a deadline is
// store.Unavailable).
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	if err := s.write.take(ctx); err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer s.write.give() // after the Rollback below, which returns the connection
	tx, err := s.write.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback() // after Commit, a no-op
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		if errors.Is(err, sql.ErrTxDone) && ctx.Err() != nil {
			err = ctx.Err()
		}
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// execer is what both *sql.DB and *sql.Tx offer to run a statement.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
