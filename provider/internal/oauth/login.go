package oauth

import (
	"context"
	"errors"

	"golang.org/x/crypto/bcrypt"

	"github.com/oauth-reference/provider/internal/store"
)

// ErrBadCredentials is returned by AuthenticateUser for a wrong username or password.
var ErrBadCredentials = errors.New("oauth: wrong username or password")

// AuthenticateUser checks a resource owner's username and password. User
// passwords are low-entropy, so they are stored with bcrypt, a slow hash.
// How the user authenticates is outside OAuth ([RFC 6749 Section 3.1]: "the
// way in which the authorization server authenticates the resource owner …
// is beyond the scope of this specification").
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
func (p *Provider) AuthenticateUser(ctx context.Context, username, password string) (store.User, error) {
	if len(username) > 256 || len(password) > 72 { // bcrypt reads at most 72 bytes
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
