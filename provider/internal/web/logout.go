package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// logoutPage is what the logout templates show.
type logoutPage struct {
	Logout   *oauth.Logout
	Hidden   url.Values // the logout request, carried through the confirmation form
	CSRF     string
	SignedIn bool
	Stayed   bool // the user chose to stay signed in
	Error    string
}

// handleLogout handles "GET /oauth/logout" and "POST /oauth/logout", the
// end_session_endpoint of [OIDC RP-Initiated Logout Section 2]: a valid
// request ends the login session (after the user confirms, when the
// request has no valid id_token_hint), then redirects to the registered
// post_logout_redirect_uri with state, or shows that the user is signed
// out. The confirmation form posts back here with a decision and the
// session's CSRF token. An invalid request gets an error page, never a
// redirect. A POST from another site without the login session cookie
// comes here again as a GET (crossSitePostAsGet).
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
func (s *Server) handleLogout(c *gin.Context) {
	params, err := logoutParams(c)
	if err != nil {
		s.renderError(c, http.StatusBadRequest, err)
		return
	}
	sess, ok := s.session(c)
	if !ok {
		return
	}
	step, l, err := s.p.Logout(c.Request.Context(), oauth.RawLogoutRequest{Params: params, Post: c.Request.Method == http.MethodPost,
		CSRFValid: sess.CSRFValid(params.Get("csrf_token")), SessionUserID: sess.UserID()})
	setUILocales(c, l.Request.UILocales)
	page := logoutPage{Logout: l, Hidden: l.FormValues(), SignedIn: sess.UserID() != ""}
	switch step {
	case oauth.LogoutRefused:
		s.renderError(c, http.StatusBadRequest, err)
	case oauth.LogoutAsk: // with err: a forged answer, refused
		s.askLogout(c, sess, page, err)
	case oauth.LogoutEnd:
		s.endSession(c, page, sess)
	case oauth.LogoutStay:
		// No redirect, and no state: a link back to the registered
		// post_logout_redirect_uri, for the user to follow. state goes
		// back only after a logout, so the relying party cannot take a
		// user who stayed signed in for one who signed out.
		page.Stayed = true
		s.render(c, http.StatusOK, "logged_out.html", page)
	}
}

// ruleLogoutQuery: "If using the HTTP GET method, the request parameters
// are serialized using URI Query String Serialization"
// ([OIDC RP-Initiated Logout Section 2]), the
// application/x-www-form-urlencoded format.
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
var ruleLogoutQuery = oauth.Rule{Text: "the query is a valid application/x-www-form-urlencoded serialization of the logout request's query parameters", Ref: "OIDC RP-Initiated Logout Section 2"}

// logoutParams returns the parameters of a logout request: the query of a
// GET, under ruleLogoutQuery, or the form body of a POST ("If using the
// HTTP POST method, the request parameters are serialized using Form
// Serialization", [OIDC RP-Initiated Logout Section 2]).
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
func logoutParams(c *gin.Context) (url.Values, *oauth.Error) {
	if c.Request.Method == http.MethodPost {
		return postForm(c)
	}
	return query(c, ruleLogoutQuery)
}

// askLogout shows the logout confirmation page, with the session's CSRF
// token for its form. After forged, an answer that did not come from the
// page, it is shown again with 403 and says so.
func (s *Server) askLogout(c *gin.Context, sess loginSession, page logoutPage, forged *oauth.Error) {
	page.CSRF = sess.CSRFToken()
	s.saveSession(c, sess)
	if forged == nil {
		s.render(c, http.StatusOK, "logout.html", page)
		return
	}
	page.Error = msgLogoutNotOurs
	oauth.TraceFrom(c.Request.Context()).Refused(forged)
	s.render(c, http.StatusForbidden, "logout.html", page)
}

// endSession ends the login session, in the store first (so a copy of the
// cookie, or one a racing request writes back, signs no one in) and then
// in the browser, and sends the browser on: to the post-logout redirect
// URI (302, never 307 after a POST: [RFC 9700 Section 4.12]), or to the
// page that says the user is signed out, or was not signed in (page). If
// the store cannot record it, the user sees an error page, not a logout
// that did not happen.
//
// [RFC 9700 Section 4.12]: https://www.rfc-editor.org/rfc/rfc9700#section-4.12
func (s *Server) endSession(c *gin.Context, page logoutPage, sess loginSession) {
	if err := s.p.EndLoginSession(c.Request.Context(), sess.id(), sess.AuthTime(), sess.Ends()); err != nil {
		s.renderFault(c, err)
		return
	}
	sess.LogOut(s.sessionCookie)
	s.saveSession(c, sess)
	tr := oauth.TraceFrom(c.Request.Context())
	if page.SignedIn {
		tr.Changed("login session ended: the next sign-in asks for the password")
		tr.Succeeded("signed out")
	} else {
		tr.Succeeded("no one was signed in: no session to end")
	}
	if page.Logout.RedirectURI != "" {
		c.Redirect(http.StatusFound, page.Logout.RedirectURI)
		return
	}
	s.render(c, http.StatusOK, "logged_out.html", page)
}
