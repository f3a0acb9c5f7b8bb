package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/client/internal/resource"
	"github.com/oauth-reference/client/internal/tokenview"
	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/client/internal/xray"
	"github.com/oauth-reference/provider/setting"
)

// The MCP walkthrough's page, which a form posts to start a run, and its
// own redirect URI.
const (
	mcpPath         = "/mcp"
	mcpCallbackPath = "/mcp/callback"
)

// mcpClient is the client this app registers for the MCP walkthrough: a
// public client (token_endpoint_auth_method none) whose redirect URI is
// /mcp/callback, registered at run time as a Model Context Protocol client
// registers ([RFC 7591 Section 3]).
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
type mcpClient struct {
	registration
	RegisteredAt time.Time
}

// mcpRegistry keeps the MCP client's registration in memory for the life
// of the process, as a real MCP client keeps its own: every run of every
// browser uses it, and it is registered again only when the provider no
// longer knows it, so walking through again never meets the provider's
// REGISTRATIONS_PER_HOUR.
type mcpRegistry struct {
	mu     sync.Mutex
	client *mcpClient
}

// current returns a copy of the registration kept, or nil.
func (r *mcpRegistry) current() *mcpClient {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.client == nil {
		return nil
	}
	c := *r.client
	return &c
}

// forget drops the registration of clientID if it is still the one kept:
// the provider said it does not know it.
func (r *mcpRegistry) forget(clientID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.client != nil && r.client.ClientID == clientID {
		r.client = nil
	}
}

// mcpRun is a run of the walkthrough waiting in the browser's session for
// its authorization response: what steps 1 to 5 found and did.
type mcpRun struct {
	Hops []xray.Hop // steps 1 to 4
	// Resource is the resource indicator sent ([RFC 8707 Section 2]): the
	// metadata's resource.
	//
	// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
	Resource string
	Server   metadata.Metadata // the authorization server's metadata, its endpoints as the browser sees them
	Config   oauth2.Config     // the MCP client at that server, its token endpoint over the back channel
}

// protectedResourceMetadata is the part of the metadata of
// [RFC 9728 Section 2] the walkthrough reads.
//
// [RFC 9728 Section 2]: https://www.rfc-editor.org/rfc/rfc9728#section-2
type protectedResourceMetadata struct {
	Resource             string   `json:"resource"`
	AuthorizationServers []string `json:"authorization_servers"`
	ScopesSupported      []string `json:"scopes_supported"`
}

// mcpView is the content of the MCP walkthrough's page.
type mcpView struct {
	ResourceURL string     // the URL the MCP client is given: the provider's /user/profile
	RedirectURI string     // the MCP client's redirect URI
	Client      *mcpClient // the registration kept, nil before the first run
	Ran         bool       // a run ended: Walk and Failure say how
	Walk        walkView
	Failure     *errorView // why the run stopped, at its last hop; nil when it got through
	Audience    string     // the access token's aud, after a run that got through
}

// mcpAuthorizationParams explain the parameters of the walkthrough's
// authorization request: a login's, with resource.
var mcpAuthorizationParams = append(slices.Clone(authorizationParams), paramDoc{"resource",
	"The resource the token is for: the resource's identifier from its metadata. The access token's aud will name it, so no other resource accepts it.",
	"RFC 8707 Section 2"})

// handleMCP handles "GET /mcp": the walkthrough of the Model Context
// Protocol's authorization (RFC 9728, RFC 8414, RFC 7591, RFC 7636,
// RFC 8707), and the form that runs it. A browser without a session gets
// one, for the form's CSRF token.
func (a *App) handleMCP(c *gin.Context) {
	if _, ok := a.anySession(c); !ok {
		return
	}
	a.render(c, http.StatusOK, "mcp.html", "Connect as an MCP client", a.mcpView())
}

// mcpView returns the page's content before any run.
func (a *App) mcpView() mcpView {
	return mcpView{ResourceURL: a.mcpResourceURL(), RedirectURI: a.cfg.MCPRedirectURI(), Client: a.mcp.current()}
}

// mcpResourceURL is the URL the MCP client starts from, as the world names
// it: the provider's /user/profile, at the issuer.
func (a *App) mcpResourceURL() string {
	return a.cfg.IssuerURL(resource.UserProfilePath)
}

