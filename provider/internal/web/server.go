// Package web is the provider's HTTP layer: the route table, thin Gin
// handlers that parse a request, call one oauth.Provider method and write
// its answer, the error writers, the login session and the HTML templates.
// No protocol rule lives here; see package oauth for those.
package web

import (
	"cmp"
	"crypto/sha256"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/i18n"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/service"
)

//go:embed templates/*.html
var templateFS embed.FS

// Server holds what the handlers share.
//
// Handlers pass c.Request.Context(), never the *gin.Context itself, to the
// protocol layer: a gin.Context is not safe for use by other goroutines, yet
// the SQLite driver watches ctx.Done() from one while the session middleware
// rewrites c.Request and Gin recycles c for the next request (a data race).
type Server struct {
	p         *oauth.Provider
	log       *slog.Logger
	templates map[i18n.Locale]*template.Template // one set per language (parseTemplates)
	metrics   *providerMetrics
	traces    *traceLog // teaching mode: the newest requests' checks; nil when off

	resourcePages pageCache                   // the protected resource's pages, each rendered once
	formOrigins   *http.CrossOriginProtection // where a sign-in form comes from (sameOriginForm)
	sessionCookie sessions.Options            // the login session cookie's attributes (sessionCookieOptions)

	storeRefusedAt atomic.Int64 // when a request was last refused for the store (storeUnavailable), Unix ns

	requestTimeout time.Duration // each request's time (service.Deadline)
}

// Router is the provider's HTTP handler, and the handler of its metrics
// for a listener of their own (METRICS_ADDR).
type Router struct {
	*gin.Engine
	Metrics http.Handler
}

// NewRouter returns the provider's HTTP handler: every route (the README's
// "What the provider does" lists the protocol ones, "Operating it" the rest).
// sessionSecret keys the login session cookie (signed and encrypted).
func NewRouter(p *oauth.Provider, sessionSecret []byte, log *slog.Logger) *Router {
	gin.SetMode(gin.ReleaseMode)
	m := service.NewMetrics()
	s := &Server{p: p, log: log, templates: parseTemplates(site{issuerPath: p.IssuerPath(), demoAccount: demoAccountOf(p.Config)}), metrics: newProviderMetrics(m.Registry),
		formOrigins: newFormOrigins(p.Config.Issuer), sessionCookie: sessionCookieOptions(p), requestTimeout: p.RequestTimeLimit()}
	p.OnSecurityEvent = s.metrics.securityEvent
	r := service.NewEngine()
	trustProxies(r, p.Config.TrustedProxies)
	r.Use(service.AssignRequestID, service.Observe(log, m), s.recoverPanics, limitBody, service.Deadline(s.requestTimeout))
	if p.Config.Teaching() {
		s.traces = newTraceLog(p.Now)
		r.Use(s.recordTrace)
	}
	r.NoRoute(s.handleNotFound)
	r.NoMethod(s.handleMethodNotAllowed)
	service.Mount(r, m, p.Config.MetricsAddr, log, p.Ready)
	pages := service.Routes{IRoutes: r.Group("", sessions.Sessions(sessionCookieName(p), newCookieStore(sessionSecret, s.sessionCookie, log)), protectPage)}
	s.routes(service.Routes{IRoutes: r}, newCORSGroup(r), pages)
	return &Router{Engine: r, Metrics: m.Handler()}
}

