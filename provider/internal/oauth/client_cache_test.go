package oauth

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/sqlite"
)

func TestClientCache(t *testing.T) {
	ctx := context.Background()
	st := cacheStore(t)
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

// TestClientCacheLoadOverlapsForget: a load that read a client from the
// store before an update was written, and stores its result after the
// update forgot the cached copy, does not put the old registration back:
// the next request sees the update at once.
func TestClientCacheLoadOverlapsForget(t *testing.T) {
	ctx := context.Background()
	st := cacheStore(t)
	client := demoClient()
	client.SecretHash = HashSecret("old")
	mustUpsert(t, st, client)

	read, release := make(chan struct{}), make(chan struct{})
	slow := &slowClientStore{Store: st, getClient: func(ctx context.Context, id string) (store.Client, error) {
		c, err := st.GetClient(ctx, id)
		close(read)
		<-release
		return c, err
	}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &Provider{Store: slow}
	p.clients.now = func() time.Time { return now }

	loaded := make(chan store.Client)
	go func() {
		c, _ := p.cachedClient(ctx, client.ID)
		loaded <- c
	}()
	<-read // the load holds the old registration
	updated := client
	updated.SecretHash = HashSecret("new")
	if written, err := p.storeUpdate(ctx, client, updated); !written || err != nil {
		t.Fatalf("storeUpdate: got %v, %v, want written", written, err)
	}
	close(release)
	if got := <-loaded; got.SecretHash != HashSecret("old") {
		t.Fatalf("the overlapping load: got secret hash %q, want the old one it read", got.SecretHash)
	}

	slow.getClient = nil
	if got, err := p.cachedClient(ctx, client.ID); err != nil || got.SecretHash != HashSecret("new") {
		t.Errorf("a request after the update: got %v (err %v), want the updated registration, not the old one put back by the load", got.SecretHash, err)
	}
}

// TestClientCacheWatched: with a store.ClientWatcher, a change it
// announces drops the copy at once (by id, or every copy for ""), and
// while it is not listening nothing is kept: each lookup reads the store.
func TestClientCacheWatched(t *testing.T) {
	ctx := context.Background()
	st := cacheStore(t)
	watched := &watchedStore{Store: st}
	p := New(config.Config{}, watched, nil, nil, nil)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p.clients.now = func() time.Time { return now }
	client := demoClient()
	stored := func(secret string) string { // stores the client with this secret, and returns its hash
		client.SecretHash = HashSecret(secret)
		mustUpsert(t, st, client)
		return client.SecretHash
	}
	want := func(when, hash string) {
		t.Helper()
		if got, err := p.getClient(ctx, client.ID); err != nil || got.SecretHash != hash {
			t.Errorf("%s: got secret hash %q (err %v), want %q", when, got.SecretHash, err, hash)
		}
	}

	want("not listening, a first read", stored("one"))
	want("not listening, a change: read at once, nothing was kept", stored("two"))
	watched.listening(true)
	two := client.SecretHash
	want("listening, a first read", two)
	stored("three")
	want("listening, a change not announced: the copy", two)
	watched.changed(client.ID)
	want("listening, the change announced", client.SecretHash)
	watched.changed("")
	want("listening, a change of an unnamed client announced", stored("four"))
	watched.listening(false)
	want("no longer listening: the copy dropped", stored("five"))
	want("no longer listening, a change: read at once", stored("six"))
}

// watchedStore is a store.ClientWatcher whose callbacks a test calls
// itself; it is not listening when watched.
type watchedStore struct {
	store.Store
	changed   func(id string)
	listening func(bool)
}

func (w *watchedStore) WatchClients(changed func(id string), listening func(bool)) {
	w.changed, w.listening = changed, listening
	listening(false)
}

// slowClientStore is a store whose GetClient runs getClient when it is set,
// so a test can hold a read of a client while something else happens.
type slowClientStore struct {
	store.Store
	getClient func(ctx context.Context, id string) (store.Client, error)
}

func (s *slowClientStore) GetClient(ctx context.Context, id string) (store.Client, error) {
	if s.getClient != nil {
		return s.getClient(ctx, id)
	}
	return s.Store.GetClient(ctx, id)
}

// cacheStore is a fresh SQLite store for a client cache test, closed when
// the test ends.
func cacheStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func mustUpsert(t *testing.T, st store.Store, c store.Client) {
	t.Helper()
	if err := st.UpsertClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}