// backChannelURL returns a URL of the provider, as the browser names it,
// as this client reaches it (AUTH_SERVER_INTERNAL in docker compose); any
// other URL as it is.
func (a *App) backChannelURL(public string) string {
	return metadata.Rebase(public, a.cfg.AuthServer, a.cfg.BackChannel())
}

// handleMCPStart handles "POST /mcp": steps 1 to 4 over the back channel,
// then step 5, the browser sent to the authorization endpoint (303). A
// step that fails shows its hop and why, with the hops before it.
func (a *App) handleMCPStart(c *gin.Context) {
	var s *webSession
	a.withSession(c, true, a.renderCSRFError, func(held *webSession) { s = held })
	if s == nil {
		return
	}
	p := a.newPending(a.lang(c))
	hops, authURL, err := a.mcpStart(c.Request.Context(), &p)
	if err != nil {
		a.renderMCPRun(c, hops, "", err)
		return
	}
	a.addPending(s, p)
	c.Redirect(http.StatusSeeOther, authURL)
}

// mcpStart runs steps 1 to 4 and builds step 5 into p: it returns the
// hops and the URL to send the browser to.
func (a *App) mcpStart(ctx context.Context, p *pendingAuthorization) ([]xray.Hop, string, error) {
	var metadataURL, scope string
	hops, err := a.walkStep(ctx, "1", "The resource, without a token", "RFC 9728 Section 5.1", func(ctx context.Context, l *checklist) (err error) {
		metadataURL, scope, err = a.mcpChallenge(ctx, l)
		return err
	})
	if err != nil {
		return hops, "", err
	}
	var prm protectedResourceMetadata
	more, err := a.walkStep(ctx, "2", "Protected resource metadata", "RFC 9728 Section 3", func(ctx context.Context, l *checklist) (err error) {
		prm, err = a.mcpResourceMetadata(ctx, l, metadataURL)
		return err
	})
	if hops = append(hops, more...); err != nil {
		return hops, "", err
	}
	if scope == "" {
		scope = strings.Join(prm.ScopesSupported, " ") // no scope in the challenge: every scope the resource names
	}
	var server metadata.Metadata
	more, err = a.walkStep(ctx, "3", "Authorization server metadata", "RFC 8414 Section 3", func(ctx context.Context, l *checklist) (err error) {
		server, err = a.mcpServerMetadata(ctx, l, prm.AuthorizationServers[0])
		return err
	})
	if hops = append(hops, more...); err != nil {
		return hops, "", err
	}
	client, more, err := a.mcpRegistration(ctx, server, scope)
	if hops = append(hops, more...); err != nil {
		return hops, "", err
	}
	authURL := a.mcpAuthorize(p, &mcpRun{Hops: hops, Resource: prm.Resource, Server: server}, client, scope)
	return hops, authURL, nil
}

// The rules of step 1, in the order mcpChallenge checks them.
var (
	ruleResourceAnswered = rule{Text: "the resource answers", Ref: "RFC 6750 Section 3"}
	ruleBearerChallenge  = rule{Text: "the resource answers 401 with a Bearer challenge", Ref: "RFC 6750 Section 3",
		Quote: `"If the protected resource request does not include authentication credentials or does not contain an access token that enables access to the protected resource, the resource server MUST include the HTTP "WWW-Authenticate" response header field".`}
	ruleChallengeNamesMetadata = rule{Text: "the challenge names the resource's metadata (resource_metadata)", Ref: "RFC 9728 Section 5.1",
		Quote: `the challenge's "resource_metadata" parameter is "the URL of the protected resource metadata".`}
	ruleChallengeNamesScope = rule{Text: "the challenge names the scope a token needs (scope)", Ref: "RFC 6750 Section 3"}
)

