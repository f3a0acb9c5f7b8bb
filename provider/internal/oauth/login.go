package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"time"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
)

// ErrBadCredentials is returned by AuthenticateUser for a wrong username or password.
var ErrBadCredentials = errors.New("oauth: wrong username or password")

// WrongPasswordsPerAddress bounds the wrong passwords one requester (an
// address, or an IPv6 /64: see attemptBudget) may send per PasswordWindow,
// a window that slides (reserveAttempt), in all provider processes
// together, before sign-in is refused: guessing
// a password online is then too slow to matter, and a user who mistypes a
// few times is not locked out.
const (
	WrongPasswordsPerAddress = 10
	PasswordWindow           = 15 * time.Minute
)

// passwordBudget is the budget of wrong passwords per requester.
var passwordBudget = attemptBudget{kind: "password", limit: WrongPasswordsPerAddress, length: PasswordWindow}

// The rules of the user's part in the authorization ([RFC 6749 Section 4.1],
// step B: "the authorization server authenticates the resource owner … and
// establishes whether the resource owner grants or denies the client's
// access request"; [RFC 6749 Section 10.10], [RFC 6749 Section 10.12]).
//
// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
// [RFC 6749 Section 10.10]: https://www.rfc-editor.org/rfc/rfc6749#section-10.10
// [RFC 6749 Section 10.12]: https://www.rfc-editor.org/rfc/rfc6749#section-10.12
var (
	rulePasswordAttempts = Rule{"wrong passwords from this network, with those still being checked, stay within the limit (no online guessing)", "RFC 6749 Section 10.10"}
	ruleUserCredentials  = Rule{"the user signed in with the right username and password", "RFC 6749 Section 4.1"}
	ruleFormCSRF         = Rule{"the form carries this login session's CSRF token", "RFC 6749 Section 10.12"}
)

// rulePossibleCredentials is possibleCredentials: bounds of this server's
// (config.MaxUsernameBytes, config.MaxPasswordBytes), since "the way in
// which the authorization server authenticates the resource owner … is
// beyond the scope of this specification" ([RFC 6749 Section 3.1]).
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
var rulePossibleCredentials = Rule{"the username (1 to 256 bytes) and the password (1 to 1024 bytes) are filled in, as text: bounds of this server's, sign-in is outside OAuth", "RFC 6749 Section 3.1"}

// Why SignIn refuses a form, besides ErrBadCredentials and a
// *TooManyAttemptsError. The form is shown again with a message for each;
// none is an OAuth error response.
var (
	// ErrFormFieldTwice: a field came more than once (ruleFormFieldOnce).
	ErrFormFieldTwice = errors.New("oauth: a form field was sent twice")
	// ErrFormNotOurs: the form does not carry the login session's CSRF
	// token (ruleFormCSRF).
	ErrFormNotOurs = errors.New("oauth: the form does not carry the login session's CSRF token")
	// ErrSignInRequired: no password, and no login session that may decide
	// (ruleUserSignedIn).
	ErrSignInRequired = errors.New("oauth: the user must sign in")
)

// SignInForm is a form on which a user decides an authorization request
// (the login + consent form of the authorization endpoint, the consent
// form of /device), as the web layer read it, with what it knows besides.
type SignInForm struct {
	Fields    url.Values   // username and password, or csrf_token; decision (read into Decision)
	Decision  Decision     // the user's answer, as ParseDecision or ParseDeviceDecision read it
	CSRFValid bool         // csrf_token is the login session's (web compares them: the session is its cookie)
	Addr      netip.Addr   // who sent the form, for the budget of wrong passwords
	Session   LoginSession // who the browser's login session signs in, and since when
	// FormChecked says the form has passed ruleFormFieldOnce and
	// ruleFormCSRF already (CheckFormFieldsOnce, CheckFormCSRF), as every
	// POST to /device has; SignIn and CheckSwitchAccount then do not apply
	// them again.
	FormChecked bool
	// Authorization is the request decided, whose prompt, max_age and
	// id_token_hint may want a password even from a signed-in user
	// (NeedsPassword); nil at /device.
	Authorization *Authorization
}

// SignIn establishes who decides: either the form carries a username and
// password (checkPassword), or it comes with a login session and its CSRF
// token (a session alone is not enough: a forged cross-site POST would
// carry the cookie too). A username and password need no CSRF token: a
// form another site posted never gets here (CheckFormOrigin: login CSRF).
// It returns the user the password signed in, who needs a new login
// session; else the zero User, and the login session's user decides.
//
// Which form needs the CSRF token: the authorization endpoint's only when
// a login session decides (checkSession), as above; /device's on every
// POST, password or not, checked before its user code is looked up, since
// each lookup is a guess within the limits of [RFC 8628 Section 5.1]. That
// form comes here FormChecked, so each rule is applied once.
//
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
func (p *Provider) SignIn(ctx context.Context, f SignInForm) (store.User, error) {
	if !f.FormChecked && CheckFormFieldsOnce(ctx, f.Fields) != nil {
		return store.User{}, ErrFormFieldTwice
	}
	username, password := f.Fields.Get("username"), f.Fields.Get("password")
	if username == "" && password == "" {
		return store.User{}, p.checkSession(ctx, f)
	}
	return p.checkPassword(ctx, f.Addr, username, password)
}

