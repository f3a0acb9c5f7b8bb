// Package web is the client's web application: the relying party of the
// authorization code grant ([RFC 6749 Section 4.1]) with PKCE, OpenID Connect
// and the RFC 9700 defences, plus a browser-only public client at /spa.
//
// It speaks OAuth only through golang.org/x/oauth2 (and go-oidc for ID
// tokens), configured from the provider's metadata; the requests it
// builds by hand are those x/oauth2 does not offer: token revocation and
// introspection, and the device grant's requests, polled once per page
// load (device.go).
//
//	file            route                         RFC
//	login.go        GET /login                    RFC 6749 Section 4.1.1, RFC 7636 Section 4.3, OIDC Core Section 3.1.2.1
//	par.go          GET /login?par=on             RFC 9126 Section 2 (the request pushed to the provider first)
//	keyclient.go    GET /login?key=on             RFC 7591 Section 3, RFC 7523 Section 2.2 (the client registered at start that signs assertions)
//	callback.go     GET /callback                 RFC 6749 Section 4.1.2, RFC 6749 Section 4.1.3, RFC 9207, OIDC Core Section 3.1.3.7
//	step.go         GET, POST /callback/exchange  the step-by-step pauses at (C) and before (E)
//	resource.go     GET, POST /resource           RFC 6750 Section 2.1, RFC 6749 Section 6
//	refresh.go      POST /refresh                 RFC 6749 Section 6
//	logout.go       POST /logout, GET /?state=…   RFC 7009 Section 2, RFC 7662 Section 2, OIDC RP-Initiated Logout Section 2
//	spa.go          GET /spa, GET /spa/callback   RFC 7636, RFC 9700 Section 2.1.1 (public client in the browser)
//	home.go         GET /                         RFC 6749 Section 4.1 (the diagram and the walkthrough)
//	tokens.go       GET /tokens, POST /tokens/reveal RFC 7519, RFC 7517, RFC 7662 Section 2 (the token inspector)
//	attacks.go      GET /attacks, POST /attacks/… RFC 9700 Section 4 (the attack lab)
//	mcp.go          GET, POST /mcp, GET /mcp/callback RFC 9728, RFC 8414, RFC 7591, RFC 7636, RFC 8707 (the MCP profile)
//	device.go       GET, POST /device-flow        RFC 8628 (the device grant, hop by hop)
//	machine.go      GET, POST /machine            RFC 6749 Section 4.4, RFC 7662, RFC 7009 (client credentials, hop by hop)
//	language.go     POST /language                the language switch, kept in the session (no protocol)
//
// walkthrough.go turns each exchange into an xray.Hop and, in teaching mode,
// fetches the provider's trace of it. With DPOP=on the token and resource
// requests go through a dpop.Transport (package internal/dpop, RFC 9449),
// and the walkthrough shows each proof decoded.
//
// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
package web

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/dpop"
	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/client/internal/session"
	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/client/internal/xray"
	"github.com/oauth-reference/provider/service"
)

// Scopes the web client asks for: OpenID Connect (openid profile email) and
// the provider's resource scope "read".
var loginScopes = []string{oidc.ScopeOpenID, "profile", "email", "read"}

// Options is what New needs.
type Options struct {
	Config config.Config
	// Metadata is the provider's metadata as fetched from AUTH_SERVER (or
	// AUTH_SERVER_INTERNAL): New derives the back-channel endpoints itself.
	Metadata metadata.Metadata
	// HTTPClient makes every back-channel call. Its transport should be a
	// *wirelog.Transport so the exchanges show on the home page.
	HTTPClient *http.Client
	// Wire records the exchanges made outside a browser's session (start-up
	// discovery, JWKS); the home page shows it to visitors who are not
	// logged in. May be nil.
	Wire       *wirelog.Log
	Logger     *slog.Logger     // nil means slog.Default()
	Now        func() time.Time // nil means time.Now
	SessionTTL time.Duration    // 0 means the session package default
	// RequestTimeout is each request's time (service.Deadline); 0 means
	// RequestTimeout, the package's constant.
	RequestTimeout time.Duration
	// Metrics counts the requests (Prometheus); nil means a registry of
	// the App's own.
	Metrics *service.Metrics
}

