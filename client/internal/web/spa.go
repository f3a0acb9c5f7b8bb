package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/client/internal/config"
)

// spaConfig is what the SPA's script needs, embedded in the page as JSON.
// Every URL is the one the browser uses: the SPA has no back channel.
type spaConfig struct {
	ClientID              string `json:"client_id"`
	RedirectURI           string `json:"redirect_uri"`
	Scope                 string `json:"scope"`
	Issuer                string `json:"issuer"`
	IssRequired           bool   `json:"iss_required"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	RevocationEndpoint    string `json:"revocation_endpoint"`
	ProfileURL            string `json:"profile_url"`
	// TraceURL is where the provider's traces are read, in teaching mode
	// only ("" otherwise): the SPA shows them under its exchanges as the
	// home page does.
	TraceURL string `json:"trace_url"`
}

// handleSPA handles "GET /spa" and "GET /spa/callback": one page with inline
// script that runs the authorization code flow entirely in the browser as
// the public client spa-client, and records its own hops (the browser is
// the client here, so only it sees them) in the tab's sessionStorage. It has no secret, so PKCE with S256
// ([RFC 7636 Section 4]) is what binds the code to this browser tab, and the
// token request is a cross-origin fetch the provider allows with CORS
// ([RFC 9700 Section 2.1.1]; the "OAuth 2.0 for Browser-Based Apps" BCP
// calls this the browser-only pattern).
//
// [RFC 7636 Section 4]: https://www.rfc-editor.org/rfc/rfc7636#section-4
// [RFC 9700 Section 2.1.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
func (a *App) handleSPA(c *gin.Context) {
	traceURL := ""
	if a.cfg.Teaching() {
		traceURL = a.cfg.AuthServer + "/debug/trace/"
	}
	a.render(c, http.StatusOK, "spa.html", "Browser-only app (public client)", spaConfig{
		ClientID:              config.SPAClientID,
		RedirectURI:           a.cfg.SPARedirectURI(),
		Scope:                 "openid profile read",
		Issuer:                a.public.Issuer,
		IssRequired:           a.public.AuthorizationResponseIssParameterSupported,
		AuthorizationEndpoint: a.public.AuthorizationEndpoint,
		TokenEndpoint:         a.public.TokenEndpoint,
		RevocationEndpoint:    a.public.RevocationEndpoint,
		ProfileURL:            a.cfg.AuthServer + userProfilePath,
		TraceURL:              traceURL,
	})
}
