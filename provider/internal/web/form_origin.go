package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/service"
)

// newFormOrigins returns the check sameOriginForm makes: net/http's
// CrossOriginProtection, which believes the browser's Sec-Fetch-Site, else
// compares Origin with Host, and lets a request with neither through. The
// issuer's origin is trusted too, so a proxy in front that rewrites Host
// does not make the provider's own page look foreign to a browser that
// sends Origin only.
func newFormOrigins(issuer string) *http.CrossOriginProtection {
	origins := http.NewCrossOriginProtection()
	if u, err := url.Parse(issuer); err == nil && u.Host != "" {
		_ = origins.AddTrustedOrigin(u.Scheme + "://" + u.Host) // scheme://host[:port] is an origin: it cannot fail
	}
	return origins
}

// sameOriginForm goes before the handlers of the forms that sign a user in
// ("POST /oauth/authenticate", "POST /device"): a form the browser marked
// as sent from another site is refused (oauth.CheckFormOrigin, login CSRF)
// with a 403 error page, before the form is read, the session touched or a
// password checked. A request without Sec-Fetch-Site and Origin, such as
// curl's, goes on.
func (s *Server) sameOriginForm(c *gin.Context) {
	if err := oauth.CheckFormOrigin(c.Request.Context(), s.formOrigins.Check(c.Request) == nil); err != nil {
		s.renderError(c, http.StatusForbidden, err)
		return
	}
	c.Next()
}

// ruleCrossSitePost: the authorization endpoint and the logout endpoint
// take a client's POST from its own site ("Authorization Servers MUST
// support the use of the HTTP GET and POST methods defined in RFC 7231 at
// the Authorization Endpoint", [OIDC Core Section 3.1.2.1]; "OPs MUST
// support the use of the HTTP GET and POST methods defined in RFC 7231 at
// the Logout Endpoint", [OIDC RP-Initiated Logout Section 2]). The login
// session cookie is SameSite=Lax, so the browser leaves it out of another
// site's POST: answered there, the request would run as if the user were
// signed out (prompt=none: login_required), and its page would write a new
// empty session over the user's. Such a POST is answered with a 303 to the
// same endpoint with its parameters in the query: "A user agent can perform
// a retrieval request targeting that URI (a GET or HEAD request if using
// HTTP)" ([RFC 9110 Section 15.4.4]), and a top-level GET brings the cookie.
// The query must fit in the URL of that GET (maxResentQuery).
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
// [RFC 9110 Section 15.4.4]: https://www.rfc-editor.org/rfc/rfc9110#section-15.4.4
var ruleCrossSitePost = oauth.Rule{Text: "a POST from another site that came without the login session cookie fits in a URL, to be sent again as a GET, which brings the cookie", Ref: "RFC 9110 Section 15.4.4"}

// maxResentQuery bounds the query of a POST sent again as a GET
// (crossSitePostAsGet): the GET's request line and headers, the cookie
// among them, must fit in the server's limit (service.MaxHeaderBytes), and
// this leaves half of it to the headers.
const maxResentQuery = service.MaxHeaderBytes / 2

// descTooLongForGet is the error_description of a POST that
// crossSitePostAsGet cannot send again as a GET.
const descTooLongForGet = "a POST from another site comes without the login session cookie and is sent again as a GET: its parameters are too long for a URL"

// crossSitePostAsGet goes before the handlers of "POST /oauth/authorize"
// and "POST /oauth/logout": under ruleCrossSitePost, a POST that another
// site sent (as sameOriginForm tells) without the login session cookie is
// answered with 303 See Other to the same endpoint, its form in the query,
// and no cookie written. A POST with the cookie, from the provider's own
// pages, or without Sec-Fetch-Site and Origin (curl's) goes on.
func (s *Server) crossSitePostAsGet(c *gin.Context) {
	if _, err := c.Request.Cookie(sessionCookieName(s.p)); err == nil || s.formOrigins.Check(c.Request) == nil {
		c.Next()
		return
	}
	form, ferr := postForm(c)
	if ferr != nil {
		s.renderError(c, http.StatusBadRequest, ferr)
		return
	}
	query := form.Encode()
	tr := oauth.TraceFrom(c.Request.Context())
	if err := tr.Require(ruleCrossSitePost, len(query) <= maxResentQuery, oauth.ErrInvalidRequest, descTooLongForGet); err != nil {
		s.renderError(c, http.StatusBadRequest, err)
		return
	}
	tr.Succeeded("sent again as a GET, which brings the login session cookie")
	c.Redirect(http.StatusSeeOther, s.p.IssuerPath()+c.FullPath()+"?"+query)
	c.Abort()
}
