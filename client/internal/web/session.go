package web

import (
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/session"
	"github.com/oauth-reference/client/internal/xray"
)

const (
	sessionKey = "sid"        // the one value the session cookie (App.cookieName) holds: the session ID
	csrfField  = "csrf_token" // the hidden form field of POST forms
	// maxPending is how many authorization requests one browser may have
	// under way at once (a login started in several tabs).
	maxPending = 4
	// pendingTTL is how long an authorization request waits for its
	// response. The provider's codes live 10 minutes at most
	// ([RFC 6749 Section 4.1.2]); a login takes less.
	//
	// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
	pendingTTL = 10 * time.Minute
)

// webSession is a browser's session: its record on this client's server.
// One word for each thing: the session is that record; the cookie holds
// only its ID; a login is what a session holds once a callback succeeds
// (the tokens and the user); the login session is the provider's, which
// logout ends at its end_session_endpoint.
type webSession = session.Session[sessionData]

// sessionData is what the server keeps for one browser. None of it is ever
// sent to the browser, except CSRFToken in the forms.
type sessionData struct {
	CSRFToken string
	Pending   []pendingAuthorization // oldest first, at most maxPending
	Login     *login                 // nil until a callback succeeds
	Walk      *xray.Walk             // the story of the latest login: its hops, then every later exchange
	Held      *heldResponse          // an authorization response paused at step (C), in step-by-step mode
	Logout    *pendingLogout         // a logout waiting for the browser's return from the provider
	Device    *deviceRun             // the latest run of the device grant's page (device.go), or nil
	Lang      string                 // the language chosen on the switch (i18n.Lang.Code), or ""
	// ReplacedBy is the session that took this one's place when a login
	// completed (replaceSession), or nil: the browser's cookie names that
	// one now, and it holds this one's pending requests.
	ReplacedBy *webSession
}

// pendingAuthorization is an authorization request waiting for its response:
// the values the callback must check ([RFC 6749 Section 10.12] state,
// [RFC 7636 Section 4.1] code_verifier, OpenID Connect nonce).
//
// [RFC 6749 Section 10.12]: https://www.rfc-editor.org/rfc/rfc6749#section-10.12
// [RFC 7636 Section 4.1]: https://www.rfc-editor.org/rfc/rfc7636#section-4.1
type pendingAuthorization struct {
	State        string
	Nonce        string
	CodeVerifier string
	Created      time.Time
	Pushed       []xray.Hop // the pushed authorization request (PAR) before (A), if any
	Request      xray.Hop   // step (A) as sent, for the walkthrough
	StepByStep   bool       // pause at (C) and before (E)
	SignWithKey  bool       // log in as the private_key_jwt client (keyclient.go)
	Attack       string     // the attack lab's demonstration this request belongs to, or ""
	MCP          *mcpRun    // the MCP walkthrough's run this request belongs to (mcp.go), or nil
	UILocales    string     // the language of the client's pages, asked of the provider's (ui_locales)
}

// login is the result of a successful authorization code grant.
type login struct {
	Token   *oauth2.Token
	IDToken string // the raw ID token, verified
	User    user
	At      time.Time
	// SignWithKey is set when this login is the private_key_jwt client's:
	// every back-channel request of it authenticates with an assertion.
	SignWithKey bool
	// UsedCode and CodeVerifier are the redeemed authorization code and its
	// PKCE verifier, kept on the server only so the attack lab can show a
	// replay of the very same request (code-replay, see attacks.go).
	UsedCode     string
	CodeVerifier string
	// Family is every refresh token of this grant, oldest first: the one
	// of the login, then one per rotation (at most maxFamily kept).
	Family []familyMember
	// Dead says, as a message, what left this login's tokens unusable at
	// the provider ("" while they may work). The client records it when it
	// sees it happen (a demonstration of the attack lab revoked the grant,
	// the provider refused the refresh token), so no page needs to ask the
	// provider.
	Dead string
}

// What left a login's tokens dead (login.Dead).
const (
	deadByCodeReplay     = "the attack lab's code-replay revoked every token of this grant (RFC 6749 Section 4.1.2)"
	deadByRefreshReuse   = "the attack lab's refresh-reuse revoked every token of this grant (RFC 9700 Section 4.14.2)"
	deadByRefusedRefresh = "the provider refused the refresh token with invalid_grant: it was revoked or has expired (RFC 6749 Section 5.2)"
)