// App is the client web application. Create it with New; serve Handler().
type App struct {
	cfg    config.Config
	public metadata.Metadata // endpoints as the browser sees them
	back   metadata.Metadata // endpoints as the client reaches them
	oauth  *oauth2.Config
	keys   *oidc.RemoteKeySet // the provider's JWKS, cached
	http   *http.Client
	// oauthHTTP makes the token and resource requests: a.http, or with
	// DPOP=on a client whose transport adds DPoP proofs (RFC 9449).
	oauthHTTP *http.Client
	wire      *wirelog.Log
	tracer    *xray.Tracer // the provider's traces, read in teaching mode
	sessions  *session.Store[sessionData]
	cookies   sessions.Store
	pages     pages
	log       *slog.Logger
	now       func() time.Time
	metrics   *service.Metrics
	// requestTimeout is each request's time (service.Deadline).
	requestTimeout time.Duration
	// visitors limits what each visitor may make the provider spend of
	// the budgets it keeps per address (visitor_limit.go).
	visitors visitorLimits
	// keyed is the client registered at start to authenticate with
	// private_key_jwt (keyclient.go); nil when the provider offers none.
	keyed *keyClient
	// mcp is the registration of the MCP walkthrough's client (mcp.go).
	mcp mcpRegistry
}

// New builds the application from the provider's metadata.
func New(opts Options) (*App, error) {
	if opts.HTTPClient == nil {
		return nil, errors.New("web: Options.HTTPClient is required")
	}
	if opts.Metadata.JWKSURI == "" {
		return nil, errors.New("web: the provider's metadata has no jwks_uri: ID tokens cannot be verified")
	}
	a := &App{
		cfg:      opts.Config,
		public:   opts.Metadata,
		back:     opts.Metadata.BackChannel(opts.Config.AuthServer, opts.Config.AuthServerInternal),
		wire:     opts.Wire,
		sessions: session.NewStore[sessionData](session.Options{TTL: opts.SessionTTL, Now: opts.Now}),
		log:      opts.Logger,
		now:      opts.Now,
		metrics:  opts.Metrics,
		visitors: newVisitorLimits(),

		requestTimeout: cmp.Or(opts.RequestTimeout, RequestTimeout),
	}
	a.http = a.signingClient(opts.HTTPClient)
	if a.metrics == nil {
		a.metrics = service.NewMetrics()
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.wire == nil {
		a.wire = wirelog.NewLog(captureSize)
	}
	var err error
	if a.pages, err = parsePages(a.now); err != nil {
		return nil, err
	}
	a.oauth = &oauth2.Config{
		ClientID:     a.cfg.ClientID,
		ClientSecret: a.cfg.ClientSecret,
		RedirectURL:  a.cfg.RedirectURI,
		Endpoint:     a.back.Endpoint(),
		Scopes:       loginScopes,
	}
	if a.oauthHTTP, err = a.newOAuthClient(); err != nil {
		return nil, err
	}
	a.keys = a.newKeySet()
	a.tracer = &xray.Tracer{BaseURL: a.cfg.BackChannel(), PageURL: a.cfg.IssuerURL("/debug/traces"), Client: a.http}
	a.keyed = a.startKeyClient()
	a.cookies = a.newCookieStore()
	return a, nil
}

// newOAuthClient returns the client of the token and resource requests.
// With DPOP=on it holds a DPoP key for the life of the process and proves
// possession of it on each of those requests, so every token the provider
// issues to this app is bound to the key ([RFC 9449 Section 5]).
//
// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
func (a *App) newOAuthClient() (*http.Client, error) {
	if a.cfg.DPoP != "on" {
		return a.http, nil
	}
	key, err := dpop.NewKey()
	if err != nil {
		return nil, err
	}
	return &http.Client{Timeout: a.http.Timeout, Transport: &dpop.Transport{Key: key, Base: a.http.Transport, Now: a.now, HTU: a.issuerURI}}, nil
}

// issuerURI returns a URL of the back channel (AUTH_SERVER_INTERNAL) as the
// provider knows it, under its issuer (AUTH_SERVER): the htu of the proofs
// this app sends there. Any other URL is returned as it is.
func (a *App) issuerURI(sent string) string {
	return metadata.Rebase(sent, a.cfg.BackChannel(), a.cfg.AuthServer)
}

// newKeySet returns the provider's JWKS, which the ID token verifiers
// (verifierFor) and the token inspector check signatures against. The keys
// are fetched through the back-channel client, with a context that outlives
// any one request (go-oidc caches the keys).
func (a *App) newKeySet() *oidc.RemoteKeySet {
	return oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), keySetClient(a.http)), a.back.JWKSURI)
}

