package web

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/resource"
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
	// UILocales is the page's language: the script asks for the
	// provider's pages in it ([OIDC Core Section 3.1.2.1]) and for its
	// traces (Accept-Language).
	//
	// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
	UILocales string `json:"ui_locales"`
	// Words are the script's messages in the page's language, keyed by
	// their English (spaWords).
	Words map[string]string `json:"words"`
}

// spaMessages are the messages of the SPA's script: every string literal
// it passes to t or msg, read from the template itself, so the dictionary
// the page gets cannot miss one.
var spaMessages = scriptMessages("templates/spa.html")

// spaWords are spaMessages in every language.
var spaWords = newDictionary(spaMessages)

// scriptMessageRE matches a call t("…") or msg("…") in a script.
var scriptMessageRE = regexp.MustCompile(`\b(?:t|msg)\(("(?:[^"\\]|\\.)*")`)

// scriptMessages returns the messages the script of template name passes
// to t and msg.
func scriptMessages(name string) []string {
	src, err := templateFS.ReadFile(name)
	if err != nil {
		panic(err) // the file is embedded: only a broken build lacks it
	}
	var keys []string
	for _, m := range scriptMessageRE.FindAllSubmatch(src, -1) {
		if key, err := strconv.Unquote(string(m[1])); err == nil && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	return keys
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
		traceURL = a.cfg.IssuerURL("/debug/trace/")
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
		ProfileURL:            a.cfg.IssuerURL(resource.UserProfilePath),
		TraceURL:              traceURL,
		UILocales:             a.lang(c).Code,
		Words:                 spaWords[a.lang(c).Code],
	})
}
