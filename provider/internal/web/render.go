package web

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/i18n"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/specref"
)

// uiLocalesKey is where a handler leaves the authorization request's
// ui_locales for the page it renders (setUILocales).
const uiLocalesKey = "ui_locales"

// setUILocales makes the pages of this request speak the first supported
// language of an authorization request's ui_locales
// ([OIDC Core Section 3.1.2.1]), before Accept-Language.
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func setUILocales(c *gin.Context, uiLocales string) {
	c.Set(uiLocalesKey, uiLocales)
}

// locale is the language of the request's page: ui_locales when a handler
// set it, else the Accept-Language header, else English (README, "Languages").
func locale(c *gin.Context) i18n.Locale {
	return i18n.Negotiate(c.GetString(uiLocalesKey), c.GetHeader("Accept-Language"))
}

// render executes a template and writes the page; a failure is logged
// (the page is ours, so it cannot be caused by input).
func (s *Server) render(c *gin.Context, status int, name string, data any) {
	writePage(c, status, s.renderPage(c, name, data))
}

// renderPage executes a template in the request's language.
func (s *Server) renderPage(c *gin.Context, name string, data any) []byte {
	var page bytes.Buffer
	if err := s.templates[locale(c)].ExecuteTemplate(&page, name, data); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render template", "template", name, "err", err)
	}
	return page.Bytes()
}

// writePage writes a rendered page whole, with its length: one write, not
// a chunked stream.
func writePage(c *gin.Context, status int, page []byte) {
	c.Writer.Header().Add("Vary", "Accept-Language") // the page's language may follow it
	c.Header("Content-Length", strconv.Itoa(len(page)))
	c.Data(status, "text/html; charset=utf-8", page)
	c.Abort()
}

// site is what every page of one provider may show of its settings.
type site struct {
	// issuerPath is the issuer's path (oauth.Provider.IssuerPath), which
	// starts every link and form action of the pages: "{{issuerPath}}/device".
	// A page links under it: behind a proxy that strips the path, a link to
	// the host's root would leave the provider.
	issuerPath string
	// demoAccount is the account the sign-in form and the home page
	// suggest, or nil (demoAccountOf).
	demoAccount *account
}

// account is a username and its password, as a page shows them.
type account struct{ Username, Password string }

// demoAccountOf returns the account the pages of a provider configured
// with cfg suggest: the demo user (OAUTH_USERNAME) with its password, in
// teaching mode only, and only while that password is still the public
// default "demo", as `make run` prints it (scripts/run.sh). A password
// someone set in OAUTH_PASSWORD is never shown, and a provider not in
// teaching mode suggests no account to its visitors: nil.
func demoAccountOf(cfg config.Config) *account {
	if !cfg.Teaching() || cfg.Password != config.Default().Password {
		return nil
	}
	return &account{Username: cfg.Username, Password: cfg.Password}
}

// parseTemplates parses the embedded HTML templates once per locale, each
// set with the helpers of its language and of the site (pageFuncs).
func parseTemplates(st site) map[i18n.Locale]*template.Template {
	sets := make(map[i18n.Locale]*template.Template, len(i18n.Locales))
	for _, l := range i18n.Locales {
		sets[l] = template.Must(template.New("pages").Funcs(pageFuncs(l, st)).ParseFS(templateFS, "templates/*.html"))
	}
	return sets
}

// pageFuncs are the template helpers of one locale, for one site: T
// translates a message key (html/template escapes the result), TH
// translates a key that holds markup of our own and escapes its arguments,
// lang is the <html lang> value, sep what goes between two sentences and
// list joins the items of a list with the locale's separator;
// issuerPath and demoAccount are the site's (site).
func pageFuncs(l i18n.Locale, st site) template.FuncMap {
	return template.FuncMap{
		"demoAccount":         func() *account { return st.demoAccount },
		"documentHost":        oauth.MetadataDocumentHost,
		"credentialsRefused":  credentialsRefused,
		"explainScope":        oauth.ExplainScope,
		"loopbackWarningHost": oauth.LoopbackWarningHost,
		"issuerPath":          func() string { return st.issuerPath },
		"lang":                l.HTMLLang,
		"list":                func(items []string) string { return strings.Join(items, l.T("; ")) },
		"refURL":              specref.URL,
		"sep":                 l.SentenceSeparator,
		"T":                   l.T,
		"TH": func(key string, args ...any) template.HTML {
			for i, a := range args {
				if s, ok := a.(string); ok {
					args[i] = template.HTMLEscapeString(s)
				}
			}
			return template.HTML(l.T(key, args...)) // #nosec: the key is ours, its arguments escaped
		},
	}
}

// The sentences the pages show that the handlers choose (each is its own
// message key: the templates translate it). A test finds every constant
// named msg… and checks that both catalogues hold it.
const (
	msgWrongPassword       = "Wrong username or password."
	msgTooManyPasswords    = "Too many wrong passwords from your network. Wait a few minutes, then try again."
	msgTooManySignIns      = "Too many sign-ins from your network at once. Try again in a moment."
	msgFormNotOurs         = "Your session expired or the form was not ours. Please try again."
	msgSignIn              = "Please sign in."
	msgFormSentTwice       = "The form was sent with a field twice. Please try again."
	msgNotAForm            = "The request was not a form (application/x-www-form-urlencoded). Please try again."
	msgFormTooLarge        = "The form was too large. Please try again."
	msgFormNotValid        = "The form's encoding was not valid. Please try again."
	msgFormTooSlow         = "The form took too long to arrive. Please try again."
	msgChooseAllowOrDeny   = "Choose Allow or Deny."   // the login and consent page's buttons
	msgChooseApproveOrDeny = "Choose Approve or Deny." // the device consent page's buttons
	msgUnknownUserCode     = "That code is not valid. Check the code shown on your device and try again."
	msgLogoutNotOurs       = "Your session expired or the form was not ours. Please choose again."

	msgDeviceConnected       = "Device connected"
	msgDeviceConnectedDetail = "Return to your device: it will finish signing in by itself. You can close this page."
	msgDeviceDenied          = "Request denied"
	msgDeviceDeniedDetail    = "The device was not given access. You can close this page."
	msgTooManyCodes          = "Too many attempts"
	msgTooManyCodesDetail    = "Too many codes were entered from your network. Wait a few minutes, then try again."
	msgTooManyCodesAtOnce    = "Too many codes were entered from your network at once. Try again in a moment."
	msgTooManyCodesTooFast   = "Codes were entered too quickly from your network. Wait a few seconds, then try again."
	msgExpiredUserCode       = "This code has expired"
	msgExpiredUserCodeDetail = "Codes last a few minutes only. Start again on your device to get a new code."
	msgUsedUserCode          = "This code was already used"
	msgUsedUserCodeDetail    = "It was approved or denied before. If that was not you, start again on your device."

	msgCheckServerLog  = "Check the provider's log: it names the cause of this error. Then try again."
	msgCheckWithUser   = "Check with the user: they declined, so the application gets no access."
	msgCheckParameters = "Check the request's parameters against what the client registered at this provider."
	msgCheckAddress    = "Check the address: this provider has no page or endpoint at this path."
)

// credentialsRefused reports whether a sign-in form's error message is
// about the username and password themselves (wrong, or missing), so that
// the page marks those fields invalid.
func credentialsRefused(message string) bool {
	return message == msgWrongPassword || message == msgSignIn
}