// mcpChallenge is step 1: the resource, called without a token, answers
// 401 with a Bearer challenge. [RFC 9728 Section 5.1]: it names the
// resource's metadata in resource_metadata; [RFC 6750 Section 3]: "The
// "scope" attribute is a space-delimited list of case-sensitive scope
// values indicating the required scope of the access token".
//
// [RFC 9728 Section 5.1]: https://www.rfc-editor.org/rfc/rfc9728#section-5.1
// [RFC 6750 Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
func (a *App) mcpChallenge(ctx context.Context, l *checklist) (metadataURL, scope string, err error) {
	resp, _, err := resource.Get(ctx, a.http, a.resourceURL(resource.UserProfilePath))
	if err != nil {
		l.check(ruleResourceAnswered, false, err.Error())
		return "", "", stepFailed("The resource could not be reached", err.Error(), "")
	}
	challenge, ok := resource.BearerChallenge(resp.Header.Values("WWW-Authenticate"))
	if !l.check(ruleBearerChallenge, resp.StatusCode == http.StatusUnauthorized && ok, resp.Status) {
		return "", "", stepFailed("The resource sent no Bearer challenge", resp.Status, ruleBearerChallenge.Quoted())
	}
	metadataURL, scope = challenge.Params["resource_metadata"], challenge.Params["scope"]
	if !l.check(ruleChallengeNamesMetadata, metadataURL != "", metadataURL) {
		return "", "", stepFailed("The challenge does not name the resource's metadata", "", ruleChallengeNamesMetadata.Quoted())
	}
	detail := scope
	if scope == "" {
		detail = noChallengeScope
	}
	l.check(ruleChallengeNamesScope, scope != "", detail)
	return metadataURL, scope, nil
}

// noChallengeScope is step 1's word when the challenge names no scope.
const noChallengeScope = "none: the client will ask for every scope of the metadata's scopes_supported"

// The rules of step 2, in the order mcpResourceMetadata checks them.
var (
	ruleMetadataOnResourceOrigin = rule{Text: "resource_metadata is on the origin of the resource called: the client fetches nothing the resource names elsewhere", Ref: "RFC 9728 Section 7.7",
		Quote: `"Clients SHOULD take appropriate precautions against SSRF attacks, such as blocking requests to ` +
			`internal IP address ranges." A resource could name any address this client's server can reach, and ` +
			`the walkthrough shows what it fetches; so this client fetches a resource's metadata only from that ` +
			`resource's own origin.`}
	ruleResourceMetadataUsable = rule{Text: "the metadata is JSON naming the resource and its authorization servers", Ref: "RFC 9728 Section 2",
		Quote: `"resource REQUIRED. The protected resource's resource identifier".`}
	ruleResourceMatches = rule{Text: "the metadata's resource is the URL called or, on the same origin, a path prefix of it (RFC 9728 Section 3.3 requires identical; draft-mcguinness-oauth-rfc9728bis-01 allows a prefix)", Ref: "RFC 9728 Section 3.3",
		Quote: `"If these values are not identical, the data contained in the response MUST NOT be used." This client also takes a path prefix of the URL called, on the same origin (draft-mcguinness-oauth-rfc9728bis-01); this resource is not even that.`}
)

// mcpResourceMetadata is step 2: the resource's metadata, which names its
// authorization servers. [RFC 9728 Section 3.3] requires its "resource" to
// be identical to the URL called: "If the protected resource metadata was
// retrieved from a URL returned by the protected resource via the
// WWW-Authenticate resource_metadata parameter, then the resource value
// returned MUST be identical to the URL that the client used to make the
// request to the resource server." This client relaxes that, as MCP
// clients do and as [draft-mcguinness-oauth-rfc9728bis-01] proposes: the
// resource may also be a path prefix of the URL called, on the same
// origin. It has to: the provider has one resource identifier (its issuer
// by default) for all its resource URLs, and the URL called is
// /user/profile.
//
// Before that, the URL the challenge named must be on the origin of the
// resource called, or the client does not fetch it: [RFC 9728 Section 7.7]
// says "Clients SHOULD take appropriate precautions against SSRF attacks".
//
// [RFC 9728 Section 3.3]: https://www.rfc-editor.org/rfc/rfc9728#section-3.3
// [draft-mcguinness-oauth-rfc9728bis-01]: https://datatracker.ietf.org/doc/html/draft-mcguinness-oauth-rfc9728bis-01
// [RFC 9728 Section 7.7]: https://www.rfc-editor.org/rfc/rfc9728#section-7.7
func (a *App) mcpResourceMetadata(ctx context.Context, l *checklist, metadataURL string) (protectedResourceMetadata, error) {
	var prm protectedResourceMetadata
	if err := a.mcpMetadataOrigin(l, metadataURL); err != nil {
		return prm, err
	}
	err := a.getJSON(ctx, a.backChannelURL(metadataURL), &prm)
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	if !l.check(ruleResourceMetadataUsable, err == nil && prm.Resource != "" && len(prm.AuthorizationServers) > 0, detail) {
		return prm, stepFailed("The resource's metadata is not usable", detail, ruleResourceMetadataUsable.Quoted())
	}
	if !l.check(ruleResourceMatches, underResource(a.mcpResourceURL(), prm.Resource), prm.Resource) {
		return prm, stepFailed("The metadata describes another resource", fmt.Sprintf("resource %q, called %q", prm.Resource, a.mcpResourceURL()),
			ruleResourceMatches.Quoted())
	}
	return prm, nil
}

