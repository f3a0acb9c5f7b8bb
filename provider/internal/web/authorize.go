package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// consentPage is what the login + consent template shows.
type consentPage struct {
	Auth         *oauth.Authorization
	Resources    []consentResource // the resource servers the token will be for
	Hidden       url.Values        // the authorization request, carried through the form
	NeedPassword bool
	SignedInAs   signedInUser // when no password is needed
	Username     string       // prefilled after a failed attempt
	CSRF         string
	Error        string
}

// consentResource is a resource server a consent page says the token will
// be for; Own when it is this provider's own.
type consentResource struct {
	URI string
	Own bool
}

// signedInUser is who a consent page that needs no password says is
// signed in: the account its decision is made for.
type signedInUser struct{ Name, Username string }

// handleAuthorize handles "GET /oauth/authorize" and "POST /oauth/authorize",
// the authorization endpoint ([RFC 6749 Section 4.1.1]; "The authorization
// server MUST support the use of the HTTP "GET" method … and MAY support the
// use of the "POST" method as well", [RFC 6749 Section 3.1]). A valid
// request shows the login + consent page; prompt=none answers at once. A
// POST from another site without the login session cookie comes here
// again as a GET (crossSitePostAsGet).
//
// [RFC 6749 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
func (s *Server) handleAuthorize(c *gin.Context) {
	a, _, ok := s.authorization(c, queryOrForm)
	if !ok {
		return
	}
	sess, ok := s.session(c)
	if !ok {
		return
	}
	if a.PromptIncludes(oauth.PromptNone) {
		s.promptNone(c, a, sess)
		return
	}
	s.showConsent(c, http.StatusOK, a, sess, "", "")
}

// handleAuthenticate handles "POST /oauth/authenticate", the target of the
// login + consent form: the authorization request's parameters plus the
// user's credentials (or a login session and its CSRF token) and decision.
// It answers as the authorization endpoint does ([RFC 6749 Section 4.1.2]);
// with switch_account ("Use another account") and the session's CSRF token
// instead, it ends the login session and shows the page again with the
// sign-in fields (switchAccount).
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func (s *Server) handleAuthenticate(c *gin.Context) {
	a, form, ok := s.authorization(c, postForm)
	if !ok {
		return
	}
	sess, ok := s.session(c)
	if !ok {
		return
	}
	reshow := func(status int, username, message string) { s.showConsent(c, status, a, sess, username, message) }
	f := oauth.SignInForm{Fields: form, Authorization: a}
	if oauth.SwitchAccountAsked(form) {
		s.switchAccount(c, sess, f, reshow)
		return
	}
	// before signIn: a form refused for its decision changes nothing
	if f.Decision, ok = oauth.ParseDecision(c.Request.Context(), form.Get("decision")); !ok {
		reshow(http.StatusBadRequest, "", msgChooseAllowOrDeny)
		return
	}
	if !s.signIn(c, sess, f, reshow) {
		return
	}
	if err := a.Decide(c.Request.Context(), f.Decision); err != nil {
		s.saveSession(c, sess) // a sign-in with the right password stands, whatever the user decided
		s.authorizationError(c, err)
		return
	}
	s.approve(c, a, sess)
}

// authorization reads the parameters with read (the query or the form
// body) and checks them as an authorization request, setting the pages'
// language from its ui_locales. On failure it answers (a page, or the
// error redirected to the client) and reports false.
func (s *Server) authorization(c *gin.Context, read func(*gin.Context) (url.Values, *oauth.Error)) (*oauth.Authorization, url.Values, bool) {
	form, ferr := read(c)
	if ferr != nil {
		s.renderError(c, http.StatusBadRequest, ferr)
		return nil, nil, false
	}
	a, aerr := s.p.Authorize(c.Request.Context(), oauth.ParseAuthorizationRequest(form))
	if aerr != nil {
		s.authorizationError(c, aerr)
		return nil, nil, false
	}
	setUILocales(c, a.UILocales)
	return a, form, true
}

// reshowForm shows again the form a decision came from (the consent page
// of the authorization endpoint, or of /device), with an HTTP status, the
// username to keep and a message for the user.
type reshowForm func(status int, username, message string)

