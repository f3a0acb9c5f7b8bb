package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/config"
)

// TestChooseDatabase: with DATABASE_FALLBACK, PostgreSQL is used when its
// host exists, SQLite when it does not — until the deployment has used
// PostgreSQL once: then a missing host is an error, not a silent switch.
func TestChooseDatabase(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fallback := filepath.Join(t.TempDir(), "provider.db")
	choose := func(host string) (string, error) {
		cfg := config.Config{DatabaseURL: "postgres://oauth@" + host + ":5432/oauth", DatabaseFallback: fallback}
		err := chooseDatabase(context.Background(), &cfg, log, net.DefaultResolver.LookupHost)
		return cfg.DatabaseURL, err
	}
	if got, err := choose("postgres.invalid"); err != nil || got != fallback {
		t.Fatalf("no postgres host: got %q, %v; want the SQLite fallback", got, err)
	}
	if got, err := choose("127.0.0.1"); err != nil || !strings.HasPrefix(got, "postgres://") {
		t.Fatalf("a postgres host: got %q, %v; want PostgreSQL", got, err)
	}
	if marker, _ := os.ReadFile(filepath.Join(filepath.Dir(fallback), "database")); strings.TrimSpace(string(marker)) != "postgres" {
		t.Fatalf("the choice of PostgreSQL was not recorded: %q", marker)
	}
	if got, err := choose("postgres.invalid"); err == nil || !strings.Contains(err.Error(), "--profile postgres") {
		t.Errorf("PostgreSQL gone after it was used: got %q, %v; want an error saying how to start it", got, err)
	}
}

// TestChooseDatabaseWhenTheResolverFails: a host that does not resolve
// because the resolver failed ("server misbehaving", what Go reports for a
// DNS "server failure", Docker's answer for a name that is no service when
// no upstream DNS answers) is no service of the project either: SQLite,
// until the deployment has used PostgreSQL. An error that is no DNS answer
// at all (the lookup was cancelled) decides nothing.
func TestChooseDatabaseWhenTheResolverFails(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fallback := filepath.Join(t.TempDir(), "provider.db")
	choose := func(lookupErr error) (string, error) {
		cfg := config.Config{DatabaseURL: "postgres://oauth@postgres:5432/oauth", DatabaseFallback: fallback}
		lookup := func(context.Context, string) ([]string, error) { return nil, lookupErr }
		err := chooseDatabase(context.Background(), &cfg, log, lookup)
		return cfg.DatabaseURL, err
	}
	serverFailure := &net.DNSError{Err: "server misbehaving", Name: "postgres", Server: "127.0.0.11:53", IsTemporary: true}
	if got, err := choose(serverFailure); err != nil || got != fallback {
		t.Errorf("a resolver failure: got %q, %v; want the SQLite fallback", got, err)
	}
	if _, err := choose(context.Canceled); err == nil {
		t.Errorf("a cancelled lookup: got no error, want one: it says nothing about the host")
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(fallback), "database"), []byte("postgres\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := choose(serverFailure); err == nil || !strings.Contains(err.Error(), "server misbehaving") {
		t.Errorf("a resolver failure after PostgreSQL was used: got %q, %v; want an error naming the failure", got, err)
	}
}

// TestChooseDatabaseMakesTheFallbackDirectory: a DATABASE_FALLBACK in a
// directory that does not exist yet gets it made, as a SQLite DATABASE_URL
// does, and a directory that cannot be made is an error naming the setting.
func TestChooseDatabaseMakesTheFallbackDirectory(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	choose := func(fallback string) error {
		cfg := config.Config{DatabaseURL: "postgres://oauth@127.0.0.1:5432/oauth", DatabaseFallback: fallback}
		return chooseDatabase(context.Background(), &cfg, log, net.DefaultResolver.LookupHost)
	}
	if err := choose(filepath.Join(dir, "new", "deeper", "provider.db")); err != nil {
		t.Fatalf("a fallback in a new directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new", "deeper", "database")); err != nil {
		t.Errorf("the choice of PostgreSQL was not recorded in the new directory: %v", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := choose(filepath.Join(file, "provider.db")); err == nil || !strings.Contains(err.Error(), "DATABASE_FALLBACK") {
		t.Errorf("a fallback under a file: got %v, want an error naming DATABASE_FALLBACK", err)
	}
}

// TestKeyBesideTheSQLiteFileInUse: with DATABASE_FALLBACK set but a SQLite
// DATABASE_URL, which leaves the fallback unused, the key-encryption key
// the provider generates is kept beside the SQLite file in use, so the
// same file opens it when DATABASE_FALLBACK is dropped. Before, it was
// kept beside the unused fallback, and the next start without it
// generated another key that could not open the sealed signing keys.
func TestKeyBesideTheSQLiteFileInUse(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("DATABASE_URL", migratedStore(t, filepath.Join(dir, "data", "provider.db")))
	t.Setenv("DATABASE_FALLBACK", filepath.Join(dir, "fallback", "provider.db"))
	if err := run(t.Context(), []string{"keys", "rotate"}, io.Discard); err != nil {
		t.Fatalf("rotate with DATABASE_FALLBACK set: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "kek")); err != nil {
		t.Errorf("the key beside the SQLite file in use: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "fallback")); err == nil {
		t.Error("the unused fallback's directory exists, want nothing written there")
	}
	t.Setenv("DATABASE_FALLBACK", "")
	if err := run(t.Context(), []string{"keys", "rotate"}, io.Discard); err != nil {
		t.Errorf("rotate without DATABASE_FALLBACK: %v, want the same key to open the signing keys", err)
	}
}
