package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/oauth-reference/provider/internal/backend"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
)

// chooseDatabase settles which store DATABASE_URL means when
// DATABASE_FALLBACK is set, as docker-compose.yml does: PostgreSQL when the
// host of the postgres:// DATABASE_URL resolves (lookupHost) — the postgres
// profile is on, and compose started the provider once PostgreSQL was
// healthy — else the fallback SQLite file. So the profile alone selects the
// store. A name that does not resolve is no service of the project, whether
// the answer is "no such host" or a resolver failure: Docker's DNS answers
// a name that is no service by asking the host's resolvers, and answers
// "server failure" when none answers (a laptop offline), while the name of
// a service that runs always resolves.
//
// The choice is recorded beside the fallback file. A deployment that once
// used PostgreSQL refuses to fall back (PostgreSQL may just be down): its
// data must not silently split between two stores.
func chooseDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger, lookupHost func(context.Context, string) ([]string, error)) error {
	if cfg.DatabaseFallback == "" || !config.IsPostgres(cfg.DatabaseURL) {
		return nil
	}
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	marker := filepath.Join(filepath.Dir(cfg.DatabaseFallback), "database")
	_, err = lookupHost(ctx, u.Hostname())
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return recordPostgres(marker, cfg.DatabaseFallback)
	case !errors.As(err, &dnsErr):
		return fmt.Errorf("cannot tell whether PostgreSQL (%s) is part of this deployment: %w", u.Hostname(), err)
	}
	if used, _ := os.ReadFile(marker); strings.TrimSpace(string(used)) == "postgres" {
		return fmt.Errorf("this deployment uses PostgreSQL, but its host %q does not resolve now (%v): "+
			"start it (docker compose --profile postgres up), or delete %s to go back to SQLite", u.Hostname(), dnsErr.Err, marker)
	}
	log.Info("PostgreSQL is not part of this deployment; using SQLite", "postgres_host", u.Hostname(), "lookup", dnsErr.Err, "sqlite", cfg.DatabaseFallback)
	cfg.DatabaseURL = cfg.DatabaseFallback
	return nil
}

// recordPostgres writes marker, beside fallback (DATABASE_FALLBACK), to say
// this deployment uses PostgreSQL. It makes the directory first, as a SQLite
// DATABASE_URL's directory is made, and an error names the setting.
func recordPostgres(marker, fallback string) error {
	err := os.MkdirAll(filepath.Dir(marker), 0o700)
	if err == nil {
		err = os.WriteFile(marker, []byte("postgres\n"), 0o600)
	}
	if err != nil {
		return fmt.Errorf("DATABASE_FALLBACK %q: cannot record beside it that this deployment uses PostgreSQL: %w", fallback, err)
	}
	return nil
}

// keyEncryptionKey returns the key that seals the signing keys
// (backend.KeyEncryptionKey, for the database keyDatabase names).
// With KEY_ENCRYPTION_KEY_PREVIOUS set, it also opens the keys sealed with
// that one, and LoadKeys reseals them.
func keyEncryptionKey(ctx context.Context, cfg config.Config, st store.Store) (*token.KEK, error) {
	previous, err := previousKeyEncryptionKey(cfg)
	if err != nil {
		return nil, err
	}
	kek, err := backend.KeyEncryptionKey(ctx, st, keyDatabase(cfg), cfg.KeyEncryptionKey)
	if err != nil || previous == nil {
		return kek, err
	}
	return kek.WithPrevious(previous), nil
}

// checkKeyEncryptionKeys refuses, before the store is opened, the
// key-encryption key settings keyEncryptionKey would refuse once it is:
// a KEY_ENCRYPTION_KEY or KEY_ENCRYPTION_KEY_PREVIOUS that is not a key,
// or none with PostgreSQL. It generates and reads no key file.
func checkKeyEncryptionKeys(cfg config.Config) error {
	if _, err := previousKeyEncryptionKey(cfg); err != nil {
		return err
	}
	return backend.CheckKeyEncryptionKey(keyDatabase(cfg), cfg.KeyEncryptionKey)
}

// previousKeyEncryptionKey parses KEY_ENCRYPTION_KEY_PREVIOUS; it is nil
// when that is not set.
func previousKeyEncryptionKey(cfg config.Config) (*token.KEK, error) {
	if cfg.KeyEncryptionKeyPrevious == "" {
		return nil, nil
	}
	previous, err := token.ParseKEK(cfg.KeyEncryptionKeyPrevious)
	if err != nil {
		return nil, fmt.Errorf("KEY_ENCRYPTION_KEY_PREVIOUS: %w", err)
	}
	return previous, nil
}

// keyDatabase is the database beside which a key-encryption key that is
// not configured is kept: the SQLite file in use, except that PostgreSQL
// with DATABASE_FALLBACK set keeps it beside the fallback file, in the
// provider's volume under docker compose, which every replica mounts, so
// they all read the same key.
func keyDatabase(cfg config.Config) string {
	if cfg.DatabaseFallback != "" && config.IsPostgres(cfg.DatabaseURL) {
		return cfg.DatabaseFallback
	}
	return cfg.DatabaseURL
}