// underResource reports whether rawURL is the resource identifier resource
// or lies under its path, on the same origin: the validation that
// [draft-mcguinness-oauth-rfc9728bis-01] proposes in place of RFC 9728's
// identity. A resource identifier is a URL that "has no fragment
// component"; following [RFC 8707 Section 2], "it also SHOULD NOT include
// a query component, but it is recognized that there are cases that make a
// query component a useful and necessary part of a resource identifier"
// ([RFC 9728 Section 1.2]). So a resource with a fragment (even an empty
// one) is refused, and one with a query is taken only when its query is
// the URL called's, as sent: the prefix rule is for the path alone (the
// URL this client calls, the issuer's /user/profile, has no query). One
// with userinfo names no origin of its own, and is refused too.
// The paths are compared as sent, escaped, segment by segment:
// "/user%2Fprofile" is one segment, not a prefix of "/user/profile"
// ([RFC 3986 Section 2.2]: a percent-encoded reserved character is not the
// character itself).
//
// [draft-mcguinness-oauth-rfc9728bis-01]: https://datatracker.ietf.org/doc/html/draft-mcguinness-oauth-rfc9728bis-01
// [RFC 9728 Section 1.2]: https://www.rfc-editor.org/rfc/rfc9728#section-1.2
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
// [RFC 3986 Section 2.2]: https://www.rfc-editor.org/rfc/rfc3986#section-2.2
func underResource(rawURL, resource string) bool {
	u, err1 := url.Parse(rawURL)
	r, err2 := url.Parse(resource)
	if err1 != nil || err2 != nil || r.User != nil || strings.Contains(resource, "#") ||
		r.RawQuery != u.RawQuery || r.ForceQuery != u.ForceQuery ||
		!strings.EqualFold(u.Scheme, r.Scheme) || !strings.EqualFold(u.Host, r.Host) {
		return false
	}
	base := strings.TrimSuffix(r.EscapedPath(), "/")
	path := u.EscapedPath()
	return path == base || strings.HasPrefix(path, base+"/")
}

// mcpMetadataOrigin checks, before step 2 fetches anything, that the
// resource's metadata is on the origin of the resource called.
func (a *App) mcpMetadataOrigin(l *checklist, metadataURL string) error {
	shown, called := wirelog.Shorten(metadataURL), origin(a.mcpResourceURL())
	if l.check(ruleMetadataOnResourceOrigin, origin(metadataURL) == called, shown) {
		return nil
	}
	return stepRefused("The resource names its metadata on another origin: not fetched",
		fmt.Sprintf("resource_metadata %q is not on %s, the origin of the resource called", shown, called),
		ruleMetadataOnResourceOrigin.Quoted())
}

// origin returns the origin of rawURL, "http://host:port": its scheme and
// host, lower-cased, and its port unless it is the scheme's default, so
// http://h:80 and http://h are one origin [RFC 6454 Section 4]. It is "" for
// a URL that names none: unparsable, without a host, or with userinfo,
// which a URL a resource names for the client to fetch has no use for.
//
// [RFC 6454 Section 4]: https://www.rfc-editor.org/rfc/rfc6454#section-4
func origin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.User != nil {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.TrimSuffix(strings.ToLower(u.Host), defaultPorts[scheme])
	return scheme + "://" + host
}

// defaultPorts is the port each scheme implies, as origin leaves it out.
var defaultPorts = map[string]string{"http": ":80", "https": ":443"}

