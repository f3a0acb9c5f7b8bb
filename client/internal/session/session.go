// Package session keeps the client's sessions on the server, in memory. The
// browser's cookie carries only a random session ID; state, nonce, PKCE
// verifier and tokens never leave the server ([RFC 9700 Section 4.7.1] on
// keeping the state bound to the user agent, [RFC 6749 Section 10.3] on
// keeping access tokens confidential).
//
// The store is bounded, in two pools of at most Options.Max sessions each.
// A session starts anonymous (New): a browser that only started a login
// has done nothing worth much, and when the anonymous pool is full its
// oldest session makes room. A login is kept (NewKept) in a pool of its
// own, so no number of anonymous requests can push a signed-in user out;
// only another login can, when that pool is full. Each pool is ordered by
// creation and every session has the same lifetime, so the oldest is also
// the first to expire: expired sessions are dropped from the front as new
// ones are made, and making room costs O(1), however full the store.
//
// [RFC 9700 Section 4.7.1]: https://www.rfc-editor.org/rfc/rfc9700#section-4.7.1
// [RFC 6749 Section 10.3]: https://www.rfc-editor.org/rfc/rfc6749#section-10.3
package session

import (
	"container/list"
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// Options configures a Store. Zero fields take the defaults noted.
type Options struct {
	TTL time.Duration    // lifetime of a session from its creation; default 8h
	Max int              // most sessions of each pool (anonymous, kept); default 10000
	Now func() time.Time // clock; default time.Now
}

// Store holds sessions of data type T. It is safe for concurrent use.
type Store[T any] struct {
	mu        sync.Mutex
	sessions  map[string]*Session[T]
	anonymous *list.List // of *Session[T], oldest first
	kept      *list.List // of *Session[T], oldest first
	ttl       time.Duration
	max       int
	now       func() time.Time
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
	pool    *list.List    // the pool it is in
	elem    *list.Element // its place there
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
	return &Store[T]{sessions: map[string]*Session[T]{}, anonymous: list.New(), kept: list.New(),
		ttl: opts.TTL, max: opts.Max, now: opts.Now}
}

// TTL returns how long a session lasts, for the cookie's Max-Age.
func (st *Store[T]) TTL() time.Duration { return st.ttl }

// New creates an anonymous session with a fresh random ID and zero Data:
// when the anonymous pool is full, the oldest anonymous session makes room.
func (st *Store[T]) New() *Session[T] { return st.add(st.anonymous) }

// NewKept creates a session worth keeping, a login: anonymous sessions never
// make it leave; when the pool of kept sessions is full, the oldest login
// makes room.
func (st *Store[T]) NewKept() *Session[T] { return st.add(st.kept) }

// add makes a session in pool, after dropping expired sessions and, when
// pool is full, its oldest.
func (st *Store[T]) add(pool *list.List) *Session[T] {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	st.dropExpiredLocked(st.anonymous, now)
	st.dropExpiredLocked(st.kept, now)
	if pool.Len() >= st.max {
		st.removeLocked(pool.Front().Value.(*Session[T]))
	}
	s := &Session[T]{id: newID(), expires: now.Add(st.ttl), pool: pool}
	s.elem = pool.PushBack(s)
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
		st.removeLocked(s)
		return nil, false
	}
	return s, true
}

// Delete removes the session with the given ID, if there is one.
func (st *Store[T]) Delete(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if s, ok := st.sessions[id]; ok {
		st.removeLocked(s)
	}
}

// Len returns the number of sessions held, expired or not.
func (st *Store[T]) Len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.sessions)
}

// dropExpiredLocked deletes the expired sessions of pool: they are at its
// front. st.mu must be held.
func (st *Store[T]) dropExpiredLocked(pool *list.List, now time.Time) {
	for e := pool.Front(); e != nil && !now.Before(e.Value.(*Session[T]).expires); e = pool.Front() {
		st.removeLocked(e.Value.(*Session[T]))
	}
}

// removeLocked deletes a session from the store. st.mu must be held.
func (st *Store[T]) removeLocked(s *Session[T]) {
	s.pool.Remove(s.elem)
	delete(st.sessions, s.id)
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
