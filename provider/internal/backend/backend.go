// Package backend opens the store that DATABASE_URL names, with the
// key-encryption key of its signing keys. It sits above package store (it
// reads config and token, and store imports neither): main's wiring.
package backend

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres"
	"github.com/oauth-reference/provider/internal/store/sqlite"
	"github.com/oauth-reference/provider/internal/token"
)

// Open opens PostgreSQL for a postgres:// (or postgresql://) URL, else the
// SQLite database file at that path.
func Open(ctx context.Context, databaseURL string) (store.Store, error) {
	if config.IsPostgres(databaseURL) {
		return postgres.Open(ctx, databaseURL)
	}
	return sqlite.Open(ctx, databaseURL)
}

// OpenMigrated opens the store as Open does, but changes no schema and
// creates no database: it refuses one whose schema is not this version's
// (store.CheckMigrated). It is for the commands that run beside the
// providers serving the database.
func OpenMigrated(ctx context.Context, databaseURL string) (store.Store, error) {
	if config.IsPostgres(databaseURL) {
		return postgres.OpenMigrated(ctx, databaseURL)
	}
	return sqlite.OpenMigrated(ctx, databaseURL)
}

// KeyEncryptionKey returns the key-encryption key that seals the signing
// keys of st, the store named by databaseURL: the configured one
// (KEY_ENCRYPTION_KEY, base64) when set. Otherwise, for a SQLite file, the
// key kept in the file "kek" beside it, created (mode 0600) on first start so
// the demo needs no setup, and only then: not beside a store that holds
// sealed keys (token.LoadOrCreateKEKFile); for an in-memory database, a
// fresh one. PostgreSQL requires it configured: its processes may run on
// several hosts, and a key generated on one of them would lock the others
// out of the shared keys.
func KeyEncryptionKey(ctx context.Context, st store.Store, databaseURL, configured string) (*token.KEK, error) {
	switch {
	case configured != "" || config.IsPostgres(databaseURL):
		return configuredKEK(databaseURL, configured)
	case databaseURL == sqlite.Memory:
		kek, _, err := token.GenerateKEK()
		return kek, err
	default:
		return token.LoadOrCreateKEKFile(ctx, filepath.Join(filepath.Dir(databaseURL), "kek"), st)
	}
}

// configuredKEK parses KEY_ENCRYPTION_KEY, which PostgreSQL requires.
func configuredKEK(databaseURL, configured string) (*token.KEK, error) {
	if configured == "" && config.IsPostgres(databaseURL) {
		return nil, errors.New("KEY_ENCRYPTION_KEY must be set with PostgreSQL (every provider process needs the same one): " +
			"generate it once with `openssl rand -base64 32` and keep it apart from the database")
	}
	kek, err := token.ParseKEK(configured)
	if err != nil {
		return nil, fmt.Errorf("KEY_ENCRYPTION_KEY: %w", err)
	}
	return kek, nil
}

// CheckKeyEncryptionKey refuses what KeyEncryptionKey would refuse without
// writing anything: a configured key that is not one, or none with
// PostgreSQL. A program checks it before it opens the store, so that a
// refused start leaves no database behind; a key it would generate is
// neither generated nor read here.
func CheckKeyEncryptionKey(databaseURL, configured string) error {
	if configured == "" && !config.IsPostgres(databaseURL) {
		return nil
	}
	_, err := configuredKEK(databaseURL, configured)
	return err
}
