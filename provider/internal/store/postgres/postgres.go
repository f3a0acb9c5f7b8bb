// Package postgres is the store.Store backend on PostgreSQL, selected by a
// DATABASE_URL of the form postgres://…. Several provider processes can share
// one database and behave as one: a code issued by one is redeemed at
// another, and a refresh token replayed at any of them is detected.
//
// # Concurrency
//
// The single-use operations are conditional UPDATEs, the compare-and-set
// that store.Store asks of Consume…, Redeem… and Rotate…:
//
//	UPDATE authorization_codes SET used_at = $1
//	WHERE hash = $2 AND used_at IS NULL
//
// PostgreSQL locks the row for the first UPDATE; a concurrent one waits for
// that transaction to end, then re-checks its WHERE clause against the new
// row version (READ COMMITTED), finds used_at set, and changes nothing. So
// exactly one caller, in any process, changes the row; the others get
// store.ErrAlreadyUsed. No SERIALIZABLE isolation or retry loop is needed.
//
// # Schema
//
// The schema is in migrations/, applied in order at Open and recorded in the
// schema_migrations table. Each migration runs in a transaction holding an
// advisory lock, so providers starting together apply it once. Tables are
// created in the first schema of the connection's search_path.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oauth-reference/provider/internal/store"
)

// Store is a store.Store on a PostgreSQL database. It is safe for concurrent
// use, by many goroutines and many processes.
type Store struct {
	pool *pgxpool.Pool

	liveTokens    store.LiveTokens   // the access tokens AccessTokenRevoked found live
	stopListening context.CancelFunc // ends listenForNotifications
	listenerDone  chan struct{}      // closed when it has ended

	watchersMu     sync.Mutex
	keyWatchers    []func()        // called on a signing key change (WatchSigningKeys)
	clientWatchers []clientWatcher // told of client changes (WatchClients)
	listening      bool            // whether the listener listens (setListening)
}

var (
	_ store.Store             = (*Store)(nil)
	_ store.SigningKeyWatcher = (*Store)(nil)
	_ store.ClientWatcher     = (*Store)(nil)
)

// Open connects to the database at url (postgres://user@host:port/db?…; see
// pgxpool.ParseConfig for every parameter) and brings its schema up to date.
// pgx prepares and caches each statement per connection on first use, so
// hot queries are parsed and planned once. So that a database host gone
// silent costs a request seconds, not as long as TCP takes to give up, a
// new connection is given up after connectTimeout, and a pooled connection
// idle for a second is pinged before use and given up after
// poolPingTimeout, unless the URL's connect_timeout or pool_ping_timeout
// says otherwise.
func Open(ctx context.Context, url string) (*Store, error) {
	return open(ctx, url, migrate)
}

// OpenMigrated connects to the database at url as Open does, but migrates
// nothing: it refuses a database whose schema is not this version's
// (store.CheckMigrated).
func OpenMigrated(ctx context.Context, url string) (*Store, error) {
	return open(ctx, url, checkMigrated)
}

// open connects to the database at url (Open) and gives its schema to
// schema, which migrates it or checks it.
func open(ctx context.Context, url string, schema func(context.Context, *pgxpool.Pool) error) (*Store, error) {
	config, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err) // pgx masks the password
	}
	if config.ConnConfig.ConnectTimeout == 0 {
		config.ConnConfig.ConnectTimeout = connectTimeout
	}
	if config.PingTimeout == 0 {
		config.PingTimeout = poolPingTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, config)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := schema(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, listenerDone: make(chan struct{})}
	s.liveTokens.Pause() // until the listener listens
	listening, stop := context.WithCancel(context.Background())
	s.stopListening = stop
	go s.listenForNotifications(listening, config.ConnConfig.Copy())
	return s, nil
}

// Close stops the listener and closes every connection of the pool.
func (s *Store) Close() error {
	s.stopListening()
	<-s.listenerDone
	s.pool.Close()
	return nil
}

// connectTimeout bounds a new connection to the database, unless the
// URL's connect_timeout sets another.
const connectTimeout = 5 * time.Second

// poolPingTimeout is how long the pool waits for a connection that was
// idle to answer its ping before it gives it up for another.
const poolPingTimeout = 2 * time.Second

// querier is what both the pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// PostgreSQL's SQLSTATEs for a duplicate key, and for a reference to a row
// that does not exist.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// insertErr maps the error of an INSERT: a key in use is
// store.ErrDuplicate; a reference to a record that is gone (a client
// deleted meanwhile, and its grants with it) is store.ErrNotFound.
func insertErr(what string, err error) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pgErr) && pgErr.Code == uniqueViolation:
		return store.ErrDuplicate
	case errors.As(err, &pgErr) && pgErr.Code == foreignKeyViolation:
		return store.ErrNotFound
	default:
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
}

// getErr maps the error of a lookup: no row is store.ErrNotFound.
func getErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return store.ErrNotFound
	default:
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
}

// changedOne maps the result of an UPDATE that must change a row: none
// changed is errNone.
func changedOne(what string, tag pgconn.CommandTag, err error, errNone error) error {
	switch {
	case err != nil:
		return fmt.Errorf("postgres: %s: %w", what, err)
	case tag.RowsAffected() == 0:
		return errNone
	default:
		return nil
	}
}

// inTx runs f in a transaction and commits it if f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(ctx) // after Commit, a no-op
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}