// checkSession decides a form sent with a login session instead of a
// password: it must carry the session's CSRF token (unless FormChecked);
// declining then needs no sign-in, and anything else a user signed in
// recently enough (NeedsPassword).
func (p *Provider) checkSession(ctx context.Context, f SignInForm) error {
	switch {
	case f.checkCSRF(ctx) != nil:
		return ErrFormNotOurs
	case f.Decision == DecisionDeny:
		return nil // declining needs no sign-in, only the form's CSRF token
	case !TraceFrom(ctx).Check(ruleUserSignedIn, !p.NeedsPassword(f.Authorization, f.Session)):
		return ErrSignInRequired
	}
	return nil
}

// NeedsPassword reports whether the user must enter a password to decide
// a, even with login session s: no one is signed in; or a wants it anyway
// (needsLogin: prompt=login, prompt=select_account, max_age); or its
// id_token_hint names another user than the one signed in, who may then
// sign in as the hinted one (hintAllows). A nil a (the /device page) needs
// only a signed-in user.
func (p *Provider) NeedsPassword(a *Authorization, s LoginSession) bool {
	if s.UserID == "" {
		return true
	}
	return a != nil && (p.needsLogin(a, s.AuthTime) || !a.hintAllows(s.UserID))
}

// CheckFormCSRF refuses, under ruleFormCSRF, a form sent with a login
// session but without its CSRF token: valid is whether the form's token is
// the session's.
func CheckFormCSRF(ctx context.Context, valid bool) *Error {
	return TraceFrom(ctx).Require(ruleFormCSRF, valid, ErrAccessDenied, "the form did not carry the login session's CSRF token")
}

// SwitchAccountAsked reports whether a consent page's form is its "Use
// another account" button (switch_account), which asks to end the login
// session and sign in again (CheckSwitchAccount), not for a decision.
func SwitchAccountAsked(form url.Values) bool { return form.Has("switch_account") }

// CheckSwitchAccount checks a consent page's "Use another account" before
// the login session ends, on both consent pages: no field comes more than
// once (CheckFormFieldsOnce; refused with ErrFormFieldTwice), so a second
// csrf_token cannot stand beside the one that is read, and the form must
// carry the session's CSRF token (ruleFormCSRF; refused with
// ErrFormNotOurs), so another site cannot sign a user out. A form that
// passed both already (FormChecked: every POST to /device) is not checked
// again.
func CheckSwitchAccount(ctx context.Context, f SignInForm) error {
	if !f.FormChecked && CheckFormFieldsOnce(ctx, f.Fields) != nil {
		return ErrFormFieldTwice
	}
	return f.checkCSRF(ctx)
}

// checkCSRF refuses with ErrFormNotOurs a form without the login session's
// CSRF token (CheckFormCSRF), unless it is FormChecked.
func (f SignInForm) checkCSRF(ctx context.Context) error {
	if !f.FormChecked && CheckFormCSRF(ctx, f.CSRFValid) != nil {
		return ErrFormNotOurs
	}
	return nil
}

// checkPassword checks a password like AuthenticateUser, within the budget
// of wrong passwords of the requester at addr: over it, the answer is a
// *TooManyAttemptsError and the password is not even checked. Only a real
// guess spends the budget: credentials that no user can have
// (rulePossibleCredentials) are wrong without counting, and the trace then
// does not list the budget, which was not consulted; a right password, or
// a failure to check it, gives its attempt back. A check cut off by a
// crash holds its attempt only for attemptLease.
func (p *Provider) checkPassword(ctx context.Context, addr netip.Addr, username, password string) (store.User, error) {
	tr := TraceFrom(ctx)
	if !tr.Check(rulePossibleCredentials, possibleCredentials(username, password)) {
		return store.User{}, ErrBadCredentials
	}
	ticket, err := p.reserveAttempt(ctx, passwordBudget, addr)
	var tooMany *TooManyAttemptsError
	if errors.As(err, &tooMany) || err == nil { // else the budget could not be consulted: no verdict
		tr.Check(rulePasswordAttempts, err == nil)
	}
	if err != nil {
		return store.User{}, err
	}
	user, err := p.AuthenticateUser(ctx, username, password)
	if errors.Is(err, ErrBadCredentials) {
		p.confirmAttempt(ctx, ticket)
	} else {
		p.forgiveAttempt(ctx, ticket)
	}
	if err == nil || errors.Is(err, ErrBadCredentials) { // else checking it failed: no verdict
		tr.Check(ruleUserCredentials, err == nil)
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
// user's (config.CredentialFits: text, a username of 1 to
// config.MaxUsernameBytes and a password of 1 to config.MaxPasswordBytes),
// the check the demo user's settings are held to too (no user has an empty
// one, and a form
// sent with a field left empty is a slip, not a guess). Other input is
// refused before the store or the password hash sees it.
func possibleCredentials(username, password string) bool {
	return config.CredentialFits(username, config.MaxUsernameBytes) && config.CredentialFits(password, config.MaxPasswordBytes)
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
// MUST NOT be included more than once" ([RFC 6749 Section 3.1]). A field
// the endpoint does not read is not looked at, as OAuth's "MUST ignore
// unrecognized request parameters", so the rule's text says no more.
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
var ruleFormFieldOnce = Rule{"no form field this endpoint reads is sent more than once (others are ignored)", "RFC 6749 Section 3.1"}

// userFormFields are the fields of the forms the user sends: the sign-in
// and consent form of the authorization endpoint, and those of /device.
var userFormFields = []string{"csrf_token", "decision", "username", "password", "user_code", "switch_account"}

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
