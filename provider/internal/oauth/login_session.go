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

// NewLoginSessionEnd is when a login session begun at signedIn ends anyway:
// SESSION_TTL later, however busy the browser is meanwhile. The session's
// cookie carries this end, so a provider restarted with a longer SESSION_TTL
// (or a replica running another) cannot lengthen a session begun before,
// and a logout need be remembered only until then (EndLoginSession).
func (p *Provider) NewLoginSessionEnd(signedIn time.Time) time.Time {
	return signedIn.Add(p.Config.SessionTTL)
}

// loginSessionEnd is when the login session begun at signedIn, whose
// cookie says it ends at ends, ends: the earlier of the two ends, its own
// and SESSION_TTL after the sign-in, so a SESSION_TTL shortened since
// shortens it too. A cookie written before cookies carried their end
// (ends zero) has only the second.
func (p *Provider) loginSessionEnd(signedIn, ends time.Time) time.Time {
	end := signedIn.Add(p.Config.SessionTTL)
	if !ends.IsZero() && ends.Before(end) {
		return ends
	}
	return end
}

// LoginSessionLive reports whether the login session with this id, begun
// by the sign-in at signedIn and ending at ends (as its cookie says), still
// signs its user in: it has an id, it has not ended (loginSessionEnd), and
// no logout ended it (ruleSessionNotEnded). Only a session that passes the
// first two costs a store lookup.
func (p *Provider) LoginSessionLive(ctx context.Context, sessionID string, signedIn, ends time.Time) (bool, error) {
	if sessionID == "" || !p.Now().Before(p.loginSessionEnd(signedIn, ends)) {
		return false, nil
	}
	ended, err := p.Store.LoginSessionEnded(ctx, HashSecret(sessionID))
	if err != nil {
		return false, err
	}
	return TraceFrom(ctx).Check(ruleSessionNotEnded, !ended), nil
}

// EndLoginSession records that the login session with this id, begun by
// the sign-in at signedIn and ending at ends (as its cookie says), has
// ended (a logout, or a new sign-in in its browser replaced it), so that
// LoginSessionLive refuses it from now on, in every process sharing the
// store. Only the hash of the id is stored, and only until the session's
// own end: past it no process takes the session for live whatever its
// SESSION_TTL, so the purge may forget it. A cookie written before cookies
// carried their end (ends zero) is remembered until config.MaxSessionTTL
// after the sign-in, the longest any SESSION_TTL reaches. A request without
// a session ("" for the id) records nothing.
func (p *Provider) EndLoginSession(ctx context.Context, sessionID string, signedIn, ends time.Time) error {
	if sessionID == "" {
		return nil
	}
	if ends.IsZero() {
		ends = signedIn.Add(config.MaxSessionTTL)
	}
	return p.Store.EndLoginSession(ctx, HashSecret(sessionID), ends)
}
