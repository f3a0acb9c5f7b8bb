package web

import (
	"crypto/subtle"
	"encoding/gob"
	"slices"
	"strings"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// Keys inside the login session.
const (
	sessionID       = "sid" // the session's random id (oauth.NewLoginSessionID)
	sessionUserID   = "uid"
	sessionAuthTime = "auth_time"
	sessionEnds     = "ends" // when the session ends (oauth.Provider.NewLoginSessionEnd), Unix seconds
	sessionCSRF     = "csrf"
	sessionConsents = "consents" // the approvals remembered for prompt=none ([]consent, oldest first)
)

// consent is one approval the login session remembers: the scope the user
// approved for a client, and the resource servers (space-separated,
// oauth.Provider.ResourcesToGrant) they approved it for. An approval that
// a version before resources were remembered wrote has none, and so lets
// no prompt=none through (oauth.Provider.AnswerPromptNone).
type consent struct{ ClientID, Scope, Resources string }

// The cookie store encodes session values with encoding/gob, which must
// know each type it meets behind an interface.
func init() { gob.Register([]consent(nil)) }

// consentBudget bounds, in bytes, the approvals a login session remembers
// (the sum of consent.size). The session travels in one cookie, which the
// cookie store (gorilla/securecookie) refuses to write past 4096 bytes: it
// encrypts the session's gob, base64-encodes that, signs it and
// base64-encodes it all again, so a byte of gob costs 16/9 bytes of cookie
// and about 2250 bytes of gob fit. The other fields (session id, CSRF
// token, user id, times, and gob's type descriptions) take about 400 of
// them; this budget leaves the rest a margin.
const consentBudget = 1536

// size is what c counts against consentBudget: its client ID, scope and
// resources, and at most 13 bytes that gob adds around them.
func (c consent) size() int { return len(c.ClientID) + len(c.Scope) + len(c.Resources) + 13 }

// loginSession is the signed and encrypted cookie that remembers who signed
// in at the provider and when, under a random session id, and carries the
// CSRF token of its forms.
type loginSession struct{ s sessions.Session }

// session returns the request's login session. One that no longer signs
// its user in (oauth.Provider.LoginSessionLive: a logout ended it, or its
// end came) is forgotten: the request goes on without a user,
// and the cookie is written without one. Only a cookie that names a user
// costs a store lookup. When the store cannot answer, it shows the error
// page and reports false.
func (s *Server) session(c *gin.Context) (loginSession, bool) {
	sess := loginSession{sessions.Default(c)}
	if sess.UserID() == "" {
		return sess, true
	}
	live, err := s.p.LoginSessionLive(c.Request.Context(), sess.id(), sess.AuthTime(), sess.Ends())
	if err != nil {
		s.renderFault(c, err)
		return sess, false
	}
	if !live {
		sess.forget()
		s.saveSession(c, sess)
	}
	return sess, true
}

// id is the session's id, "" for a session begun before sessions had one.
func (l loginSession) id() string {
	id, _ := l.s.Get(sessionID).(string)
	return id
}

// UserID is the signed-in user's id, or "".
func (l loginSession) UserID() string {
	id, _ := l.s.Get(sessionUserID).(string)
	return id
}

// AuthTime is when the user last entered their password.
func (l loginSession) AuthTime() time.Time { return l.unixTime(sessionAuthTime) }

// Ends is when the session ends, as its sign-in set it; zero for a
// session begun before cookies carried their end.
func (l loginSession) Ends() time.Time { return l.unixTime(sessionEnds) }

// unixTime reads the time that key holds in Unix seconds, zero if none.
func (l loginSession) unixTime(key string) time.Time {
	t, _ := l.s.Get(key).(int64)
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0).UTC()
}

// CSRFToken returns the session's CSRF token, creating one if needed.
func (l loginSession) CSRFToken() string {
	if t, ok := l.s.Get(sessionCSRF).(string); ok && t != "" {
		return t
	}
	t := oauth.NewSecret()
	l.s.Set(sessionCSRF, t)
	return t
}

// CSRFValid compares a form's CSRF token with the session's in constant time.
func (l loginSession) CSRFValid(presented string) bool {
	want, _ := l.s.Get(sessionCSRF).(string)
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(presented)) == 1
}

// LogIn records a successful password login at at, under a new session
// id, so an id known before the login (or ended by a logout) is worthless
// after it; the CSRF token is renewed for the same reason. The session ends
// at ends. Of what the session held it keeps only the same user's
// approvals: another user's are not this one's.
func (l loginSession) LogIn(userID string, at, ends time.Time) {
	kept := l.consents()
	if l.UserID() != userID {
		kept = nil
	}
	l.s.Clear()
	if kept != nil {
		l.s.Set(sessionConsents, kept)
	}
	l.s.Set(sessionID, oauth.NewLoginSessionID())
	l.s.Set(sessionUserID, userID)
	l.s.Set(sessionAuthTime, at.Unix())
	l.s.Set(sessionEnds, ends.Unix())
	l.s.Set(sessionCSRF, oauth.NewSecret())
}

// forget drops everything the session says about a user (who, since when,
// what they approved), keeping the CSRF token of the forms this browser
// holds, so a form sent next asks for the password rather than looking
// forged.
func (l loginSession) forget() {
	csrf := l.s.Get(sessionCSRF)
	l.s.Clear()
	if csrf != nil {
		l.s.Set(sessionCSRF, csrf)
	}
}

// LogOut empties the cookie, whose attributes are cookie, and lets it
// expire, so the next authorization request asks for the password again.
// The session itself ends in the store (oauth.Provider.EndLoginSession): a
// copy of the cookie would outlive this.
func (l loginSession) LogOut(cookie sessions.Options) {
	l.s.Clear()
	cookie.MaxAge = -1
	l.s.Options(cookie)
}

// For is what this session holds for an authorization request of a client:
// who is signed in, since when, and the scope and resource servers they
// approved for it before.
func (l loginSession) For(clientID string) oauth.LoginSession {
	var consented consent
	for _, c := range l.consents() {
		if c.ClientID == clientID {
			consented = c
		}
	}
	return oauth.LoginSession{UserID: l.UserID(), AuthTime: l.AuthTime(),
		Consented: consented.Scope, ConsentedResources: strings.Fields(consented.Resources)}
}

// consents is the approvals the session remembers, oldest first.
func (l loginSession) consents() []consent {
	c, _ := l.s.Get(sessionConsents).([]consent)
	return c
}

// RememberConsent records an approval of scope and resources, so
// prompt=none can succeed later.
// It replaces the client's earlier one and is the newest; the oldest are
// forgotten until all fit consentBudget, so the cookie can always be
// written. One that alone does not fit is not remembered. A forgotten
// approval only asks the user again: prompt=none answers consent_required
// ([OIDC Core Section 3.1.2.6]).
//
// [OIDC Core Section 3.1.2.6]: https://openid.net/specs/openid-connect-core-1_0.html#AuthError
func (l loginSession) RememberConsent(clientID, scope string, resources []string) {
	newest := consent{ClientID: clientID, Scope: scope, Resources: strings.Join(resources, " ")}
	if newest.size() > consentBudget {
		return
	}
	kept := []consent{newest}
	used := newest.size()
	for _, c := range slices.Backward(l.consents()) { // newest first
		if c.ClientID == clientID {
			continue
		}
		if used+c.size() > consentBudget {
			break
		}
		kept = append(kept, c)
		used += c.size()
	}
	slices.Reverse(kept)
	l.s.Set(sessionConsents, kept)
}

// Save writes the cookie; it must be called before the response is written.
func (l loginSession) Save() error { return l.s.Save() }
