package oauth

import (
	"context"
	"time"

	"github.com/oauth-reference/provider/internal/config"
)

// ruleSessionNotEnded is checked on every request that uses a login
// session: [OIDC RP-Initiated Logout Section 2]: "If the End-User says
// "yes", then the OP MUST log out the End-User." The session lives in the
// browser's cookie, which a logout empties; a copy of the cookie taken
// before, or one a request racing the logout wrote back, still names the
// session, so the logout records its id as ended in the store, and a
// session recorded there is no session.
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
var ruleSessionNotEnded = Rule{"the login session was not ended by a logout", "OIDC RP-Initiated Logout Section 2"}

// NewLoginSessionID returns the random id of a new login session, begun by
// a sign-in with a password: never one the browser had before, so no one
// can fix a session id on the user ahead of the sign-in.
func NewLoginSessionID() string { return NewSecret() }

// loginSessionEnd is when a login session begun at signedIn ends anyway:
// SESSION_TTL later, however busy the browser was meanwhile.
func (p *Provider) loginSessionEnd(signedIn time.Time) time.Time {
	return signedIn.Add(p.Config.SessionTTL)
}

// LoginSessionLive reports whether the login session with this id, begun
// by the sign-in at signedIn, still signs its user in: it has an id, its
// SESSION_TTL has not run out, and no logout ended it
// (ruleSessionNotEnded). Only a session that passes the first two costs a
// store lookup.
func (p *Provider) LoginSessionLive(ctx context.Context, sessionID string, signedIn time.Time) (bool, error) {
	if sessionID == "" || !p.Now().Before(p.loginSessionEnd(signedIn)) {
		return false, nil
	}
	ended, err := p.Store.LoginSessionEnded(ctx, HashSecret(sessionID))
	if err != nil {
		return false, err
	}
	return TraceFrom(ctx).Check(ruleSessionNotEnded, !ended), nil
}

// EndLoginSession records that the login session with this id, begun by
// the sign-in at signedIn, has ended (a logout, or a new sign-in in its
// browser replaced it), so that LoginSessionLive refuses it from now on, in
// every process sharing the store. Only the hash of the id is stored, until
// config.MaxSessionTTL after the sign-in: past that no process takes the
// session for live whatever its SESSION_TTL (a restart with a longer one, a
// replica with another), so the purge may forget it. A request without a
// session ("" for the id) records nothing.
func (p *Provider) EndLoginSession(ctx context.Context, sessionID string, signedIn time.Time) error {
	if sessionID == "" {
		return nil
	}
	return p.Store.EndLoginSession(ctx, HashSecret(sessionID), signedIn.Add(config.MaxSessionTTL))
}
