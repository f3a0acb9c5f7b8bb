package oauth

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/oauth-reference/provider/internal/store"
)

// ErrBadCredentials is returned by AuthenticateUser for a wrong username or password.
var ErrBadCredentials = errors.New("oauth: wrong username or password")

// WrongPasswordsPerClient bounds the wrong passwords one requester (an
// address, or an IPv6 /64: see attemptBudget) may send per PasswordWindow,
// in all provider processes together, before sign-in is refused: guessing
// a password online is then too slow to matter, and a user who mistypes a
// few times is not locked out.
const (
	WrongPasswordsPerClient = 10
	PasswordWindow          = 15 * time.Minute
)

// passwordBudget is the budget of wrong passwords per requester.
var passwordBudget = attemptBudget{kind: "password", limit: WrongPasswordsPerClient, length: PasswordWindow}

// SignIn checks a password like AuthenticateUser, within the budget of
// wrong passwords of the requester at client: over it, the answer is a
// *TooManyAttemptsError and the password is not even checked. Only a real
// guess spends the budget: credentials that no user can have
// (possibleCredentials) are wrong without counting, and a right password,
// or a failure to check it, gives its attempt back.
func (p *Provider) SignIn(ctx context.Context, client netip.Addr, username, password string) (store.User, error) {
	if !possibleCredentials(username, password) {
		return store.User{}, ErrBadCredentials
	}
	ticket, err := p.reserveAttempt(ctx, passwordBudget, client)
	if err != nil {
		return store.User{}, err
	}
	user, err := p.AuthenticateUser(ctx, username, password)
	if !errors.Is(err, ErrBadCredentials) {
		p.forgiveAttempt(ctx, ticket)
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
