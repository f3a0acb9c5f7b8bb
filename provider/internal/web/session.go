package web

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// sessionCookieName names the provider's login session cookie.
const sessionCookieName = "provider_session"

// Keys inside the login session.
const (
	sessionUserID   = "uid"
	sessionAuthTime = "auth_time"
	sessionCSRF     = "csrf"
	consentPrefix   = "consent:" // + client_id → the scope the user approved for it
)

// loginSession is the signed and encrypted cookie that remembers who signed
// in at the provider and when, and carries the CSRF token of its forms.
type loginSession struct{ s sessions.Session }

func sessionOf(c *gin.Context) loginSession { return loginSession{sessions.Default(c)} }

// UserID is the signed-in user's id, or "".
func (l loginSession) UserID() string {
	id, _ := l.s.Get(sessionUserID).(string)
	return id
}

// AuthTime is when the user last entered their password.
func (l loginSession) AuthTime() time.Time {
	t, _ := l.s.Get(sessionAuthTime).(int64)
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

// LogIn records a successful password login; the CSRF token is renewed so a
// token seen before the login is worthless after it.
func (l loginSession) LogIn(userID string, at time.Time) {
	l.s.Set(sessionUserID, userID)
	l.s.Set(sessionAuthTime, at.Unix())
	l.s.Set(sessionCSRF, oauth.NewSecret())
}

// LogOut ends the login session: the cookie is emptied and expires, so the
// next authorization request asks for the password again.
func (l loginSession) LogOut() {
	l.s.Clear()
	l.s.Options(sessions.Options{Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// For is what this session holds for an authorization request of a client:
// who is signed in, since when, and the scope they approved for it before.
func (l loginSession) For(clientID string) oauth.LoginSession {
	consented, _ := l.s.Get(consentPrefix + clientID).(string)
	return oauth.LoginSession{UserID: l.UserID(), AuthTime: l.AuthTime(), Consented: consented}
}

// RememberConsent records an approval, so prompt=none can succeed later.
func (l loginSession) RememberConsent(clientID, scope string) {
	l.s.Set(consentPrefix+clientID, scope)
}

// Save writes the cookie; it must be called before the response is written.
func (l loginSession) Save() error { return l.s.Save() }
