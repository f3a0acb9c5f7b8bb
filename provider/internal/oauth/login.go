package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// ErrBadCredentials is returned by AuthenticateUser for a wrong username or password.
var ErrBadCredentials = errors.New("oauth: wrong username or password")

// WrongPasswordsPerAddress bounds the wrong passwords one requester (an
// address, or an IPv6 /64: see attemptBudget) may send per PasswordWindow,
// in all provider processes together, before sign-in is refused: guessing
// a password online is then too slow to matter, and a user who mistypes a
// few times is not locked out.
const (
	WrongPasswordsPerAddress = 10
	PasswordWindow           = 15 * time.Minute
)

// passwordBudget is the budget of wrong passwords per requester.
var passwordBudget = attemptBudget{kind: "password", limit: WrongPasswordsPerAddress, length: PasswordWindow}

// SignIn checks a password like AuthenticateUser, within the budget of
// wrong passwords of the requester at addr: over it, the answer is a
// *TooManyAttemptsError and the password is not even checked. Only a real
// guess spends the budget: credentials that no user can have
// (possibleCredentials) are wrong without counting, and a right password,
// or a failure to check it, gives its attempt back.
func (p *Provider) SignIn(ctx context.Context, addr netip.Addr, username, password string) (store.User, error) {
	if !possibleCredentials(username, password) {
		return store.User{}, ErrBadCredentials
	}
	ticket, err := p.reserveAttempt(ctx, passwordBudget, addr)
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
// passwords are low-entropy, so they are stored with Argon2id, a slow,
// memory-hard hash (password.go); a bcrypt hash from an older install is
// replaced by one once the password has matched it.
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
	known := err == nil
	hash := user.PasswordHash
	if !known {
		hash = p.dummyPasswordHash()
	}
	match, err := passwordMatches(hash, password)
	if err != nil {
		return store.User{}, fmt.Errorf("oauth: user %s: %w", user.ID, err)
	}
	if !known || !match {
		return store.User{}, ErrBadCredentials
	}
	p.upgradePasswordHash(ctx, user, password)
	return user, nil
}

// upgradePasswordHash replaces the stored hash of a user who just signed in
// when it is bcrypt or Argon2id at other parameters. A failure leaves the
// old hash, which still verifies, so it is only logged; a hash changed
// meanwhile (store.ErrNotFound) is left as it is.
func (p *Provider) upgradePasswordHash(ctx context.Context, user store.User, password string) {
	if !p.passwordNeedsRehash(user.PasswordHash) {
		return
	}
	err := p.Store.ReplacePasswordHash(ctx, user.ID, user.PasswordHash, p.hashPassword(password))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		p.Log.WarnContext(ctx, "upgrade password hash", "user", user.ID, "err", err)
	}
}

// possibleCredentials reports whether a username and password could be a
// user's: text (validText), a username of at most 256 bytes, and a password
// of at most 72 bytes, all that bcrypt reads (bcrypt refuses to hash a
// longer one, so no user of an older install has one). Other input is
// refused before the store or the password hash sees it.
func possibleCredentials(username, password string) bool {
	return len(username) <= 256 && len(password) <= 72 && validText(username) && validText(password)
}

// dummyPasswordHash is compared against when the username is unknown, so a
// wrong username takes as long as a wrong password and does not reveal
// which usernames exist. It is an Argon2id hash at the configured
// parameters, made once.
func (p *Provider) dummyPasswordHash() string {
	p.dummyHashOnce.Do(func() { p.dummyHash = p.hashPassword(NewSecret()) })
	return p.dummyHash
}

// ruleFormFieldOnce: a field of the provider's own forms (sign-in,
// consent, /device) that came more than once is refused. Which copy would
// count is anyone's guess: as OAuth's "Request and response parameters
// MUST NOT be included more than once" ([RFC 6749 Section 3.1]).
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
var ruleFormFieldOnce = Rule{"no form field is sent more than once", "RFC 6749 Section 3.1"}

// userFormFields are the fields of the forms the user sends: the sign-in
// and consent form of the authorization endpoint, and those of /device.
var userFormFields = []string{"csrf_token", "decision", "username", "password", "user_code"}

// CheckFormFieldsOnce refuses, under ruleFormFieldOnce, a form the user
// sent with a field more than once.
func CheckFormFieldsOnce(ctx context.Context, form url.Values) *Error {
	tr := TraceFrom(ctx)
	for _, name := range userFormFields {
		if len(form[name]) > 1 {
			return tr.Fail(ruleFormFieldOnce, ErrInvalidRequest, "the form's "+name+" field was sent twice")
		}
	}
	tr.Check(ruleFormFieldOnce, true)
	return nil
}

// ruleFormSameOrigin: the forms that sign a user in (the authorization
// endpoint's, /device's) are taken only from the provider's own pages. The
// authorization server "MUST implement CSRF protection for its
// authorization endpoint" ([RFC 6749 Section 10.12]). A form with a username
// and password needs no session and so no CSRF token: without this rule a
// page of any site could post its author's credentials and sign the
// visitor's browser in to the author's account (login CSRF). The browser
// says where a form comes from (Sec-Fetch-Site, else Origin); a request
// that says nothing is not a browser's form, and passes.
//
// [RFC 6749 Section 10.12]: https://www.rfc-editor.org/rfc/rfc6749#section-10.12
var ruleFormSameOrigin = Rule{"the form was sent from this provider's own page, not from another site", "RFC 6749 Section 10.12"}

// CheckFormOrigin refuses, under ruleFormSameOrigin, a form that the
// browser marked as sent from another site: sameOrigin is what the
// request's headers say.
func CheckFormOrigin(ctx context.Context, sameOrigin bool) *Error {
	return TraceFrom(ctx).Require(ruleFormSameOrigin, sameOrigin, ErrInvalidRequest, "the form was sent from a page of another site")
}
