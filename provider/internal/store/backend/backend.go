// Package backend opens the store that DATABASE_URL names.
package backend

import (
	"context"
	"strings"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres"
	"github.com/oauth-reference/provider/internal/store/sqlite"
)

// Open opens PostgreSQL for a postgres:// (or postgresql://) URL, else the
// SQLite database file at that path.
func Open(ctx context.Context, databaseURL string) (store.Store, error) {
	if IsPostgres(databaseURL) {
		return postgres.Open(ctx, databaseURL)
	}
	return sqlite.Open(ctx, databaseURL)
}

// IsPostgres reports whether databaseURL selects PostgreSQL.
func IsPostgres(databaseURL string) bool {
	return strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://")
}
