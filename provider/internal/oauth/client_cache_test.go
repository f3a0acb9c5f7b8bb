package oauth

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/sqlite"
)

func TestClientCache(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &Provider{Store: st}
	p.clients.now = func() time.Time { return now }

	client := demoClient()
	client.SecretHash = HashSecret("old")
	mustUpsert(t, st, client)
	if _, err := p.getClient(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	client.SecretHash = HashSecret("new")
	mustUpsert(t, st, client)
	if got, _ := p.getClient(ctx, "c"); got.SecretHash != HashSecret("old") {
		t.Error("within the cache lifetime: got the new registration, want the cached one")
	}
	now = now.Add(clientCacheTTL)
	if got, _ := p.getClient(ctx, "c"); got.SecretHash != HashSecret("new") {
		t.Error("after the cache lifetime: got the old registration, want the new one")
	}

	if _, err := p.getClient(ctx, "later"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown client: got %v, want ErrNotFound", err)
	}
	client.ID = "later"
	mustUpsert(t, st, client)
	if _, err := p.getClient(ctx, "later"); err != nil {
		t.Errorf("a client registered after a miss: got %v, want it at once (misses are not cached)", err)
	}
}

func mustUpsert(t *testing.T, st store.Store, c store.Client) {
	t.Helper()
	if err := st.UpsertClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}