// verifierFor returns the ID token verifier of [OIDC Core Section 3.1.3.7]
// for the key client when key is true and there is one, else for the
// configured client: signature against the provider's JWKS, iss, aud (the
// client_id the token was issued to), exp.
//
// [OIDC Core Section 3.1.3.7]: https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
func (a *App) verifierFor(key bool) *oidc.IDTokenVerifier {
	return oidc.NewVerifier(a.public.Issuer, a.keys, &oidc.Config{
		ClientID:             a.oauthFor(key).ClientID,
		SupportedSigningAlgs: []string{oidc.RS256},
		Now:                  a.now,
	})
}

// newCookieStore returns the session cookie store. The cookie carries only
// the session ID, authenticated and encrypted with keys derived from
// SESSION_SECRET (a random one when unset).
func (a *App) newCookieStore() sessions.Store {
	secret := a.cfg.SessionSecret
	if secret == "" {
		a.log.Warn("SESSION_SECRET is not set: using a random key for the session cookie; the sessions live in memory and end with the process either way")
		secret = randomToken()
	}
	authKey := sha256.Sum256([]byte("oauth-reference client: cookie authentication\x00" + secret))
	encKey := sha256.Sum256([]byte("oauth-reference client: cookie encryption\x00" + secret))
	store := cookie.NewStore(authKey[:], encKey[:])
	store.Options(a.cookieOptions(int(a.sessions.TTL().Seconds())))
	return service.QuietSessionCookies(store, a.log)
}

// cookieOptions are the session cookie's attributes: HttpOnly (scripts never
// see it), SameSite=Lax (not sent on cross-site POSTs), Secure when the
// client is served over https, as its name then requires (cookieName).
func (a *App) cookieOptions(maxAge int) sessions.Options {
	return sessions.Options{
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   a.servedOverHTTPS(),
	}
}

// cookieName names the session cookie (service.SessionCookieName):
// "client_session", prefixed with "__Host-" over https; the cookie's Path
// is "/".
func (a *App) cookieName() string {
	return service.SessionCookieName("client_session", a.servedOverHTTPS(), false)
}

// servedOverHTTPS reports whether the client is served over https, as its
// REDIRECT_URI says: then its cookie is Secure and has a prefixed name.
func (a *App) servedOverHTTPS() bool { return strings.HasPrefix(a.cfg.RedirectURI, "https://") }

// RequestTimeout is how long a page's work may take, counted from the end
// of its request's headers: the deadline of its context (service.Deadline,
// as the provider has), which every back-channel call of the page is made
// with. The server's write timeout (service.WriteTimeout, 30 s) closes the
// connection but does not stop the handler, so a page making several calls
// in turn to a slow or silent provider (the two revocations of a logout,
// the hops of a walkthrough) would otherwise finish after its browser had
// been cut off, with no answer. 20 s: longer than one call may take (the
// back-channel client's 15 s), so a single call ends at its own timeout,
// and short enough of the write timeout for the page to be written.
const RequestTimeout = 20 * time.Second