// signIn establishes who decides f.Authorization, or the device request
// when it is nil (oauth.Provider.SignIn), adding to f what the request and
// its login session tell: a password starts a new login session, else the
// login session decides. On failure it shows the form again (or the error
// page) and reports false; it never redirects. A wrong or missing password
// is 400, as the token endpoint answers wrong resource owner credentials
// ([RFC 6749 Section 5.2], invalid_grant), not 401: a 401 "MUST send a
// WWW-Authenticate header field" ([RFC 9110 Section 15.5.2]), and no HTTP
// authentication scheme stands for a form. The authorization endpoint
// and the /device page share it, so a user signed in at one is signed in
// at the other.
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
// [RFC 9110 Section 15.5.2]: https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2
func (s *Server) signIn(c *gin.Context, sess loginSession, f oauth.SignInForm, reshow reshowForm) bool {
	user, err := s.p.SignIn(c.Request.Context(), withSession(c, sess, f))
	var tooMany *oauth.TooManyAttemptsError
	switch {
	case err == nil && user.ID != "":
		return s.startSession(c, sess, user.ID)
	case err == nil:
		return true
	case errors.Is(err, oauth.ErrFormFieldTwice):
		reshow(http.StatusBadRequest, "", msgFormSentTwice)
	case errors.Is(err, oauth.ErrBadCredentials):
		s.loginFailed(c)
		reshow(http.StatusBadRequest, f.Fields.Get("username"), msgWrongPassword)
	case errors.As(err, &tooMany):
		msg := msgTooManyPasswords
		if s.attemptsRefused(c, tooMany, limitPassword, limitPasswordInFlight) {
			msg = msgTooManySignIns
		}
		reshow(http.StatusTooManyRequests, f.Fields.Get("username"), msg)
	case errors.Is(err, oauth.ErrFormNotOurs):
		reshow(http.StatusForbidden, "", msgFormNotOurs)
	case errors.Is(err, oauth.ErrSignInRequired):
		reshow(http.StatusBadRequest, "", msgSignIn)
	default:
		s.renderFault(c, err)
	}
	return false
}

// withSession adds to f what the request and its login session tell:
// whether its CSRF token is the session's, who sent it, and who the
// session signs in.
func withSession(c *gin.Context, sess loginSession, f oauth.SignInForm) oauth.SignInForm {
	f.CSRFValid, f.Addr = sess.CSRFValid(f.Fields.Get("csrf_token")), clientAddr(c)
	f.Session = oauth.LoginSession{UserID: sess.UserID(), AuthTime: sess.AuthTime()}
	return f
}

// startSession signs userID in, in a new login session. A session the
// browser had is ended first, in the store too: a copy of its cookie must
// not outlive it. If the store cannot record that, it shows the error page
// and reports false.
func (s *Server) startSession(c *gin.Context, sess loginSession, userID string) bool {
	if old := sess.id(); old != "" {
		if err := s.p.EndLoginSession(c.Request.Context(), old, sess.AuthTime(), sess.Ends()); err != nil {
			s.renderFault(c, err)
			return false
		}
		oauth.TraceFrom(c.Request.Context()).Changed("the previous login session ended: this sign-in starts a new one")
	}
	now := s.p.Now()
	sess.LogIn(userID, now, s.p.NewLoginSessionEnd(now))
	return true
}

// switchAccount answers a consent page's "Use another account", f, on
// both consent pages: a form with a field twice is refused with 400, one
// without the session's CSRF token with 403, and either changes nothing
// (oauth.CheckSwitchAccount: another site cannot sign a user out). Else it ends the login session, in the store
// first, as a logout does (endSession), keeping only the CSRF token of the
// page's forms (loginSession.forget), and shows the page again (reshow)
// with the sign-in fields. A browser with no one signed in (a second tab
// after a logout, a session the store had already ended) has no session to
// end: the trace says so, not that one ended.
func (s *Server) switchAccount(c *gin.Context, sess loginSession, f oauth.SignInForm, reshow reshowForm) {
	switch err := oauth.CheckSwitchAccount(c.Request.Context(), withSession(c, sess, f)); {
	case errors.Is(err, oauth.ErrFormFieldTwice):
		reshow(http.StatusBadRequest, "", msgFormSentTwice)
		return
	case err != nil:
		reshow(http.StatusForbidden, "", msgFormNotOurs)
		return
	}
	signedIn := sess.UserID() != ""
	if err := s.p.EndLoginSession(c.Request.Context(), sess.id(), sess.AuthTime(), sess.Ends()); err != nil {
		s.renderFault(c, err)
		return
	}
	sess.forget()
	tr := oauth.TraceFrom(c.Request.Context())
	if signedIn {
		tr.Changed("login session ended: the next sign-in asks for the password")
	}
	reshow(http.StatusOK, "", "")
	if !signedIn { // after reshow, whose outcome this replaces
		tr.Succeeded("no one was signed in: no session to end; the sign-in fields are shown")
	}
}

// signedInAs is who a consent page says is signed in when it needs no
// password (oauth.Provider.SignedInUser), else the zero signedInUser. If
// the store cannot answer, it shows the error page and reports false.
func (s *Server) signedInAs(c *gin.Context, sess loginSession, needPassword bool) (signedInUser, bool) {
	if needPassword {
		return signedInUser{}, true
	}
	user, err := s.p.SignedInUser(c.Request.Context(), sess.UserID())
	if err != nil {
		s.renderFault(c, err)
		return signedInUser{}, false
	}
	return signedInUser{Name: user.Name, Username: user.Username}, true
}