// getJSON reads the JSON document at rawURL into v: 200, at most 1 MiB.
func (a *App) getJSON(ctx context.Context, rawURL string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(answerError(resp))
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

// The rules of step 3, in the order mcpServerMetadata checks them.
var (
	ruleAuthorizationServerIsIssuer = rule{Text: "the authorization server the resource named is an issuer identifier: an http(s) URL with a host, without query or fragment", Ref: "RFC 8414 Section 2",
		Quote: `"The authorization server's issuer identifier, which is a URL that uses the "https" scheme and has no query or fragment components."`}
	ruleAuthorizationServerConfigured = rule{Text: "the authorization server the resource named is this client's own, AUTH_SERVER, character for character: the client asks no other", Ref: "RFC 9728 Section 7.6",
		Quote: `"some protected resources are used with a fixed authorization server or a set of authorization ` +
			`servers, the locations of which may be known via out-of-band mechanisms." This client's is ` +
			`AUTH_SERVER, compared as an issuer is (RFC 8414 Section 3.3); it fetches no other server's metadata ` +
			`(RFC 9728 Section 7.7: "Clients SHOULD take appropriate precautions against SSRF attacks").`}
	ruleIssuerIdentical = rule{Text: "issuer is the authorization server the resource named, character for character", Ref: "RFC 8414 Section 3.3",
		Quote: `"If these values are not identical, the data contained in the response MUST NOT be used."`}
	rulePKCES256Supported        = rule{Text: "code_challenge_methods_supported has S256: PKCE is possible", Ref: "RFC 8414 Section 2"}
	ruleRegistrationEndpoint     = rule{Text: "registration_endpoint is there: the client can register", Ref: "RFC 7591 Section 3"}
	ruleClientIDMetadataDocument = rule{Text: "client_id_metadata_document_supported: a client may use the URL of its metadata document as client_id instead; this one registers", Ref: "CIMD Section 5"}
)

// mcpServerMetadata is step 3: the metadata of the authorization server
// the resource named, which must be an issuer identifier
// ([RFC 8414 Section 2]: https, or http here, with no query or fragment)
// and the one this client is configured for, AUTH_SERVER, the same string
// ([RFC 9728 Section 7.6]: "some protected resources are used with a fixed
// authorization server"; a resource that named any other would have this
// server fetch what it likes, [RFC 9728 Section 7.7]),
// at the well-known URL made from it ([RFC 8414 Section 3.1]), whose
// issuer must be that very name ([RFC 8414 Section 3.3]). The client needs PKCE with S256
// ([RFC 7636 Section 4.2]), which the server's
// code_challenge_methods_supported ([RFC 8414 Section 2]) must list: the
// Model Context Protocol's authorization (2025-11-25) says "MCP clients
// MUST refuse to proceed" when it is absent. To register, it needs a
// registration endpoint ([RFC 7591 Section 3]). Whether the server would
// take the URL of a client ID metadata document as client_id instead is
// client_id_metadata_document_supported ([CIMD Section 5]), which the step
// shows only: this client registers.
//
// [RFC 9728 Section 7.6]: https://www.rfc-editor.org/rfc/rfc9728#section-7.6
// [RFC 9728 Section 7.7]: https://www.rfc-editor.org/rfc/rfc9728#section-7.7
// [RFC 8414 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8414#section-3.1
// [RFC 8414 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8414#section-3.3
// [RFC 7636 Section 4.2]: https://www.rfc-editor.org/rfc/rfc7636#section-4.2
// [RFC 8414 Section 2]: https://www.rfc-editor.org/rfc/rfc8414#section-2
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
// [CIMD Section 5]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-5
func (a *App) mcpServerMetadata(ctx context.Context, l *checklist, issuer string) (metadata.Metadata, error) {
	named := wirelog.Shorten(issuer) // as the resource named it, shown
	if !l.check(ruleAuthorizationServerIsIssuer, setting.CheckIssuer("authorization_servers[0]", issuer) == nil, named) {
		return metadata.Metadata{}, stepFailed("The resource names no authorization server this client can ask", named, ruleAuthorizationServerIsIssuer.Quoted())
	}
	if !l.check(ruleAuthorizationServerConfigured, issuer == a.cfg.AuthServer, named) {
		return metadata.Metadata{}, stepRefused("The resource names another authorization server: its metadata not fetched",
			fmt.Sprintf("authorization_servers[0] is %q; this client's (AUTH_SERVER) is %q", named, a.cfg.AuthServer),
			ruleAuthorizationServerConfigured.Quoted())
	}
	server, err := metadata.Fetch(ctx, a.http, issuer, a.backChannelURL(issuer))
	detail := issuer
	if err != nil {
		detail = err.Error()
	}
	if !l.check(ruleIssuerIdentical, err == nil, detail) {
		return server, stepFailed("The authorization server's metadata is not usable", detail, ruleIssuerIdentical.Quoted())
	}
	if !l.check(rulePKCES256Supported, slices.Contains(server.CodeChallengeMethodsSupported, "S256"), strings.Join(server.CodeChallengeMethodsSupported, " ")) {
		return server, stepFailed("The authorization server does not support PKCE with S256", "", "MCP authorization (2025-11-25): clients MUST refuse to proceed when code_challenge_methods_supported (RFC 8414 Section 2) is absent; this client needs S256 in it (RFC 7636 Section 4.2).")
	}
	if !l.check(ruleRegistrationEndpoint, server.RegistrationEndpoint != "", server.RegistrationEndpoint) {
		return server, stepFailed("The authorization server takes no registrations", "",
			"RFC 8414 Section 2: registration_endpoint is the URL of the server's RFC 7591 registration endpoint; REGISTRATION=off leaves it out.")
	}
	l.check(ruleClientIDMetadataDocument, true, fmt.Sprint(server.ClientIDMetadataDocumentSupported))
	return server, nil
}

// mcpRegistration is step 4: the registration kept, when the provider still
// knows it ([RFC 7592 Section 2.1]), else a new one ([RFC 7591 Section 3]).
// The lock is held throughout, so that runs of several browsers at once
// register once.
//
// [RFC 7592 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7592#section-2.1
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
func (a *App) mcpRegistration(ctx context.Context, server metadata.Metadata, scope string) (*mcpClient, []xray.Hop, error) {
	a.mcp.mu.Lock()
	defer a.mcp.mu.Unlock()
	var hops []xray.Hop
	if kept := a.mcp.client; kept != nil {
		known := false
		more, err := a.walkStep(ctx, "4", "Client read: does the provider still know this client?", "RFC 7592 Section 2.1", func(ctx context.Context, l *checklist) (err error) {
			known, err = a.mcpReadClient(ctx, l, kept)
			return err
		})
		if hops = append(hops, more...); err != nil || known {
			return kept, hops, err
		}
		a.mcp.client = nil
	}
	var registered *mcpClient
	more, err := a.walkStep(ctx, "4", "Client registration, as a public client", "RFC 7591 Section 3.1", func(ctx context.Context, l *checklist) (err error) {
		registered, err = a.mcpRegister(ctx, l, server, scope)
		return err
	})
	if hops = append(hops, more...); err != nil {
		return nil, hops, err
	}
	a.mcp.client = registered
	return registered, hops, nil
}

// The rules of step 4, in the order mcpReadClient and mcpRegister check
// them: the registration kept is used again, or a new one is made.
var (
	ruleClientReused     = rule{Text: "the provider still knows this client: it is used again, not registered anew", Ref: "RFC 7592 Section 2.1"}
	ruleClientStillKnown = rule{Text: "the provider still knows this client", Ref: "RFC 7592 Section 2.1"}
	ruleClientRegistered = rule{Text: "the provider registered the client: 201 with its client_id", Ref: "RFC 7591 Section 3.2",
		Quote: `"The server responds with an HTTP 201 Created status code and a body of type "application/json"".`}
)

// mcpReadClient asks the client configuration endpoint for the kept
// registration ([RFC 7592 Section 2.1]): 200 when the provider knows it;
// "If the client does not exist on this server, the server MUST respond
// with HTTP 401 Unauthorized".
//
// [RFC 7592 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7592#section-2.1
func (a *App) mcpReadClient(ctx context.Context, l *checklist, kept *mcpClient) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.backChannelURL(kept.RegistrationClientURI), nil)
	if err != nil {
		return false, stepFailed("The registration kept has no usable configuration endpoint", err.Error(), "")
	}
	req.Header.Set("Authorization", "Bearer "+kept.RegistrationAccessToken)
	resp, err := a.http.Do(req)
	if err != nil {
		return false, stepFailed("The client configuration endpoint could not be reached", err.Error(), "")
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		l.check(ruleClientReused, true, kept.ClientID)
		return true, nil
	case http.StatusUnauthorized:
		l.check(ruleClientStillKnown, false, "401: it does not (its store was reset, or the client deleted); the client registers again")
		return false, nil
	}
	l.check(ruleClientStillKnown, false, resp.Status)
	return false, stepFailed("The client configuration endpoint gave an unusable answer", resp.Status, "")
}