// Handler returns the route table.
func (a *App) Handler() http.Handler {
	r := service.NewEngine()
	_ = r.SetTrustedProxies(nil)
	r.Use(service.AssignRequestID, service.Observe(a.log, a.metrics), a.recoverPanics, a.securityHeaders, limitBody, service.Deadline(a.requestTimeout), sessions.Sessions(a.cookieName(), a.cookies), a.chooseLanguage)
	service.Mount(r, a.metrics, a.cfg.MetricsAddr, a.log, func(context.Context) error { return nil }) // ready: the metadata is in

	root := service.Routes{IRoutes: r} // here and in pages, a GET route answers HEAD too
	pages := service.Routes{IRoutes: r.Group("", a.canonicalOrigin)}
	pages.GET("/", a.handleLogoutReturn, a.handleHome)
	pages.GET("/login", a.handleLogin)
	pages.GET("/callback", a.handleCallback)
	pages.GET(exchangePath, a.handleExchangePreview)
	pages.POST(exchangePath, a.handleExchange)
	pages.GET("/resource", a.handleResource)
	pages.POST("/resource", a.handleFetchResource)
	pages.POST("/refresh", a.handleRefresh)
	pages.POST("/logout", a.handleLogout)
	pages.GET("/spa", a.handleSPA)
	pages.GET("/attacks", a.handleAttacks)
	pages.GET("/tokens", a.handleTokens)
	pages.POST("/tokens/reveal", a.handleReveal)
	root.GET(countdownPath, serveScript(countdownJS))
	root.GET(devicePollPath, serveScript(devicePollJS))
	pages.POST("/attacks/:name", a.handleAttack)
	pages.POST(languagePath, a.handleLanguage)
	pages.GET("/spa/callback", a.handleSPA)
	pages.GET(mcpPath, a.handleMCP)
	pages.POST(mcpPath, a.handleMCPStart)
	pages.GET(mcpCallbackPath, a.handleMCPCallback)
	pages.GET(devicePath, a.handleDeviceFlow)
	pages.POST(devicePath, a.handleDeviceStart)
	pages.GET(machinePath, a.handleMachine)
	pages.POST(machinePath, a.handleMachineRun)
	r.NoRoute(a.handleNotFound)
	r.NoMethod(a.handleMethodNotAllowed)
	return r
}

// handleNotFound answers a path the route table does not have, whatever the method.
func (a *App) handleNotFound(c *gin.Context) {
	a.renderError(c, http.StatusNotFound, errorView{Title: "Not found", Message: a.lang(c).T("There is no page at %s.", c.Request.URL.Path)})
}

// handleMethodNotAllowed answers a known path asked with a method it does
// not take; gin has already set the Allow header to the ones it does.
func (a *App) handleMethodNotAllowed(c *gin.Context) {
	a.renderError(c, http.StatusMethodNotAllowed, errorView{Title: "Method not allowed",
		Message: a.lang(c).T("%s does not take %s; it takes %s.", c.Request.URL.Path, c.Request.Method, c.Writer.Header().Get("Allow"))})
}

// backChannel returns the context for calls to the provider made on behalf
// of one browser's session: x/oauth2 and go-oidc use the back-channel client,
// and the exchanges go into that session's wire log.
func (a *App) backChannel(ctx context.Context, log *wirelog.Log) context.Context {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, a.oauthHTTP)
	if log != nil {
		ctx = wirelog.NewContext(ctx, log)
	}
	return ctx
}

// resourceURL returns the URL of a resource of the provider's resource
// server, which lives at the issuer (README, "What the provider does"),
// reached over the back channel.
func (a *App) resourceURL(path string) string {
	return a.cfg.BackChannelURL(path)
}
