package oauth

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/oauth-reference/provider/internal/store"
)

// ErrBadCredentials is returned by AuthenticateUser for a wrong username or password.
var ErrBadCredentials = errors.New("oauth: wrong username or password")

// WrongPasswordsPerClient bounds the wrong passwords one client address may
// send per PasswordWindow before sign-in is refused: guessing a password
// online is then too slow to matter, and a user who mistypes a few times is
// not locked out.
const (
	WrongPasswordsPerClient = 10
	PasswordWindow          = 15 * time.Minute
)

// PasswordGuard counts wrong passwords per client address in fixed windows
// (bounded memory, as UserCodeGuard). Safe for concurrent use.
type PasswordGuard struct {
	mu    sync.Mutex
	wrong windowCounter
}

// NewPasswordGuard returns an empty guard.
func NewPasswordGuard() *PasswordGuard {
	return &PasswordGuard{wrong: windowCounter{limit: WrongPasswordsPerClient, length: PasswordWindow}}
}

// reserve counts an attempt as wrong in advance, so concurrent attempts
// cannot overshoot the bound; forgive takes it back when it was right.
func (g *PasswordGuard) reserve(client string, now time.Time) (time.Time, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.wrong.roll(now)
	if g.wrong.full(client) {
		return time.Time{}, &TooManyAttemptsError{RetryAfter: g.wrong.end().Sub(now)}
	}
	g.wrong.add(client, 1)
	return g.wrong.start, nil
}

func (g *PasswordGuard) forgive(client string, window time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.wrong.start.Equal(window) {
		g.wrong.add(client, -1)
	}
}

// SignIn checks a password like AuthenticateUser, within the guard's bound
// of wrong passwords for the client address: over it, the answer is a
// *TooManyAttemptsError and the password is not even checked. Credentials
// that no user can have (possibleCredentials) are wrong without counting:
// they are no guess.
func (p *Provider) SignIn(ctx context.Context, guard *PasswordGuard, client, username, password string) (store.User, error) {
	if !possibleCredentials(username, password) {
		return store.User{}, ErrBadCredentials
	}
	window, err := guard.reserve(client, p.now())
	if err != nil {
		return store.User{}, err
	}
	user, err := p.AuthenticateUser(ctx, username, password)
	if err == nil {
		guard.forgive(client, window)
	}
	return user, err
}

// AuthenticateUser checks a resource owner's username and password. User
// passwords are low-entropy, so they are stored with bcrypt, a slow hash.
// How the user authenticates is outside OAuth ([RFC 6749 Section 3.1]: "the
// way in which the authorization server authenticates the resource owner …
// is beyond the scope of this specification").
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
func (p *Provider) AuthenticateUser(ctx context.Context, username, password string) (store.User, error) {
	if !possibleCredentials(username, password) {
		return store.User{}, ErrBadCredentials
	}
	user, err := p.Store.GetUserByUsername(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	hash := []byte(user.PasswordHash)
	if err != nil {
		hash = p.dummyPasswordHash()
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	if err != nil || !match {
		return store.User{}, ErrBadCredentials
	}
	return user, nil
}

// possibleCredentials reports whether a username and password could be a
// user's: text (validText), a username of at most 256 bytes, and a password
// of at most 72 bytes, all that bcrypt reads (bcrypt refuses to hash a
// longer one, so no user has one). Other input is refused before the store
// or bcrypt sees it.
func possibleCredentials(username, password string) bool {
	return len(username) <= 256 && len(password) <= 72 && validText(username) && validText(password)
}

// dummyPasswordHash is compared against when the username is unknown, so a
// wrong username takes as long as a wrong password and does not reveal
// which usernames exist. It has the configured cost, made once.
func (p *Provider) dummyPasswordHash() []byte {
	p.dummyHashOnce.Do(func() {
		p.dummyHash, _ = bcrypt.GenerateFromPassword([]byte(NewSecret()), p.Config.PasswordHashCost)
	})
	return p.dummyHash
}

// hashPassword hashes a user password with bcrypt at the configured cost.
func (p *Provider) hashPassword(password string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(password), p.Config.PasswordHashCost)
	return string(b), err
}