// mcpRegister registers the MCP client: public, with no secret
// ([RFC 7591 Section 2]: token_endpoint_auth_method "none"), the code
// grant, this page's redirect URI and the scope step 1 found.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func (a *App) mcpRegister(ctx context.Context, l *checklist, server metadata.Metadata, scope string) (*mcpClient, error) {
	endpoint := server.BackChannel(a.cfg.AuthServer, a.cfg.AuthServerInternal).RegistrationEndpoint
	registered, err := a.postRegistration(ctx, endpoint, map[string]any{
		"client_name":                "oauth-reference client (MCP walkthrough)",
		"redirect_uris":              []string{a.cfg.MCPRedirectURI()},
		"token_endpoint_auth_method": "none",
		"grant_types":                []string{"authorization_code"},
		"response_types":             []string{"code"},
		"scope":                      scope,
	})
	detail := registered.ClientID
	if err != nil {
		detail = err.Error()
	}
	if !l.check(ruleClientRegistered, err == nil, detail) {
		return nil, stepFailed("The registration was refused", detail, ruleClientRegistered.Quoted())
	}
	return &mcpClient{registration: registered, RegisteredAt: a.now()}, nil
}

// mcpAuthorize is step 5: it fills p with the run and the authorization
// request of the MCP client, with PKCE S256 ([RFC 7636 Section 4.3]), the
// scope of step 1 and the resource of step 2 ([RFC 8707 Section 2.1]), and
// returns the URL the browser goes to.
//
// [RFC 7636 Section 4.3]: https://www.rfc-editor.org/rfc/rfc7636#section-4.3
// [RFC 8707 Section 2.1]: https://www.rfc-editor.org/rfc/rfc8707#section-2.1
func (a *App) mcpAuthorize(p *pendingAuthorization, run *mcpRun, client *mcpClient, scope string) string {
	run.Config = oauth2.Config{
		ClientID:    client.ClientID,
		RedirectURL: a.cfg.MCPRedirectURI(),
		Scopes:      strings.Fields(scope),
		Endpoint: oauth2.Endpoint{
			AuthURL:   run.Server.AuthorizationEndpoint,
			TokenURL:  run.Server.BackChannel(a.cfg.AuthServer, a.cfg.AuthServerInternal).TokenEndpoint,
			AuthStyle: oauth2.AuthStyleInParams, // a public client: client_id in the form, no secret
		},
	}
	authURL := run.Config.AuthCodeURL(p.State, oauth2.S256ChallengeOption(p.CodeVerifier),
		oauth2.SetAuthURLParam("resource", run.Resource), oauth2.SetAuthURLParam("ui_locales", p.UILocales))
	p.MCP, p.Nonce = run, ""
	p.Request = xray.Hop{
		Step: "5", Title: "Authorization request, with resource", Ref: "RFC 8707 Section 2.1", Time: a.now(), Channel: xray.Front,
		Note:   "The client redirects your browser (303) to the authorization endpoint: you sign in and approve at the provider.",
		URL:    authURL,
		Params: explainParams(authURL, mcpAuthorizationParams),
	}
	return authURL
}

