package web

import (
	"net/http"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"
)

// handleLogin handles "GET /login", step (A) of [RFC 6749 Section 4.1]: it
// sends the browser to the authorization endpoint with an authorization
// request ([RFC 6749 Section 4.1.1]) carrying
//   - state, bound to this browser's session ([RFC 6749 Section 10.12]),
//   - a PKCE code_challenge with method S256 ([RFC 7636 Section 4.3]; [RFC 9700
//     Section 2.1.1]: confidential clients use PKCE too),
//   - an OpenID Connect nonce, echoed in the ID token.
//
// The state, nonce and code_verifier stay on the server, in the session.
//
// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
// [RFC 6749 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
// [RFC 6749 Section 10.12]: https://www.rfc-editor.org/rfc/rfc6749#section-10.12
// [RFC 7636 Section 4.3]: https://www.rfc-editor.org/rfc/rfc7636#section-4.3
// [RFC 9700 Section 2.1.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
func (a *App) handleLogin(c *gin.Context) {
	s, ok := a.currentSession(c)
	if !ok {
		var err error
		if s, err = a.startSession(c, sessionData{}); err != nil {
			a.renderInternalError(c, "starting a session", err)
			return
		}
	}
	p := pendingAuthorization{
		State:        randomToken(),
		Nonce:        randomToken(),
		CodeVerifier: oauth2.GenerateVerifier(),
		Created:      a.now(),
	}
	s.Lock()
	s.Data.addPending(p, a.now())
	s.Unlock()
	c.Redirect(http.StatusFound, a.oauth.AuthCodeURL(p.State, oauth2.S256ChallengeOption(p.CodeVerifier), oidc.Nonce(p.Nonce)))
}

// renderInternalError logs err and writes a generic 500 page.
func (a *App) renderInternalError(c *gin.Context, doing string, err error) {
	a.log.Error(doing, "err", err)
	a.renderError(c, http.StatusInternalServerError, errorView{Title: "Internal error", Message: "Something went wrong " + doing + ". The details are in the client's log."})
}
