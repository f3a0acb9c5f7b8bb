package main

import (
	"context"
	"io"
	"log/slog"
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
		err := chooseDatabase(context.Background(), &cfg, log)
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
