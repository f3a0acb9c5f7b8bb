package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/client/internal/i18n"
)

// languagePath is where the language switch on every page posts.
const languagePath = "/language"

// The gin context keys of the session's CSRF token, for the language switch
// of the page being rendered, and of the language chosen in the session.
const (
	csrfTokenKey  = "csrf-token"
	langChoiceKey = "lang-choice"
)

// chooseLanguage picks the language of the request (i18n.Negotiate: the
// session's choice, else Accept-Language, else English) and puts it in the
// request's context, where every page, the authorization request
// (ui_locales) and the trace requests (Accept-Language) find it. It reads
// the session once, here, before any handler holds its lock.
func (a *App) chooseLanguage(c *gin.Context) {
	choice := ""
	if s, ok := a.currentSession(c); ok {
		s.Lock()
		choice = s.Data.Lang
		c.Set(csrfTokenKey, s.Data.CSRFToken)
		c.Set(langChoiceKey, choice)
		s.Unlock()
	}
	l := i18n.Negotiate(choice, c.GetHeader("Accept-Language"))
	c.Request = c.Request.WithContext(i18n.NewContext(c.Request.Context(), l))
	c.Next()
}

// lang returns the language of the request.
func (a *App) lang(c *gin.Context) i18n.Lang {
	return i18n.FromContext(c.Request.Context())
}

// switchBacks are the pages the language switch returns to; from any other
// page (a callback, a POST's result, a step of a login, which a GET would
// start again) it returns to the one its path starts with, else to the
// overview.
var switchBacks = []string{"/", "/tokens", "/attacks", "/spa", "/resource", machinePath, mcpPath, devicePath}

// backPath is where the language switch on the current page returns.
func backPath(c *gin.Context) string {
	p := c.Request.URL.Path
	if c.Request.Method != http.MethodPost && slices.Contains(switchBacks, p) { // GET or HEAD
		return p
	}
	for _, b := range switchBacks[1:] {
		if strings.HasPrefix(p, b+"/") {
			return b
		}
	}
	return "/"
}

// handleLanguage handles "POST /language", the language switch: it keeps
// the choice in the session and sends the browser back (303) to the page
// it came from. A session's form must carry its CSRF token. A browser with
// no session yet gets one, but only when the request says it comes from
// this site's own page (sameOrigin): a cross-site POST arrives without the
// SameSite=Lax cookie, and must not replace a signed-in user's session with
// a new one.
func (a *App) handleLanguage(c *gin.Context) {
	l, ok := i18n.ByCode(c.PostForm("lang"))
	back := c.PostForm("back")
	if !ok || !slices.Contains(switchBacks, back) {
		a.renderError(c, http.StatusBadRequest, errorView{Title: "Unknown language",
			Message: "The language switch sends en or zh-TW, and the page to return to."})
		return
	}
	s, ok := a.currentSession(c)
	switch {
	case ok:
		s.Lock()
		valid := validCSRF(c, s.Data.CSRFToken)
		if valid {
			s.Data.Lang = l.Code
		}
		s.Unlock()
		if !valid {
			a.renderCSRFError(c)
			return
		}
	case sameOrigin(c):
		if _, err := a.startSession(c, sessionData{Lang: l.Code}); err != nil {
			a.renderInternalError(c, "starting a session", err)
			return
		}
	default:
		a.renderCSRFError(c)
		return
	}
	c.Redirect(http.StatusSeeOther, back)
}

// sameOrigin reports whether the request comes from a page of this site:
// the browser says so in Sec-Fetch-Site (which no script can set), or its
// Origin header names the host the request was sent to. (These pages send
// no Referer, and so a browser may send "Origin: null" on their forms.)
func sameOrigin(c *gin.Context) bool {
	if c.GetHeader("Sec-Fetch-Site") == "same-origin" {
		return true
	}
	u, err := url.Parse(c.GetHeader("Origin"))
	return err == nil && u.Host != "" && u.Host == c.Request.Host
}