// refused records that the provider refused the login's refresh token when
// err is its invalid_grant ([RFC 6749 Section 5.2]): the grant is revoked or
// expired, and no token of it will work again.
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func (lg *login) refused(err error) {
	if isInvalidGrant(err) {
		lg.Dead = deadByRefusedRefresh
	}
}

// familyMember is one refresh token of a grant's family.
type familyMember struct {
	Token string
	At    time.Time
}

// maxFamily is how many refresh tokens of one grant the inspector follows.
const maxFamily = 8

// addToFamily records the refresh token of tok when it is a new one.
func (lg *login) addToFamily(tok *oauth2.Token, now time.Time) {
	if tok.RefreshToken == "" || (len(lg.Family) > 0 && lg.Family[len(lg.Family)-1].Token == tok.RefreshToken) {
		return
	}
	lg.Family = append(lg.Family, familyMember{Token: tok.RefreshToken, At: now})
	if over := len(lg.Family) - maxFamily; over > 0 {
		lg.Family = append([]familyMember(nil), lg.Family[over:]...)
	}
}

// user is the resource owner, from the verified ID token and userinfo.
type user struct {
	Subject string
	Name    string
	Email   string
}

// randomToken returns 256 bits from crypto/rand, base64url-encoded: for
// state ([RFC 6749 Section 10.10]: "The probability of an attacker guessing
// generated tokens … MUST be less than or equal to 2^(-128)"), nonce, CSRF
// tokens and CSP nonces.
//
// [RFC 6749 Section 10.10]: https://www.rfc-editor.org/rfc/rfc6749#section-10.10
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error; it crashes the program if it fails.
	return base64.RawURLEncoding.EncodeToString(b)
}

// currentSession returns the live session the cookie names, if any.
func (a *App) currentSession(c *gin.Context) (*webSession, bool) {
	id, _ := sessions.Default(c).Get(sessionKey).(string)
	if id == "" {
		return nil, false
	}
	return a.sessions.Get(id)
}

// startSession makes a new session, with its own CSRF token and walk, and
// points the cookie at it. A session holding a login is kept apart from
// anonymous ones (session.Store.NewKept): no flood of anonymous /login
// requests can sign a user out.
func (a *App) startSession(c *gin.Context, data sessionData) (*webSession, error) {
	s := a.sessions.New()
	if data.Login != nil {
		s = a.sessions.NewKept()
	}
	data.CSRFToken = randomToken()
	if data.Walk == nil {
		data.Walk = xray.NewWalk(walkSize)
	}
	data.Lang = cmp.Or(data.Lang, c.GetString(langChoiceKey)) // a new session (at login, logout) keeps the language chosen
	s.Lock()
	s.Data = data
	s.Unlock()
	c.Set(csrfTokenKey, data.CSRFToken) // for this response's language switch
	cookie := sessions.Default(c)
	cookie.Set(sessionKey, s.ID())
	return s, cookie.Save()
}

// anySession returns the caller's session, starting an empty one when
// there is none. On failure it writes the error page and returns false.
func (a *App) anySession(c *gin.Context) (*webSession, bool) {
	if s, ok := a.currentSession(c); ok {
		return s, true
	}
	s, err := a.startSession(c, sessionData{})
	if err != nil {
		a.renderInternalError(c, "starting a session", err)
		return nil, false
	}
	return s, true
}

// deleteSession deletes the session on the server and the cookie in the
// browser; when the visitor chose a language, the cookie names a new empty
// session that keeps it instead. (Ending the login session at the provider
// is logout.go's end_session_endpoint, another thing.)
func (a *App) deleteSession(c *gin.Context, s *webSession) error {
	a.sessions.Delete(s.ID())
	if c.GetString(langChoiceKey) != "" { // the language chosen outlives the login, in a new empty session
		_, err := a.startSession(c, sessionData{})
		return err
	}
	cookie := sessions.Default(c)
	cookie.Clear()
	cookie.Options(a.cookieOptions(-1))
	return cookie.Save()
}