// routes is the route table: root holds the routes outside both groups
// (each names its own middleware), api those that scripts in a browser may call from other
// origins (corsGroup), pages those that read the login session. In each, a
// GET route answers HEAD too (service.Routes, corsGroup.GET).
func (s *Server) routes(root service.Routes, api *corsGroup, pages service.Routes) {
	root.GET("/", protectPage, s.handleIndex)
	if s.traces != nil {
		root.GET("/debug/traces", protectPage, s.handleTraces) // teaching mode: README, "Traces"
	}

	// Discovery and keys: [RFC 8414 Section 3], [OIDC Discovery Section 4],
	// [RFC 7517 Section 5].
	//
	// [RFC 8414 Section 3]: https://www.rfc-editor.org/rfc/rfc8414#section-3
	// [OIDC Discovery Section 4]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
	// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
	api.GET(oauth.PathAuthorizationServerMetadata, s.handleMetadata)
	api.GET(oauth.PathAuthorizationServerMetadata+"/*path", s.handleMetadataAtIssuerPath)
	api.GET(oauth.PathOpenIDConfiguration, s.handleMetadata)
	api.GET(oauth.PathJWKS, s.handleJWKS)
	if s.traces != nil {
		api.GET("/debug/trace/:request_id", s.handleTrace) // teaching mode: README, "Traces"
	}

	// The authorization endpoint and its login + consent page: [RFC 6749 Section 4.1.1].
	//
	// [RFC 6749 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
	pages.GET(oauth.PathAuthorize, s.handleAuthorize)
	pages.POST(oauth.PathAuthorize, s.crossSitePostAsGet, s.handleAuthorize)
	pages.POST(oauth.PathAuthenticate, s.sameOriginForm, s.handleAuthenticate)

	// The token endpoint and its companions: [RFC 6749 Section 3.2],
	// [RFC 7009 Section 2], [RFC 7662 Section 2], [RFC 9126 Section 2].
	//
	// [RFC 6749 Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
	// [RFC 7009 Section 2]: https://www.rfc-editor.org/rfc/rfc7009#section-2
	// [RFC 7662 Section 2]: https://www.rfc-editor.org/rfc/rfc7662#section-2
	// [RFC 9126 Section 2]: https://www.rfc-editor.org/rfc/rfc9126#section-2
	api.POST(oauth.PathToken, s.countTokens, s.handleToken)
	api.POST(oauth.PathAccessToken, s.countTokens, s.handleToken)
	api.POST(oauth.PathRevoke, s.handleRevoke)
	api.POST(oauth.PathIntrospect, s.handleIntrospect)
	api.POST(oauth.PathPAR, s.handlePAR)

	// The resource server: [RFC 6750 Section 2], [OIDC Core Section 5.3].
	//
	// [RFC 6750 Section 2]: https://www.rfc-editor.org/rfc/rfc6750#section-2
	// [OIDC Core Section 5.3]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
	api.GET("/protected/resource", s.handleProtectedResource)
	api.GET("/user/profile", s.handleUserProfile)
	api.GET(oauth.PathUserInfo, s.handleUserInfo)
	api.POST(oauth.PathUserInfo, s.handleUserInfo)

	// Protected resource metadata: [RFC 9728 Section 3].
	//
	// [RFC 9728 Section 3]: https://www.rfc-editor.org/rfc/rfc9728#section-3
	api.GET(oauth.PathProtectedResourceMetadata, s.handleProtectedResourceMetadata)
	api.GET(oauth.PathProtectedResourceMetadata+"/*path", s.handleProtectedResourceMetadata)

	// Dynamic client registration: [RFC 7591 Section 3], [RFC 7592 Section 2].
	//
	// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
	// [RFC 7592 Section 2]: https://www.rfc-editor.org/rfc/rfc7592#section-2
	api.POST(oauth.PathRegister, s.handleRegister)
	api.GET(oauth.PathRegister+"/:client_id", s.handleReadClient)
	api.PUT(oauth.PathRegister+"/:client_id", s.handleUpdateClient)
	api.DELETE(oauth.PathRegister+"/:client_id", s.handleDeleteClient)

	// The device authorization grant: [RFC 8628 Section 3.1] (the device
	// authorization endpoint), [RFC 8628 Section 3.3] (the verification URI).
	//
	// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
	// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
	api.POST(oauth.PathDeviceAuthorization, s.handleDeviceAuthorization)
	pages.GET(oauth.PathDeviceVerification, s.handleDevice)
	pages.POST(oauth.PathDeviceVerification, s.sameOriginForm, s.handleDevice)

	// RP-Initiated Logout: [OIDC RP-Initiated Logout Section 2].
	//
	// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
	pages.GET(oauth.PathEndSession, s.handleLogout)
	pages.POST(oauth.PathEndSession, s.crossSitePostAsGet, s.handleLogout)
}

// newCookieStore keys the session cookie from the secret: one derived key
// signs (HMAC-SHA256), the other encrypts (AES-256), so the cookie can be
// neither read nor forged. The cookie has the attributes of options. A
// cookie it cannot read is a debug line in log (service.QuietSessionCookies).
func newCookieStore(secret []byte, options sessions.Options, log *slog.Logger) sessions.Store {
	hashKey := sha256.Sum256(append([]byte("session-hmac:"), secret...))
	encKey := sha256.Sum256(append([]byte("session-aes:"), secret...))
	st := cookie.NewStore(hashKey[:], encKey[:])
	st.Options(options)
	return service.QuietSessionCookies(st, log)
}

// sessionCookieOptions are the attributes of the login session cookie. Its
// path is the issuer's ("/" when the issuer has none), so the browser sends
// it to this provider's pages only ([RFC 6265 Section 5.1.4]): two issuers
// on one host, each behind its path, keep a session each. It is Secure
// when the issuer is https, as its name then requires (sessionCookieName).
//
// [RFC 6265 Section 5.1.4]: https://www.rfc-editor.org/rfc/rfc6265#section-5.1.4
func sessionCookieOptions(p *oauth.Provider) sessions.Options {
	return sessions.Options{
		Path: cmp.Or(p.IssuerPath(), "/"), MaxAge: int(p.Config.SessionTTL.Seconds()), HttpOnly: true,
		Secure: issuerIsHTTPS(p), SameSite: http.SameSiteLaxMode,
	}
}

// sessionCookieName names the login session cookie
// (service.SessionCookieName): "provider_session", prefixed over https,
// with "__Secure-" when the cookie has the issuer's path.
func sessionCookieName(p *oauth.Provider) string {
	return service.SessionCookieName("provider_session", issuerIsHTTPS(p), p.IssuerPath() != "")
}

// issuerIsHTTPS reports whether the provider is served over https, as its
// issuer says: then its cookie is Secure and has a prefixed name.
func issuerIsHTTPS(p *oauth.Provider) bool { return strings.HasPrefix(p.Config.Issuer, "https://") }
