package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
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