// approve issues the code and redirects back to the client (a 302 after a
// POST; never 307, which would resend the password: [RFC 9700 Section 4.12]).
//
// [RFC 9700 Section 4.12]: https://www.rfc-editor.org/rfc/rfc9700#section-4.12
func (s *Server) approve(c *gin.Context, a *oauth.Authorization, sess loginSession) {
	location, err := s.p.IssueAuthorizationCode(c.Request.Context(), a, sess.UserID(), sess.AuthTime())
	if err != nil {
		s.saveSession(c, sess) // a sign-in just made stands, though no code came of it
		s.authorizationError(c, err)
		return
	}
	sess.RememberConsent(a.Client.ID, a.Scope, s.p.ResourcesToGrant(a))
	s.saveSession(c, sess)
	c.Redirect(http.StatusFound, location)
}

// promptNone answers prompt=none without any page: the code at once, or
// the error that oauth.Provider.AnswerPromptNone decides.
func (s *Server) promptNone(c *gin.Context, a *oauth.Authorization, sess loginSession) {
	if err := s.p.AnswerPromptNone(c.Request.Context(), a, sess.For(a.Client.ID)); err != nil {
		s.authorizationError(c, err)
		return
	}
	s.approve(c, a, sess)
}

// showConsent renders the login + consent page.
func (s *Server) showConsent(c *gin.Context, status int, a *oauth.Authorization, sess loginSession, username, message string) {
	page := consentPage{
		Auth: a, Resources: s.consentResources(a), Hidden: a.Request.Values(), Username: username, Error: message,
		NeedPassword: s.p.NeedsPassword(a, sess.For(a.Client.ID)),
		CSRF:         sess.CSRFToken(),
	}
	var ok bool
	if page.SignedInAs, ok = s.signedInAs(c, sess, page.NeedPassword); !ok {
		return
	}
	s.saveSession(c, sess)
	oauth.TraceFrom(c.Request.Context()).Succeeded(formShown("login and consent page", message))
	s.render(c, status, "authorize.html", page)
}

// consentResources are the resource servers the consent page names
// (oauth.Provider.ResourcesToGrant), the provider's own marked.
func (s *Server) consentResources(a *oauth.Authorization) []consentResource {
	own := s.p.Config.ResourceAudience()
	var shown []consentResource
	for _, uri := range s.p.ResourcesToGrant(a) {
		shown = append(shown, consentResource{URI: uri, Own: uri == own})
	}
	return shown
}

// formShown is the outcome, in a trace, of a request that showed a form:
// the form, and the message it showed with it, if any.
func formShown(form, message string) string {
	if message == "" {
		return form + " shown"
	}
	return form + " shown again: " + message
}

// pageShown is the outcome, in a trace, of a request that ended on a page
// that says why: the page, and its title.
func pageShown(page, title string) string {
	return page + " shown: " + title
}

// authorizationError answers a failed authorization request: an error page
// when the client or redirect URI is not valid, else the error response
// with error, state and iss ([RFC 6749 Section 4.1.2.1], [RFC 9207 Section 2]):
// a redirect to a redirect URI this server trusts, or a page that shows the
// user where it leads ([RFC 9700 Section 4.11.2], oauth.TrustsRedirect).
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
// [RFC 9207 Section 2]: https://www.rfc-editor.org/rfc/rfc9207#section-2
// [RFC 9700 Section 4.11.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.11.2
func (s *Server) authorizationError(c *gin.Context, e *oauth.AuthorizationError) {
	if e.RedirectURI == "" {
		setUILocales(c, e.UILocales)
		page := newErrorPage(e.Error)
		if e.Mismatch != nil && s.p.Config.Teaching() {
			page.Mismatch = compareRedirectURIs(e.Mismatch)
		}
		s.renderErrorPage(c, http.StatusBadRequest, page)
		return
	}
	if s.refused(c, e.Error) {
		return
	}
	location, askFirst, used := s.p.ErrorRedirect(c.Request.Context(), e)
	if used != nil { // its pushed request ended meanwhile, in another answer
		s.authorizationError(c, &oauth.AuthorizationError{Error: used, UILocales: e.UILocales})
		return
	}
	if !askFirst {
		c.Redirect(http.StatusFound, location)
		return
	}
	setUILocales(c, e.UILocales)
	s.render(c, http.StatusOK, "leave.html", leavePage{AuthorizationError: e, Location: location})
}

// leavePage is what leave.html shows: a failed authorization request whose
// redirect URI this server does not vouch for (oauth.TrustsRedirect), and
// the error response the user may follow there.
type leavePage struct {
	*oauth.AuthorizationError
	Location string
}

// Denied reports whether the user denied the request, rather than the
// request failing.
func (p leavePage) Denied() bool { return p.Code == oauth.ErrAccessDenied }

// saveSession writes the session cookie; failing to is logged, not fatal:
// the user signs in again.
func (s *Server) saveSession(c *gin.Context, sess loginSession) {
	if err := sess.Save(); err != nil {
		s.log.ErrorContext(c.Request.Context(), "save login session", "err", err)
	}
}
