package oauth

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/oauth-reference/provider/internal/requestlog"
	"github.com/oauth-reference/provider/internal/store"
)

// clientCacheTTL is how long a client registration read from the store is
// reused. Every token, revocation, introspection and device poll request
// authenticates its client, and registrations change rarely (at start, by
// SeedDemo; and when a client registers, updates or deletes itself), so a
// few seconds of reuse takes a store round trip off each of them. A change
// made by this process drops its copy at once (forget); so does one made by
// another process sharing a store.ClientWatcher (PostgreSQL), as soon as it
// is notified, and while that store is not listening nothing is kept
// (watching). With a store that cannot watch, this is how long another
// process's change could go unseen; SQLite has one serving process.
const clientCacheTTL = 5 * time.Second

// maxCachedClients bounds the cache. Only registered clients are cached
// (an unknown client_id is never stored), so this is a bound on memory,
// not a working limit.
const maxCachedClients = 1024

// clientCache holds recently read client registrations. Its zero value is
// ready to use. It keeps wall-clock time, not the protocol's injectable
// clock: how fresh a copy of the store is has nothing to do with token
// lifetimes.
type clientCache struct {
	mu      sync.RWMutex
	entries map[string]cachedClient
	// forgets counts the calls of forget. A load from the store keeps what
	// it read only if no forget came since it began: a forget is sent after
	// a change is written, and the load may have read the row before it.
	forgets uint64
	// unwatched is set while a store.ClientWatcher is not listening: another
	// process's change could then go unnoticed, so nothing is kept.
	unwatched bool
	now       func() time.Time // nil: time.Now; tests set it
}

type cachedClient struct {
	client store.Client
	until  time.Time
}

// getClient returns the client with this id, from the cache or the store,
// and names it on the request's trace and log line (noteClient). The
// lists of the client are shared with other callers: never modify them. A
// registered client that expired unused is store.ErrNotFound even before
// the purge deletes it.
//
// A client_id that is the URL of a client ID metadata document gets the
// client its document describes (metadataDocumentClient), fetched when the
// stored one is stale or missing; a document refused is an *Error
// (documentClientError). A client the operator registered under such a
// URL is used as it is.
func (p *Provider) getClient(ctx context.Context, id string) (store.Client, error) {
	client, err := p.cachedClient(ctx, id)
	switch {
	case isMetadataDocumentURL(id) && (errors.Is(err, store.ErrNotFound) || err == nil && client.FromMetadataDocument()):
		client, err = p.metadataDocumentClient(ctx, id, client)
	case err == nil && p.expiredUnused(client):
		return store.Client{}, store.ErrNotFound
	}
	if err == nil {
		noteClient(ctx, client.ID)
	}
	return client, err
}

// expiredUnused reports whether client is a registered client that was
// never used within Config.RegistrationUnusedTTL: it no longer exists for
// any endpoint, even before the purge deletes it.
func (p *Provider) expiredUnused(client store.Client) bool {
	return !client.ExpiresAt.IsZero() && !p.Now().Before(client.ExpiresAt)
}

// noteClient names the client a request was found to name on its trace
// and its log line. Only a registered client is named anywhere: a client
// that sends its secret where its client_id belongs (a swapped pair), or a
// user who types a password there, finds it in no log and no trace.
func noteClient(ctx context.Context, id string) {
	TraceFrom(ctx).Client(id)
	requestlog.Note(ctx, "client_id", id)
}

// cachedClient returns the client with this id, from the cache or the store.
func (p *Provider) cachedClient(ctx context.Context, id string) (store.Client, error) {
	now := time.Now()
	if p.clients.now != nil {
		now = p.clients.now()
	}
	p.clients.mu.RLock()
	e, ok := p.clients.entries[id]
	forgets := p.clients.forgets
	p.clients.mu.RUnlock()
	if ok && now.Before(e.until) {
		return e.client, nil
	}
	client, err := p.Store.GetClient(ctx, id)
	if err != nil {
		return client, err
	}
	p.clients.put(client, now.Add(clientCacheTTL), forgets)
	return client, nil
}

// markClientUsed records the first use of a registered client, which then
// no longer expires (Config.RegistrationUnusedTTL).
func (p *Provider) markClientUsed(ctx context.Context, client store.Client) error {
	if client.ExpiresAt.IsZero() {
		return nil
	}
	if err := p.Store.MarkClientUsed(ctx, client.ID); err != nil {
		return err
	}
	p.clients.forget(client.ID)
	return nil
}

// put caches a client read from the store by a load that began when
// forget had been called forgets times. It keeps nothing if forget (or
// watching) was called since: the change forgotten may be newer than what
// the load read (an update or a deletion written while the load waited on
// the store), and the next load reads it. Nor while the cache is unwatched.
func (c *clientCache) put(client store.Client, until time.Time, forgets uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forgets != forgets || c.unwatched {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCachedClients {
		c.entries = make(map[string]cachedClient)
	}
	c.entries[client.ID] = cachedClient{client: client, until: until}
}

// forget drops a client from this process's cache (after it was updated
// or deleted, here or, told by a store.ClientWatcher, in another process),
// or every client when id is "" (a change the watcher could not name), and
// keeps a load already under way from putting back what it read before
// (put).
func (c *clientCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id == "" {
		c.entries = nil
	} else {
		delete(c.entries, id)
	}
	c.forgets++
}

// watching is the store.ClientWatcher's listening callback: it empties the
// cache, and keeps it empty until the watcher listens again (unwatched).
func (c *clientCache) watching(listening bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
	c.forgets++
	c.unwatched = !listening
}
