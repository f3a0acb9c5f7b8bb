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

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store/backend"
	"github.com/oauth-reference/provider/internal/token"
)

// chooseDatabase settles which store DATABASE_URL means when
// DATABASE_FALLBACK is set, as docker-compose.yml does: PostgreSQL when the
// host of the postgres:// DATABASE_URL exists — the postgres profile is on,
// and compose started the provider once PostgreSQL was healthy — else the
// fallback SQLite file. So the profile alone selects the store.
//
// The choice is recorded beside the fallback file. A deployment that once
// used PostgreSQL refuses to fall back (PostgreSQL may just be down): its
// data must not silently split between two stores.
func chooseDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	if cfg.DatabaseFallback == "" || !config.IsPostgres(cfg.DatabaseURL) {
		return nil
	}
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	marker := filepath.Join(filepath.Dir(cfg.DatabaseFallback), "database")
	_, err = net.DefaultResolver.LookupHost(ctx, u.Hostname())
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return os.WriteFile(marker, []byte("postgres\n"), 0o600)
	case !errors.As(err, &dnsErr) || !dnsErr.IsNotFound:
		return fmt.Errorf("cannot tell whether PostgreSQL (%s) is part of this deployment: %w", u.Hostname(), err)
	}
	if used, _ := os.ReadFile(marker); strings.TrimSpace(string(used)) == "postgres" {
		return fmt.Errorf("this deployment uses PostgreSQL, but its host %q does not exist now: "+
			"start it (docker compose --profile postgres up), or delete %s to go back to SQLite", u.Hostname(), marker)
	}
	log.Info("PostgreSQL is not part of this deployment; using SQLite", "postgres_host", u.Hostname(), "sqlite", cfg.DatabaseFallback)
	cfg.DatabaseURL = cfg.DatabaseFallback
	return nil
}

// keyEncryptionKey returns the key that seals the signing keys: as
// backend.KeyEncryptionKey says, except that on PostgreSQL with
// DATABASE_FALLBACK set and no KEY_ENCRYPTION_KEY it is kept in the
// fallback's directory — under docker compose that is the provider's volume, which every
// replica mounts, so they all read the same key.
// With KEY_ENCRYPTION_KEY_PREVIOUS set, it also opens the keys sealed with
// that one, and LoadKeys reseals them.
func keyEncryptionKey(cfg config.Config) (*token.KEK, error) {
	kek, err := currentKeyEncryptionKey(cfg)
	if err != nil || cfg.KeyEncryptionKeyPrevious == "" {
		return kek, err
	}
	previous, err := token.ParseKEK(cfg.KeyEncryptionKeyPrevious)
	if err != nil {
		return nil, fmt.Errorf("KEY_ENCRYPTION_KEY_PREVIOUS: %w", err)
	}
	return kek.WithPrevious(previous), nil
}

// currentKeyEncryptionKey is the key that seals keys from now on.
func currentKeyEncryptionKey(cfg config.Config) (*token.KEK, error) {
	if cfg.DatabaseFallback != "" && cfg.KeyEncryptionKey == "" && config.IsPostgres(cfg.DatabaseURL) {
		return token.LoadOrCreateKEKFile(filepath.Join(filepath.Dir(cfg.DatabaseFallback), "kek"))
	}
	return backend.KeyEncryptionKey(cfg.DatabaseURL, cfg.KeyEncryptionKey)
}
