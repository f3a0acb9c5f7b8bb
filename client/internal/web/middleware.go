package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/client/internal/config"
)

// maxBody bounds request bodies: the client's forms carry a CSRF token and
// nothing else.
const maxBody = 64 << 10

// cspNonceKey is the gin context key of the per-response CSP nonce.
const cspNonceKey = "csp-nonce"

// recoverPanics turns a panic into a plain 500 page. Unlike gin.Recovery it
// does not dump the request, whose headers carry the session cookie.
func (a *App) recoverPanics(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			a.log.ErrorContext(c.Request.Context(), "panic while serving a request", "route", c.FullPath(), "panic", fmt.Sprint(p))
			c.Abort()
			a.renderError(c, http.StatusInternalServerError, errorView{Title: "Internal error", Message: "Something went wrong on the client's side. The details are in its log."})
		}
	}()
	c.Next()
}

// securityHeaders sets the headers every page gets. The Content Security
// Policy allows only this response's inline style and script (by nonce),
// fetches only to this client (the device grant page's polls) and the
// provider (the SPA's token request and resource call),
// and forms that post here or lead to the provider (the login form's
// redirect to the authorization endpoint counts as the form's target).
// No page can be framed ([RFC 9700 Section 4.16]); no page leaks its URL in
// a Referer, and none is cached, since most show tokens' details.
//
// [RFC 9700 Section 4.16]: https://www.rfc-editor.org/rfc/rfc9700#section-4.16
func (a *App) securityHeaders(c *gin.Context) {
	nonce := randomToken()
	c.Set(cspNonceKey, nonce)
	h := c.Writer.Header()
	provider := strings.Join(a.connectSources(), " ")
	h.Set("Content-Security-Policy", fmt.Sprintf("default-src 'none'; style-src 'nonce-%s'; script-src 'nonce-%s'; "+
		"connect-src 'self' %s; img-src 'self' data:; form-action 'self' %s; frame-ancestors 'none'; base-uri 'none'",
		nonce, nonce, provider, provider))
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	c.Next()
}

// connectSources lists the origins the SPA's script may fetch from, besides
// this client's own: the provider as the browser sees it.
func (a *App) connectSources() []string {
	var out []string
	for _, raw := range []string{a.cfg.AuthServer, a.public.TokenEndpoint} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			if o := u.Scheme + "://" + u.Host; !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	if len(out) == 0 {
		return []string{"'none'"}
	}
	return out
}

// limitBody caps the size of request bodies.
func limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
	}
	c.Next()
}

// canonicalOrigin sends a browser that opened the client at another
// loopback name than REDIRECT_URI's (127.0.0.1 for localhost, say) to the
// same page at REDIRECT_URI's origin. Cookies belong to a host name: a login
// begun at 127.0.0.1 would come back to localhost without its session, and
// its state would look forged. Other hosts (a proxy, docker) are left alone.
func (a *App) canonicalOrigin(c *gin.Context) {
	canon, err := url.Parse(a.cfg.RedirectURI)
	if err != nil || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
		c.Next()
		return
	}
	host, port := splitHostPort(c.Request.Host)
	if host == canon.Hostname() || port != canon.Port() || !config.IsLoopback(host) || !config.IsLoopback(canon.Hostname()) {
		c.Next()
		return
	}
	target := url.URL{Scheme: canon.Scheme, Host: canon.Host, Path: c.Request.URL.Path, RawQuery: c.Request.URL.RawQuery}
	c.Redirect(http.StatusFound, target.String())
	c.Abort()
}

// splitHostPort splits a Host header; a missing port is "".
func splitHostPort(hostport string) (host, port string) {
	u := url.URL{Host: hostport}
	return u.Hostname(), u.Port()
}