// withSession runs fn with the caller's session locked, when there is one
// and, for a form post, the form carries the session's CSRF token.
// Otherwise it writes the page absent writes (no session) or the CSRF
// error page, and fn does not run. The lock is released when fn returns.
func (a *App) withSession(c *gin.Context, form bool, absent func(*gin.Context), fn func(s *webSession)) {
	s, ok := a.currentSession(c)
	if !ok {
		absent(c)
		return
	}
	s.Lock()
	defer s.Unlock()
	if form && !validCSRF(c, s.Data.CSRFToken) {
		a.renderCSRFError(c)
		return
	}
	fn(s)
}

// withLogin is withSession for the pages that need tokens: fn runs only
// when the session holds a login, else the "not logged in" page is written.
// It reports whether fn ran.
func (a *App) withLogin(c *gin.Context, form bool, fn func(s *webSession)) (ran bool) {
	a.withSession(c, form, a.renderNotLoggedIn, func(s *webSession) {
		if s.Data.Login == nil {
			a.renderNotLoggedIn(c)
			return
		}
		fn(s)
		ran = true
	})
	return ran
}

// validCSRF compares the form's CSRF token with the session's, in constant
// time. A cross-site form cannot know the token; SameSite=Lax already keeps
// the cookie off cross-site POSTs, and this holds without it.
func validCSRF(c *gin.Context, want string) bool {
	got := c.PostForm(csrfField)
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// renderNotLoggedIn writes the page for a route that needs a login: 403,
// not 401, which "MUST send a WWW-Authenticate header field" naming an HTTP
// authentication scheme ([RFC 9110 Section 15.5.2]), and a login here is a
// cookie session, not one.
//
// [RFC 9110 Section 15.5.2]: https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2
func (a *App) renderNotLoggedIn(c *gin.Context) {
	a.renderError(c, http.StatusForbidden, errorView{
		Title:   "Not logged in",
		Message: "This page needs tokens, and this browser has none (or its session has ended). Log in first.",
		Retry:   true,
	})
}

// renderCSRFError writes the page for a POST without the session's CSRF token.
func (a *App) renderCSRFError(c *gin.Context) {
	a.renderError(c, http.StatusForbidden, errorView{
		Title:   "Form refused",
		Message: "This form did not carry this session's CSRF token, so it may have been sent by another site. Nothing was done.",
	})
}

// addPending records p in s, or, when a login completed in another tab
// replaced s while p was being built (a PAR, or the MCP steps, on the back
// channel), in the session that replaced it: the one the browser's cookie
// names now, where p's response will look for its state. Only a request
// that held s before the replacement can follow the link: the old cookie
// finds no session any more.
func (a *App) addPending(s *webSession, p pendingAuthorization) {
	s.Lock()
	for s.Data.ReplacedBy != nil {
		next := s.Data.ReplacedBy
		s.Unlock()
		s = next
		s.Lock()
	}
	s.Data.addPending(p, a.now())
	s.Unlock()
}

// addPending records an authorization request, dropping expired ones and,
// past maxPending, the oldest.
func (d *sessionData) addPending(p pendingAuthorization, now time.Time) {
	d.dropExpiredPending(now)
	d.Pending = append(d.Pending, p)
	if over := len(d.Pending) - maxPending; over > 0 {
		d.Pending = append([]pendingAuthorization(nil), d.Pending[over:]...)
	}
}

// takePending removes and returns the authorization request whose state
// equals state, of the MCP walkthrough when mcp is set, else of a login.
// Each is used once: a replayed response finds nothing.
func (d *sessionData) takePending(state string, mcp bool, now time.Time) (pendingAuthorization, bool) {
	d.dropExpiredPending(now)
	if state == "" {
		return pendingAuthorization{}, false
	}
	for i, p := range d.Pending {
		if subtle.ConstantTimeCompare([]byte(p.State), []byte(state)) == 1 && (p.MCP != nil) == mcp {
			d.Pending = append(d.Pending[:i:i], d.Pending[i+1:]...)
			return p, true
		}
	}
	return pendingAuthorization{}, false
}

func (d *sessionData) dropExpiredPending(now time.Time) {
	kept := d.Pending[:0:0]
	for _, p := range d.Pending {
		if now.Sub(p.Created) < pendingTTL {
			kept = append(kept, p)
		}
	}
	d.Pending = kept
}