// handleMCPCallback handles "GET /mcp/callback", the MCP client's
// redirection endpoint: the state and iss checks of /callback
// ([RFC 6749 Section 10.12], [RFC 9207 Section 2.4]), then step 6, the
// token request with the code_verifier and the same resource
// ([RFC 8707 Section 2.2]), and step 7, the resource called with the
// token. It shows every hop of the run.
//
// [RFC 6749 Section 10.12]: https://www.rfc-editor.org/rfc/rfc6749#section-10.12
// [RFC 9207 Section 2.4]: https://www.rfc-editor.org/rfc/rfc9207#section-2.4
// [RFC 8707 Section 2.2]: https://www.rfc-editor.org/rfc/rfc8707#section-2.2
func (a *App) handleMCPCallback(c *gin.Context) {
	r := parseAuthorizationResponse(c.Request.URL.Query())
	r.MCP = true
	hop := a.authorizationResponseHop(c.Request.URL, a.cfg.MCPRedirectURI())
	hop.Step = "6"
	_, p, err := a.checkAuthorizationResponse(c, r, &hop)
	var hops []xray.Hop
	if p.MCP != nil {
		hops = append(slices.Clone(p.MCP.Hops), p.Request)
	}
	hops = append(hops, hop)
	audience := ""
	if err == nil {
		var more []xray.Hop
		more, audience, err = a.mcpFinish(c.Request.Context(), p.MCP, r.Code, p.CodeVerifier)
		hops = append(hops, more...)
	}
	a.renderMCPRun(c, hops, audience, err)
}

