package sqlite

import "sync"

// maxNotRevoked bounds the memory of live access tokens. When it is full
// the memory starts over: the next request of each token asks the database
// again, as it did before it was remembered.
const maxNotRevoked = 4096

// notRevoked remembers the access tokens that AccessTokenRevoked found not
// revoked, so the bearer check of a token seen before needs no query.
//
// Every write that can revoke a token — a revoked jti, a revoked grant, a
// grant deleted (purged, or with its client) — calls forget once it has
// committed, and forget empties the memory: a revocation is seen by the
// very next request. A lookup that began before the revocation committed
// may still find the token live; remember then refuses to keep that
// answer, because the generation it was asked in has ended.
//
// This holds for the writes of this process. One provider process owns a
// SQLite file (several processes behind one issuer share a PostgreSQL
// database instead: README, "What the provider does", Durability), so they
// are all of them; the one other writer, "provider keys rotate", revokes
// nothing.
type notRevoked struct {
	mu         sync.Mutex
	generation uint64 // how many times forget has run
	live       map[tokenID]struct{}
}

// tokenID names an access token as AccessTokenRevoked sees it: the grant
// it was issued from ("" for none) and its jti.
type tokenID struct{ grantID, jti string }

// knows reports whether the token was found live since the last forget,
// and otherwise the generation to pass to remember after asking the
// database.
func (m *notRevoked) knows(id tokenID) (known bool, generation uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, known = m.live[id]
	return known, m.generation
}

// remember notes that the database found the token live, unless a
// revocation committed since knows returned generation.
func (m *notRevoked) remember(id tokenID, generation uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if generation != m.generation {
		return
	}
	if m.live == nil || len(m.live) >= maxNotRevoked {
		m.live = make(map[tokenID]struct{})
	}
	m.live[id] = struct{}{}
}

// forget empties the memory and starts a new generation; writes that can
// revoke a token call it after they commit.
func (m *notRevoked) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.generation++
	m.live = nil
}
