// Package session keeps the client's sessions on the server, in memory. The
// browser's cookie carries only a random session ID; state, nonce, PKCE
// verifier and tokens never leave the server ([RFC 9700 Section 4.7.1] on
// keeping the state bound to the user agent, [RFC 6749 Section 10.3] on
// keeping access tokens confidential).
//
// The store is bounded: sessions expire, expired ones are purged as new ones
// are made, and when the store is full the session closest to expiry makes
// room. Nothing grows per request forever.
//
// [RFC 9700 Section 4.7.1]: https://www.rfc-editor.org/rfc/rfc9700#section-4.7.1
// [RFC 6749 Section 10.3]: https://www.rfc-editor.org/rfc/rfc6749#section-10.3
package session

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// Options configures a Store. Zero fields take the defaults noted.
type Options struct {
	TTL time.Duration    // lifetime of a session from its creation; default 8h
	Max int              // most sessions kept at once; default 10000
	Now func() time.Time // clock; default time.Now
}

// Store holds sessions of data type T. It is safe for concurrent use.
type Store[T any] struct {
	mu        sync.Mutex
	sessions  map[string]*Session[T]
	ttl       time.Duration
	max       int
	now       func() time.Time
	lastPurge time.Time
}

// Session is one browser's server-side state. Lock it while reading or
// changing Data: handlers of the same browser may run at once, and a refresh
// token must not be spent twice (the provider would see reuse and revoke the
// grant, [RFC 9700 Section 4.14.2]).
//
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
type Session[T any] struct {
	mu      sync.Mutex
	id      string
	expires time.Time
	Data    T
}

// NewStore returns an empty Store.
func NewStore[T any](opts Options) *Store[T] {
	if opts.TTL <= 0 {
		opts.TTL = 8 * time.Hour
	}
	if opts.Max <= 0 {
		opts.Max = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store[T]{sessions: map[string]*Session[T]{}, ttl: opts.TTL, max: opts.Max, now: opts.Now}
}

// TTL returns how long a session lasts, for the cookie's Max-Age.
func (st *Store[T]) TTL() time.Duration { return st.ttl }

// New creates a session with a fresh random ID and zero Data.
func (st *Store[T]) New() *Session[T] {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	if len(st.sessions) >= st.max || now.Sub(st.lastPurge) > st.ttl/8 {
		st.purgeLocked(now)
	}
	if len(st.sessions) >= st.max {
		st.evictLocked()
	}
	s := &Session[T]{id: newID(), expires: now.Add(st.ttl)}
	st.sessions[s.id] = s
	return s
}

// Get returns the live session with the given ID.
func (st *Store[T]) Get(id string) (*Session[T], bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.sessions[id]
	if !ok {
		return nil, false
	}
	if !st.now().Before(s.expires) {
		delete(st.sessions, id)
		return nil, false
	}
	return s, true
}

// Delete removes the session with the given ID, if there is one.
func (st *Store[T]) Delete(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.sessions, id)
}

// Len returns the number of sessions held, expired or not.
func (st *Store[T]) Len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.sessions)
}

// purgeLocked deletes every expired session. st.mu must be held.
func (st *Store[T]) purgeLocked(now time.Time) {
	for id, s := range st.sessions {
		if !now.Before(s.expires) {
			delete(st.sessions, id)
		}
	}
	st.lastPurge = now
}

// evictLocked deletes the session that expires first. st.mu must be held.
func (st *Store[T]) evictLocked() {
	var oldest *Session[T]
	for _, s := range st.sessions {
		if oldest == nil || s.expires.Before(oldest.expires) {
			oldest = s
		}
	}
	if oldest != nil {
		delete(st.sessions, oldest.id)
	}
}

// ID returns the session's ID, the value of the session cookie.
func (s *Session[T]) ID() string { return s.id }

// Lock locks the session for reading or changing Data.
func (s *Session[T]) Lock() { s.mu.Lock() }

// Unlock unlocks the session.
func (s *Session[T]) Unlock() { s.mu.Unlock() }

// newID returns 256 random bits, base64url-encoded: a session ID nobody can
// guess.
func newID() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error; it crashes the program if it fails.
	return base64.RawURLEncoding.EncodeToString(b)
}
