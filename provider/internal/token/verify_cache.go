package token

import (
	"strings"
	"sync"
	"time"
)

// verifiedCacheSize bounds how many verified access tokens a Keys remembers
// (each entry holds the token, about 1 KiB, and its claims). 0 turns the
// cache off.
const verifiedCacheSize = 4096

// verifiedCache remembers access tokens that passed every check of
// VerifyAccessToken, by their exact text, so that a client presenting the
// same token again costs a map lookup instead of a JWS parse and an RSA
// verification. Reverifying a byte-identical token against the same key can
// only give the same answer, so the cache changes no outcome as long as:
//   - only tokens that passed every check are stored;
//   - a hit still requires the token's key to be known (a key deleted at
//     rotation takes its cached tokens with it);
//   - a hit reruns the time, iss and aud checks, which depend on the caller.
//
// Revocation is not this package's check and is unaffected.
type verifiedCache struct {
	mu      sync.RWMutex
	entries map[string]*verifiedToken
	max     int
}

// verifiedToken is one cache entry: the kid that signed the token and its
// decoded claims. Entries are never modified once stored.
type verifiedToken struct {
	kid    string
	claims accessTokenJSON
}

func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{entries: make(map[string]*verifiedToken), max: max}
}

// get returns the entry for raw, if any.
func (c *verifiedCache) get(raw string) (*verifiedToken, bool) {
	c.mu.RLock()
	v, ok := c.entries[raw]
	c.mu.RUnlock()
	return v, ok
}

// put stores v for raw. When the cache is full it first drops the expired
// entries, then, if that freed less than a quarter, arbitrary ones down to
// three quarters, so the scan is paid once per max/4 insertions.
func (c *verifiedCache) put(raw string, v *verifiedToken, now time.Time) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		c.evict(now)
	}
	// Clone: raw may share memory with a larger request buffer.
	c.entries[strings.Clone(raw)] = v
}

// evict makes room; the caller holds c.mu.
func (c *verifiedCache) evict(now time.Time) {
	for raw, v := range c.entries {
		if !now.Before(v.claims.ExpiresAt.Time()) {
			delete(c.entries, raw)
		}
	}
	target := c.max - max(1, c.max/4)
	for raw := range c.entries { // map iteration order is unspecified: arbitrary victims
		if len(c.entries) <= target {
			break
		}
		delete(c.entries, raw)
	}
}