// mcpFinish is steps 6 and 7: the code exchanged for an access token for
// the resource, whose aud it returns, then the resource called with it.
func (a *App) mcpFinish(ctx context.Context, run *mcpRun, code, verifier string) ([]xray.Hop, string, error) {
	var tok *oauth2.Token
	var audience string
	hops, err := a.walkStep(ctx, "6", "Access token request, with resource", "RFC 8707 Section 2.2", func(ctx context.Context, l *checklist) (err error) {
		tok, audience, err = a.mcpExchange(ctx, l, run, code, verifier)
		return err
	})
	if err != nil {
		return hops, "", err
	}
	more, err := a.walkStep(ctx, "7", "The resource, with the token", "RFC 6750 Section 2.1", func(ctx context.Context, l *checklist) error {
		return a.callWithToken(ctx, l, tok, resource.UserProfilePath)
	})
	return append(hops, more...), audience, err
}

// The rules of step 6, in the order mcpExchange checks them.
var (
	ruleMCPTokenIssued     = rule{Text: "the provider issued an access token", Ref: "RFC 6749 Section 5.1"}
	ruleAudienceIsResource = rule{Text: "the access token's aud names the resource asked for (decoded for display: an MCP client treats the token as opaque)", Ref: "RFC 8707 Section 2.2"}
)

// mcpExchange sends the token request of the MCP client: the code, the
// code_verifier ([RFC 7636 Section 4.5]) and the resource
// ([RFC 8707 Section 2.2]), whose access token "is intended for" it: its aud
// names it. An invalid_client answer means the provider no longer knows the
// client: the registration is forgotten, and the next run registers anew.
//
// [RFC 7636 Section 4.5]: https://www.rfc-editor.org/rfc/rfc7636#section-4.5
// [RFC 8707 Section 2.2]: https://www.rfc-editor.org/rfc/rfc8707#section-2.2
func (a *App) mcpExchange(ctx context.Context, l *checklist, run *mcpRun, code, verifier string) (*oauth2.Token, string, error) {
	tok, err := run.Config.Exchange(ctx, code, oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", run.Resource))
	if err != nil {
		l.check(ruleMCPTokenIssued, false, tokenAnswer(err))
		pe := tokenRequestError("The token request (step 6) failed", codeGrant, err)
		if pe.view.Code == "invalid_client" {
			a.mcp.forget(run.Config.ClientID)
			pe.view.Message, pe.view.Causes = "The provider no longer knows this client (its store was reset, or the client was deleted), so the client forgot its registration: run the walkthrough again to register anew.", nil
		}
		return nil, "", pe
	}
	claims, _ := tokenview.Decode(tok.AccessToken)
	aud := audiences(claims.Values["aud"])
	if !l.check(ruleAudienceIsResource, slices.Contains(aud, run.Resource), strings.Join(aud, " ")) {
		return nil, "", stepFailed("The access token is not for the resource", fmt.Sprintf("aud %q, resource %q", aud, run.Resource),
			"RFC 8707 Section 2: the authorization server SHOULD restrict the access token's audience (aud) to the resource indicated, and this client asked for a token it can use there.")
	}
	return tok, strings.Join(aud, " "), nil
}

// audiences returns the aud claim of [RFC 7519 Section 4.1.3]: a string or
// an array of strings.
//
// [RFC 7519 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1.3
func audiences(aud any) []string {
	switch aud := aud.(type) {
	case string:
		return []string{aud}
	case []any:
		var out []string
		for _, v := range aud {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// renderMCPRun writes the page after a run: its hops, the failed one last
// when err says why it stopped.
func (a *App) renderMCPRun(c *gin.Context, hops []xray.Hop, audience string, err error) {
	v := a.mcpView()
	v.Ran, v.Audience = true, audience
	v.Walk = a.viewHops(c.Request.Context(), hops)
	status := http.StatusOK
	if err != nil {
		v.Failure, status = a.runFailure(c, err)
	}
	a.render(c, status, "mcp.html", "Connect as an MCP client", v)
}
