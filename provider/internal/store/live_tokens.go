package store

import "sync"

// maxLiveTokens bounds LiveTokens. When it is full it starts over: the next
// request of each token asks the database again, as it did before.
const maxLiveTokens = 4096

// LiveTokens is a backend's memory of the access tokens AccessTokenRevoked
// found not revoked, so the bearer check of a token seen before needs no
// query (Revoked). The zero value is ready to use.
//
// Every write that can revoke a token — a revoked jti, a revoked grant, a
// grant or a client deleted — must be followed, once it has committed, by Forget, which
// empties the memory: the revocation is seen by the very next lookup. A
// lookup that began before the revocation committed may still have found
// the token live; Remember refuses that answer, because the generation it
// was asked in has ended.
//
// While a backend cannot learn of every such write (PostgreSQL: while its
// listener for other processes' revocations is down), it Pauses the memory:
// every lookup then asks the database.
type LiveTokens struct {
	mu         sync.Mutex
	generation uint64 // how many times the memory was emptied
	paused     bool
	live       map[AccessTokenRef]struct{}
}

// Revoked answers AccessTokenRevoked for tok: false at once if it was
// found live since the memory was last emptied, else what lookup (the
// backend's query) says, remembering a live answer.
func (m *LiveTokens) Revoked(tok AccessTokenRef, lookup func() (bool, error)) (bool, error) {
	known, generation := m.knows(tok)
	if known {
		return false, nil
	}
	revoked, err := lookup()
	if err == nil && !revoked {
		m.remember(tok, generation)
	}
	return revoked, err
}

// knows reports whether the token was found live since the last Forget,
// and otherwise the generation to pass to remember after asking the
// database.
func (m *LiveTokens) knows(tok AccessTokenRef) (known bool, generation uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, known = m.live[tok]
	return known, m.generation
}

// remember notes that the database found the token live, unless the memory
// was emptied since knows returned generation, or is paused.
func (m *LiveTokens) remember(tok AccessTokenRef, generation uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if generation != m.generation || m.paused {
		return
	}
	if m.live == nil || len(m.live) >= maxLiveTokens {
		m.live = make(map[AccessTokenRef]struct{})
	}
	m.live[tok] = struct{}{}
}

// Forget empties the memory and starts a new generation. A paused memory
// stays paused: the backend's own revocation does not tell it of the
// others'.
func (m *LiveTokens) Forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.empty()
}

// Pause empties the memory and keeps it empty until Resume.
func (m *LiveTokens) Pause() { m.setPaused(true) }

// Resume lets the memory fill again, starting empty.
func (m *LiveTokens) Resume() { m.setPaused(false) }

// setPaused empties the memory and sets paused.
func (m *LiveTokens) setPaused(paused bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.empty()
	m.paused = paused
}

// empty empties the memory and starts a new generation; m.mu is held.
func (m *LiveTokens) empty() {
	m.generation++
	m.live = nil
}
